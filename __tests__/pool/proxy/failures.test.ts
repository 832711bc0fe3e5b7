// Issue 14: every way a proxy can fail a tunnel ends as a typed AxiosError within the connect
// deadline, naming the proxy (never its credentials) and the target; a failed tunnel is never pooled.
import axios from 'axios';
import net from 'node:net';
import type { KeepAliveAxiosError } from '../../../src';
import { isProxyError, isTimeoutError } from '../../../src';
import type { ProxyBehaviour } from '../../helpers/forward-proxy';
import { memoryLogger } from '../../helpers/logs';
import { proxyWorld } from '../../helpers/proxy-world';
import { settle, until } from '../../helpers/wait';
import { failure } from '../../helpers/failure';

const PASSWORD = 'tunnel-secret-7f3a';
const w = proxyWorld({ proxy: { credentials: { user: 'svc', password: PASSWORD } } });

/** The connect deadline of these tests, and the slack a shared 2-core machine gets on top of it. */
const CONNECT_MS = 400;
const SLACK_MS = 1500;

function expectNamesProxyAndTarget(error: KeepAliveAxiosError, proxyUrl: string, port: number): void {
  expect(error.message).toContain(proxyUrl);
  expect(error.message).toContain(`127.0.0.1:${port}`);
  expect(error.message).not.toContain(PASSWORD);
  expect(error.message).not.toContain('svc:');
}

test.each<[string, ProxyBehaviour | 'no-credentials' | 'wrong-credentials', string, number | undefined, RegExp]>([
  ['407 without credentials', 'no-credentials', 'ERR_PROXY_AUTH_REQUIRED', 407, /answered 407 .*no credentials were sent/],
  ['407 with refused credentials', 'wrong-credentials', 'ERR_PROXY_AUTH_REQUIRED', 407, /answered 407 .*credentials sent were refused/],
  ['403: the proxy refuses the target', 'refuse', 'ERR_PROXY_TUNNEL', 403, /refused to CONNECT to 127\.0\.0\.1:\d+: 403 Forbidden/],
  ['502 from the proxy', 'bad-gateway', 'ERR_PROXY_TUNNEL', 502, /refused to CONNECT to 127\.0\.0\.1:\d+: 502 Bad Gateway/],
  ['the proxy closes the connection during CONNECT', 'close-on-connect', 'ERR_PROXY_TUNNEL', undefined, /closed|ECONNRESET/],
  ['the proxy answers with something that is not HTTP', 'not-http', 'ERR_PROXY_TUNNEL', undefined, /not an HTTP\/1\.x status line/],
])('%s: %s within the connect bound, never pooled', async (_label, behaviour, code, status, message) => {
  const log = memoryLogger();
  let proxyUrl = w.proxy.urlWithCredentials;
  if (behaviour === 'no-credentials') proxyUrl = w.proxy.url;
  else if (behaviour === 'wrong-credentials') proxyUrl = w.proxy.url.replace('http://', 'http://svc:not-it@');
  else w.proxy.behave(behaviour);
  const c = w.client({ proxy: proxyUrl, logger: log.logger, timeouts: { connect: CONNECT_MS } });
  const { error, ms } = await failure(c.get(`${w.https.url}/json`));
  expect(axios.isAxiosError(error)).toBe(true);
  // 'close-on-connect' may surface as the reset itself: the socket's own code is kept.
  if (behaviour === 'close-on-connect') expect(['ERR_PROXY_TUNNEL', 'ECONNRESET']).toContain(error.code);
  else expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  expectNamesProxyAndTarget(error, w.proxy.url, w.https.port);
  expect(error.keepAlive?.proxyStatus).toBe(status);
  expect(error.keepAlive?.timeoutPhase).toBeUndefined();
  expect(isProxyError(error)).toBe(String(error.code).startsWith('ERR_PROXY_'));
  expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
  expect(w.https.connections()).toBe(0); // nothing reached the upstream
  await settle();
  // Never pooled: no socket was created for the upstream, none is idle or active.
  expect(c.keepAlive.stats().total).toMatchObject({ created: 0, active: 0, idle: 0, requests: 0 });
  await until(() => w.proxy.open() === 0);
  // The call's line carries the code; no line carries the password.
  expect(log.lines().find((l) => l.evt === 'request')).toMatchObject({ code: error.code });
  expect(log.raw()).not.toContain(PASSWORD);
});

