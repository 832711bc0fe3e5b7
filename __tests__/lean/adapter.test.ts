// Issue 13: the lean adapter on real sockets, wired straight into axios (no library around it):
// keep-alive reuse counted where the server accepts connections, bodies that end, aborts that free
// the socket, https, config.transport, http.request looked up per call, and no timer left behind.
import http, { ClientRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { HttpAgent, HttpsAgent } from 'agentkeepalive';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { createLeanAdapter } from '../../src/lean';
import { startServer, type TestServer } from '../helpers/server';

const lean = createLeanAdapter(axios);
const fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');

let server: TestServer;
const agents: Array<HttpAgent | HttpsAgent> = [];
/** How many adapter calls took the lean path: every call in this file must. */
let leanCalls = 0;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const a of agents.splice(0)) a.destroy();
});

function client(options: { maxSockets?: number; baseURL?: string; ca?: string } = {}): AxiosInstance {
  const httpAgent = new HttpAgent({ maxSockets: options.maxSockets ?? 50 });
  const httpsAgent = new HttpsAgent({ maxSockets: options.maxSockets ?? 50, ca: options.ca });
  agents.push(httpAgent, httpsAgent);
  return axios.create({
    baseURL: options.baseURL ?? server.url,
    httpAgent,
    httpsAgent,
    maxRedirects: 0,
    proxy: false,
    adapter: (config) => {
      if (!lean.eligible(config)) throw new Error('expected the lean path');
      leanCalls++;
      return lean.adapter(config);
    },
  });
}

test('sequential calls reuse one connection, and response.request is the native request', async () => {
  const before = server.connections();
  const api = client();
  for (let i = 0; i < 20; i++) {
    const res = await api.post('/json', { i });
    expect(res.data).toEqual({ ok: true, method: 'POST', received: JSON.stringify({ i }).length });
    expect(res.request).toBeInstanceOf(ClientRequest);
  }
  expect(server.connections() - before).toBe(1);
});

test('concurrent calls stay within maxSockets', async () => {
  const before = server.connections();
  const api = client({ maxSockets: 5 });
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api.get(`/bytes?n=${i}`, { responseType: 'arraybuffer' })));
  expect(results.map((r) => (r.data as Buffer).length)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  expect(server.connections() - before).toBe(5);
});

test('a stream body read to its end and a buffered error status both give their socket back', async () => {
  const before = server.connections();
  const api = client();
  const res = await api.get<Readable>('/bytes?n=100000', { responseType: 'stream' });
  let bytes = 0;
  for await (const chunk of res.data) bytes += (chunk as Buffer).length;
  expect(bytes).toBe(100_000);
  await expect(api.get('/status?code=503')).rejects.toMatchObject({ code: 'ERR_BAD_RESPONSE', response: { status: 503, data: 'status 503' } });
  await api.get('/json');
  expect(server.connections() - before).toBe(1);
});

test('an abort while the body arrives destroys that socket; the next call gets a new one', async () => {
  const before = server.connections();
  const api = client();
  const controller = new AbortController();
  const res = await api.get<Readable>('/drip?chunks=50&interval=20', { responseType: 'stream', signal: controller.signal });
  const error = await new Promise<Error>((resolve) => {
    res.data.once('data', () => controller.abort());
    res.data.once('error', resolve);
  });
  expect(axios.isCancel(error)).toBe(true);
  await api.get('/json');
  expect(server.connections() - before).toBe(2);
  expect(agents[0].getCurrentStatus().sockets).toEqual({});
});

test('https goes through the https agent with its TLS settings', async () => {
  const tls = await startServer(undefined, { key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') });
  try {
    const api = client({ baseURL: tls.url, ca: fixture('localhost-cert.pem') });
    await api.get('/json');
    const res = await api.get('/json');
    expect(res.data).toMatchObject({ ok: true });
    expect(tls.connections()).toBe(1);
  } finally {
    await tls.close();
  }
});

test('config.transport makes the request when it is set (the keep-alive adapter binds its calls there)', async () => {
  const made: ClientRequest[] = [];
  const transport = {
    request(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): ClientRequest {
      const req = http.request(options, onResponse);
      made.push(req);
      return req;
    },
  };
  const api = client();
  const res = await api.get('/json', {
    adapter: (config) => {
      expect(lean.eligible(config)).toBe(true); // checked before the transport is set
      return lean.adapter({ ...config, transport } as InternalAxiosRequestConfig);
    },
  });
  expect(made).toHaveLength(1);
  expect(res.request).toBe(made[0]);
});

test('http.request is looked up at each call, so patches of it (nock, msw, OpenTelemetry) apply', async () => {
  const original = http.request;
  let calls = 0;
  (http as { request: typeof http.request }).request = ((...args: Parameters<typeof http.request>) => {
    calls++;
    return original(...args);
  }) as typeof http.request;
  try {
    await client().get('/json');
  } finally {
    (http as { request: typeof http.request }).request = original;
  }
  expect(calls).toBe(1);
});

test('an axios timeout leaves no timer behind once the call settled', async () => {
  const api = client();
  // The process's timers also include other code's (the test server's, pooled sockets' idle timers,
  // which may expire in between): so the count may fall, but a timer left by a call makes it grow.
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await api.get('/json', { timeout: 5000 });
  const after = timers();
  await api.get('/json', { timeout: 5000 });
  expect(timers()).toBeLessThanOrEqual(after);
  await expect(api.get('/hang', { timeout: 50 })).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 50ms exceeded' });
  expect(timers()).toBeLessThanOrEqual(after);
});

test('a signal already aborted when the adapter runs: CanceledError, and nothing is sent (axios would send it)', async () => {
  const api = client();
  const config = await new Promise<InternalAxiosRequestConfig>((resolve) => {
    void api.get('/json', { adapter: (c) => (resolve(c), new Promise(() => undefined)) });
  });
  const controller = new AbortController();
  controller.abort();
  const requests = server.requests();
  const error = await lean.adapter({ ...config, signal: controller.signal } as InternalAxiosRequestConfig).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(axios.CanceledError);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(server.requests()).toBe(requests);
});

test('every call in this file took the lean path', () => {
  expect(leanCalls).toBeGreaterThan(60);
});
