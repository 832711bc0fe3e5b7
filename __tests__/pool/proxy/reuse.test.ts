// Issue 14: pooled keep-alive through an egress proxy. Counted where it happens: TCP connections and
// CONNECT tunnels at a loopback forward proxy, connections at the upstreams.
import { expectOnePooledForward, expectOnePooledTunnel, plainAxiosPostsInSequence, postInSequence, proxyWorld } from '../../helpers/proxy-world';
import { setProxyEnv } from '../../helpers/env';
import { memoryLogger } from '../../helpers/logs';
import { settle, until } from '../../helpers/wait';

const w = proxyWorld();
let restoreEnv: () => void = () => undefined;
afterEach(() => restoreEnv());

test('plain axios + agentkeepalive with HTTPS_PROXY: 20 sequential https POSTs open 20 TCP connections and 20 tunnels', async () => {
  restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
  await plainAxiosPostsInSequence(w);
  // axios builds its own tunnelling agent per request (lib/adapters/http.js setProxy): the pool is bypassed.
  expect(w.proxy.tunnels()).toBe(20);
  expect(w.proxy.connections()).toBe(20);
  expect(w.https.connections()).toBe(20);
});

test('the preset with HTTPS_PROXY: 20 sequential https POSTs, 1 TCP connection and 1 tunnel, reused from the 2nd call, the upstream as origin', async () => {
  restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
  const log = memoryLogger();
  const c = w.client({ logger: log.logger });
  await postInSequence(c, () => `${w.https.url}/json`);
  const origin = await expectOnePooledTunnel(w, c, log);
  const lines = log.lines();
  expect(lines.filter((l) => l.evt === 'request').map((l) => l.url)).toEqual(Array(20).fill(`${origin}/json`));
  // The warning of the seed is gone: the pool handles the proxy.
  expect(lines.filter((l) => l.evt === 'proxy-env' || l.evt === 'pool-bypassed')).toEqual([]);
});

test('an explicit options.proxy works the same without any variable set', async () => {
  restoreEnv = setProxyEnv({});
  const c = w.client({ proxy: w.proxy.url });
  for (let i = 0; i < 5; i++) expect((await c.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(i > 0);
  expect(w.proxy.tunnels()).toBe(1);
});

test('concurrency: 40 calls at once on maxSockets 4 open at most 4 tunnels (a tunnel being built counts against maxSockets)', async () => {
  const c = w.client({ proxy: w.proxy.url, agent: { maxSockets: 4 } });
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => c.post(`${w.https.url}/json`, { i })));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(w.proxy.tunnels()).toBeLessThanOrEqual(4);
  expect(w.proxy.connections()).toBeLessThanOrEqual(4);
  expect(w.https.connections()).toBeLessThanOrEqual(4);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ requests: 40, active: 0, queued: 0 });
  expect(c.keepAlive.stats().total.created).toBeLessThanOrEqual(4);
});

test('http targets through the proxy: absolute-form requests on one pooled connection to the proxy, filed under the upstream', async () => {
  restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
  const log = memoryLogger();
  const c = w.client({ logger: log.logger });
  const origin = w.http.url;
  await postInSequence(c, (i) => `${origin}/json?i=${i}`);
  await expectOnePooledForward(w, c);
  expect(w.proxy.received[0].headers.host).toBe(`127.0.0.1:${w.http.port}`);
  // The request line shows the upstream URL (query values redacted), not the absolute form twice.
  expect(log.lines().find((l) => l.evt === 'request')?.url).toBe(`${origin}/json?i=[REDACTED]`);
});

test('HTTPS_PROXY alone leaves http targets direct, HTTP_PROXY alone leaves https targets direct', async () => {
  restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
  const a = w.client();
  await a.get(`${w.http.url}/json`);
  restoreEnv();
  restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
  const b = w.client();
  await b.get(`${w.https.url}/json`);
  expect(w.proxy.connections()).toBe(0);
  expect(a.keepAlive.stats().origins[w.http.url].proxy).toBeUndefined();
});

test('Proxy-Authorization from the proxy URL goes on CONNECT and on absolute-form requests, and nowhere else', async () => {
  const user = 'egress';
  const password = 'p@ss:w/rd%';
  const proxyUrl = w.proxy.url.replace('http://', `http://${user}:${encodeURIComponent(password)}@`);
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const c = w.client({ proxy: proxyUrl });
  const tunnelled = await c.get(`${w.https.url}/headers`);
  const forwarded = await c.get(`${w.http.url}/headers`);
  expect(w.proxy.received.map((r) => [r.kind, r.headers['proxy-authorization']])).toEqual([
    ['connect', expected],
    ['forward', expected],
  ]);
  // Inside the tunnel, the upstream sees no proxy credentials; the proxy strips them from forwarded requests.
  expect(tunnelled.data['proxy-authorization']).toBeUndefined();
  expect(forwarded.data['proxy-authorization']).toBeUndefined();
});

test('an Expect header (Node renders the head before addRequest) still goes out in absolute form with the credentials', async () => {
  const c = w.client({ proxy: w.proxy.url.replace('http://', 'http://u:pw@') });
  const res = await c.post(`${w.http.url}/json`, 'x', { headers: { Expect: '100-continue', 'Content-Type': 'text/plain' } });
  expect(res.status).toBe(200);
  expect(w.proxy.received[0]).toMatchObject({ kind: 'forward', target: `${w.http.url}/json` });
  expect(w.proxy.received[0].headers['proxy-authorization']).toBe(`Basic ${Buffer.from('u:pw').toString('base64')}`);
});

test('close() closes the tunnels and the connections to the proxy; the process is left with nothing open', async () => {
  const c = w.client({ proxy: w.proxy.url });
  await Promise.all([c.get(`${w.https.url}/json`), c.get(`${w.https.url}/json`), c.get(`${w.http.url}/json`)]);
  await until(() => w.proxy.open() === 3);
  await c.keepAlive.close();
  await until(() => w.proxy.open() === 0);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0 });
  expect(c.keepAlive.stats().total.closed.byReason['client-closed']).toBe(3);
});

test('close() while a tunnel is being built: the call fails with ERR_CLIENT_CLOSED and the half-built tunnel is closed', async () => {
  w.proxy.behave('stall');
  const c = w.client({ proxy: w.proxy.url, timeouts: { connect: 10_000 } });
  const call = c.get(`${w.https.url}/json`).catch((e: { code?: string }) => e);
  await until(() => w.proxy.received.length === 1);
  // The tunnel being built holds its pool slot: `connecting`, not yet a socket of the pool (not `created`, not `active`).
  expect(c.keepAlive.stats().total).toMatchObject({ connecting: 1, active: 0, created: 0 });
  await c.keepAlive.close();
  expect(await call).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  await until(() => w.proxy.open() === 0);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0 });
});
