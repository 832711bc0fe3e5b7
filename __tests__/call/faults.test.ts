// Issue 7: every way a server can misbehave ends the call within its deadlines, with an AxiosError
// whose `code` says what happened, the socket closed (and why) or kept only when it is clean, and
// the next call fine. Each fault is tried on a new socket and on a reused (pooled) one.
import axios from 'axios';
import type { Readable } from 'node:stream';
import { createClient, isTimeoutError, type CloseReason, type KeepAliveAxiosError, type KeepAliveClient } from '../../src';
import { memoryLogger, type MemoryLog } from '../helpers/logs';
import { problems, startFaultServer, watchProcess, type FaultRoute, type FaultServer, type ProcessWatch } from '../helpers/fault-server';
import { settle } from '../helpers/wait';

const TIMEOUTS = { connect: 1000, response: 1000, idle: 500, total: 3000 };
/** Shared 2-core machine: the bound asserted is total + this. */
const MARGIN = 1500;
const MAX_CONTENT_LENGTH = 64 * 1024;

interface Fault {
  name: string;
  route: FaultRoute | 'REFUSED';
  code: string;
  message: string | RegExp;
  /** Why the socket closed; null when it is kept (the response was complete: the socket is clean). */
  reason: CloseReason | null;
  status?: number;
  phase?: string;
  /** On a reused socket a GET is re-sent once on a new socket (stale-socket retry). */
  retriedWhenReused?: boolean;
}

