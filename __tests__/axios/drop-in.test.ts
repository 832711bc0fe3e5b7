// Dropped into an existing axios codebase: derived instances, every kind of request axios makes,
// requests that do not go through the pool, axios's own `timeout`, and deadlines under jest's fake
// timers — on real loopback sockets, connections counted at the server.
import axios, { AxiosError } from 'axios';
import FormData from 'form-data';
import http from 'node:http';
import { applyKeepAlive, createClient, type KeepAliveAxiosError, type KeepAliveHandle } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';

let server: TestServer;
const handles: KeepAliveHandle[] = [];

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  jest.useRealTimers();
  await Promise.all(handles.splice(0).map((h) => h.close()));
  await server.close();
});

function install(instance: ReturnType<typeof axios.create>, options: Parameters<typeof applyKeepAlive>[1] = {}): KeepAliveHandle {
  const h = applyKeepAlive(instance, { logger: false, ...options });
  handles.push(h);
  return h;
}

describe('derived instances', () => {
  test('axios.create() from an installed instance shares its pool: one connection, one set of stats', async () => {
    const parent = axios.create({ baseURL: server.url, maxRedirects: 0 });
    const h = install(parent);
    const child = parent.create({ headers: { 'x-child': '1' } });
    const a = await parent.get('/json');
    const b = await child.get('/json');
    expect(a.keepAlive).toMatchObject({ reused: false, socketRequests: 1 });
    expect(b.keepAlive).toMatchObject({ reused: true, socketRequests: 2 });
    expect(server.connections()).toBe(1);
    expect(h.stats().total.requests).toBe(2);
  });

  test('applyKeepAlive() on a derived instance gives it a pool of its own; its eject() puts back the shared one', async () => {
    const parent = axios.create({ baseURL: server.url });
    const shared = install(parent);
    const child = parent.create();
    const own = install(child, { agent: { maxSockets: 3 } });
    expect(child.defaults.httpAgent).toBe(own.httpAgent);
    await child.get('/json');
    expect(own.stats().total.requests).toBe(1);
    expect(shared.stats().total.requests).toBe(0);
    own.eject();
    expect(child.defaults.httpAgent).toBe(shared.httpAgent);
    await child.get('/json');
    expect(shared.stats().total.requests).toBe(1);
    expect(() => install(parent)).toThrow(/already has axios-keepalive installed/);
  });

  test('eject() removes the install from the instance and from every instance derived since, children of children too', async () => {
    const parent = axios.create({ baseURL: server.url });
    const before = { adapter: parent.defaults.adapter, httpAgent: parent.defaults.httpAgent };
    const h = install(parent);
    const child = parent.create();
    const grandchild = child.create();
    const unrelated = axios.create({ baseURL: server.url });
    h.eject();
    for (const instance of [parent, child, grandchild]) {
      expect(instance.defaults.adapter).toEqual(before.adapter);
      expect(instance.defaults.httpAgent).toBe(before.httpAgent);
      const res = await instance.get('/json');
      expect(res.keepAlive).toBeUndefined(); // plain axios again, not half of the preset
    }
    expect((await unrelated.get('/json')).keepAlive).toBeUndefined();
    expect(h.stats().total.requests).toBe(0);
    // A derived instance made after eject() is plain as well.
    expect((await parent.create().get('/json')).keepAlive).toBeUndefined();
  });

  test('a value the user set on a derived instance since is left alone by eject()', async () => {
    const parent = axios.create({ baseURL: server.url });
    const h = install(parent);
    const child = parent.create();
    const mine = new http.Agent({ keepAlive: true });
    child.defaults.httpAgent = mine;
    h.eject();
    expect(child.defaults.httpAgent).toBe(mine);
    mine.destroy();
  });

  test('close() ends the calls of derived instances too: they reject with ERR_CLIENT_CLOSED, nothing hangs', async () => {
    const parent = axios.create({ baseURL: server.url });
    const h = install(parent);
    const child = parent.create();
    const pending = child.get('/hang').catch((e: unknown) => e);
    await until(() => h.stats().total.active === 1);
    await h.close();
    expect((await pending as AxiosError).code).toBe('ERR_CLIENT_CLOSED');
    await expect(child.get('/json')).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
  });

  test('client.create() from createClient() shares the pool as well', async () => {
    const c = createClient({ logger: false, axios: { baseURL: server.url } });
    handles.push(c.keepAlive);
    const d = c.create({ headers: { 'x-derived': '1' } });
    await c.get('/json');
    expect((await d.get('/json')).keepAlive).toMatchObject({ reused: true });
    expect(server.connections()).toBe(1);
  });
});

