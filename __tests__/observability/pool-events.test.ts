// handle.observePool() (connections opened and closed, retries, timeouts) and handle.addLogFields()
// (fields on the per-call line, taken when the request is created), on real loopback sockets.
// observe() listeners must keep receiving exactly what they did.
import net from 'node:net';
import type { KeepAliveClient, PoolEvent, SocketAssignedEvent } from '../../src';
import { clientFactory } from '../helpers/clients';
import { memoryLogger } from '../helpers/logs';
import { startRawServer, type RawServer } from '../helpers/raw-server';
import { startServer, type TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';

let server: TestServer;
const client = clientFactory(() => server.url);
const raws: RawServer[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterEach(async () => {
  await Promise.all(raws.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await server.close();
});

function record(c: KeepAliveClient): PoolEvent[] {
  const events: PoolEvent[] = [];
  c.keepAlive.observePool((e) => events.push(e));
  return events;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('observePool()', () => {
  test('a connection that opens, carries three requests and closes on the server\'s Connection: close', async () => {
    const c = client();
    const events = record(c);
    const before = server.connections();
    await c.get('/json');
    await c.get('/json');
    await c.get('/close');
    await until(() => events.some((e) => e.type === 'socket-close'));
    expect(server.connections() - before).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['socket-open', 'socket-close']);
    const [open, close] = events;
    expect(open).toMatchObject({ type: 'socket-open', origin: server.url, remoteAddress: '127.0.0.1' });
    expect(open.type === 'socket-open' && typeof open.localPort).toBe('number');
    expect(close).toMatchObject({
      type: 'socket-close', origin: server.url, reason: 'connection-close', requests: 3, connected: true, remoteAddress: '127.0.0.1',
    });
    expect(close.type === 'socket-close' && close.socketId).toBe(open.type === 'socket-open' && open.socketId);
    expect(close.type === 'socket-close' && close.ageMs).toBeGreaterThan(0);
  });

  test('a refused connection closes as never connected, reason error', async () => {
    const port = await closedPort();
    const c = client({ axios: { baseURL: `http://127.0.0.1:${port}` } });
    const events = record(c);
    await expect(c.get('/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({ type: 'socket-close', reason: 'error', connected: false, remoteAddress: null, requests: 1 });
  });

  test('a response timeout: a timeout event with its phase, then the socket closes as timeout', async () => {
    const c = client();
    const events = record(c);
    await expect(c.get('/hang', { keepAlive: { timeouts: { response: 200 } } })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await until(() => events.some((e) => e.type === 'socket-close'));
    const types = events.map((e) => e.type);
    expect(types).toEqual(['socket-open', 'timeout', 'socket-close']);
    expect(events[1]).toEqual({ type: 'timeout', origin: server.url, method: 'GET', phase: 'response' });
    expect(events[2]).toMatchObject({ type: 'socket-close', reason: 'timeout', timeoutPhase: 'response', connected: true });
  });

  test('a stale-socket retry: retry event with the first attempt\'s code, on the origin', async () => {
    const raw = await startRawServer({ killOnRequest: (n) => n === 2 });
    raws.push(raw);
    const c = client({ axios: { baseURL: raw.url } });
    const events = record(c);
    await c.get('/warm');
    const res = await c.get('/x');
    expect(res.keepAlive?.retries).toBe(1);
    expect(events.filter((e) => e.type === 'retry')).toEqual([{ type: 'retry', origin: raw.url, method: 'GET', code: 'ECONNRESET' }]);
    expect(raw.connections()).toBe(2);
  });

  test('unsubscribe stops the events; a listener that throws is logged and the request goes on', async () => {
    const log = memoryLogger('warn');
    const c = client({ logger: log.logger });
    const events: PoolEvent[] = [];
    const stop = c.keepAlive.observePool((e) => events.push(e));
    c.keepAlive.observePool(() => {
      throw new RangeError('listener bug');
    });
    expect((await c.get('/json')).status).toBe(200);
    stop();
    stop(); // idempotent
    await c.get('/close');
    await settle();
    expect(events.map((e) => e.type)).toEqual(['socket-open']);
    const warnings = log.lines().filter((l) => l.evt === 'observer-error');
    expect(warnings.length).toBeGreaterThanOrEqual(2); // socket-open and socket-close
    expect(warnings[0]).toMatchObject({ level: 40, event: 'socket-open', error: 'RangeError', msg: 'an observePool() listener threw' });
  });

  test('a listener that is not a function is refused', () => {
    const c = client();
    expect(() => c.keepAlive.observePool('x' as never)).toThrow(new TypeError("observePool: listener must be a function, got 'x'"));
  });

  test('observe() listeners receive what they did before: the same fields, no event type', async () => {
    const c = client();
    const seen: SocketAssignedEvent[] = [];
    c.keepAlive.observe((e) => seen.push(e));
    record(c);
    await c.get('/json');
    await c.get('/json');
    expect(seen).toHaveLength(2);
    expect(Object.keys(seen[1]).sort()).toEqual(['idleMs', 'localPort', 'origin', 'queueMs', 'remoteAddress', 'reused', 'socketRequests']);
    expect(seen[1]).toMatchObject({ origin: server.url, reused: true, socketRequests: 2 });
  });
});

describe('addLogFields()', () => {
  test('fields of the provider go on each per-call line; the line\'s own fields win; only plain values', async () => {
    const log = memoryLogger('info');
    const c = client({ logger: log.logger });
    let n = 0;
    const remove = c.keepAlive.addLogFields(() => ({ callNo: ++n, tenant: 'acme', evt: 'not-this', reused: 'nor this', span: { nested: true }, fn: () => 1 }));
    await c.get('/json');
    await c.post('/json', { a: 1 });
    remove();
    await c.get('/json');
    const lines = log.lines().filter((l) => l.evt === 'request');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ callNo: 1, tenant: 'acme', evt: 'request', reused: false, method: 'GET' });
    expect(lines[1]).toMatchObject({ callNo: 2, tenant: 'acme', evt: 'request', reused: true, method: 'POST' });
    expect(lines[0]).not.toHaveProperty('span');
    expect(lines[0]).not.toHaveProperty('fn');
    expect(lines[2]).not.toHaveProperty('callNo');
    // The socket lines are not per-call lines.
    expect(log.lines().find((l) => l.evt === 'socket-open')).not.toHaveProperty('tenant');
  });

  test('the provider runs when the request is created, so a queued call keeps the fields of its own creation', async () => {
    const log = memoryLogger('info');
    const c = client({ logger: log.logger, agent: { maxSockets: 1 } });
    let current = '';
    c.keepAlive.addLogFields(() => ({ caller: current }));
    const calls = ['a', 'b', 'c'].map((name) => {
      current = name;
      return c.get(`/slow-headers?ms=50&who=${name}`);
    });
    current = 'later';
    await Promise.all(calls);
    const lines = log.lines().filter((l) => l.evt === 'request');
    expect(lines.map((l) => [String(l.url).split('who=')[1], l.caller])).toEqual([
      ['[REDACTED]', 'a'], ['[REDACTED]', 'b'], ['[REDACTED]', 'c'],
    ]);
    expect(lines.map((l) => l.socketRequests)).toEqual([1, 2, 3]);
  });

  test('a provider that throws is logged and the call goes on without its fields', async () => {
    const log = memoryLogger('info');
    const c = client({ logger: log.logger });
    c.keepAlive.addLogFields(() => {
      throw new TypeError('provider bug');
    });
    expect((await c.get('/json')).status).toBe(200);
    expect(log.lines().find((l) => l.evt === 'observer-error')).toMatchObject({ level: 40, error: 'TypeError', msg: 'an addLogFields() provider threw' });
    expect(log.lines().find((l) => l.evt === 'request')).toMatchObject({ status: 200 });
  });
});
