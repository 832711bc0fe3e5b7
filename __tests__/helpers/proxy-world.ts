// For the proxy suites: an https upstream (the test certificates for 127.0.0.1), an http upstream
// and a forward proxy, fresh for each test and closed after it; clients made here are closed too.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import axios from 'axios';
import { HttpsAgent } from 'agentkeepalive';
import { createClient, type KeepAliveClient, type KeepAliveOptions } from '../../src';
import { startForwardProxy, type ForwardProxy, type ForwardProxyOptions } from './forward-proxy';
import type { MemoryLog } from './logs';
import { startServer, type Handler, type TestServer } from './server';
import { settle } from './wait';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
export const CERT = fixture('localhost-cert.pem');
export const KEY = fixture('localhost-key.pem');

export interface World {
  https: TestServer;
  http: TestServer;
  proxy: ForwardProxy;
  /** A client (closed after the test) that trusts the test certificate, logger off unless given. */
  client(options?: KeepAliveOptions): KeepAliveClient;
  /** Close it after the test. */
  track(client: KeepAliveClient): KeepAliveClient;
}

export function proxyWorld(opts: { proxy?: ForwardProxyOptions; handler?: Handler; httpsOptions?: { keepAliveTimeout?: number } } = {}): World {
  const world = {} as World;
  const clients: KeepAliveClient[] = [];
  beforeEach(async () => {
    world.https = await startServer(opts.handler, { key: KEY, cert: CERT });
    if (opts.httpsOptions?.keepAliveTimeout !== undefined) world.https.server.keepAliveTimeout = opts.httpsOptions.keepAliveTimeout;
    world.http = await startServer(opts.handler);
    world.proxy = await startForwardProxy(opts.proxy);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
    await Promise.all([world.https.close(), world.http.close(), world.proxy.close()]);
  });
  world.track = (c) => {
    clients.push(c);
    return c;
  };
  world.client = (options = {}) =>
    world.track(createClient({ logger: false, ...options, agent: { tls: { ca: CERT }, ...options.agent } }));
  return world;
}

/**
 * `n` POSTs to `url(i)` one after another, each answered by the upstream's /json route and each
 * after the first on the socket of the first: what every "N sequential calls, 1 tunnel" test sends.
 */
export async function postInSequence(client: KeepAliveClient, url: (i: number) => string, n = 20): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await client.post(url(i), { i });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ ok: true, method: 'POST' });
    expect(res.keepAlive).toMatchObject({ reused: i > 0, socketRequests: i + 1 });
  }
}

/**
 * The control of the "N sequential https POSTs" tests: plain axios + agentkeepalive, the proxy named
 * in HTTPS_PROXY (set by the caller), so axios tunnels each request itself (lib/adapters/http.js setProxy).
 */
export async function plainAxiosPostsInSequence(w: World, n = 20): Promise<void> {
  // axios's tunnelling agent takes the TLS options for the proxy from this agent's options
  // (lib/adapters/http.js getTunnelingAgent): the CA is trusted for an https:// proxy too.
  const httpsAgent = new HttpsAgent({ ca: CERT });
  try {
    const plain = axios.create({ httpsAgent });
    for (let i = 0; i < n; i++) expect((await plain.post(`${w.https.url}/json`, { i })).status).toBe(200);
  } finally {
    httpsAgent.destroy();
  }
}

/**
 * After postInSequence() to the https upstream through the proxy: one TCP connection to the proxy,
 * one CONNECT tunnel and nothing else at the proxy, one connection at the upstream; stats and the
 * socket-open line name the upstream as origin, with the proxy beside it. Returns that origin.
 */
export async function expectOnePooledTunnel(w: World, c: KeepAliveClient, log: MemoryLog, requests = 20): Promise<string> {
  const origin = w.https.url.replace(/\/$/, '');
  expect(w.proxy.connections()).toBe(1);
  expect(w.proxy.tunnels()).toBe(1);
  expect(w.https.connections()).toBe(1);
  expect(w.proxy.received.map((r) => `${r.kind} ${r.target}`)).toEqual([`connect 127.0.0.1:${w.https.port}`]);
  await settle();
  const stats = c.keepAlive.stats();
  expect(Object.keys(stats.origins)).toEqual([origin]);
  expect(stats.origins[origin]).toMatchObject({ proxy: w.proxy.url, created: 1, requests, reused: requests - 1, active: 0, idle: 1 });
  expect(log.lines().find((l) => l.evt === 'socket-open')).toMatchObject({ origin, proxy: w.proxy.url });
  return origin;
}

/**
 * After postInSequence() to the http upstream's `/json?i=${i}` through the proxy: one connection to
 * the proxy carried every request in absolute form (no tunnel), and stats file them under the upstream.
 */
export async function expectOnePooledForward(w: World, c: KeepAliveClient, requests = 20): Promise<void> {
  const origin = w.http.url;
  expect(w.proxy.connections()).toBe(1);
  expect(w.proxy.forwarded()).toBe(requests);
  expect(w.proxy.tunnels()).toBe(0);
  expect(w.proxy.received[0]).toMatchObject({ kind: 'forward', target: `${origin}/json?i=0` });
  await settle();
  const stats = c.keepAlive.stats();
  expect(Object.keys(stats.origins)).toEqual([origin]);
  expect(stats.origins[origin]).toMatchObject({ proxy: w.proxy.url, created: 1, requests, reused: requests - 1, idle: 1 });
}

/** The proxy drops a kept-alive connection as the next request arrives: the GET is re-sent once, on a new connection. */
export async function expectDroppedConnectionRetried(w: World): Promise<void> {
  w.proxy.behave('drop-reused');
  const c = w.client({ proxy: w.proxy.url });
  await c.get(`${w.http.url}/json`);
  const res = await c.get(`${w.http.url}/json`);
  expect(res.keepAlive).toMatchObject({ retries: 1 });
  expect(w.proxy.connections()).toBe(2);
}
