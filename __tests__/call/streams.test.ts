// Issue 4: every response body ends. A socket goes back to the pool only when its response was
// read to the end; the guard makes sure an unread or half-read body never keeps it checked out.
import axios from 'axios';
import type { Readable } from 'node:stream';
import { isStreamAbandonedError, type KeepAliveAxiosError } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { withServer } from '../helpers/clients';
import { startServer, type TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';

let server: TestServer;
const client = withServer((s) => (server = s));

async function readAll(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

test('a stream nobody reads is destroyed after stream.idleTimeout: socket released, warning logged, no deadlock at maxSockets 1', async () => {
  const log = memoryLogger();
  const c = client({ logger: log.logger, agent: { maxSockets: 1 }, stream: { idleTimeout: 300 }, timeouts: { queue: 10_000 } });
  const t0 = performance.now();
  const res = await c.get<Readable>('/bytes?n=200000&secret=s3cr3t', { responseType: 'stream' });
  expect(res.status).toBe(200);
  // The caller forgets res.data. With maxSockets 1 the next call waits for that socket...
  const next = await c.get('/json');
  const waited = performance.now() - t0;
  expect(next.status).toBe(200);
  // ...and gets it after the guard destroyed the unread body.
  expect(waited).toBeGreaterThanOrEqual(290);
  expect(waited).toBeLessThan(5000);
  expect(res.data.destroyed).toBe(true);
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats.active).toBe(0);
  expect(stats.closed.byReason.abandoned).toBe(1);
  const warning = log.lines().find((l) => l.evt === 'stream-abandoned');
  expect(warning).toMatchObject({
    level: 40, method: 'GET', url: `${server.url}/bytes?n=[REDACTED]&secret=[REDACTED]`,
    bytesReceived: expect.any(Number), bufferedBytes: expect.any(Number), idleMs: expect.any(Number),
  });
  expect(warning!.idleMs as number).toBeGreaterThanOrEqual(290);
  expect(log.raw()).not.toContain('s3cr3t');
  expect(log.lines().find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'abandoned' });
});

test('a reader that is attached but stalls receives ERR_STREAM_ABANDONED as a stream error', async () => {
  const c = client({ stream: { idleTimeout: 250 } });
  const res = await c.get<Readable>('/bytes?n=300000', { responseType: 'stream' });
  const error = await new Promise<unknown>((resolve) => {
    res.data.once('data', () => res.data.pause()); // reads one chunk, then never again
    res.data.once('error', resolve);
  });
  expect(isStreamAbandonedError(error)).toBe(true);
  expect((error as KeepAliveAxiosError).code).toBe('ERR_STREAM_ABANDONED');
  expect((error as Error).message).toMatch(/was not read for \d+(\.\d+)? ms \(stream\.idleTimeout 250 ms\)/);
});

test('a slow but steady reader is not abandoned', async () => {
  const c = client({ stream: { idleTimeout: 400 } });
  const res = await c.get<Readable>('/drip?chunks=6&interval=150', { responseType: 'stream' });
  expect(await readAll(res.data)).toBe(6);
});

test('a stream read to the end gives its socket back: the next request reuses it', async () => {
  const c = client();
  const res = await c.get<Readable>('/bytes?n=100000', { responseType: 'stream' });
  expect(await readAll(res.data)).toBe(100000);
  const next = await c.get('/json');
  expect(next.keepAlive).toMatchObject({ reused: true, socketRequests: 2 });
  expect(server.connections()).toBe(1);
});

test.each([
  ['destroy() halfway', async (s: Readable) => {
    await new Promise<void>((resolve) => s.once('data', () => resolve()));
    s.destroy();
  }],
  ['break out of for await', async (s: Readable) => {
    for await (const _chunk of s) break;
  }],
])('a stream stopped early (%s) closes its socket: counted, nothing active', async (_name, stop) => {
  const c = client();
  const res = await c.get<Readable>('/bytes?n=1000000', { responseType: 'stream' });
  await stop(res.data);
  await until(() => c.keepAlive.stats().total.active === 0);
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, idle: 0 });
  expect(stats.closed.byReason.abandoned).toBe(1);
  expect((await c.get('/json')).keepAlive!.reused).toBe(false);
});

