// msw 2 (`msw/node`, setupServer), as users fake their upstreams with it: each test shows plain
// axios first, then the preset.
//
// Proves: under msw the preset's guarantees hold - every deadline (`response`, `idle`, `total`)
// rejects with ETIMEDOUT and names its phase, errors stay AxiosErrors, nothing hangs - and its facts
// are honest: msw answers without a socket of the pool, so `reused`/`socketRequests` are null and
// `bypassed` says 'interceptor', with no warning blaming a proxy. Requests msw lets through
// (`passthrough()`) to a real loopback server get every deadline too.
//
// Cannot prove: socket reuse, the `connect` phase, the stale-socket retry, why a socket closed.
// msw's interceptor (@mswjs/interceptors, ClientRequest) gives each request a MockHttpSocket and
// never calls the agent's addRequest. Those are proven on real sockets in the other suites.
//
// jest config: msw 2.13+ requires ESM-only packages (rettime, until-async,
// @open-draft/deferred-promise); jest.config.js compiles just those to CommonJS (mswjs/msw#2698).
import axios, { AxiosError, CanceledError, type AxiosInstance } from 'axios';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { applyKeepAlive, createClient, type KeepAliveHandle, type KeepAliveOptions } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { trackedTimers } from '../helpers/timers';
import { expectNoFalseBypassWarning, factsOf, failing, INTERCEPTED, requestLines, unusedOrigin } from './support';

const mock = setupServer();
let origin: string;
const handles: KeepAliveHandle[] = [];
/** The timers of `slow()` replies, cleared after each test (see slow()). */
const held = trackedTimers();

beforeAll(async () => {
  origin = await unusedOrigin();
  mock.listen({ onUnhandledRequest: 'error' });
});
afterEach(async () => {
  held.clear();
  mock.resetHandlers();
  await Promise.all(handles.splice(0).map((h) => h.close()));
});
afterAll(() => mock.close());

type Make = (options?: KeepAliveOptions) => AxiosInstance;

const viaCreateClient: Make = (options = {}) => {
  const client = createClient({ logger: false, ...options, axios: { baseURL: origin, ...options.axios } });
  handles.push(client.keepAlive);
  return client;
};

/** The user's own instance; `maxRedirects: 0` as the preset's default (see nock.test.ts). */
const viaApplyKeepAlive: Make = (options = {}) => {
  const instance = axios.create({ baseURL: origin, maxRedirects: 0 });
  handles.push(applyKeepAlive(instance, { logger: false, ...options }));
  return instance;
};

const BOTH: Array<[string, Make]> = [['createClient()', viaCreateClient], ['applyKeepAlive(instance)', viaApplyKeepAlive]];

/**
 * A reply 2 s late, on a timer cleared after each test. Not msw's `delay()`: a plain ref'd
 * setTimeout (msw/src/core/delay.ts) that nothing clears when the call gives up (checked with msw
 * 2.15: the handler's `request.signal` is not aborted when axios times out), so the 2 s outlived the
 * tests that stop at 300 ms and, with this file last in a jest worker, kept the worker alive past
 * the 500 ms jest gives it to exit ("A worker process has failed to exit gracefully"). A cleared
 * hold never answers: the handler's promise is dropped with the aborted request.
 */
const slow = (): ReturnType<typeof http.get> => http.get(`${origin}/slow`, async () => {
  await new Promise<void>((resolve) => held.later(2000, resolve));
  return HttpResponse.text('late');
});

/** Headers and one byte, then a body that never goes on. */
const stall = (): ReturnType<typeof http.get> => http.get(`${origin}/stall`, () => new HttpResponse(
  new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode('a')) }),
  { headers: { 'content-type': 'text/plain' } },
));

