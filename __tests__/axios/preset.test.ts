// Issue 2: the preset. Real servers on 127.0.0.1:0; connections are counted where they are accepted.
import axios from 'axios';
import fs from 'node:fs';
import path from 'node:path';
import { applyKeepAlive, createClient } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { withServer } from '../helpers/clients';
import { startServer, type TestServer } from '../helpers/server';
import { settle } from '../helpers/wait';

const fixture = (name: string): Buffer => fs.readFileSync(path.join(__dirname, '..', 'fixtures', name));

let server: TestServer;
const client = withServer((s) => (server = s));

test('100 sequential POSTs go over one connection, reported as a new socket then reused', async () => {
  const c = client();
  const seen: Array<{ reused: boolean | null; socketRequests: number | null }> = [];
  for (let i = 0; i < 100; i++) {
    const res = await c.post('/json', { i, payload: 'x'.repeat(100) });
    expect(res.data).toEqual({ ok: true, method: 'POST', received: expect.any(Number) });
    seen.push({ reused: res.keepAlive!.reused, socketRequests: res.keepAlive!.socketRequests });
  }
  expect(server.connections()).toBe(1);
  expect(seen[0]).toEqual({ reused: false, socketRequests: 1 });
  expect(seen.slice(1).every((s, i) => s.reused && s.socketRequests === i + 2)).toBe(true);
  await settle();
  const stats = c.keepAlive.stats();
  expect(stats.total).toMatchObject({ created: 1, requests: 100, reused: 99, active: 0, idle: 1, queued: 0 });
  expect(stats.total.reuseRatio).toBeCloseTo(0.99);
  expect(Object.keys(stats.origins)).toEqual([server.url]);
});

test('500 requests at 50 in flight with maxSockets 10 open at most 10 connections; queued ones count as reused', async () => {
  const c = client({ agent: { maxSockets: 10 } });
  const results: Array<{ reused: boolean | null; socketRequests: number | null }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < 500) {
      next++;
      const res = await c.post('/json', { n: next });
      results.push(res.keepAlive!);
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  expect(results).toHaveLength(500);
  expect(server.connections()).toBeLessThanOrEqual(10);
  const fresh = results.filter((r) => !r.reused).length;
  // Every request on a new socket is that socket's first; every other one is reused, including
  // the ones that waited in the agent's queue (where req.reusedSocket would say false).
  expect(fresh).toBe(server.connections());
  expect(results.filter((r) => r.socketRequests === 1).length).toBe(fresh);
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ created: server.connections(), requests: 500, reused: 500 - fresh, active: 0, queued: 0 });
});