test('an error status with a small stream body: the error carries it as a stream again, the socket is reused', async () => {
  const c = client();
  const error = (await c.get('/status?code=404', { responseType: 'stream' }).catch((e: unknown) => e)) as KeepAliveAxiosError;
  expect(axios.isAxiosError(error)).toBe(true);
  expect(error.response!.status).toBe(404);
  // axios gives a stream there: a stream it stays (already read, so it ends at once).
  expect(await text(error.response!.data as Readable)).toBe('status 404');
  expect(error.keepAlive?.bodyTruncated).toBeUndefined();
  const e500 = (await c.get('/status?code=500', { responseType: 'stream' }).catch((e: unknown) => e)) as KeepAliveAxiosError;
  expect(await text(e500.response!.data as Readable)).toBe('status 500');
  const next = await c.get('/json');
  expect(next.keepAlive).toMatchObject({ reused: true, socketRequests: 3 });
  expect(server.connections()).toBe(1);
});

test('an error body larger than drainLimit is cut: the socket is closed and the error still rejects promptly', async () => {
  const c = client({ stream: { drainLimit: 1024 } });
  const t0 = performance.now();
  const error = (await c.get('/bytes?n=5000000&code=500', { responseType: 'stream' }).catch((e: unknown) => e)) as KeepAliveAxiosError;
  expect(performance.now() - t0).toBeLessThan(3000);
  expect(error.response!.status).toBe(500);
  expect((await text(error.response!.data as Readable)).length).toBe(1024);
  expect(error.keepAlive?.bodyTruncated).toBe(true);
  await until(() => c.keepAlive.stats().total.active === 0);
  expect(c.keepAlive.stats().total.closed.byReason['drain-limit']).toBe(1);
  expect((await c.get('/json')).keepAlive!.reused).toBe(false);
});

test('an error body slower than drainTimeout is cut too', async () => {
  const c = client({ stream: { drainTimeout: 200 } });
  const dripping = await startServer((req, res) => {
    res.statusCode = 503;
    res.write('partial');
    const t = setInterval(() => res.write('.'), 100);
    res.on('close', () => clearInterval(t));
  });
  try {
    const t0 = performance.now();
    const error = (await c.get(`${dripping.url}/`, { responseType: 'stream' }).catch((e: unknown) => e)) as KeepAliveAxiosError;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(error.response!.status).toBe(503);
    expect(error.keepAlive?.bodyTruncated).toBe(true);
    expect(await text(error.response!.data as Readable)).toMatch(/^partial/);
  } finally {
    await c.keepAlive.close();
    await dripping.close();
  }
});

test('soak: 2,000 mixed stream requests at maxSockets 5 end with no active socket and no hung promise', async () => {
  const c = client({ agent: { maxSockets: 5 }, stream: { idleTimeout: 100 }, timeouts: { queue: 20_000, total: 30_000 } });
  const kinds = ['read', 'half', 'never', 'error'] as const;
  const counts = { read: 0, half: 0, never: 0, error: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < 2000) {
      const i = next++;
      // Mostly reads; one in ten never read (each holds a socket for idleTimeout).
      const kind = i % 10 === 0 ? 'never' : kinds[i % 4 === 2 ? 3 : i % 4 === 1 ? 1 : 0];
      if (kind === 'error') {
        const e = (await c.get('/status?code=500', { responseType: 'stream' }).catch((x: unknown) => x)) as KeepAliveAxiosError;
        expect(await text(e.response!.data as Readable)).toBe('status 500');
      } else {
        const res = await c.get<Readable>('/bytes?n=50000', { responseType: 'stream' });
        if (kind === 'read') await readAll(res.data);
        else if (kind === 'half') {
          await new Promise<void>((resolve) => res.data.once('data', () => resolve()));
          res.data.destroy();
        }
      }
      counts[kind]++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  expect(counts.read + counts.half + counts.never + counts.error).toBe(2000);
  await until(() => c.keepAlive.stats().total.active === 0, 5000);
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, queued: 0 });
  expect(server.connections()).toBeLessThanOrEqual(stats.created);
  expect(stats.closed.byReason.abandoned).toBeGreaterThanOrEqual(counts.never);
}, 60_000);
