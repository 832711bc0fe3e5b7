// axios-retry 4 on a keep-alive client: plain axios first, then the preset. Real loopback servers.
//
// Proves: axios-retry's retries work on the preset (each one is a new call: new deadlines, its own
// log line, counted once); the facts survive on the final response (the retries went over the one
// pooled socket); the library's own stale-socket retry happens below axios-retry, so axios-retry
// never sees that failure and nothing is counted twice; and one difference to know: the preset's
// ETIMEDOUT is retried by axios-retry's default condition, where plain axios's ECONNABORTED is not.
//
// Cannot prove: anything about axios-retry's delays (none are used here) - that is its own business.
import axios, { AxiosError, type AxiosResponse } from 'axios';
import axiosRetry, { isIdempotentRequestError } from 'axios-retry';
import { createClient, type KeepAliveClient, type KeepAliveOptions } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startRawServer, type RawServer } from '../helpers/raw-server';
import { startServer, type TestServer } from '../helpers/server';
import { settle } from '../helpers/wait';
import { factsOf, failing } from './support';

let server: TestServer;
/** /flaky: 503 for the first `fails` requests, then 200. */
let fails = 0;
const clients: KeepAliveClient[] = [];
const raws: RawServer[] = [];

beforeEach(async () => {
  let seen = 0;
  server = await startServer((req, res, url) => {
    if (url.pathname !== '/flaky') return false;
    req.resume();
    seen++;
    res.statusCode = seen <= fails ? 503 : 200;
    res.end(seen <= fails ? 'busy' : 'ok');
    return true;
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await server.close();
});

function client(options: KeepAliveOptions = {}, baseURL = server.url): KeepAliveClient {
  const c = createClient({ logger: false, ...options, axios: { baseURL, ...options.axios } });
  clients.push(c);
  return c;
}

function retryCount(res: AxiosResponse | AxiosError): number | undefined {
  return res.config?.['axios-retry']?.retryCount;
}

test('plain axios: two 503s, then 200 - axios-retry sends it three times', async () => {
  fails = 2;
  const instance = axios.create({ baseURL: server.url });
  axiosRetry(instance, { retries: 3 });
  const res = await instance.get('/flaky');
  expect(res.status).toBe(200);
  expect(retryCount(res)).toBe(2);
  expect(server.requests()).toBe(3);
});

test('the preset: the same three requests over one pooled socket, each logged and counted once; facts on the final response', async () => {
  fails = 2;
  const log = memoryLogger();
  const c = client({ logger: log.logger });
  axiosRetry(c, { retries: 3 });
  const res = await c.get('/flaky');
  expect(res.status).toBe(200);
  expect(retryCount(res)).toBe(2);
  // The 503 bodies were read, so the socket went back to the pool each time.
  expect(factsOf(res)).toMatchObject({ reused: true, socketRequests: 3, retries: 0 });
  expect(server.requests()).toBe(3);
  expect(server.connections()).toBe(1);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ requests: 3, reused: 2, retries: 0, created: 1 });
  expect(log.lines().filter((l) => l.evt === 'request').map((l) => [l.status, l.socketRequests])).toEqual([[503, 1], [503, 2], [200, 3]]);
});

test('a timeout: plain axios\'s ECONNABORTED is not retried by the default condition; the preset\'s ETIMEDOUT is, each attempt with its own deadline', async () => {
  const instance = axios.create({ baseURL: server.url });
  axiosRetry(instance, { retries: 1 });
  const plain = await failing(() => instance.get('/slow-headers?ms=2000', { timeout: 300 }));
  expect(plain.error.code).toBe('ECONNABORTED');
  expect(retryCount(plain.error as AxiosError)).toBe(0);
  expect(server.requests()).toBe(1);

  const c = client({ timeouts: { response: 300 } });
  axiosRetry(c, { retries: 1 });
  const { error, ms } = await failing(() => c.get('/slow-headers?ms=2000'));
  expect(error.code).toBe('ETIMEDOUT');
  expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
  expect(retryCount(error as AxiosError)).toBe(1);
  expect(server.requests()).toBe(3); // 1 plain + 2 through the preset
  expect(ms).toBeGreaterThanOrEqual(550); // two full deadlines, one after the other
  expect(ms).toBeLessThan(1900);
  expect(c.keepAlive.stats().total.timeouts).toEqual({ response: 2 });
});

test('a stale pooled socket: the library re-sends below axios-retry, which sees one success; nothing is counted twice', async () => {
  const raw = await startRawServer({ killOnRequest: (n) => n === 2 });
  raws.push(raw);
  const onRetry = jest.fn();
  const c = client({}, raw.url);
  axiosRetry(c, { retries: 3, onRetry });
  await c.get('/warm');
  const res = await c.get('/again');
  expect(res.status).toBe(200);
  expect(factsOf(res)).toMatchObject({ retries: 1, reused: false, socketRequests: 1 });
  expect(retryCount(res)).toBe(0);
  expect(onRetry).not.toHaveBeenCalled();
  expect(raw.requests()).toBe(3); // warm, the killed one, its re-send
  expect(c.keepAlive.stats().total.retries).toBe(1);
});

test('a POST that dies on a reused socket: the library refuses to re-send it; axios-retry\'s default condition re-sends it anyway (pick yours)', async () => {
  const raw = await startRawServer({ killOnRequest: (n) => n === 2 });
  raws.push(raw);
  const c = client({}, raw.url);
  const seen: Array<string | undefined> = [];
  axiosRetry(c, {
    retries: 1,
    onRetry: (_n, error) => {
      seen.push((error as AxiosError & { keepAlive?: { notRetried?: string } }).keepAlive?.notRetried);
    },
  });
  await c.get('/warm');
  const res = await c.post('/orders', { amount: 1 });
  expect(res.status).toBe(200);
  expect(seen).toEqual(['POST is not idempotent, has no Idempotency-Key header, and its bytes were written']);
  expect(raw.requests()).toBe(3); // the order reached the server twice: axios-retry re-sent it

  // With an idempotent-only condition the POST fails, as the library would have it.
  const strict = client({}, raw.url);
  axiosRetry(strict, { retries: 1, retryCondition: isIdempotentRequestError });
  await strict.get('/warm');
  const { error } = await failing(() => strict.post('/orders', { amount: 1 }));
  expect(error.code).toBe('ECONNRESET');
  expect(retryCount(error as AxiosError)).toBe(0);
});
