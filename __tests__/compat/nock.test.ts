// nock 14, as users fake their upstreams with it: each test shows plain axios first, then the preset.
//
// Proves: under nock the preset's guarantees hold - every deadline (`response`, `idle`, `total`)
// rejects with ETIMEDOUT and names its phase, errors stay AxiosErrors with their codes, nothing
// hangs, a late reply is dropped - and its facts are honest: nock answers without a socket of the
// pool, so `reused`/`socketRequests` are null and `bypassed` says 'interceptor', with no warning
// blaming a proxy. Also with nock merely loaded and net connect enabled for 127.0.0.1: calls that
// pass through to a real loopback server still get every deadline.
//
// Cannot prove: socket reuse, the `connect` phase, the stale-socket retry, or why a socket closed.
// nock (built on @mswjs/interceptors) replaces each request's socket with a MockHttpSocket and
// never calls the agent's addRequest; even its passthrough opens one connection per request
// (nock/node_modules/@mswjs/interceptors, MockHttpSocket and MockAgent.createConnection). Those are
// proven on real sockets in the other suites.
//
// nock's delays run on Node's real `timers` module (nock/lib/common.js), never on jest's fakes.
import axios, { AxiosError, CanceledError, type AxiosInstance } from 'axios';
import nock from 'nock';
import { applyKeepAlive, createClient, type KeepAliveHandle, type KeepAliveOptions } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { settle } from '../helpers/wait';
import { expectNoFalseBypassWarning, factsOf, failing, INTERCEPTED, requestLines, unusedOrigin } from './support';

let origin: string;
const handles: KeepAliveHandle[] = [];

beforeAll(async () => {
  origin = await unusedOrigin();
  // As users run it: nothing leaves the process, except to loopback servers the tests start.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(async () => {
  nock.abortPendingRequests(); // also clears nock's delay timers
  nock.cleanAll();
  await Promise.all(handles.splice(0).map((h) => h.close()));
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

type Make = (options?: KeepAliveOptions) => AxiosInstance;

/** createClient() with a baseURL, closed after the test. */
const viaCreateClient: Make = (options = {}) => {
  const client = createClient({ logger: false, ...options, axios: { baseURL: origin, ...options.axios } });
  handles.push(client.keepAlive);
  return client;
};

/** applyKeepAlive() on the user's own instance. `maxRedirects: 0` as the preset's default: axios
 * then creates the native request itself, so the library can bind it (see the README). */
const viaApplyKeepAlive: Make = (options = {}) => {
  const instance = axios.create({ baseURL: origin, maxRedirects: 0 });
  handles.push(applyKeepAlive(instance, { logger: false, ...options }));
  return instance;
};

const BOTH: Array<[string, Make]> = [['createClient()', viaCreateClient], ['applyKeepAlive(instance)', viaApplyKeepAlive]];

describe('a mocked reply', () => {
  test.each(BOTH)('plain axios gets it; %s too, with facts that say no pool socket was seen, and no warning', async (_name, make) => {
    nock(origin).get('/items/1').times(3).reply(200, { id: 1 });
    expect((await axios.get(`${origin}/items/1`)).data).toEqual({ id: 1 });

    const log = memoryLogger();
    const client = make({ logger: log.logger });
    for (let i = 0; i < 2; i++) {
      const res = await client.get('/items/1');
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ id: 1 });
      expect(factsOf(res)).toMatchObject({ ...INTERCEPTED, retries: 0 });
      expect(typeof factsOf(res).durationMs).toBe('number');
    }
    expect(requestLines(log)).toEqual([
      expect.objectContaining({ level: 30, status: 200, reused: null, socketRequests: null }),
      expect.objectContaining({ level: 30, status: 200, reused: null, socketRequests: null }),
    ]);
    expectNoFalseBypassWarning(log);
  });

  test('an error status: both reject with an AxiosError that carries the response', async () => {
    nock(origin).get('/missing').times(2).reply(404, { error: 'no such item' });
    const plain = await failing(() => axios.get(`${origin}/missing`));
    expect(plain.error).toBeInstanceOf(AxiosError);
    expect(plain.error.response?.status).toBe(404);

    const preset = await failing(() => viaCreateClient().get('/missing'));
    expect(preset.error).toBeInstanceOf(AxiosError);
    expect(preset.error.code).toBe('ERR_BAD_REQUEST');
    expect(preset.error.response?.status).toBe(404);
    expect((preset.error.response as { data?: unknown }).data).toEqual({ error: 'no such item' });
  });

  test('a reply that is an Error with code ECONNRESET: both reject with that code; the preset does not re-send it', async () => {
    // Not replyWithError({ code }): that form can leave the request pending (nock issue 2789).
    const reset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(origin).get('/reset').replyWithError(reset());
    const plain = await failing(() => axios.get(`${origin}/reset`));
    expect(plain.error.code).toBe('ECONNRESET');

    const scope = nock(origin).get('/reset').once().replyWithError(reset());
    const spare = nock(origin).get('/reset').reply(200, 'a retry would get this');
    const preset = await failing(() => viaCreateClient().get('/reset'));
    expect(preset.error).toBeInstanceOf(AxiosError);
    expect(preset.error.code).toBe('ECONNRESET');
    expect(factsOf(preset.error)).toMatchObject({ retries: 0 });
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false); // no socket was reused: nothing to retry
  });

  test('a cancel while the reply is delayed: both reject with CanceledError at once', async () => {
    nock(origin).get('/slow').times(2).delay(2000).reply(200, 'late');
    for (const client of [axios.create({ baseURL: origin }), viaCreateClient()]) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const { error, ms } = await failing(() => client.get('/slow', { signal: controller.signal }));
      expect(error).toBeInstanceOf(CanceledError);
      expect(error.code).toBe('ERR_CANCELED');
      expect(ms).toBeLessThan(1500);
    }
  });
});