// The table the README's Reliability section shows.
const FAULTS: Fault[] = [
  { name: 'connection refused', route: 'REFUSED', code: 'ECONNREFUSED', message: /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/, reason: 'error' },
  { name: 'reset before the status line', route: '/reset-before-status', code: 'ECONNRESET', message: 'read ECONNRESET', reason: 'server-closed', retriedWhenReused: true },
  { name: 'reset after the headers', route: '/reset-after-headers', code: 'ECONNRESET', message: /^read ECONNRESET/, reason: 'server-closed' },
  { name: 'reset mid-body', route: '/reset-mid-body', code: 'ECONNRESET', message: /^read ECONNRESET/, reason: 'server-closed' },
  { name: 'malformed status line', route: '/malformed-status', code: 'HPE_INVALID_STATUS', message: 'Parse Error: Invalid status code', reason: 'error' },
  { name: 'malformed header line', route: '/malformed-headers', code: 'HPE_INVALID_HEADER_TOKEN', message: 'Parse Error: Invalid header token', reason: 'error' },
  { name: 'Content-Length larger than the body, then FIN', route: '/short-body', code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted', reason: 'server-closed', status: 200 },
  { name: 'chunked body cut off', route: '/chunked-cut', code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted', reason: 'server-closed', status: 200 },
  { name: 'headers that never end', route: '/slow-headers', code: 'ETIMEDOUT', message: /^response timeout of 1000 ms exceeded waiting for headers from http:\/\/127\.0\.0\.1:\d+$/, reason: 'timeout', phase: 'response' },
  { name: 'body larger than maxContentLength', route: '/big', code: 'ERR_BAD_RESPONSE', message: `maxContentLength size of ${MAX_CONTENT_LENGTH} exceeded`, reason: 'abandoned' },
  // 8 KiB on the wire arrive whole before axios inflates past the limit: the socket is clean and kept.
  { name: 'gzip body inflating past maxContentLength', route: '/gzip-bomb', code: 'ERR_BAD_RESPONSE', message: `maxContentLength size of ${MAX_CONTENT_LENGTH} exceeded`, reason: null },
  { name: 'well-formed 500', route: '/status-500', code: 'ERR_BAD_RESPONSE', message: 'Request failed with status code 500', reason: null, status: 500 },
];

let server: FaultServer;
let watch: ProcessWatch;
const clients: KeepAliveClient[] = [];

function client(log?: MemoryLog): KeepAliveClient {
  const c = createClient({
    logger: log?.logger ?? false,
    timeouts: TIMEOUTS,
    axios: { baseURL: server.url, maxContentLength: MAX_CONTENT_LENGTH },
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  watch = watchProcess();
  server = await startFaultServer();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  // Each test, not only the file: a late rejection or warning is blamed on the test that caused it.
  await settle(50);
  expect(problems(watch)).toEqual([]);
});
afterAll(async () => {
  await server.close();
  watch.stop();
});

// First: the watch that every afterEach relies on does hear the real process.
test('the process watch sees warnings (self-check)', async () => {
  const own = watchProcess();
  process.emitWarning('self-check', 'SelfCheckWarning');
  await settle();
  own.stop();
  expect(own.warnings.map((w) => w.name)).toEqual(['SelfCheckWarning']);
  watch.warnings.splice(watch.warnings.findIndex((w) => w.name === 'SelfCheckWarning'), 1);
});

interface Outcome {
  error: KeepAliveAxiosError;
  ms: number;
}

async function fails(c: KeepAliveClient, route: Fault['route']): Promise<Outcome> {
  const url = route === 'REFUSED' ? `${server.refusedUrl}/ok` : route;
  const t0 = performance.now();
  const error = await c.get(url).then(
    (r) => {
      throw new Error(`expected ${route} to fail, got ${r.status}`);
    },
    (e: KeepAliveAxiosError) => e,
  );
  return { error, ms: performance.now() - t0 };
}

async function run(fault: Fault, reused: boolean): Promise<{ c: KeepAliveClient; out: Outcome; log: MemoryLog }> {
  const log = memoryLogger();
  const c = client(log);
  if (reused) expect((await c.get('/ok')).status).toBe(200);
  const out = await fails(c, fault.route);
  await settle(); // the pool changes on the next tick after a request ends
  return { c, out, log };
}

describe.each([
  ['a new socket', false],
  ['a reused socket', true],
] as const)('on %s', (_label, reused) => {
  test.each(FAULTS.map((f) => [f.name, f] as const))('%s: settles in bounds with its code, no socket left active, the next call works', async (_name, fault) => {
    const { c, out, log } = await run(fault, reused);
    const { error, ms } = out;

    expect(axios.isAxiosError(error)).toBe(true);
    expect(error.code).toBe(fault.code);
    if (typeof fault.message === 'string') expect(error.message.startsWith(fault.message)).toBe(true);
    else expect(error.message).toMatch(fault.message);
    expect(error.response?.status).toBe(fault.status);
    expect(ms).toBeLessThan(TIMEOUTS.total + MARGIN);
    if (fault.phase !== undefined) {
      expect(isTimeoutError(error)).toBe(true);
      expect(error.keepAlive?.timeoutPhase).toBe(fault.phase);
      expect(ms).toBeGreaterThanOrEqual(TIMEOUTS.response - 5);
    }

    // The refused origin is not the warmed-up one: its call always opens a new socket.
    const onReused = reused && fault.route !== 'REFUSED';
    const retried = onReused && fault.retriedWhenReused === true;
    expect(error.keepAlive).toMatchObject({ retries: retried ? 1 : 0 });
    if (!retried) expect(error.keepAlive?.reused).toBe(onReused);

    const stats = c.keepAlive.stats().total;
    expect(stats.active).toBe(0);
    expect(stats.queued).toBe(0);
    expect(stats.retries).toBe(retried ? 1 : 0);
    const closedByFault = fault.reason === null ? 0 : retried ? 2 : 1;
    expect(stats.closed.total).toBe(closedByFault);
    if (fault.reason !== null) expect(stats.closed.byReason).toEqual({ [fault.reason]: closedByFault });
    if (fault.reason === null) expect(stats.idle).toBe(1);

    const next = await c.get('/ok');
    expect(next.status).toBe(200);
    // A kept socket serves the next call; a closed one is replaced.
    if (fault.reason === null) expect(next.keepAlive?.reused).toBe(true);
    else if (fault.route !== 'REFUSED') expect(next.keepAlive?.reused).toBe(false);

    // The failed call's line says what the error says.
    const line = log.lines().find((l) => l.evt === 'request' && l.code !== undefined);
    expect(line).toMatchObject({ code: fault.code, level: 40 });
    if (fault.reason !== null) {
      expect(log.lines().filter((l) => l.evt === 'socket-close')[0]).toMatchObject({ reason: fault.reason });
    }
  });
});

// The same faults after the headers, on `responseType: 'stream'`: the call resolves at the headers, so
// the reader is the one told, and the stream ends (errors) instead of waiting for ever. Node's own
// 'aborted' error (a plain Error, code ECONNRESET) reaches the reader for a cut body; axios's
// maxContentLength check is an AxiosError.
const STREAM_FAULTS: Array<{ route: FaultRoute; code: string; message: string; axiosError: boolean; reason: CloseReason | null }> = [
  { route: '/reset-after-headers', code: 'ECONNRESET', message: 'aborted', axiosError: false, reason: 'server-closed' },
  { route: '/reset-mid-body', code: 'ECONNRESET', message: 'aborted', axiosError: false, reason: 'server-closed' },
  { route: '/short-body', code: 'ECONNRESET', message: 'aborted', axiosError: false, reason: 'server-closed' },
  { route: '/chunked-cut', code: 'ECONNRESET', message: 'aborted', axiosError: false, reason: 'server-closed' },
  { route: '/big', code: 'ERR_BAD_RESPONSE', message: `maxContentLength size of ${MAX_CONTENT_LENGTH} exceeded`, axiosError: true, reason: 'abandoned' },
  { route: '/gzip-bomb', code: 'ERR_BAD_RESPONSE', message: `maxContentLength size of ${MAX_CONTENT_LENGTH} exceeded`, axiosError: true, reason: null },
];

test.each(STREAM_FAULTS.map((f) => [f.route, f] as const))('stream body, %s: the reader gets an error within bounds, no socket left active', async (_route, fault) => {
  const c = client();
  await c.get('/ok');
  const t0 = performance.now();
  const res = await c.get<Readable>(fault.route, { responseType: 'stream' });
  expect(res.status).toBe(200);
  let error: (Error & { code?: string }) | undefined;
  try {
    for await (const chunk of res.data) void chunk;
  } catch (e) {
    error = e as Error & { code?: string };
  }
  expect(performance.now() - t0).toBeLessThan(TIMEOUTS.total + MARGIN);
  expect(error?.code).toBe(fault.code);
  expect(error?.message).toBe(fault.message);
  expect(axios.isAxiosError(error)).toBe(fault.axiosError);
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats.active).toBe(0);
  expect(stats.closed.byReason).toEqual(fault.reason === null ? {} : { [fault.reason]: 1 });
  const next = await c.get('/ok');
  expect(next.status).toBe(200);
  expect(next.keepAlive?.reused).toBe(fault.reason === null);
});

// Node destroys the socket for a parse error without a socket 'error' (lib/_http_client.js
// socketOnData): the library still counts it as 'error' and logs the HPE_* code.
test.each(FAULTS.filter((f) => f.code.startsWith('HPE_')).map((f) => [f.name, f] as const))('%s: the socket closes for "error" with the parse error code', async (_name, fault) => {
  const { c, log } = await run(fault, false);
  expect(c.keepAlive.stats().total.closed.byReason).toEqual({ error: 1 });
  expect(log.lines().find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'error', code: fault.code });
});

test('an early `Connection: close`: the call succeeds and the socket closes for "connection-close"', async () => {
  const c = client();
  await c.get('/ok');
  const res = await c.get('/early-close');
  expect(res.status).toBe(200);
  expect(res.data).toBe('bye');
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, idle: 0, closed: { total: 1, byReason: { 'connection-close': 1 } } });
  const next = await c.get('/ok');
  expect(next.keepAlive?.reused).toBe(false);
});

