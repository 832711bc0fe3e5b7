// The misbehaviours a chaos call can meet: the fault server's routes (helpers/fault-server.ts),
// with their parameters drawn for the call, and what the server will do, in the terms the checks
// use (does the head come, does the body stall, how long does it take).
import type { Rng } from './prng';

export const ROUTE_WEIGHTS = {
  ok: 40,
  'status-500': 8,
  'reset-before-status': 4,
  'reset-after-headers': 3,
  'reset-mid-body': 3,
  hang: 3,
  'slow-headers': 2,
  'stall-mid-body': 3,
  drip: 4,
  'short-body': 3,
  'chunked-cut': 3,
  'malformed-status': 2,
  'malformed-headers': 2,
  hint: 5,
  'early-close': 4,
  'idle-close': 6,
  unsolicited: 3,
  stale: 4,
  redirect: 4,
} as const;
export type RouteName = keyof typeof ROUTE_WEIGHTS;

/**
 * Through the forward proxy (absolute-form http), the upstream's connection belongs to the proxy:
 * what only makes sense on the client's own connection (hints, idle closes, unsolicited bytes, a
 * connection's second request) would test the proxy's pool, not ours.
 */
const NOT_THROUGH_PROXY: ReadonlySet<RouteName> = new Set(['hint', 'idle-close', 'unsolicited', 'stale', 'redirect']);

export interface RouteDraw {
  name: RouteName;
  /** Path and query on the fault server. */
  path: string;
  /** The status line and headers never complete. */
  stallsHead: boolean;
  /** The head comes, then the body stops for good. */
  stallsBody: boolean;
  /** A complete, well-formed response comes (its status may be an error). */
  completes: boolean;
  /** How long the server takes to send the whole body after the head, in ms. */
  bodyMs: number;
  /** Longest gap between body bytes, in ms (0: the body comes at once). */
  gapMs: number;
  /** Status of the complete response. */
  status: number;
  /** An error body: its size. */
  errorSize?: number;
  /** After a redirect: where to. */
  to?: RouteDraw;
}

export interface RouteContext {
  /** The call's idle limit: drips are drawn clearly below or clearly above it. */
  idle: number;
  proxied: boolean;
  redirects: boolean;
}

export function drawRoute(rng: Rng, ctx: RouteContext, depth = 0): RouteDraw {
  const weights: Partial<Record<RouteName, number>> = { ...ROUTE_WEIGHTS };
  if (ctx.proxied) for (const name of NOT_THROUGH_PROXY) delete weights[name];
  // axios gives a 3xx with redirects off an AxiosError without a code (settle(): a code per 4xx/5xx only).
  if (!ctx.redirects || depth > 0) delete weights.redirect;
  const name = rng.weighted(weights as Record<RouteName, number>);
  const base = { name, stallsHead: false, stallsBody: false, completes: false, bodyMs: 0, gapMs: 0, status: 200 };
  switch (name) {
    case 'ok': {
      const pad = rng.chance(0.3) ? rng.int(1, 200_000) : 0;
      return { ...base, path: pad > 0 ? `/ok?pad=${pad}` : '/ok', completes: true };
    }
    case 'status-500': {
      const size = rng.pick([0, 50, 2000, 20_000, 100_000]);
      const slow = rng.chance(0.3);
      const every = slow ? rng.pick([20, 60, 150]) : 0;
      return {
        ...base, path: `/status-500?size=${size}${every > 0 ? `&every=${every}` : ''}`, completes: true, status: 500,
        errorSize: size, bodyMs: every * 8, gapMs: every,
      };
    }
    case 'hang':
    case 'slow-headers':
      return { ...base, path: `/${name}`, stallsHead: true };
    case 'stall-mid-body':
      return { ...base, path: '/stall-mid-body', stallsBody: true };
    case 'drip': {
      // Clearly below the idle limit (it must not trip), or clearly above it (it must).
      const fast = rng.chance(0.6);
      const every = fast ? Math.max(5, Math.floor(ctx.idle / rng.int(4, 8))) : Math.ceil(ctx.idle * (1.5 + rng.next()));
      const n = rng.int(1, fast ? 20 : 3);
      const end = rng.chance(0.8);
      return {
        ...base, path: `/drip?every=${every}&n=${n}${end ? '&end=1' : ''}`, completes: end, stallsBody: !end,
        bodyMs: every * (n + 1), gapMs: every,
      };
    }
    case 'hint':
      return { ...base, path: `/hint?s=${rng.int(1, 3)}`, completes: true };
    case 'idle-close':
      return { ...base, path: `/idle-close?ms=${rng.pick([30, 100, 300, 800, 1500])}`, completes: true };
    case 'early-close':
    case 'unsolicited':
    case 'stale':
      return { ...base, path: `/${name}`, completes: true };
    case 'redirect': {
      const to = drawRoute(rng, ctx, depth + 1);
      return { ...to, name: 'redirect', path: `/redirect?to=${encodeURIComponent(to.path)}`, to };
    }
    default:
      // resets, truncated bodies, malformed responses: the response never completes.
      return { ...base, path: `/${name}` };
  }
}
