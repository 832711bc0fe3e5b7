// Issue 7: whatever the library logs, on success and on every failure path, no credential appears:
// not a header value (Authorization, Cookie, Proxy-Authorization, X-Api-Key), not a query value
// (in the URL or in `params`), not `auth`, not the userinfo of a URL, not their base64 forms. And no
// line carries a config, a request, headers or a raw error: only plain values the library chose.
import http from 'node:http';
import type { Readable } from 'node:stream';
import { createClient, type KeepAliveAxiosError, type KeepAliveClient } from '../../src';
import { memoryLogger, type MemoryLog } from '../helpers/logs';
import { startFaultServer, type FaultServer } from '../helpers/fault-server';
import { settle, until } from '../helpers/wait';

const S = {
  authorization: 'Bearer sk-live-AUTHZ7f3a9c',
  cookie: 'session=COOKIE5b1e2d; csrf=COOKIE99aa01',
  proxyAuthorization: 'Basic PROXYAUTHc4d5e6',
  apiKey: 'APIKEY0a1b2c3d',
  queryToken: 'QTOKEN8e7f11',
  queryPassword: 'QPASSWORD1234',
  querySignature: 'QSIGabcd77',
  paramToken: 'PTOKEN567890',
  paramPassword: 'PPASSWORD4321',
  paramSignature: 'PSIG0f0f0f',
  authUser: 'basicuser',
  authPassword: 'BASICPASS9f8e',
  urlUser: 'urluser',
  urlPassword: 'URLPASS7a6b',
  envProxyPassword: 'ENVPROXYPASS31',
};

/** Every string that must never be logged: the values, their parts, and the Basic-auth encodings. */
const FORBIDDEN: string[] = [
  S.authorization,
  'sk-live-AUTHZ7f3a9c',
  'COOKIE5b1e2d',
  'COOKIE99aa01',
  'PROXYAUTHc4d5e6',
  S.apiKey,
  S.queryToken,
  S.queryPassword,
  S.querySignature,
  S.paramToken,
  S.paramPassword,
  S.paramSignature,
  S.authPassword,
  S.urlPassword,
  S.envProxyPassword,
  Buffer.from(`${S.authUser}:${S.authPassword}`).toString('base64'),
  Buffer.from(`${S.urlUser}:${S.urlPassword}`).toString('base64'),
];

/** Keys that would mean a config, a request, a response, headers or a body was logged. */
const FORBIDDEN_KEYS = new Set(['config', 'request', 'response', 'headers', 'req', 'res', 'data', 'body', 'auth', 'params', 'cookie', 'authorization', 'err', 'error', 'stack']);

const SECRET_QUERY = `token=${S.queryToken}&password=${S.queryPassword}&signature=${S.querySignature}`;

function secretConfig() {
  return {
    headers: {
      Authorization: S.authorization,
      Cookie: S.cookie,
      'Proxy-Authorization': S.proxyAuthorization,
      'X-Api-Key': S.apiKey,
    },
    params: { token: S.paramToken, password: S.paramPassword, signature: S.paramSignature },
    auth: { username: S.authUser, password: S.authPassword },
  };
}

let server: FaultServer;
let log: MemoryLog;
let c: KeepAliveClient;

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  log = memoryLogger('trace');
  c = createClient({ logger: log.logger, logLevel: 'info', axios: { baseURL: server.url } });
});
afterEach(async () => {
  await c.keepAlive.close();
  // The socket-close lines of close() are checked too.
  await settle();
  expectNothingSecret(log);
});

function expectNothingSecret(memory: MemoryLog): void {
  const text = memory.raw();
  expect(text.length).toBeGreaterThan(0);
  for (const secret of FORBIDDEN) {
    if (text.includes(secret)) throw new Error(`a secret was logged: ${secret}\n${text}`);
  }
  for (const line of memory.lines()) {
    for (const [key, value] of Object.entries(line)) {
      if (FORBIDDEN_KEYS.has(key.toLowerCase())) throw new Error(`a line has the key "${key}": ${JSON.stringify(line)}`);
      // Only plain values the library chose: no nested object can smuggle a config or an error in.
      if (value !== null && typeof value === 'object') throw new Error(`a line has an object under "${key}": ${JSON.stringify(line)}`);
    }
  }
}

async function outcome(p: Promise<unknown>): Promise<KeepAliveAxiosError | undefined> {
  return p.then(
    () => undefined,
    (e: KeepAliveAxiosError) => e,
  );
}

/** What the library adds to an error (its message and facts) carries no secret either. */
function expectCleanError(error: KeepAliveAxiosError | undefined): void {
  expect(error).toBeDefined();
  const own = `${error!.message} ${JSON.stringify(error!.keepAlive ?? {})}`;
  for (const secret of FORBIDDEN) expect(own).not.toContain(secret);
}

function lines(evt: string): Array<Record<string, unknown>> {
  return log.lines().filter((l) => l.evt === evt);
}

test('success: request, socket-open and socket-close lines', async () => {
  const res = await c.get(`/ok?${SECRET_QUERY}`, secretConfig());
  expect(res.status).toBe(200);
  await c.get(`/ok?${SECRET_QUERY}`, secretConfig()); // reused
  expect(lines('request')).toHaveLength(2);
  expect(lines('socket-open')).toHaveLength(1);
  // Query keys stay (they help debugging), values never.
  expect(lines('request')[0].url).toBe(
    `${server.url}/ok?token=[REDACTED]&password=[REDACTED]&signature=[REDACTED]&token=[REDACTED]&password=[REDACTED]&signature=[REDACTED]`,
  );
});

