// Bad input fails at creation (or at the call, for per-request overrides) with a message naming the
// option, the value and what is allowed; nothing is sent.
import axios from 'axios';
import { applyKeepAlive, createClient, DEFAULTS, type KeepAliveOptions } from '../../src';
import { startServer, type TestServer } from '../helpers/server';

const invalid: Array<[string, unknown, RegExp, typeof TypeError | typeof RangeError]> = [
  ['unknown top-level key', { retries: 3 }, /options\.retries is not an option \(3\); allowed: axios, agent, logger/, TypeError],
  ['options not an object', 'fast', /options must be a plain object, got 'fast'/, TypeError],
  ['negative maxSockets', { agent: { maxSockets: -1 } }, /options\.agent\.maxSockets must be a whole number from 1 to 65535, got -1/, RangeError],
  ['Infinity maxSockets', { agent: { maxSockets: Infinity } }, /options\.agent\.maxSockets must be a whole number from 1 to 65535, got Infinity/, RangeError],
  ['maxFreeSockets above maxSockets', { agent: { maxSockets: 5, maxFreeSockets: 6 } }, /options\.agent\.maxFreeSockets must not exceed options\.agent\.maxSockets \(5\), got 6/, RangeError],
  ['NaN freeSocketTimeout', { agent: { freeSocketTimeout: NaN } }, /options\.agent\.freeSocketTimeout must be a number from 1 to 2147483647, got NaN/, TypeError],
  ['zero freeSocketTimeout', { agent: { freeSocketTimeout: 0 } }, /options\.agent\.freeSocketTimeout must be a whole number from 1/, RangeError],
  ['string socketActiveTTL', { agent: { socketActiveTTL: '5m' } }, /options\.agent\.socketActiveTTL must be a number .* got '5m'/, TypeError],
  ['bad scheduling', { agent: { scheduling: 'random' } }, /options\.agent\.scheduling must be one of 'lifo', 'fifo', got 'random'/, TypeError],
  ['unknown agent key', { agent: { keepAlive: false } }, /options\.agent\.keepAlive is not an option/, TypeError],
  ['TLS verification off', { agent: { tls: { rejectUnauthorized: false } } }, /options\.agent\.tls\.rejectUnauthorized is not supported \(false\): certificate verification stays on/, TypeError],
  ['logger without pino methods', { logger: console }, /options\.logger must be a pino logger \(missing child, fatal, isLevelEnabled\), or false/, TypeError],
  ['logger true', { logger: true }, /options\.logger must be a pino logger/, TypeError],
  ['bad logLevel', { logLevel: 'verbose' }, /options\.logLevel must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', got 'verbose'/, TypeError],
  ['negative timeout', { timeouts: { response: -1 } }, /options\.timeouts\.response must be a whole number from 0 to 2147483647, got -1/, RangeError],
  ['NaN timeout', { timeouts: { idle: NaN } }, /options\.timeouts\.idle must be a number from 0 to 2147483647, got NaN/, TypeError],
  ['timeout above 2^31-1', { timeouts: { total: 2 ** 31 } }, /options\.timeouts\.total must be a whole number from 0 to 2147483647, got 2147483648/, RangeError],
  ['fractional timeout', { timeouts: { queue: 1.5 } }, /options\.timeouts\.queue must be a whole number/, RangeError],
  ['unknown timeout phase', { timeouts: { read: 5 } }, /options\.timeouts\.read is not an option \(5\); allowed: queue, connect, response, idle, total/, TypeError],
  ['bad drainLimit', { stream: { drainLimit: -5 } }, /options\.stream\.drainLimit must be a whole number from 0 to 1073741824, got -5/, RangeError],
  ['bad retry flag', { retry: { staleSocket: 'yes' } }, /options\.retry\.staleSocket must be true or false, got 'yes'/, TypeError],
  ['axios not an object', { axios: 'x' }, /options\.axios must be a plain object of axios defaults, got 'x'/, TypeError],
];

test.each(invalid)('createClient rejects %s', (_name, options, message, type) => {
  expect(() => createClient(options as KeepAliveOptions)).toThrow(type);
  expect(() => createClient(options as KeepAliveOptions)).toThrow(message);
});

test('applyKeepAlive validates the same way, and does not take axios defaults', () => {
  const instance = axios.create();
  expect(() => applyKeepAlive(instance, { agent: { maxSockets: 0 } })).toThrow(/options\.agent\.maxSockets/);
  expect(() => applyKeepAlive(instance, { axios: {} } as KeepAliveOptions)).toThrow(/options\.axios is not an option/);
  // A failed install leaves the instance untouched.
  expect(instance.defaults.httpAgent).toBeUndefined();
});

test('the defaults are finite and consistent', () => {
  expect(DEFAULTS.agent.maxSockets).toBeGreaterThan(0);
  expect(Number.isFinite(DEFAULTS.agent.maxSockets)).toBe(true);
  expect(DEFAULTS.agent.freeSocketTimeout).toBeLessThan(5000); // below Node's server keepAliveTimeout
  for (const v of Object.values(DEFAULTS.timeouts)) expect(v).toBeGreaterThan(0);
});

describe('per-request overrides', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  test.each([
    [{ timeouts: { response: -1 } }, /config\.keepAlive\.timeouts\.response must be a whole number from 0 to 2147483647, got -1/],
    [{ timeout: 5 }, /config\.keepAlive\.timeout is not an option \(5\); allowed: log, timeouts, stream, retry, logger/],
    [{ log: 'no' }, /config\.keepAlive\.log must be true or false, got 'no'/],
    [{ logger: {} }, /config\.keepAlive\.logger must be a pino logger/],
    [{ stream: { idleTimeout: Infinity } }, /config\.keepAlive\.stream\.idleTimeout must be a whole number/],
    ['everything', /config\.keepAlive must be a plain object, got 'everything'/],
  ])('a bad config.keepAlive %p rejects the call before anything is sent', async (keepAlive, message) => {
    const c = createClient({ logger: false, axios: { baseURL: server.url } });
    const before = server.connections();
    const err = await c.get('/json', { keepAlive: keepAlive as never }).catch((e: unknown) => e);
    expect(axios.isAxiosError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('ERR_BAD_OPTION_VALUE');
    expect((err as Error).message).toMatch(message);
    expect(server.connections()).toBe(before);
    expect(server.requests()).toBe(0);
    await c.keepAlive.close();
  });
});