test('unsolicited bytes on an idle pooled socket: the socket is dropped, never read as the next response', async () => {
  const c = client();
  const first = await c.get('/unsolicited');
  expect(first.data).toBe('first');
  const connectionsBefore = server.connections();
  // The server writes a second response 50 ms later, on the now idle socket.
  await settle(250);
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, idle: 0, closed: { total: 1, byReason: { 'unsolicited-data': 1 } } });
  const next = await c.get('/ok');
  expect(next.data).toMatchObject({ ok: true, onConnection: 1 }); // not 'unasked'
  expect(next.keepAlive?.reused).toBe(false);
  expect(server.connections()).toBe(connectionsBefore + 1);
});

test('every fault in a row on one client: nothing accumulates (listeners, active sockets, warnings)', async () => {
  const c = client();
  for (let round = 0; round < 3; round++) {
    for (const fault of FAULTS) {
      if (fault.route === '/slow-headers') continue; // 1 s each; covered above
      await fails(c, fault.route);
      expect((await c.get('/ok')).status).toBe(200);
    }
  }
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats.active).toBe(0);
  expect(stats.idle).toBeLessThanOrEqual(1);
  // One pooled socket served the healthy calls between faults that keep it: its listeners stayed bounded.
  const agent = c.keepAlive.httpAgent as unknown as { freeSockets: Record<string, Array<{ listenerCount(e: string): number }>> };
  for (const list of Object.values(agent.freeSockets)) {
    for (const socket of list) {
      for (const evt of ['error', 'close', 'data', 'timeout', 'free', 'end']) expect(socket.listenerCount(evt)).toBeLessThan(10);
    }
  }
});
