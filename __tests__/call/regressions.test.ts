// Regressions found by a second review of src/, each reproduced on real sockets before the fix.
import http from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { createClient } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startRawServer } from '../helpers/raw-server';
import { startServer, type TestServer } from '../helpers/server';
import { trackedTimers } from '../helpers/timers';
import { settle, until } from '../helpers/wait';

const gz = zlib.gzipSync(Buffer.from('hello world'));
const timers = trackedTimers();
let server: TestServer;
beforeEach(async () => {
  server = await startServer((req, res, url) => {
    if (url.pathname === '/gz') {
      req.resume();
      res.setHeader('content-encoding', 'gzip');
      res.setHeader('content-type', 'text/plain');
      res.end(gz);
      return true;
    }
    return false;
  });
});
afterEach(async () => {
  timers.clear();
  await server.close();
});

test.each([
  ['invalid port', 'http://alice:s3cr3t@127.0.0.1:99999/orders?x=1'],
  ['space in host', 'http://alice:s3cr3t@api .internal/orders'],
])('a call to an unparseable URL (%s) does not log its credentials', async (_name, url) => {
  const log = memoryLogger();
  const c = createClient({ logger: log.logger });
  try {
    await c.get(url).catch(() => undefined);
    expect(log.lines().some((l) => l.evt === 'request')).toBe(true);
    expect(log.raw()).not.toContain('s3cr3t');
  } finally {
    await c.keepAlive.close();
  }
});

test.each([null, false])('a POST with Idempotency-Key: %p (which axios does not send) is not re-sent after a stale-socket reset', async (value) => {
  const raw = await startRawServer({ killOnRequest: (n) => n === 2 });
  const c = createClient({ logger: false, axios: { baseURL: raw.url } });
  try {
    await c.post('/orders', { id: 1 });
    await settle(30);
    const error = await c.post('/orders', { id: 2 }, { headers: { 'Idempotency-Key': value as unknown as string } }).catch((e: { keepAlive?: { notRetried?: string } }) => e);
    expect((error as { keepAlive?: { notRetried?: string } }).keepAlive?.notRetried).toMatch(/has no Idempotency-Key header/);
    expect(raw.requests()).toBe(2); // the second POST reached the server once, and only once
  } finally {
    await c.keepAlive.close();
    await raw.close();
  }
});

test('an unread gzip stream destroyed after its socket was pooled does not label that healthy socket', async () => {
  const c = createClient({ logger: false, axios: { baseURL: server.url }, agent: { freeSocketTimeout: 300 } });
  try {
    const res = await c.get<Readable>('/gz', { responseType: 'stream' });
    await until(() => c.keepAlive.stats().total.idle === 1); // axios's gunzip read the response: socket pooled
    res.data.destroy();
    await settle(50);
    expect((await c.get('/gz')).keepAlive?.reused).toBe(true);
    await until(() => c.keepAlive.stats().total.closed.total === 1, 3000);
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'idle-timeout': 1 });
  } finally {
    await c.keepAlive.close();
  }
});

test('the stream guard does not label the socket another call is using', async () => {
  const c = createClient({ logger: false, axios: { baseURL: server.url }, stream: { idleTimeout: 200 }, agent: { maxSockets: 1 } });
  try {
    await c.get<Readable>('/gz', { responseType: 'stream' }); // never read
    await until(() => c.keepAlive.stats().total.idle === 1);
    const pending = c.get('/hang', { keepAlive: { timeouts: { response: 600 } } }).catch((e: { code?: string }) => e);
    await settle(400); // the guard fires on the first call's unread stream meanwhile
    expect(((await pending) as { code?: string }).code).toBe('ETIMEDOUT');
    await until(() => c.keepAlive.stats().total.closed.total === 1, 3000);
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ timeout: 1 });
  } finally {
    await c.keepAlive.close();
  }
});

test('a queued request canceled by its signal leaves the agent queue and is not counted on the socket', async () => {
  const c = createClient({ logger: false, axios: { baseURL: server.url }, agent: { maxSockets: 1 } });
  try {
    const busy = c.get('/slow-headers?ms=600');
    await settle(50);
    const canceled = [1, 2, 3].map(() => {
      const ac = new AbortController();
      const p = c.get('/json', { signal: ac.signal }).catch((e: { code?: string }) => e.code);
      setTimeout(() => ac.abort(), 50);
      return p;
    });
    expect(await Promise.all(canceled)).toEqual(['ERR_CANCELED', 'ERR_CANCELED', 'ERR_CANCELED']);
    expect(c.keepAlive.stats().total.queued).toBe(0);
    await busy;
    await settle(50);
    expect((await c.get('/json')).keepAlive?.socketRequests).toBe(2);
  } finally {
    await c.keepAlive.close();
  }
});

test('maxFreeSockets: 0 keeps no idle socket (Node alone would read 0 as 256)', async () => {
  const c = createClient({ logger: false, axios: { baseURL: server.url }, agent: { maxSockets: 4, maxFreeSockets: 0 } });
  try {
    await c.get('/json');
    await settle(50);
    expect(c.keepAlive.stats().total.idle).toBe(0);
    expect((await c.get('/json')).keepAlive?.reused).toBe(false);
    expect(server.connections()).toBe(2);
    expect(c.keepAlive.stats().total.closed.byReason['pool-full']).toBe(1);
  } finally {
    await c.keepAlive.close();
  }
});

test('an invalid URL is not a pool bypass; a later real bypass is still reported', async () => {
  const log = memoryLogger();
  const c = createClient({ logger: log.logger, axios: { baseURL: server.url } });
  const other = new http.Agent({ keepAlive: false });
  try {
    await c.get('http://127.0.0.1:99999/x').catch(() => undefined);
    await c.get('/json', { httpAgent: other });
    expect(log.lines().filter((l) => l.evt === 'pool-bypassed').map((l) => l.url)).toEqual([`${server.url}/json`]);
  } finally {
    other.destroy();
    await c.keepAlive.close();
  }
});

test('a throwing observe() listener does not break requests', async () => {
  const log = memoryLogger();
  const c = createClient({ logger: log.logger, axios: { baseURL: server.url } });
  try {
    const off = c.keepAlive.observe(() => {
      throw new Error('listener bug with a s3cr3t');
    });
    expect((await c.get('/json')).status).toBe(200);
    off();
    expect(log.lines().find((l) => l.evt === 'observer-error')).toMatchObject({ level: 40, error: 'Error' });
    expect(log.raw()).not.toContain('s3cr3t');
  } finally {
    await c.keepAlive.close();
  }
});