describe('deadlines under nock', () => {
  test('plain axios: `timeout: 300` against a reply delayed 2 s rejects with ECONNABORTED at about 300 ms', async () => {
    nock(origin).get('/slow').delay(2000).reply(200, 'late');
    const { error, ms } = await failing(() => axios.get(`${origin}/slow`, { timeout: 300 }));
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ECONNABORTED');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test.each(BOTH)('response: %s with `timeouts.response: 300` rejects with ETIMEDOUT, phase response, well before the reply', async (_name, make) => {
    nock(origin).get('/slow').delay(2000).reply(200, 'late');
    const log = memoryLogger();
    const client = make({ logger: log.logger, timeouts: { response: 300 } });
    const { error, ms } = await failing(() => client.get('/slow'));
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe(`response timeout of 300 ms exceeded waiting for headers from ${origin}`);
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
    expect(requestLines(log)).toEqual([expect.objectContaining({ level: 40, code: 'ETIMEDOUT', timeoutPhase: 'response' })]);
  });

  test('response, per request: `config.keepAlive.timeouts.response` holds under nock too', async () => {
    nock(origin).get('/slow').delay(2000).reply(200, 'late');
    const { error, ms } = await failing(() => viaCreateClient().get('/slow', { keepAlive: { timeouts: { response: 300 } } }));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
    expect(ms).toBeLessThan(1500);
  });

  test('a body held back (`delayBody`): nock holds the headers too, so it is the `response` deadline that fires, not `idle`', async () => {
    // Checked with nock 14: under `.delayBody(2000)` the 'response' event itself comes after 2 s (the
    // headers are written with the body). Plain axios's `timeout` is socket inactivity, so it fires
    // either way; the preset's phases name what nock emulates: no headers yet.
    nock(origin).get('/stall').times(3).delayBody(2000).reply(200, 'body');
    const plain = await failing(() => axios.get(`${origin}/stall`, { timeout: 300 }));
    expect(plain.error.code).toBe('ECONNABORTED');
    expect(plain.ms).toBeLessThan(1500);

    const { error, ms } = await failing(() => viaCreateClient({ timeouts: { response: 300 } }).get('/stall'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'response' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);

    // `idle` alone covers silence after the headers; here there are none before the body.
    const late = await viaCreateClient({ timeouts: { idle: 300 } }).get('/stall');
    expect(late.data).toBe('body');
  });

  test.each([
    ['createClient()', viaCreateClient],
    // With redirects on, axios hands the request to follow-redirects; `total` holds whatever creates it.
    ['applyKeepAlive() on an instance with redirects on', (options?: KeepAliveOptions): AxiosInstance => {
      const instance = axios.create({ baseURL: origin });
      handles.push(applyKeepAlive(instance, { logger: false, ...options }));
      return instance;
    }],
  ])('total: %s with `timeouts.total: 300` rejects with ETIMEDOUT, phase total', async (_name, make) => {
    nock(origin).get('/slow').delay(2000).reply(200, 'late');
    const { error, ms } = await failing(() => make({ timeouts: { total: 300 } }).get('/slow'));
    expect(error).toBeInstanceOf(AxiosError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'total' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test('after a deadline the late reply is dropped, and the next call gets its own reply', async () => {
    nock(origin).get('/slow').delay(600).reply(200, 'late');
    nock(origin).get('/next').reply(200, 'next');
    const client = viaCreateClient({ timeouts: { response: 200 } });
    expect((await failing(() => client.get('/slow'))).error.code).toBe('ETIMEDOUT');
    await new Promise((resolve) => setTimeout(resolve, 800)); // past the late reply
    const res = await client.get('/next');
    expect(res.data).toBe('next');
  });
});

describe('nock loaded, net connect enabled for 127.0.0.1: passthrough to a real loopback server', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
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

  test('idle: a body that drips every 2 s - plain `timeout: 300` fails mid-body; the preset -> ETIMEDOUT, phase idle', async () => {
    const plain = await failing(() => axios.get(`${server.url}/drip?chunks=1&interval=2000`, { timeout: 300 }));
    expect(plain.error).toBeInstanceOf(AxiosError);
    expect(plain.ms).toBeLessThan(1500);

    const { error, ms } = await failing(() => real({ timeouts: { idle: 300 } }).get('/drip?chunks=1&interval=2000'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'idle' });
    expect(ms).toBeLessThan(1500);
  });

  test('total: the preset -> ETIMEDOUT, phase total', async () => {
    const { error, ms } = await failing(() => real({ timeouts: { total: 300 } }).get('/slow-headers?ms=2000'));
    expect(error.code).toBe('ETIMEDOUT');
    expect(factsOf(error)).toMatchObject({ timeoutPhase: 'total' });
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
  });

  test('the pool\'s books balance: every socket it counted as created is counted as closed once gone', async () => {
    const client = createClient({ logger: false, axios: { baseURL: server.url } });
    handles.push(client.keepAlive);
    for (let i = 0; i < 3; i++) await client.get('/json');
    await settle(200);
    const total = client.keepAlive.stats().total;
    // nock's passthrough opens one connection per request through the agent's createConnection.
    expect(server.connections()).toBe(3);
    expect(total.active + total.idle).toBe(0);
    expect(total.closed.total).toBe(total.created);
  });
});
