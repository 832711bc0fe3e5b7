// https:// proxies (TLS between the client and the proxy itself, `HTTPS_PROXY=https://proxy:3129`):
// https upstreams through a CONNECT tunnel inside the TLS connection to the proxy, http upstreams as
// absolute-form requests on pooled TLS connections to it. Counted where it happens: TCP connections,
// TLS handshakes and tunnels at a loopback forward proxy listening with the test certificate.
// Failures and secrets: https-proxy-failures.test.ts.
import axios from 'axios';
import { applyKeepAlive } from '../../../src';
import { fromAxiosProxy } from '../../../src/axios/axios-proxy';
import { parseProxyUrl } from '../../../src/pool/proxy/endpoint';
import { setProxyEnv } from '../../helpers/env';
import { memoryLogger } from '../../helpers/logs';
import { CERT, KEY, expectDroppedConnectionRetried, expectOnePooledForward, expectOnePooledTunnel, plainAxiosPostsInSequence, postInSequence, proxyWorld } from '../../helpers/proxy-world';
import { settle, until } from '../../helpers/wait';

const w = proxyWorld({ proxy: { tls: { key: KEY, cert: CERT } } });
let restoreEnv: () => void = () => undefined;
afterEach(() => restoreEnv());

test('the forward proxy of these tests speaks TLS', () => {
  expect(w.proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

test('plain axios + agentkeepalive with HTTPS_PROXY=https://: 20 sequential https POSTs, 20 TCP connections, 20 TLS handshakes with the proxy, 20 tunnels', async () => {
  restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
  await plainAxiosPostsInSequence(w);
  // One agent per proxy (axios caches it), but https-proxy-agent 5 pools nothing.
  expect(w.proxy.connections()).toBe(20);
  expect(w.proxy.handshakes()).toEqual({ full: 20, resumed: 0 });
  expect(w.proxy.tunnels()).toBe(20);
  expect(w.https.connections()).toBe(20);
});

test('the preset with HTTPS_PROXY=https://: 20 sequential https POSTs, 1 TCP connection, 1 TLS handshake and 1 tunnel at the proxy, reused from the 2nd call', async () => {
  restoreEnv = setProxyEnv({ HTTPS_PROXY: w.proxy.url });
  const log = memoryLogger();
  const c = w.client({ logger: log.logger });
  await postInSequence(c, () => `${w.https.url}/json`);
  // One connection, one CONNECT and no plaintext request at the proxy (axios's own test of https
  // proxies checks the same), the upstream as origin.
  await expectOnePooledTunnel(w, c, log);
  expect(w.proxy.handshakes()).toEqual({ full: 1, resumed: 0 });
  // An IP address is not sent as SNI (RFC 6066); the certificate is checked against the address.
  expect(w.proxy.servernames).toEqual([false]);
});

test('http upstreams through an https:// proxy: absolute-form requests on one pooled TLS connection to the proxy', async () => {
  restoreEnv = setProxyEnv({ HTTP_PROXY: w.proxy.url });
  const c = w.client();
  const origin = w.http.url;
  await postInSequence(c, (i) => `${origin}/json?i=${i}`);
  await expectOnePooledForward(w, c);
  expect(w.proxy.handshakes()).toEqual({ full: 1, resumed: 0 });
});

test("axios's own adapter test 'should support HTTPS proxy set via env var', on an instance given to applyKeepAlive: one CONNECT, no plaintext request at the proxy", async () => {
  // As axios's test sets it (test/unit/adapters/http.js): a trailing slash, both names, NO_PROXY
  // empty; the proxy's certificate trusted through the client's CA rather than
  // NODE_TLS_REJECT_UNAUTHORIZED=0.
  restoreEnv = setProxyEnv({ https_proxy: `${w.proxy.url}/`, HTTPS_PROXY: `${w.proxy.url}/`, no_proxy: '', NO_PROXY: '' });
  const instance = axios.create();
  const handle = applyKeepAlive(instance, { logger: false, agent: { tls: { ca: CERT } } });
  try {
    const res = await instance.get(`${w.https.url}/json`);
    expect(res.data).toMatchObject({ ok: true });
    expect(w.proxy.received.filter((r) => r.kind === 'forward')).toEqual([]);
    expect(w.proxy.tunnels()).toBe(1);
  } finally {
    handle.eject();
    await handle.close();
  }
});

test("axios's proxy object with protocol 'https' becomes the pool's https:// proxy (createClient and applyKeepAlive), port 443 when left out", async () => {
  const c = w.client({ axios: { proxy: { protocol: 'https', host: '127.0.0.1', port: w.proxy.port } } });
  for (let i = 0; i < 3; i++) expect((await c.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(i > 0);
  expect(w.proxy.tunnels()).toBe(1);
  expect(w.proxy.handshakes()).toEqual({ full: 1, resumed: 0 });
  expect(c.keepAlive.stats().origins[w.https.url].proxy).toBe(w.proxy.url);

  const instance = axios.create({ proxy: { protocol: 'https:', host: '127.0.0.1', port: w.proxy.port } });
  const handle = applyKeepAlive(instance, { logger: false, agent: { tls: { ca: CERT } } });
  try {
    await instance.get(`${w.http.url}/json`);
    expect(w.proxy.forwarded()).toBe(1);
    expect(w.proxy.handshakes().full).toBe(2);
    expect(handle.stats().origins[w.http.url].proxy).toBe(w.proxy.url);
  } finally {
    handle.eject();
    await handle.close();
  }
  // Without a port: 443, as https-proxy-agent (axios's tunnelling agent) reads it.
  expect(parseProxyUrl(fromAxiosProxy({ protocol: 'https', host: 'proxy.internal' }, 'proxy') as URL, 'proxy')).toMatchObject({ label: 'https://proxy.internal:443' });
});

test('credentials in an https:// proxy URL go on CONNECT and on absolute-form requests, inside TLS, and nowhere else', async () => {
  const proxyUrl = w.proxy.url.replace('https://', 'https://egress:s3cr%40t@');
  const expected = `Basic ${Buffer.from('egress:s3cr@t').toString('base64')}`;
  const c = w.client({ proxy: proxyUrl });
  const tunnelled = await c.get(`${w.https.url}/headers`);
  const forwarded = await c.get(`${w.http.url}/headers`);
  expect(w.proxy.received.map((r) => [r.kind, r.headers['proxy-authorization']])).toEqual([
    ['connect', expected],
    ['forward', expected],
  ]);
  expect(tunnelled.data['proxy-authorization']).toBeUndefined();
  expect(forwarded.data['proxy-authorization']).toBeUndefined();
  expect(c.keepAlive.stats().origins[w.https.url].proxy).toBe(w.proxy.url);
});

test('a proxy named by host name gets it as SNI and is verified against it; a second connection to the proxy resumes the TLS session', async () => {
  const c = w.client({ proxy: `https://localhost:${w.proxy.port}` });
  await c.get(`${w.https.url}/json`);
  // Another upstream name: another tunnel, so another TLS connection to the proxy.
  await c.get(`https://localhost:${w.https.port}/json`);
  expect(w.proxy.servernames).toEqual(['localhost', 'localhost']);
  expect(w.proxy.connections()).toBe(2);
  expect(w.proxy.handshakes()).toEqual({ full: 1, resumed: 1 });
  expect(c.keepAlive.stats().origins[w.https.url].proxy).toBe(`https://localhost:${w.proxy.port}`);
});

test('the stale-socket retry through an https:// proxy: a tunnel closed as the next GET goes out is re-sent once on a new one', async () => {
  w.proxy.behave('close-reused-tunnel');
  const c = w.client({ proxy: w.proxy.url });
  expect((await c.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(false);
  await settle(300); // old and idle enough for the proxy's misbehaviour (200 ms, 50 ms)
  const res = await c.get(`${w.https.url}/json`);
  expect(res.keepAlive).toMatchObject({ retries: 1, reused: false });
  expect(w.proxy.tunnels()).toBe(2);
});

test('the stale-socket retry, http upstream: the proxy drops a kept-alive TLS connection as the next request arrives; the GET is re-sent once', async () => {
  await expectDroppedConnectionRetried(w);
});

test('close() closes the tunnels and the TLS connections to the proxy', async () => {
  const c = w.client({ proxy: w.proxy.url });
  await Promise.all([c.get(`${w.https.url}/json`), c.get(`${w.https.url}/json`), c.get(`${w.http.url}/json`)]);
  await until(() => w.proxy.open() === 3);
  await c.keepAlive.close();
  await until(() => w.proxy.open() === 0);
  expect(c.keepAlive.stats().total.closed.byReason['client-closed']).toBe(3);
});