describe('every request is bound to its call, whatever happens before it is sent', () => {
  test('a legacy form-data POST that times out leaves no active socket and no open server connection', async () => {
    const log = memoryLogger();
    const c = createClient({ logger: log.logger, axios: { baseURL: server.url } });
    handles.push(c.keepAlive);
    const form = new FormData();
    form.append('field', 'value');
    const t0 = performance.now();
    const error = (await c.post('/hang', form, { keepAlive: { timeouts: { response: 300 } } }).catch((e: unknown) => e)) as KeepAliveAxiosError;
    const took = performance.now() - t0;
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.keepAlive?.timeoutPhase).toBe('response'); // not `total`: axios awaited getLength() first, the binding held
    expect(took).toBeLessThan(2000);
    await until(() => server.open() === 0);
    expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0 });
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ timeout: 1 });
  });

  test('normal, canceled, timed-out, streamed and form-data calls through the pool log no pool-bypassed line and no close reason `other`', async () => {
    const log = memoryLogger();
    const c = createClient({ logger: log.logger, axios: { baseURL: server.url } });
    handles.push(c.keepAlive);
    await c.get('/json');
    await c.post('/json', { a: 1 });
    const ac = new AbortController();
    const canceled = c.get('/hang', { signal: ac.signal }).catch((e: unknown) => e);
    await settle(50);
    ac.abort();
    expect((await canceled as AxiosError).code).toBe('ERR_CANCELED');
    await expect(c.get('/hang', { keepAlive: { timeouts: { response: 100 } } })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const stream = await c.get('/bytes?n=100000', { responseType: 'stream' });
    for await (const chunk of stream.data) void chunk;
    const form = new FormData();
    form.append('f', 'v');
    expect((await c.post('/json', form)).data.ok).toBe(true);
    await settle(1200); // past any late warning
    await c.keepAlive.close();
    const lines = log.lines();
    expect(lines.filter((l) => l.evt === 'pool-bypassed')).toEqual([]);
    expect(lines.filter((l) => l.evt === 'socket-close').map((l) => l.reason)).not.toContain('destroyed');
  });

  test('a data: URL is answered as by plain axios, silently: no socket, no warning', async () => {
    const log = memoryLogger();
    const c = createClient({ logger: log.logger });
    handles.push(c.keepAlive);
    const plain = await axios.get('data:text/plain;base64,aGVsbG8=');
    const res = await c.get('data:text/plain;base64,aGVsbG8=');
    expect(res.data).toEqual(plain.data);
    expect(res.keepAlive).toMatchObject({ reused: null, socketRequests: null, bypassed: 'no-socket' });
    expect(log.lines().filter((l) => l.level as number >= 40)).toEqual([]);
  });

  test('a call with its own httpAgent: facts say so (reused null, bypassed agent), one warning names the agent, deadlines hold', async () => {
    const log = memoryLogger();
    const c = createClient({ logger: log.logger, axios: { baseURL: server.url } });
    handles.push(c.keepAlive);
    const own = new http.Agent({ keepAlive: true });
    try {
      const res = await c.get('/json', { httpAgent: own });
      expect(res.keepAlive).toMatchObject({ reused: null, socketRequests: null, queueMs: null, bypassed: 'agent', remoteAddress: '127.0.0.1' });
      await c.get('/json', { httpAgent: own });
      const t0 = performance.now();
      const error = (await c.get('/hang', { httpAgent: own, keepAlive: { timeouts: { response: 200 } } }).catch((e: unknown) => e)) as KeepAliveAxiosError;
      expect(error.code).toBe('ETIMEDOUT');
      expect(error.keepAlive).toMatchObject({ timeoutPhase: 'response', bypassed: 'agent' });
      expect(performance.now() - t0).toBeLessThan(1500);
      const warnings = log.lines().filter((l) => l.evt === 'pool-bypassed');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ bypassed: 'agent', level: 40 });
      expect(String(warnings[0].msg)).toMatch(/its own httpAgent/);
      expect(c.keepAlive.stats().total.requests).toBe(0);
    } finally {
      own.destroy();
    }
  });
});

describe("axios's own timeout keeps axios's meaning", () => {
  test('with maxRedirects 0 it is a wall clock from the request to the headers, as in plain axios: a request queued behind a busy socket times out with ECONNABORTED', async () => {
    const busy = { maxRedirects: 0, timeout: 300, baseURL: server.url };
    // Plain axios with a one-socket agent first.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const plain = axios.create({ ...busy, httpAgent: agent });
    // The request holding the one socket has no timeout of its own, so it cannot free the socket early.
    const hold = plain.get('/hang', { timeout: 0 }).catch((e: unknown) => e);
    let t0 = performance.now();
    const plainError = (await plain.get('/json').catch((e: unknown) => e)) as AxiosError;
    const plainTook = performance.now() - t0;
    agent.destroy();
    await hold;
    // The preset, with its own queue deadline far away.
    const c = createClient({ logger: false, axios: busy, agent: { maxSockets: 1 }, timeouts: { queue: 10_000 } });
    handles.push(c.keepAlive);
    const held = c.get('/hang', { timeout: 0 }).catch((e: unknown) => e);
    t0 = performance.now();
    const error = (await c.get('/json').catch((e: unknown) => e)) as AxiosError;
    const took = performance.now() - t0;
    await c.keepAlive.close();
    await held;
    expect(plainError.code).toBe('ECONNABORTED');
    expect(error.code).toBe(plainError.code);
    expect(error.message).toBe(plainError.message);
    expect(plainTook).toBeLessThan(2000);
    expect(took).toBeLessThan(2000);
  });
});

describe('deadlines follow the clock jest fakes', () => {
  test('advancing fake time past timeouts.response rejects with ETIMEDOUT, on a real socket', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const c = createClient({ logger: false, axios: { baseURL: server.url }, timeouts: { response: 5000 } });
    handles.push(c.keepAlive);
    const pending = c.get('/hang').catch((e: unknown) => e);
    // The request reaches the server on real I/O; fake time does not move by itself.
    const realWait = (ms: number): Promise<void> => new Promise((r) => jest.requireActual<typeof import('node:timers')>('node:timers').setTimeout(r, ms));
    for (let i = 0; i < 100 && server.requests() === 0; i++) await realWait(10);
    expect(server.requests()).toBe(1);
    await jest.advanceTimersByTimeAsync(4000);
    let settled = false;
    void pending.then(() => (settled = true));
    await realWait(20);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(2000);
    const error = (await pending) as KeepAliveAxiosError;
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.keepAlive?.timeoutPhase).toBe('response');
  });
});
