// Issue 3: each phase on a real server that misbehaves in that phase. Margins are generous: these
// machines are shared; the assertions are "not before the limit" and "well before the next one".
import axios from 'axios';
import dns from 'node:dns';
import { isTimeoutError, type KeepAliveAxiosError } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { withServer } from '../helpers/clients';
import type { TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';
import { failure as timed } from '../helpers/failure';

let server: TestServer;
const client = withServer((s) => (server = s));

function expectTimeout(error: KeepAliveAxiosError, phase: string, limit: number): void {
  expect(axios.isAxiosError(error)).toBe(true);
  expect(isTimeoutError(error)).toBe(true);
  expect(error.code).toBe('ETIMEDOUT');
  expect(error.keepAlive?.timeoutPhase).toBe(phase);
  expect(error.message).toContain(`${phase} timeout of ${limit} ms exceeded`);
  expect(error.message).toContain(server.url);
}

test('response: a server that holds the headers trips `response`, the socket is destroyed, the next call succeeds', async () => {
  const log = memoryLogger();
  const c = client({ logger: log.logger, timeouts: { response: 300, idle: 100, total: 10_000 } });
  await c.get('/json'); // a pooled socket: `response` is measured on a reused socket too
  const { error, ms } = await timed(c.get('/slow-headers?ms=5000'));
  expectTimeout(error, 'response', 300);
  expect(error.message).toBe(`response timeout of 300 ms exceeded waiting for headers from ${server.url}`);
  // Not the idle timer (100 ms), even though the socket was silent: headers are `response`'s.
  expect(ms).toBeGreaterThanOrEqual(295);
  expect(ms).toBeLessThan(2500);
  expect(error.keepAlive).toMatchObject({ reused: true, socketRequests: 2 });
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, idle: 0, timeouts: { response: 1 } });
  expect(stats.closed.byReason.timeout).toBe(1);
  const ok = await c.get('/json');
  expect(ok.status).toBe(200);
  expect(ok.keepAlive!.reused).toBe(false);
  const lines = log.lines();
  expect(lines.find((l) => l.evt === 'request' && l.code === 'ETIMEDOUT')).toMatchObject({ level: 40, timeoutPhase: 'response' });
  expect(lines.find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'timeout', timeoutPhase: 'response', requests: 2 });
});

test('idle: headers at once, then a body slower than `idle`', async () => {
  const c = client({ timeouts: { idle: 300, response: 10_000, total: 10_000 } });
  const { error, ms } = await timed(c.get('/drip?chunks=5&interval=1500'));
  expectTimeout(error, 'idle', 300);
  expect(ms).toBeGreaterThanOrEqual(295);
  expect(ms).toBeLessThan(1400); // before the first chunk would have come
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, timeouts: { idle: 1 } });
  expect((await c.get('/json')).status).toBe(200);
});

test('idle: a steady drip faster than `idle` is not a timeout', async () => {
  const c = client({ timeouts: { idle: 600, total: 10_000 } });
  const res = await c.get('/drip?chunks=6&interval=150');
  expect(res.data).toBe('xxxxxx');
});

test('total: a body that drips steadily but past `total`', async () => {
  const c = client({ timeouts: { idle: 1000, response: 5000, total: 800 } });
  const { error, ms } = await timed(c.get('/drip?chunks=30&interval=100'));
  expectTimeout(error, 'total', 800);
  expect(error.message).toBe(`total timeout of 800 ms exceeded for the whole call to ${server.url}`);
  expect(ms).toBeGreaterThanOrEqual(795);
  expect(ms).toBeLessThan(2500);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, timeouts: { total: 1 } });
  expect((await c.get('/json')).status).toBe(200);
});

test('queue: maxSockets 1 with one hanging request; the queued one times out in the queue', async () => {
  const c = client({ agent: { maxSockets: 1 }, timeouts: { queue: 300, response: 10_000, total: 10_000 } });
  const controller = new AbortController();
  const hanging = c.get('/hang', { signal: controller.signal }).catch((e: unknown) => e);
  await until(() => c.keepAlive.stats().total.active === 1);
  const { error, ms } = await timed(c.get('/json'));
  expectTimeout(error, 'queue', 300);
  expect(ms).toBeGreaterThanOrEqual(295);
  expect(ms).toBeLessThan(2500);
  expect(error.keepAlive?.socketRequests).toBeUndefined(); // it never had a socket
  // The timed-out request left the agent's queue (Node would keep it until a socket frees).
  expect(c.keepAlive.stats().total).toMatchObject({ queued: 0, active: 1, timeouts: { queue: 1 } });
  controller.abort();
  expect((await hanging as { code: string }).code).toBe('ERR_CANCELED');
  const ok = await c.get('/json');
  expect(ok.status).toBe(200);
  expect(server.requests()).toBe(2); // the queued request was never sent
});

