// Issue 14: every guarantee of the library holds through the proxy: stale-socket retry, the
// server's Keep-Alive hint, deadlines, certificate verification, the stream guard, max age.
import type { Readable } from 'node:stream';
import { createClient, type KeepAliveAxiosError } from '../../../src';
import { memoryLogger } from '../../helpers/logs';
import { expectDroppedConnectionRetried, proxyWorld } from '../../helpers/proxy-world';
import { settle, until } from '../../helpers/wait';

const w = proxyWorld({ httpsOptions: { keepAliveTimeout: 2000 } });

async function failure(p: Promise<unknown>): Promise<KeepAliveAxiosError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: KeepAliveAxiosError) => e,
  );
}

test('stale tunnel: the proxy closes an idle tunnel as the next GET goes out; it is re-sent once on a new tunnel', async () => {
  w.proxy.behave('close-reused-tunnel');
  const log = memoryLogger();
  const c = w.client({ proxy: w.proxy.url, logger: log.logger });
  expect((await c.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(false);
  await settle(300); // old and idle enough for the proxy's misbehaviour (200 ms, 50 ms)
  const res = await c.get(`${w.https.url}/json`);
  expect(res.status).toBe(200);
  expect(res.keepAlive).toMatchObject({ retries: 1, reused: false });
  expect(w.proxy.tunnels()).toBe(2);
  expect(log.lines().find((l) => l.evt === 'retry')).toMatchObject({ url: `${w.https.url}/json`, reason: 'stale socket' });
  expect(c.keepAlive.stats().origins[w.https.url]).toMatchObject({ retries: 1, proxy: w.proxy.url });
});

test('stale tunnel, POST without an Idempotency-Key: not re-sent, and the error says why', async () => {
  w.proxy.behave('close-reused-tunnel');
  const c = w.client({ proxy: w.proxy.url });
  await c.post(`${w.https.url}/json`, { a: 1 });
  await settle(300);
  const error = await failure(c.post(`${w.https.url}/json`, { a: 2 }));
  expect(['ECONNRESET', 'EPIPE']).toContain(error.code);
  expect(error.keepAlive?.notRetried).toMatch(/POST is not idempotent/);
});

test('http targets: the proxy drops a kept-alive connection as the next request arrives; the GET is re-sent once', async () => {
  await expectDroppedConnectionRetried(w);
});

test("the upstream's Keep-Alive hint travels through the tunnel: timeout=2 closes the idle tunnel after about 1 s (server-hint)", async () => {
  const log = memoryLogger();
  const c = w.client({ proxy: w.proxy.url, logger: log.logger, agent: { freeSocketTimeout: 4000 } });
  const res = await c.get(`${w.https.url}/json`);
  expect(res.headers['keep-alive']).toBe('timeout=2');
  const t0 = performance.now();
  await until(() => c.keepAlive.stats().total.closed.total === 1, 5000);
  const idleMs = performance.now() - t0;
  expect(idleMs).toBeGreaterThan(700);
  expect(idleMs).toBeLessThan(3000);
  expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'server-hint': 1 });
  expect(log.lines().find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'server-hint', origin: w.https.url, proxy: w.proxy.url });
  await until(() => w.proxy.open() === 0);
});

test('response deadline through the tunnel: an upstream that never answers trips `response`, and the tunnel is destroyed', async () => {
  const c = w.client({ proxy: w.proxy.url, timeouts: { response: 300 } });
  await c.get(`${w.https.url}/json`);
  const t0 = performance.now();
  const error = await failure(c.get(`${w.https.url}/hang`));
  expect(error.code).toBe('ETIMEDOUT');
  expect(error.keepAlive?.timeoutPhase).toBe('response');
  expect(error.message).toContain(w.https.url);
  expect(performance.now() - t0).toBeLessThan(300 + 1500);
  await until(() => c.keepAlive.stats().total.closed.byReason.timeout === 1);
  // The next call opens a good tunnel.
  expect((await c.get(`${w.https.url}/json`)).status).toBe(200);
  expect(w.proxy.tunnels()).toBe(2);
});

test('idle deadline through the proxy (http target): a body that stops arriving trips `idle`', async () => {
  const c = w.client({ proxy: w.proxy.url, timeouts: { idle: 300 } });
  const error = await failure(c.get(`${w.http.url}/drip?chunks=3&interval=1000`));
  expect(error.keepAlive?.timeoutPhase).toBe('idle');
});

test('certificate verification stays on inside the tunnel: without the CA the call fails as on a direct connection, never retried', async () => {
  const log = memoryLogger();
  const c = w.track(createClient({ proxy: w.proxy.url, logger: log.logger }));
  const error = await failure(c.get(`${w.https.url}/json`));
  expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  expect(error.keepAlive?.retries).toBe(0);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ created: 1, active: 0, idle: 0, closed: { byReason: { error: 1 } } });
  expect(log.lines().find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', proxy: w.proxy.url });
  expect(w.https.requests()).toBe(0);
});

test('the stream guard through the tunnel: an unread stream body is destroyed and its tunnel closed as abandoned', async () => {
  const c = w.client({ proxy: w.proxy.url, stream: { idleTimeout: 200 } });
  const res = await c.get<Readable>(`${w.https.url}/bytes?n=1000000`, { responseType: 'stream' });
  let streamError: KeepAliveAxiosError | undefined;
  res.data.on('error', (e: KeepAliveAxiosError) => {
    streamError = e;
  });
  await until(() => streamError !== undefined, 5000);
  expect(streamError?.code).toBe('ERR_STREAM_ABANDONED');
  await until(() => c.keepAlive.stats().total.closed.byReason.abandoned === 1);
  await until(() => w.proxy.open() === 0);
});

test('max age through the tunnel: a tunnel older than socketActiveTTL is closed when it comes back to the pool', async () => {
  const c = w.client({ proxy: w.proxy.url, agent: { socketActiveTTL: 300 } });
  await c.get(`${w.https.url}/json`);
  await settle(400);
  await c.get(`${w.https.url}/json`);
  await until(() => (c.keepAlive.stats().total.closed.byReason['max-age'] ?? 0) >= 1, 3000);
  expect(w.proxy.tunnels()).toBe(2);
});
