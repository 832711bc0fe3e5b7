// Counters per origin, kept by the library itself: agentkeepalive's own counters are agent-wide
// and its `statusChanged` getter resets them, so they are never read here.
import type { Socket } from 'node:net';
import { socketState } from '../pool/socket-state';

/** Why a socket was closed. */
export type CloseReason =
  | 'idle-timeout' // idle in the pool for freeSocketTimeout
  | 'server-hint' // the server's Keep-Alive: timeout=N said it would close sooner
  | 'max-age' // older than socketActiveTTL
  | 'connection-close' // the response said Connection: close
  | 'server-closed' // the server closed it (FIN or reset)
  | 'error' // a socket error (other than a reset seen as server-closed)
  | 'timeout' // a request on it timed out (see the phase in the log line)
  | 'abandoned' // a stream body was not read (stream guard) or its reader stopped early
  | 'drain-limit' // an error body too large or slow to drain
  | 'canceled' // the caller canceled the request (signal, cancelToken)
  | 'unsolicited-data' // bytes arrived on an idle pooled socket
  | 'pool-full' // not kept: maxFreeSockets idle sockets already
  | 'client-closed' // the client was closed (handle.close())
  | 'proxy-changed' // idle when the proxy variables changed (applyKeepAlive on an instance that follows the environment)
  | 'redirect' // follow-redirects dropped the connection of a redirect response it had read (maxRedirects > 0)
  | 'request-unfinished' // the response ended, the request body did not finish writing within 50 ms (unfinished-request.ts)
  | 'unused' // a new connection (a proxy tunnel, ready later) found no request left to carry: Node's agent does not pool a socket that never carried one
  | 'destroyed'; // closed by code outside the library without an error (req.destroy(), agent.destroy())

export type TimeoutPhase = 'queue' | 'connect' | 'response' | 'idle' | 'total';

export class OriginCounters {
  /** The proxy this origin is reached through (no credentials), when it is. */
  proxy: string | undefined = undefined;
  created = 0;
  closed: Partial<Record<CloseReason, number>> = {};
  requests = 0;
  reused = 0;
  retries = 0;
  timeouts: Partial<Record<TimeoutPhase, number>> = {};
  /**
   * The origin's sockets from creation to 'close' (socket-state.ts), idle or not: `active` and
   * `idle` are counted here, not from the agent's lists, which drop a socket when it is destroyed
   * (agentkeepalive's free-socket timeout calls removeSocket() at once), before its 'close' counts
   * it closed: so `created - closed = active + idle` holds at every moment.
   */
  readonly open = new Set<Socket>();
}

export interface OriginStats {
  /** Sockets carrying a request now. */
  active: number;
  /** Sockets idle in the pool. */
  idle: number;
  /**
   * CONNECT tunnels being set up through the proxy: each holds a `maxSockets` slot, and becomes a
   * socket of the pool (counted in `created`, then `active`) when its TLS handshake starts.
   */
  connecting: number;
  /** Requests waiting for a socket (maxSockets reached). */
  queued: number;
  /** Sockets opened. */
  created: number;
  /** Sockets closed, in all and by reason. */
  closed: { total: number; byReason: Partial<Record<CloseReason, number>> };
  /** Requests handed a socket. */
  requests: number;
  /** Of those, requests served on a socket that had already served one. */
  reused: number;
  /** reused / requests (0 when there were no requests). */
  reuseRatio: number;
  /** Stale-socket retries. */
  retries: number;
  /** Calls that timed out, by phase. */
  timeouts: Partial<Record<TimeoutPhase, number>>;
  /** The forward proxy this origin is reached through (`http://proxy:3128`, never with credentials); absent when direct. */
  proxy?: string;
}

export interface PoolStats {
  total: OriginStats;
  origins: Record<string, OriginStats>;
}

function empty(): OriginStats {
  return {
    active: 0, idle: 0, connecting: 0, queued: 0, created: 0, closed: { total: 0, byReason: {} },
    requests: 0, reused: 0, reuseRatio: 0, retries: 0, timeouts: {},
  };
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): number {
  let sum = 0;
  for (const key of Object.keys(from) as K[]) {
    const n = from[key] ?? 0;
    into[key] = (into[key] ?? 0) + n;
    sum += n;
  }
  return sum;
}

function add(into: OriginStats, c: Pick<OriginCounters, 'created' | 'closed' | 'requests' | 'reused' | 'retries' | 'timeouts'>): void {
  into.created += c.created;
  into.closed.total += addCounts(into.closed.byReason, c.closed);
  into.requests += c.requests;
  into.reused += c.reused;
  into.retries += c.retries;
  addCounts(into.timeouts, c.timeouts);
}

/** Live socket counts of one agent, by its pool name (`host:port:...`). */
export interface LiveCounts {
  sockets: Record<string, unknown[] | undefined>;
  freeSockets: Record<string, unknown[] | undefined>;
  requests: Record<string, unknown[] | undefined>;
}

/**
 * Sockets the pool created (and counts in `created`). A CONNECT tunnel being set up stands in the
 * agent's socket list before its socket exists (proxy/route.ts: so maxSockets counts it): it is
 * `connecting`, not `active`, so that `created - closed = active + idle` holds at every moment.
 */
function countPoolSockets(list: readonly unknown[]): number {
  let n = 0;
  for (const s of list) if (socketState(s as Socket) !== undefined) n++;
  return n;
}

export class StatsRegistry {
  private readonly counters = new Map<string, OriginCounters>();
  /** agent pool name -> origin, filled as requests are added. */
  private readonly names = new Map<string, string>();

  forOrigin(origin: string): OriginCounters {
    let c = this.counters.get(origin);
    if (c === undefined) {
      c = new OriginCounters();
      this.counters.set(origin, c);
    }
    return c;
  }

  /** Every socket of the pool from its creation to its 'close', whether the agent still lists it or not. */
  openSockets(): Socket[] {
    const out: Socket[] = [];
    for (const c of this.counters.values()) out.push(...c.open);
    return out;
  }

  nameOrigin(name: string, origin: string): void {
    if (!this.names.has(name)) this.names.set(name, origin);
  }

  snapshot(agents: readonly LiveCounts[]): PoolStats {
    const origins: Record<string, OriginStats> = {};
    const total = empty();
    const view = (origin: string): OriginStats => (origins[origin] ??= empty());
    for (const [origin, c] of this.counters) {
      const v = view(origin);
      add(v, c);
      if (c.proxy !== undefined) v.proxy = c.proxy;
      for (const socket of c.open) {
        if (socketState(socket)?.idle === true) v.idle++;
        else v.active++;
      }
    }
    for (const agent of agents) {
      for (const [name, list] of Object.entries(agent.requests)) if (list !== undefined) view(this.names.get(name) ?? name).queued += list.length;
      for (const [name, list] of Object.entries(agent.sockets)) if (list !== undefined) view(this.names.get(name) ?? name).connecting += list.length - countPoolSockets(list);
    }
    for (const s of Object.values(origins)) {
      s.reuseRatio = s.requests === 0 ? 0 : s.reused / s.requests;
      add(total, { created: s.created, closed: s.closed.byReason, requests: s.requests, reused: s.reused, retries: s.retries, timeouts: s.timeouts });
      total.active += s.active;
      total.idle += s.idle;
      total.connecting += s.connecting;
      total.queued += s.queued;
    }
    total.reuseRatio = total.requests === 0 ? 0 : total.reused / total.requests;
    return { total, origins };
  }
}
