// axios-mock-adapter 2 on a keep-alive client, as users mock one instance: plain axios first, then
// the preset.
//
// Proves: the mock replaces the instance's adapter, so mocked calls never reach the library (no
// facts, no log line, no warning) and still behave as the mock says; `restore()` puts the library's
// adapter back, and the next calls go to a real loopback server through the pool (one connection,
// `reused` true on the second call); `onNoMatch: 'passthrough'` sends unmatched calls through the
// pool too; eject() after restore() leaves the instance as it was.
//
// Cannot prove: anything about mocked calls beyond what the mock returns - nothing runs below it.
import axios, { AxiosError } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { applyKeepAlive, createClient, type KeepAliveClient } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { factsOf } from './support';

let server: TestServer;
const clients: KeepAliveClient[] = [];

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  await server.close();
});

function client(options: Parameters<typeof createClient>[0] = {}): KeepAliveClient {
  const c = createClient({ logger: false, ...options, axios: { baseURL: server.url, ...options.axios } });
  clients.push(c);
  return c;
}

test('plain axios: the mock answers, nothing reaches the server; restore() and the server answers', async () => {
  const instance = axios.create({ baseURL: server.url });
  const mock = new MockAdapter(instance);
  mock.onGet('/items/1').reply(200, { id: 1, mocked: true });
  expect((await instance.get('/items/1')).data).toEqual({ id: 1, mocked: true });
  expect(server.requests()).toBe(0);
  mock.restore();
  expect((await instance.get('/json')).data).toMatchObject({ ok: true });
  expect(server.requests()).toBe(1);
});

test('the preset: mocked replies and errors as the mock says, no facts, no log line; restore() brings the pool back', async () => {
  const log = memoryLogger();
  const c = client({ logger: log.logger });
  const mock = new MockAdapter(c);
  mock.onGet('/items/1').reply(200, { id: 1, mocked: true });
  mock.onGet('/missing').reply(404, { error: 'no such item' });
  mock.onGet('/down').networkError();
  mock.onGet('/slow').timeout();

  const res = await c.get('/items/1');
  expect(res.data).toEqual({ id: 1, mocked: true });
  expect(res.keepAlive).toBeUndefined(); // the library never ran
  const missing = await c.get('/missing').catch((e: AxiosError) => e);
  expect(missing).toBeInstanceOf(AxiosError);
  expect((missing as AxiosError).response?.status).toBe(404);
  expect(((await c.get('/down').catch((e: AxiosError) => e)) as AxiosError).message).toBe('Network Error');
  expect(((await c.get('/slow').catch((e: AxiosError) => e)) as AxiosError).code).toBe('ECONNABORTED');
  expect(server.requests()).toBe(0);
  expect(log.lines()).toEqual([]);

  mock.restore();
  const first = await c.get('/json');
  const second = await c.get('/json');
  expect(factsOf(first)).toMatchObject({ reused: false, socketRequests: 1 });
  expect(factsOf(second)).toMatchObject({ reused: true, socketRequests: 2 });
  expect(server.connections()).toBe(1);
  expect(c.keepAlive.stats().total).toMatchObject({ requests: 2, reused: 1 });
  expect(log.lines().filter((l) => l.evt === 'request')).toHaveLength(2);
  expect(log.lines().filter((l) => (l.level as number) >= 40)).toEqual([]);
});

test("onNoMatch: 'passthrough': unmatched calls go through the pool, with their facts and deadlines", async () => {
  const c = client({ timeouts: { response: 300 } });
  const mock = new MockAdapter(c, { onNoMatch: 'passthrough' });
  mock.onGet('/items/1').reply(200, { mocked: true });

  expect((await c.get('/items/1')).data).toEqual({ mocked: true });
  const a = await c.get('/json');
  const b = await c.get('/json');
  expect(factsOf(a)).toMatchObject({ reused: false });
  expect(factsOf(b)).toMatchObject({ reused: true, socketRequests: 2 });
  expect(server.connections()).toBe(1);
  const timedOut = (await c.get('/slow-headers?ms=2000').catch((e: AxiosError) => e)) as AxiosError;
  expect(timedOut.code).toBe('ETIMEDOUT');
  expect(factsOf(timedOut)).toMatchObject({ timeoutPhase: 'response' });
  mock.restore();
});

test('applyKeepAlive(instance), then a mock, restore(), eject(): the instance ends as it began', async () => {
  const instance = axios.create({ baseURL: server.url });
  const before = instance.defaults.adapter;
  const handle = applyKeepAlive(instance, { logger: false });
  try {
    const mock = new MockAdapter(instance);
    mock.onGet('/items/1').reply(200, { mocked: true });
    expect((await instance.get('/items/1')).data).toEqual({ mocked: true });
    mock.restore();
    await instance.get('/json');
    const res = await instance.get('/json');
    expect(factsOf(res)).toMatchObject({ reused: true });
    handle.eject();
    expect(instance.defaults.adapter).toBe(before);
    expect(instance.defaults.httpAgent).toBeUndefined();
  } finally {
    await handle.close();
  }
});

test('a mock installed before applyKeepAlive(): the library wraps it; mocked replies come back, and no warning blames a proxy', async () => {
  const instance = axios.create({ baseURL: server.url });
  const mock = new MockAdapter(instance);
  mock.onGet('/items/1').reply(200, { mocked: true });
  const log = memoryLogger();
  const handle = applyKeepAlive(instance, { logger: log.logger, timeouts: { total: 2000 } });
  try {
    const res = await instance.get('/items/1');
    expect(res.data).toEqual({ mocked: true });
    expect(factsOf(res).reused ?? null).toBeNull(); // no socket: never claimed as reused or not
    expect(server.requests()).toBe(0);
    expect(log.lines().filter((l) => (l.level as number) >= 40 && /proxy/i.test(String(l.msg)))).toEqual([]);
  } finally {
    handle.eject();
    mock.restore();
    await handle.close();
  }
});
