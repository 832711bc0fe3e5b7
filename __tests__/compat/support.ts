// What the compatibility suites share: the facts read loosely (their shape under an interceptor is
// what these suites pin down), timing a call that must fail, an origin nothing listens on for the
// mocked upstreams, and the checks on the log lines.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MemoryLog } from '../helpers/logs';

export type Facts = Record<string, unknown>;

/**
 * `response.keepAlive` or `error.keepAlive` as a plain record. Read this way on purpose: under an
 * interceptor `reused` is `null` and a `bypassed` field says why, which the typed ResponseFacts of
 * the current build do not express yet; the suites must type-check against both.
 */
export function factsOf(value: unknown): Facts {
  const facts = (value as { keepAlive?: unknown } | null)?.keepAlive;
  if (typeof facts !== 'object' || facts === null) throw new Error(`no keepAlive facts on ${String(value)}`);
  return facts as Facts;
}

/** What the library knows, and says, about a call an interceptor answered (nock, msw): no socket facts. */
export const INTERCEPTED = { reused: null, socketRequests: null, bypassed: 'interceptor' } as const;

export interface Failure {
  error: Error & { code?: string; response?: { status: number } };
  ms: number;
}

/** Runs a call that must fail; how long it took to, in ms. */
export async function failing(call: () => Promise<unknown>): Promise<Failure> {
  const t0 = performance.now();
  const error = await call().then(
    () => {
      throw new Error('expected the call to fail, it succeeded');
    },
    (e: Failure['error']) => e,
  );
  return { error, ms: performance.now() - t0 };
}

/**
 * An http origin on 127.0.0.1 whose port was listened on and closed, so nothing answers there: a
 * mocked upstream lives at this address, and a request the mock fails to catch is refused on
 * loopback instead of going anywhere else.
 */
export async function unusedOrigin(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * No warning or error line at all, and the bypass said at most once, at debug level, naming the
 * interceptor (never the proxy/agent wording of a real bypass).
 */
export function expectNoFalseBypassWarning(log: MemoryLog): void {
  const lines = log.lines();
  expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
  // The per-call lines may carry the facts (bypassed included): it is the separate notice that counts.
  const bypass = lines.filter((l) => l.evt !== 'request' && (l.evt === 'pool-bypassed' || l.bypassed !== undefined));
  expect(bypass.length).toBeLessThanOrEqual(1);
  for (const line of bypass) expect(line).toMatchObject({ level: 20, bypassed: 'interceptor' });
}

/** The one `evt: 'request'` line per call, in order. */
export function requestLines(log: MemoryLog): Array<Record<string, unknown>> {
  return log.lines().filter((l) => l.evt === 'request');
}