test('an https upstream is pooled by the https agent', async () => {
  const tls = await startServer(undefined, { key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') });
  try {
    const c = createClient({ logger: false, agent: { tls: { ca: fixture('localhost-cert.pem') } }, axios: { baseURL: tls.url } });
    client.track(c);
    for (let i = 0; i < 20; i++) await c.get('/json');
    expect(tls.connections()).toBe(1);
    await settle();
    const stats = c.keepAlive.stats();
    // The https pool's name includes its TLS settings: it still maps to the one origin.
    expect(Object.keys(stats.origins)).toEqual([tls.url]);
    expect(stats.origins[tls.url]).toMatchObject({ created: 1, requests: 20, reused: 19, idle: 1, active: 0 });
  } finally {
    await tls.close();
  }
});

test('4xx and 5xx responses keep their socket', async () => {
  const c = client();
  for (const code of [404, 500, 503, 400]) {
    const err = await c.get(`/status?code=${code}`).catch((e: unknown) => e);
    expect(axios.isAxiosError(err)).toBe(true);
    expect((err as { response: { status: number } }).response.status).toBe(code);
  }
  await c.get('/json');
  expect(server.connections()).toBe(1);
});

test('per-method default headers work as on any axios instance, though empty buckets are left out of each merge', async () => {
  const c = client({ axios: { headers: { delete: { 'X-Given': 'd' } } } });
  const headers = c.defaults.headers as unknown as Record<string, Record<string, string>>;
  // Only `common` and the bucket given at creation are enumerable: axios copies nothing else per request.
  expect(Object.keys(headers).sort()).toEqual(['common', 'delete']);
  headers.post['X-Post-Only'] = 'p';
  headers.put = { 'X-Put-Only': 'u' };
  expect(Object.keys(headers).sort()).toEqual(['common', 'delete', 'post', 'put']);
  c.defaults.headers.common['X-Everywhere'] = 'e';
  const seen = async (method: 'get' | 'post' | 'put' | 'delete'): Promise<Record<string, string>> =>
    (await c.request<Record<string, string>>({ method, url: '/headers' })).data;
  expect(await seen('post')).toMatchObject({ 'x-post-only': 'p', 'x-everywhere': 'e' });
  expect(await seen('put')).toMatchObject({ 'x-put-only': 'u', 'x-everywhere': 'e' });
  expect(await seen('delete')).toMatchObject({ 'x-given': 'd', 'x-everywhere': 'e' });
  const get = await seen('get');
  expect(get['x-everywhere']).toBe('e');
  expect(Object.keys(get).filter((k) => /^x-(post|put)-only$|^x-given$/.test(k))).toEqual([]);
  // A bucket read and left empty is an ordinary (empty) bucket from then on.
  expect(headers.patch).toEqual({});
  expect(Object.keys(headers)).toContain('patch');
  // An instance derived with create() is an ordinary axios instance, every bucket in place.
  const derived = c.create().defaults.headers as unknown as Record<string, Record<string, string>>;
  expect(Object.keys(derived)).toEqual(expect.arrayContaining(['common', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options']));
  expect(derived.post).toEqual({ 'X-Post-Only': 'p' });
  expect(derived.get).toEqual({});
  derived.get['X-Derived'] = 'g';
  expect(headers.get).toEqual({});
});

describe('applyKeepAlive', () => {
  test('installs into an existing instance without touching its other settings, and eject() restores it', async () => {
    const previousAgent = new (require('node:http').Agent)({ keepAlive: false });
    const instance = axios.create({ baseURL: server.url, timeout: 1234, maxRedirects: 3, httpAgent: previousAgent });
    const interceptor = instance.interceptors.request.use((cfg) => cfg);
    const handle = applyKeepAlive(instance, { logger: false });
    expect(instance.defaults.httpAgent).toBe(handle.httpAgent);
    expect(instance.defaults.httpsAgent).toBe(handle.httpsAgent);
    expect(instance.defaults.timeout).toBe(1234);
    expect(instance.defaults.maxRedirects).toBe(3);
    for (let i = 0; i < 10; i++) {
      const res = await instance.get('/json');
      expect(res.keepAlive!.socketRequests).toBe(i + 1);
    }
    expect(server.connections()).toBe(1);
    handle.eject();
    expect(instance.defaults.httpAgent).toBe(previousAgent);
    expect(instance.defaults.httpsAgent).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(instance.defaults, 'httpsAgent')).toBe(false);
    const after = await instance.get('/json');
    expect(after.keepAlive).toBeUndefined();
    expect(server.connections()).toBe(2); // the restored keepAlive:false agent
    instance.interceptors.request.eject(interceptor);
    await handle.close();
    previousAgent.destroy();
  });

  test('installs into the default axios export and ejects cleanly', async () => {
    const before = { adapter: axios.defaults.adapter, httpAgent: axios.defaults.httpAgent, httpsAgent: axios.defaults.httpsAgent };
    const handle = applyKeepAlive(axios, { logger: false });
    try {
      expect(() => applyKeepAlive(axios, { logger: false })).toThrow(/already has axios-keepalive installed/);
      for (let i = 0; i < 5; i++) await axios.get(`${server.url}/json`);
      expect(server.connections()).toBe(1);
    } finally {
      handle.eject();
      await handle.close();
    }
    expect({ adapter: axios.defaults.adapter, httpAgent: axios.defaults.httpAgent, httpsAgent: axios.defaults.httpsAgent }).toEqual(before);
  });

  test('refuses what is not an axios instance, and an adapter that ignores agents', () => {
    expect(() => applyKeepAlive({} as never)).toThrow(/instance must be an axios instance/);
    const fetchInstance = axios.create({ adapter: 'fetch' });
    expect(() => applyKeepAlive(fetchInstance, { logger: false })).toThrow(/adapter is 'fetch'.*ignores httpAgent/);
  });
});

describe('logging', () => {
  test('one line per request with reuse facts, socket open/close lines, no secrets', async () => {
    const log = memoryLogger();
    const c = client({ logger: log.logger });
    const secret = 'sekret-123';
    await c.post('/json?token=' + secret + '&page=2', { password: secret }, {
      headers: { Authorization: `Bearer ${secret}`, Cookie: `sid=${secret}`, 'X-Api-Key': secret, 'Proxy-Authorization': secret },
      params: { signature: secret },
      auth: { username: 'u', password: secret },
    });
    await c.get('/json', { params: { key: secret, code: secret } });
    await c.get('/status?code=404&secret=' + secret).catch(() => undefined);
    await c.keepAlive.close();
    const text = log.raw();
    expect(text).not.toContain(secret);
    const lines = log.lines();
    const requests = lines.filter((l) => l.evt === 'request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      lib: 'axios-keepalive', level: 30, method: 'POST', status: 200, reused: false, socketRequests: 1, idleMs: null,
      url: `${server.url}/json?token=[REDACTED]&page=[REDACTED]&signature=[REDACTED]`,
    });
    expect(typeof requests[0].durationMs).toBe('number');
    expect(requests[1]).toMatchObject({ method: 'GET', status: 200, reused: true, socketRequests: 2 });
    expect(requests[1].idleMs).toEqual(expect.any(Number));
    expect(requests[2]).toMatchObject({ level: 40, status: 404, code: 'ERR_BAD_REQUEST', reused: true, socketRequests: 3 });
    expect(lines.filter((l) => l.evt === 'socket-open')).toEqual([
      expect.objectContaining({ origin: server.url, socketId: expect.any(Number), localPort: expect.any(Number) }),
    ]);
    expect(lines.filter((l) => l.evt === 'socket-close')).toEqual([
      expect.objectContaining({ origin: server.url, reason: 'client-closed', requests: 3 }),
    ]);
  });

  test('config.keepAlive.log false silences one call; a per-call logger logs even for a client without one', async () => {
    const log = memoryLogger();
    const c = client({ logger: log.logger });
    await c.get('/json', { keepAlive: { log: false } });
    expect(log.lines().filter((l) => l.evt === 'request')).toHaveLength(0);
    const quiet = client({ logger: false });
    const perCall = memoryLogger();
    await quiet.get('/json');
    await quiet.get('/json', { keepAlive: { logger: perCall.logger } });
    expect(perCall.lines()).toEqual([expect.objectContaining({ evt: 'request', lib: 'axios-keepalive', status: 200, reused: true })]);
  });

  test('logLevel sets the level of the per-request line', async () => {
    const log = memoryLogger('info');
    const c = client({ logger: log.logger, logLevel: 'debug' });
    await c.get('/json');
    expect(log.lines().filter((l) => l.evt === 'request')).toHaveLength(0);
    const log2 = memoryLogger('debug');
    const c2 = client({ logger: log2.logger, logLevel: 'debug' });
    await c2.get('/json');
    expect(log2.lines().filter((l) => l.evt === 'request')).toEqual([expect.objectContaining({ level: 20 })]);
  });
});