test('userinfo in the URL (and no `auth`): neither user:password nor its Basic encoding is logged', async () => {
  const url = `http://${S.urlUser}:${S.urlPassword}@127.0.0.1:${server.port}/ok?${SECRET_QUERY}`;
  const res = await c.get(url, { headers: { Authorization: undefined } });
  expect(res.status).toBe(200);
  const refused = `http://${S.urlUser}:${S.urlPassword}@127.0.0.1:${new URL(server.refusedUrl).port}/ok?${SECRET_QUERY}`;
  expectCleanError(await outcome(c.get(refused)));
  expect(lines('request').map((l) => l.code ?? l.status)).toEqual([200, 'ECONNREFUSED']);
});

test('error status: the failed call line', async () => {
  const error = await outcome(c.get(`/status-500?${SECRET_QUERY}`, secretConfig()));
  expect(error?.response?.status).toBe(500);
  expectCleanError(error);
  expect(lines('request')[0]).toMatchObject({ status: 500, code: 'ERR_BAD_RESPONSE' });
});

test('reset: the failed call line and the socket-close line with its code', async () => {
  expectCleanError(await outcome(c.post(`/reset-before-status?${SECRET_QUERY}`, { password: S.paramPassword }, secretConfig())));
  await settle();
  expect(lines('request')[0]).toMatchObject({ code: 'ECONNRESET' });
  expect(lines('socket-close')[0]).toMatchObject({ reason: 'server-closed', code: 'ECONNRESET' });
});

test('stale-socket retry: the retry line', async () => {
  await c.get('/ok', secretConfig());
  // The raw server closes a kept-alive connection when the next request arrives: the GET is re-sent.
  const res = await c.get(`/stale?${SECRET_QUERY}`, secretConfig());
  expect(res.status).toBe(200);
  expect(res.keepAlive?.retries).toBe(1);
  expect(lines('retry')).toHaveLength(1);
  expect(lines('retry')[0]).toMatchObject({ code: 'ECONNRESET', url: expect.stringContaining('token=[REDACTED]') });
});

test('timeout: the timeout line and the socket-close line with its phase', async () => {
  const error = await outcome(c.get(`/slow-headers?${SECRET_QUERY}`, { ...secretConfig(), keepAlive: { timeouts: { response: 200 } } }));
  expect(error?.code).toBe('ETIMEDOUT');
  expectCleanError(error);
  await settle();
  expect(lines('request')[0]).toMatchObject({ code: 'ETIMEDOUT', timeoutPhase: 'response' });
  expect(lines('socket-close')[0]).toMatchObject({ reason: 'timeout' });
});

test('stream abandoned: the stream-abandoned line', async () => {
  const res = await c.get<Readable>(`/big?${SECRET_QUERY}`, { ...secretConfig(), responseType: 'stream', keepAlive: { stream: { idleTimeout: 200 } } });
  let streamError: KeepAliveAxiosError | undefined;
  res.data.on('error', (e: KeepAliveAxiosError) => {
    streamError = e;
  });
  await until(() => lines('stream-abandoned').length === 1, 5000);
  await until(() => streamError !== undefined, 2000);
  expect(streamError?.code).toBe('ERR_STREAM_ABANDONED');
  expectCleanError(streamError);
});

test('a request that bypasses the pool: the pool-bypassed line', async () => {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const res = await c.get(`/ok?${SECRET_QUERY}`, { ...secretConfig(), httpAgent: agent });
    expect(res.status).toBe(200);
    expect(lines('pool-bypassed')).toHaveLength(1);
  } finally {
    agent.destroy();
  }
});

test('a proxy variable with credentials: the pool uses it, and neither the lines nor the error carry its credentials', async () => {
  const saved = process.env.HTTP_PROXY;
  // Port 9 on loopback: nothing listens, the call through the proxy is refused.
  process.env.HTTP_PROXY = `http://proxyuser:${S.envProxyPassword}@127.0.0.1:9/`;
  let other: KeepAliveClient | undefined;
  try {
    other = createClient({ logger: log.logger, axios: { baseURL: server.url } });
  } finally {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
  }
  try {
    const error = await outcome(other.get(`/ok?${SECRET_QUERY}`, secretConfig()));
    expect(error?.code).toBe('ECONNREFUSED');
    expect(error?.message).toContain('proxy http://127.0.0.1:9');
    expectCleanError(error);
  } finally {
    await other.keepAlive.close();
  }
  // The pool handles the proxy now: the seed's proxy-env warning is gone.
  expect(lines('proxy-env')).toEqual([]);
  await until(() => lines('socket-close').length > 0);
  expect(lines('socket-close').find((l) => l.proxy === 'http://127.0.0.1:9')).toBeDefined();
  // The client of beforeEach logs something too, so afterEach's check has lines from both.
  await c.get('/ok', secretConfig());
});

test('a per-request logger (pino-http style) gets the same clean lines', async () => {
  const perRequest = memoryLogger('trace');
  await c.get(`/ok?${SECRET_QUERY}`, { ...secretConfig(), keepAlive: { logger: perRequest.logger } });
  expectCleanError(await outcome(c.get(`/status-500?${SECRET_QUERY}`, { ...secretConfig(), keepAlive: { logger: perRequest.logger } })));
  expect(perRequest.lines().filter((l) => l.evt === 'request')).toHaveLength(2);
  expectNothingSecret(perRequest);
});
