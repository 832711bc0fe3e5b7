// options.summary: the periodic `pool-summary` line per origin, on real loopback sockets. Intervals
// are the shortest allowed (1 s); assertions are on counts and fields, never on timing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createClient } from '../../src';
import { clientFactory } from '../helpers/clients';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';

let server: TestServer;
let other: TestServer;
const client = clientFactory(() => server.url);

beforeAll(async () => {
  server = await startServer();
  other = await startServer();
});
afterAll(async () => {
  await server.close();
  await other.close();
});

const summaries = (log: ReturnType<typeof memoryLogger>) => log.lines().filter((l) => l.evt === 'pool-summary');

test('one line per origin per interval, with the counts of that interval only; the per-call line can stay at debug', async () => {
  const log = memoryLogger('info');
  const c = client({ logger: log.logger, logLevel: 'debug', summary: { interval: 1000 } });
  for (let i = 0; i < 5; i++) await c.get('/json');
  await c.get('/close'); // the 6th request; the server closes the connection after it
  await c.get(`${other.url}/json`);
  await until(() => summaries(log).length >= 2, 5000);
  await settle();

  // info logger, per-call lines at debug: none of them, yet reuse is visible.
  expect(log.lines().filter((l) => l.evt === 'request')).toEqual([]);
  const first = summaries(log);
  const main = first.find((l) => l.origin === server.url);
  expect(main).toMatchObject({
    level: 30, lib: 'axios-keepalive', msg: 'pool summary',
    requests: 6, reused: 5, reuseRatio: 0.833, opened: 1, closed: { 'connection-close': 1 }, timeouts: {}, retries: 0,
    active: 0, idle: 0, queued: 0,
  });
  expect(main?.intervalMs).toBeGreaterThanOrEqual(900);
  const q = main?.queueMs as { p50: number; p99: number; max: number };
  expect(q.p50).toBeGreaterThanOrEqual(0);
  expect(q.p50).toBeLessThanOrEqual(q.p99);
  expect(q.p99).toBeLessThanOrEqual(q.max);
  expect(first.find((l) => l.origin === other.url)).toMatchObject({ requests: 1, reused: 0, reuseRatio: 0, opened: 1, idle: 1 });

  // The next interval: two calls to one origin, nothing to the other, which gets no line.
  log.clear();
  await c.get('/json');
  await c.get('/json');
  await until(() => summaries(log).length >= 1, 5000);
  await settle(200);
  const second = summaries(log);
  expect(second).toHaveLength(1);
  expect(second[0]).toMatchObject({ origin: server.url, requests: 2, reused: 1, opened: 1, closed: {} });
});

test('queue wait percentiles: maxSockets 1 and 4 calls of 100 ms at once, timeouts by phase', async () => {
  const log = memoryLogger('info');
  const c = client({ logger: log.logger, logLevel: 'debug', agent: { maxSockets: 1 }, summary: { interval: 60_000 } });
  await Promise.all([0, 1, 2, 3].map(() => c.get('/slow-headers?ms=100')));
  await expect(c.get('/hang', { keepAlive: { timeouts: { response: 100 } } })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  await settle(); // the timed-out socket's 'close' comes a tick after its destroy()
  await c.keepAlive.close(); // writes the last, partial interval
  const [line] = summaries(log);
  expect(summaries(log)).toHaveLength(1);
  expect(line).toMatchObject({ requests: 5, reused: 4, opened: 1, timeouts: { response: 1 }, closed: { timeout: 1 } });
  const q = line.queueMs as { p50: number; p99: number; max: number };
  // Waits of about 0, 100, 200 and 300 ms (and 0 for the fifth): p99 is the longest wait, within
  // the histogram's 10 %; lower bounds only, the machine is shared.
  expect(q.max).toBeGreaterThanOrEqual(250);
  expect(q.p99).toBe(q.max);
  expect(q.p50).toBeGreaterThanOrEqual(80);
  expect(q.p50).toBeLessThan(q.max);
});

test('close() writes the last interval, counting the sockets it closed, and stops the timer', async () => {
  const log = memoryLogger('info');
  const c = client({ logger: log.logger, summary: { interval: 1000, level: 'warn' } });
  await c.get('/json');
  await c.keepAlive.close();
  expect(summaries(log)).toHaveLength(1);
  expect(summaries(log)[0]).toMatchObject({ level: 40, requests: 1, opened: 1, closed: { 'client-closed': 1 }, idle: 0 });
  await settle(1300);
  expect(summaries(log)).toHaveLength(1);
});

test('off by default, and without a logger', async () => {
  const log = memoryLogger('info');
  const c = client({ logger: log.logger });
  await c.get('/json');
  await c.keepAlive.close();
  expect(summaries(log)).toEqual([]);
  const quiet = client({ logger: false, summary: { interval: 1000 } });
  await quiet.get('/json');
  await quiet.keepAlive.close();
});

test.each([
  [{ interval: 500 }, RangeError, 'options.summary.interval must be 0 (off) or a whole number of milliseconds from 1000 to 2147483647, got 500'],
  [{ interval: 60.5 }, RangeError, 'options.summary.interval must be a whole number from 0 to 2147483647, got 60.5'],
  [{ interval: '60s' }, TypeError, "options.summary.interval must be a number from 0 to 2147483647, got '60s'"],
  [{ level: 'verbose' }, TypeError, "options.summary.level must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', got 'verbose'"],
  [{ every: 1000 }, TypeError, 'options.summary.every is not an option (1000); allowed: interval, level'],
  [true, TypeError, 'options.summary must be a plain object, got true'],
])('bad summary option %p is refused before anything is sent', (summary, type, message) => {
  const before = server.requests();
  expect(() => createClient({ logger: false, summary: summary as never })).toThrow(new type(message));
  expect(server.requests()).toBe(before);
});

test('its timer never keeps a process alive: a script with a client and a summary every minute exits by itself', async () => {
  const script = `
    const { createClient } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'index.js'))});
    const c = createClient({ logger: false, summary: { interval: 60000 } });
    const d = createClient({ summary: { interval: 60000 } });
    console.log('started');
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const kill = setTimeout(() => child.kill(), 10_000);
    child.on('exit', (c) => {
      clearTimeout(kill);
      resolve(c);
    });
  });
  expect(out.trim()).toBe('started');
  expect(code).toBe(0);
});