describe('a mocked reply', () => {
  test.each(BOTH)('plain axios gets it; %s too, with facts that say no pool socket was seen, and no warning', async (_name, make) => {
    mock.use(http.get(`${origin}/items/:id`, ({ params }) => HttpResponse.json({ id: params.id })));
    expect((await axios.get(`${origin}/items/1`)).data).toEqual({ id: '1' });

    const log = memoryLogger();
    const client = make({ logger: log.logger });
    for (let i = 0; i < 2; i++) {
      const res = await client.get('/items/2');
      expect(res.data).toEqual({ id: '2' });
      expect(factsOf(res)).toMatchObject({ ...INTERCEPTED, retries: 0 });
    }
    expect(requestLines(log)).toEqual([
      expect.objectContaining({ level: 30, status: 200, reused: null, socketRequests: null }),
      expect.objectContaining({ level: 30, status: 200, reused: null, socketRequests: null }),
    ]);
    expectNoFalseBypassWarning(log);
  });

  test('an error status: both reject with an AxiosError that carries the response', async () => {
    mock.use(http.get(`${origin}/missing`, () => HttpResponse.json({ error: 'no such item' }, { status: 404 })));
    const plain = await failing(() => axios.get(`${origin}/missing`));
    expect(plain.error).toBeInstanceOf(AxiosError);
    expect(plain.error.response?.status).toBe(404);

    const preset = await failing(() => viaCreateClient().get('/missing'));
    expect(preset.error).toBeInstanceOf(AxiosError);
    expect(preset.error.code).toBe('ERR_BAD_REQUEST');
    expect((preset.error.response as { status?: number; data?: unknown }).data).toEqual({ error: 'no such item' });
  });

  test('HttpResponse.error(): both reject with an AxiosError "Network error", once', async () => {
    let seen = 0;
    mock.use(http.get(`${origin}/down`, () => {
      seen++;
      return HttpResponse.error();
    }));
    const plain = await failing(() => axios.get(`${origin}/down`));
    expect(plain.error).toBeInstanceOf(AxiosError);
    expect(plain.error.message).toBe('Network error');

    const preset = await failing(() => viaCreateClient().get('/down'));
    expect(preset.error).toBeInstanceOf(AxiosError);
    expect(preset.error.message).toBe('Network error');
    expect(factsOf(preset.error)).toMatchObject({ retries: 0 });
    expect(seen).toBe(2);
  });

  test('a cancel while the reply is delayed: both reject with CanceledError at once', async () => {
    mock.use(slow());
    for (const client of [axios.create({ baseURL: origin }), viaCreateClient()]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const { error, ms } = await failing(() => client.get('/slow', { signal: controller.signal }));
      expect(error).toBeInstanceOf(CanceledError);
      expect(ms).toBeLessThan(1500);
    }
  });
});

describe('deadlines under msw', () => {
  test('plain axios: `timeout: 300` against a reply delayed 2 s rejects with ECONNABORTED at about 300 ms', async () => {
    mock.use(slow());
    const { error, ms } = await failing(() => axios.get(`${origin}/slow`, { timeout: 300 }));
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ECONNABORTED');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test.each(BOTH)('response: %s with `timeouts.response: 300` rejects with ETIMEDOUT, phase response, well before the reply', async (_name, make) => {
    mock.use(slow());
    const log = memoryLogger();
    const { error, ms } = await failing(() => make({ logger: log.logger, timeouts: { response: 300 } }).get('/slow'));
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe(`response timeout of 300 ms exceeded waiting for headers from ${origin}`);
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
    expect(requestLines(log)).toEqual([expect.objectContaining({ level: 40, code: 'ETIMEDOUT', timeoutPhase: 'response' })]);
  });

  test('idle: a body that stalls after its first byte - plain `timeout: 300` aborts it; the preset with `timeouts.idle: 300` -> ETIMEDOUT, phase idle', async () => {
    mock.use(stall());
    const plain = await failing(() => axios.get(`${origin}/stall`, { timeout: 300 }));
    expect(plain.error).toBeInstanceOf(AxiosError);
    expect(plain.error.code).toBe('ERR_BAD_RESPONSE'); // axios: "stream has been aborted"
    expect(plain.ms).toBeLessThan(1500);

    const { error, ms } = await failing(() => viaCreateClient({ timeouts: { idle: 300, total: 3000 } }).get('/stall'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'idle' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test.each(BOTH)('total: %s with `timeouts.total: 300` rejects with ETIMEDOUT, phase total', async (_name, make) => {
    mock.use(slow());
    const { error, ms } = await failing(() => make({ timeouts: { total: 300 } }).get('/slow'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'total' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });
});

describe('passthrough() to a real loopback server', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
    mock.use(http.all(`${server.url}/*`, () => passthrough()));
  });
  afterEach(async () => {
    await server.close();
  });

  const real: Make = (options = {}) => viaCreateClient({ ...options, axios: { baseURL: server.url } });

  test('calls reach the server; facts and log lines are honest about the interceptor', async () => {
    expect((await axios.get(`${server.url}/json`)).data).toMatchObject({ ok: true });
    const log = memoryLogger();
    const client = real({ logger: log.logger });
    for (let i = 0; i < 2; i++) {
      const res = await client.get('/json');
      expect(res.data).toMatchObject({ ok: true });
      expect(factsOf(res)).toMatchObject(INTERCEPTED);
    }
    expect(server.requests()).toBe(3);
    expectNoFalseBypassWarning(log);
  });

  test('response: plain `timeout: 300` -> ECONNABORTED; the preset -> ETIMEDOUT, phase response', async () => {
    const plain = await failing(() => axios.get(`${server.url}/slow-headers?ms=2000`, { timeout: 300 }));
    expect(plain.error.code).toBe('ECONNABORTED');
    expect(plain.ms).toBeLessThan(1500);

    const { error, ms } = await failing(() => real({ timeouts: { response: 300 } }).get('/slow-headers?ms=2000'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test('total: the preset -> ETIMEDOUT, phase total', async () => {
    const { error, ms } = await failing(() => real({ timeouts: { total: 300 } }).get('/slow-headers?ms=2000'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'total' });
    expect(ms).toBeLessThan(1500);
  });
});
