// Issue 7: close() with calls in every state (queued for a socket, waiting for headers, a stream
// body being read) fails each of them at once with ERR_CLIENT_CLOSED, closes every socket, and
// leaves nothing behind: run this file with `--detectOpenHandles`.
import type { Readable } from 'node:stream';
import { createClient, isClientClosedError, type KeepAliveAxiosError, type KeepAliveClient } from '../../src';
import { problems, startFaultServer, watchProcess, type FaultServer, type ProcessWatch } from '../helpers/fault-server';
import { settle, until } from '../helpers/wait';

/** "Promptly": no timer of the library is involved, only socket teardown on loopback. */
const PROMPT_MS = 1000;

let server: FaultServer;
let watch: ProcessWatch;

beforeEach(async () => {
  watch = watchProcess();
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
  await settle(50);
  watch.stop();
  expect(problems(watch)).toEqual([]);
});

function client(): KeepAliveClient {
  // Long deadlines: nothing here may end by a timeout, only by close().
  return createClient({
    logger: false,
    agent: { maxSockets: 3 },
    timeouts: { queue: 30_000, response: 30_000, idle: 30_000, total: 60_000 },
    stream: { idleTimeout: 30_000 },
    axios: { baseURL: server.url },
  });
}

interface Settled {
  error?: KeepAliveAxiosError;
  at: number;
}

function track(p: Promise<unknown>): Promise<Settled> {
  return p.then(
    () => ({ at: performance.now() }),
    (error: KeepAliveAxiosError) => ({ error, at: performance.now() }),
  );
}

function expectClosed(error: KeepAliveAxiosError | undefined): void {
  expect(isClientClosedError(error)).toBe(true);
  expect(error?.code).toBe('ERR_CLIENT_CLOSED');
}

test('close() fails queued calls, calls waiting for headers and a stream being read, promptly; close() resolves; nothing is left open', async () => {
  const c = client();

  // One socket carries a stream body that is being read.
  const res = await c.get<Readable>('/drip', { responseType: 'stream' });
  const body = res.data;
  let received = 0;
  let streamError: (Error & { code?: string }) | undefined;
  let streamErrorAt = 0;
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  body.on('error', (e) => {
    streamError = e;
    streamErrorAt = performance.now();
  });
  const bodyClosed = new Promise<void>((resolve) => body.once('close', () => resolve()));
  await until(() => received >= 2);

  // Two sockets wait for headers that never come.
  const waiting = [track(c.get('/hang')), track(c.get('/hang'))];
  await until(() => server.requests('/hang') === 2);
  // maxSockets (3) is reached: these wait in the agent's queue.
  const queued = [track(c.get('/ok')), track(c.post('/ok', { a: 1 })), track(c.get('/ok'))];
  await until(() => c.keepAlive.stats().total.queued === 3);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 3, queued: 3 });
  expect(server.open()).toBe(3);

  const t0 = performance.now();
  await c.keepAlive.close();
  const closedAt = performance.now();
  expect(closedAt - t0).toBeLessThan(PROMPT_MS);

  for (const s of await Promise.all([...waiting, ...queued])) {
    expectClosed(s.error);
    expect(s.at - t0).toBeLessThan(PROMPT_MS);
    expect(s.error?.keepAlive).toMatchObject({ retries: 0 });
  }
  // The queued calls never reached the server.
  expect(server.requests('/ok')).toBe(0);

  // The reader of the stream is told, and the stream ends (no reader waits for ever).
  await bodyClosed;
  expect(streamError).toBeDefined();
  expect(streamErrorAt - t0).toBeLessThan(PROMPT_MS);

  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, queued: 0 });
  expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'client-closed': 3 });
  await until(() => server.open() === 0);

  // Later calls fail the same way, and send nothing.
  const before = server.requests();
  const later = await track(c.get('/ok'));
  expectClosed(later.error);
  expect(server.requests()).toBe(before);
  expect(server.connections()).toBe(3);
  // close() again is harmless.
  await c.keepAlive.close();
});

// The reader must be able to tell "the client was closed" from "the server reset" (ECONNRESET 'aborted').
test('close(): the reader of a stream body gets ERR_CLIENT_CLOSED', async () => {
  const c = client();
  const res = await c.get<Readable>('/drip', { responseType: 'stream' });
  let streamError: (Error & { code?: string }) | undefined;
  res.data.on('data', () => {});
  res.data.on('error', (e) => {
    streamError = e;
  });
  const closed = new Promise<void>((resolve) => res.data.once('close', () => resolve()));
  await c.keepAlive.close();
  await closed;
  expectClosed(streamError as KeepAliveAxiosError);
});

// A destroyed socket reports `closed` at once but emits 'close' (and leaves the agent's lists) later:
// close() must wait for the sockets of the calls in flight too.
test('close() resolves only once every socket, in flight ones included, is closed', async () => {
  const c = client();
  const calls = [track(c.get('/hang')), track(c.get('/hang')), track(c.get('/hang'))];
  await until(() => server.requests('/hang') === 3);
  await c.keepAlive.close();
  // No tick waited: the promise itself is the guarantee.
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, queued: 0, closed: { total: 3, byReason: { 'client-closed': 3 } } });
  for (const s of await Promise.all(calls)) expectClosed(s.error);
});

test('close() with nothing in flight resolves at once and closes the idle sockets', async () => {
  const c = client();
  await Promise.all([c.get('/ok'), c.get('/ok')]);
  await settle();
  expect(c.keepAlive.stats().total.idle).toBe(2);
  const t0 = performance.now();
  await c.keepAlive.close();
  expect(performance.now() - t0).toBeLessThan(PROMPT_MS);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, closed: { total: 2, byReason: { 'client-closed': 2 } } });
  await until(() => server.open() === 0);
  expectClosed((await track(c.get('/ok'))).error);
});

test('close() racing new calls: every call settles, none after close() reaches the server', async () => {
  const c = client();
  const calls: Array<Promise<Settled>> = [];
  for (let i = 0; i < 20; i++) calls.push(track(c.get(i % 2 === 0 ? '/ok' : '/hang')));
  const closing = c.keepAlive.close();
  const requestsAtClose = server.requests();
  for (let i = 0; i < 5; i++) calls.push(track(c.get('/ok')));
  await closing;
  const results = await Promise.all(calls);
  expect(results).toHaveLength(25);
  for (const r of results.slice(20)) expectClosed(r.error);
  // Calls made before close() that had not been answered fail as closed; none is left pending.
  for (const r of results) {
    if (r.error !== undefined) expectClosed(r.error);
  }
  await settle();
  expect(server.requests()).toBe(requestsAtClose);
  expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, queued: 0 });
});