test('a proxy that stalls during CONNECT: ETIMEDOUT, timeoutPhase connect, at the connect deadline', async () => {
  w.proxy.behave('stall');
  const c = w.client({ proxy: w.proxy.urlWithCredentials, timeouts: { connect: CONNECT_MS } });
  const { error, ms } = await failure(c.get(`${w.https.url}/json`));
  expect(error.code).toBe('ETIMEDOUT');
  expect(isTimeoutError(error)).toBe(true);
  expect(error.keepAlive?.timeoutPhase).toBe('connect');
  // The call's own timer or the tunnel's safety net, whichever sees the deadline first: both name
  // the target and the proxy.
  expect(error.message).toMatch(new RegExp(`connect timeout of ${CONNECT_MS} ms exceeded connecting to (https://)?127\\.0\\.0\\.1:\\d+ through proxy ${w.proxy.url}`));
  expectNamesProxyAndTarget(error, w.proxy.url, w.https.port);
  expect(ms).toBeGreaterThanOrEqual(CONNECT_MS - 5);
  expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ created: 0, active: 0, idle: 0, timeouts: { connect: 1 } });
  await until(() => w.proxy.open() === 0);
});

test('a call that gives up first (its total) fails at its own bound; the tunnel it started ends at the client connect deadline', async () => {
  w.proxy.behave('stall');
  const c = w.client({ proxy: w.proxy.urlWithCredentials, timeouts: { connect: 3 * CONNECT_MS } });
  const { error, ms } = await failure(c.get(`${w.https.url}/json`, { keepAlive: { timeouts: { total: CONNECT_MS } } }));
  expect(error.code).toBe('ETIMEDOUT');
  expect(error.keepAlive?.timeoutPhase).toBe('total');
  expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
  // A tunnel being built outlives the request that asked for it (as a TCP connect does: had it
  // succeeded, the pool would keep it for the next call), but never its own deadline.
  expect(w.proxy.open()).toBe(1);
  await until(() => w.proxy.open() === 0, 3 * CONNECT_MS + SLACK_MS);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, created: 0 });
});

test('an unreachable proxy: ECONNREFUSED, naming the proxy and the target, never pooled', async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const proxyUrl = `http://svc:${PASSWORD}@127.0.0.1:${port}`;
  const c = w.client({ proxy: proxyUrl, timeouts: { connect: CONNECT_MS } });
  const { error, ms } = await failure(c.get(`${w.https.url}/json`));
  expect(error.code).toBe('ECONNREFUSED');
  expectNamesProxyAndTarget(error, `http://127.0.0.1:${port}`, w.https.port);
  expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ created: 0, active: 0, idle: 0 });
  // http targets through an unreachable proxy: the same code, on a socket that is created and closed as 'error'.
  const plain = await failure(c.get(`${w.http.url}/json`));
  expect(plain.error.code).toBe('ECONNREFUSED');
});

test('queued requests behind a refused tunnel fail one by one, each with its own CONNECT, and none hangs', async () => {
  w.proxy.behave('refuse');
  const c = w.client({ proxy: w.proxy.urlWithCredentials, agent: { maxSockets: 1 }, timeouts: { connect: CONNECT_MS, queue: 10_000 } });
  const t0 = performance.now();
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => failure(c.get(`${w.https.url}/json`))));
  expect(outcomes.map((o) => o.error.code)).toEqual(Array(5).fill('ERR_PROXY_TUNNEL'));
  expect(performance.now() - t0).toBeLessThan(5 * CONNECT_MS + SLACK_MS);
  expect(w.proxy.received.filter((r) => r.kind === 'connect').length).toBe(5);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, queued: 0 });
});

test('after a failed tunnel the next call opens a good one: the client recovers when the proxy does', async () => {
  w.proxy.behave('bad-gateway');
  const c = w.client({ proxy: w.proxy.urlWithCredentials, timeouts: { connect: CONNECT_MS } });
  expect((await failure(c.get(`${w.https.url}/json`))).error.code).toBe('ERR_PROXY_TUNNEL');
  w.proxy.behave('ok');
  for (let i = 0; i < 3; i++) expect((await c.get(`${w.https.url}/json`)).keepAlive?.reused).toBe(i > 0);
  expect(w.proxy.tunnels()).toBe(1);
});

test('http targets: a 407 from the proxy is the response the proxy gave (the call sees status 407)', async () => {
  const c = w.client({ proxy: w.proxy.url });
  const { error } = await failure(c.get(`${w.http.url}/json`));
  expect(error.response?.status).toBe(407);
  expect(error.message).not.toContain(PASSWORD);
});