test('connect: a slow DNS lookup trips `connect`', async () => {
  const slowLookup = ((hostname: string, options: dns.LookupOptions, cb: (...a: unknown[]) => void) => {
    setTimeout(() => dns.lookup(hostname, options, cb as never), 1500).unref();
  }) as unknown as typeof dns.lookup;
  // A host name, so that Node calls the lookup (an IP address skips it).
  const c = client({ timeouts: { connect: 300, total: 10_000 }, axios: { baseURL: `http://localhost:${server.port}` } });
  const { error, ms } = await timed(c.get('/json', { lookup: slowLookup } as never));
  expect(error.code).toBe('ETIMEDOUT');
  expect(error.keepAlive?.timeoutPhase).toBe('connect');
  expect(error.message).toBe(`connect timeout of 300 ms exceeded connecting to http://localhost:${server.port}`);
  expect(ms).toBeGreaterThanOrEqual(295);
  expect(ms).toBeLessThan(1400);
  expect(server.connections()).toBe(0);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, created: 1, timeouts: { connect: 1 }, closed: { byReason: { timeout: 1 } } });
});

test('a user cancel stays a cancel, a deadline with a user signal stays a timeout', async () => {
  const c = client({ timeouts: { response: 400, total: 10_000 } });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const canceled = await timed(c.get('/hang', { signal: controller.signal }));
  expect(canceled.error.code).toBe('ERR_CANCELED');
  expect(axios.isCancel(canceled.error)).toBe(true);
  expect(isTimeoutError(canceled.error)).toBe(false);
  expect(canceled.ms).toBeLessThan(390);
  await settle(600); // past the response limit: nothing else fires, nothing unhandled
  const untouched = new AbortController();
  const timedOut = await timed(c.get('/hang', { signal: untouched.signal }));
  expectTimeout(timedOut.error, 'response', 400);
  expect(untouched.signal.aborted).toBe(false);
  const source = axios.CancelToken.source();
  setTimeout(() => source.cancel('user said stop'), 100);
  const tokenCanceled = await timed(c.get('/hang', { cancelToken: source.token }));
  expect(axios.isCancel(tokenCanceled.error)).toBe(true);
});

test('per-request overrides replace the client default for that call only', async () => {
  const c = client({ timeouts: { response: 10_000, total: 20_000 } });
  const { error, ms } = await timed(c.get('/slow-headers?ms=3000', { keepAlive: { timeouts: { response: 250 } } }));
  expectTimeout(error, 'response', 250);
  expect(ms).toBeLessThan(2000);
  const res = await c.get('/slow-headers?ms=300'); // the client's 10 s applies again
  expect(res.data).toBe('late');
  // 0 switches a phase off for one call.
  const slow = await c.get('/slow-headers?ms=600', { keepAlive: { timeouts: { response: 0, total: 0 } } });
  expect(slow.status).toBe(200);
});

test('every timer is cleared when its call settles: thousands of calls leave no handles behind', async () => {
  // The library's timers are unref()ed (they never keep a process alive), so
  // process.getActiveResourcesInfo() would not show them: track them where they are made.
  const live = new Set<unknown>();
  const realSet = global.setTimeout;
  const realClear = global.clearTimeout;
  const fromLibrary = (): boolean => /[\\/]src[\\/]/.test(new Error().stack ?? '');
  const set = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const mine = fromLibrary();
    const handle: unknown = realSet((...a: unknown[]) => {
      live.delete(handle);
      fn(...a);
    }, ms, ...args);
    if (mine) live.add(handle);
    return handle;
  }) as typeof setTimeout);
  const clear = jest.spyOn(global, 'clearTimeout').mockImplementation(((handle: NodeJS.Timeout) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout);
  const c = client({ agent: { maxSockets: 10 } });
  await c.get('/json');
  let made = 0;
  set.mock.calls.length = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < 3000) {
        next++;
        await c.get('/json');
      }
    }),
  );
  await settle(50);
  made = set.mock.calls.length;
  set.mockRestore();
  clear.mockRestore();
  expect(made).toBeGreaterThanOrEqual(3000); // the tracker saw the library's timers being made
  expect(live.size).toBe(0);
});

test('isTimeoutError checks the code, so it works for errors from another realm', () => {
  expect(isTimeoutError({ isAxiosError: true, code: 'ETIMEDOUT' })).toBe(true);
  expect(isTimeoutError({ isAxiosError: true, code: 'ECONNABORTED' })).toBe(true);
  expect(isTimeoutError({ isAxiosError: true, code: 'ERR_CANCELED' })).toBe(false);
  expect(isTimeoutError(new Error('ETIMEDOUT'))).toBe(false);
  expect(isTimeoutError(null)).toBe(false);
});
