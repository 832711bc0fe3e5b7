// jest's fake timers, as users run them around code that calls an upstream (faked with nock here):
// plain axios first, then the preset, under `jest.useFakeTimers()` (everything faked, nextTick and
// setImmediate included) and with `doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']`.
//
// Proves: the preset's deadlines follow the clock jest fakes - not one fires before the fake clock
// reaches it, each fires once `jest.advanceTimersByTimeAsync()` passes it (ETIMEDOUT, its phase),
// long before the real 2 s the upstream takes - exactly as axios's own `timeout` does.
//
// What works, found by running it (axios 1.21.1, jest 29, nock 14):
// - `await jest.advanceTimersByTimeAsync(ms)` works with either configuration, redirects on or
//   off. The synchronous `jest.advanceTimersByTime(ms)` works only when the timer exists already:
//   with redirects on (follow-redirects), axios arms its timer when the request gets its socket,
//   after the call to advance, and the call then waits for the real reply.
// - nock's `.delay()` runs on Node's real `timers` module (nock/lib/common.js), so the reply comes
//   2 s later in real time, whatever the fake clock says; msw's `delay()` uses the global
//   setTimeout and is faked too (advance past it and the reply comes).
//
// Cannot prove: anything about sockets (nock has none of the pool's).
import axios, { AxiosError, type AxiosInstance } from 'axios';
import nock from 'nock';
import { performance as realClock } from 'node:perf_hooks';
import { setTimeout as realSleep } from 'node:timers/promises';
import { applyKeepAlive, createClient, type KeepAliveHandle, type KeepAliveOptions } from '../../src';
import { factsOf, unusedOrigin } from './support';

type FakeTimersConfig = Parameters<typeof jest.useFakeTimers>[0];

let origin: string;
const handles: KeepAliveHandle[] = [];

beforeAll(async () => {
  origin = await unusedOrigin();
  nock.disableNetConnect();
});
afterEach(async () => {
  jest.useRealTimers();
  nock.abortPendingRequests();
  nock.cleanAll();
  await Promise.all(handles.splice(0).map((h) => h.close()));
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

type Make = (options: KeepAliveOptions) => AxiosInstance;
const BOTH: Array<[string, Make]> = [
  ['createClient()', (options) => {
    const client = createClient({ logger: false, ...options, axios: { baseURL: origin } });
    handles.push(client.keepAlive);
    return client;
  }],
  ['applyKeepAlive(instance)', (options) => {
    const instance = axios.create({ baseURL: origin, maxRedirects: 0 });
    handles.push(applyKeepAlive(instance, { logger: false, ...options }));
    return instance;
  }],
];

interface Tracked {
  readonly state: 'pending' | 'resolved' | 'rejected';
  readonly error: AxiosError | undefined;
}

/** Starts a call and tracks its outcome without awaiting it. */
function track(call: Promise<unknown>): Tracked {
  const tracked = { state: 'pending' as Tracked['state'], error: undefined as AxiosError | undefined };
  call.then(
    () => (tracked.state = 'resolved'),
    (error: AxiosError) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

/** Lets faked ticks and real I/O run (without moving the fake clock) until the call settles, at most `realMs`. */
async function settleWithin(tracked: Tracked, realMs: number): Promise<void> {
  const end = realClock.now() + realMs;
  while (tracked.state === 'pending' && realClock.now() < end) {
    await jest.advanceTimersByTimeAsync(0);
    await realSleep(10);
  }
}

const MODES: Array<[string, FakeTimersConfig]> = [
  ['jest.useFakeTimers()', {}],
  ["jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })", { doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }],
];

describe.each(MODES)('%s, an upstream that answers 2 s late (real time)', (_mode, config) => {
  beforeEach(() => {
    jest.useFakeTimers(config);
    nock(origin).get('/slow').delay(2000).reply(200, 'late');
  });

  test('plain axios `timeout: 5000`: pending at 4 s of fake time, ECONNABORTED once advanceTimersByTimeAsync reaches 6 s', async () => {
    const t0 = realClock.now();
    for (const maxRedirects of [0, 5]) {
      if (maxRedirects === 5) nock(origin).get('/slow').delay(2000).reply(200, 'late');
      const call = track(axios.get(`${origin}/slow`, { timeout: 5000, maxRedirects }));
      await jest.advanceTimersByTimeAsync(4000);
      expect(call.state).toBe('pending');
      await jest.advanceTimersByTimeAsync(2000);
      await settleWithin(call, 1000);
      expect(call.state).toBe('rejected');
      expect(call.error).toBeInstanceOf(AxiosError);
      expect(call.error?.code).toBe('ECONNABORTED');
    }
    expect(realClock.now() - t0).toBeLessThan(1900); // the fake clock did it, not the real reply
  });

  test.each(BOTH)('%s `timeouts.response: 5000`: pending at 4 s, ETIMEDOUT phase response once advanced to 6 s', async (_name, make) => {
    const t0 = realClock.now();
    const call = track(make({ timeouts: { response: 5000 } }).get('/slow'));
    await jest.advanceTimersByTimeAsync(4000);
    expect(call.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);
    await settleWithin(call, 1000);
    expect(call.state).toBe('rejected');
    expect(call.error).toBeInstanceOf(AxiosError);
    expect(call.error?.code).toBe('ETIMEDOUT');
    expect(factsOf(call.error)).toMatchObject({ timeoutPhase: 'response' });
    expect(realClock.now() - t0).toBeLessThan(1900);
  });

  test.each(BOTH)('%s `timeouts.total: 5000`: pending at 4 s, ETIMEDOUT phase total once advanced to 6 s', async (_name, make) => {
    const t0 = realClock.now();
    const call = track(make({ timeouts: { total: 5000 } }).get('/slow'));
    await jest.advanceTimersByTimeAsync(4000);
    expect(call.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);
    await settleWithin(call, 1000);
    expect(call.state).toBe('rejected');
    expect(call.error?.code).toBe('ETIMEDOUT');
    expect(factsOf(call.error)).toMatchObject({ timeoutPhase: 'total' });
    expect(realClock.now() - t0).toBeLessThan(1900);
  });

  test('no deadline fires while the fake clock stands still: the reply, 2 s later in real time, resolves the call', async () => {
    const call = track(BOTH[0][1]({ timeouts: { response: 1000, total: 1500 } }).get('/slow'));
    await jest.advanceTimersByTimeAsync(900);
    await settleWithin(call, 5000);
    expect(call.state).toBe('resolved');
  });
});
