// Issue 7: the library never turns certificate verification off, never retries a verification
// failure, and never lets a socket verified under one client's TLS settings carry another's requests.
// Fixtures: self-signed certificates for 127.0.0.1 (localhost-*.pem, other-*.pem).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeepAliveAxiosError } from '../../src';
import { memoryLogger } from '../helpers/logs';
import { clientFactory } from '../helpers/clients';
import { startServer, type TestServer } from '../helpers/server';
import { settle } from '../helpers/wait';

const fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
const LOCALHOST_CERT = fixture('localhost-cert.pem');
const LOCALHOST_KEY = fixture('localhost-key.pem');
const OTHER_CERT = fixture('other-cert.pem');

let server: TestServer;
const client = clientFactory(() => server.url);

beforeAll(async () => {
  // Node would skip verification for every connection of the process with this set: make sure the
  // results below are the library's, not the environment's.
  expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
  server = await startServer(undefined, { key: LOCALHOST_KEY, cert: LOCALHOST_CERT });
});
afterAll(async () => {
  await server.close();
});

async function failure(p: Promise<unknown>): Promise<KeepAliveAxiosError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail certificate verification');
    },
    (e: KeepAliveAxiosError) => e,
  );
}

test.each([
  ['no CA given (Node\'s default trust store)', undefined],
  ['a CA that did not sign the server certificate', OTHER_CERT],
])('%s: the self-signed server fails verification with DEPTH_ZERO_SELF_SIGNED_CERT, not retried, socket closed', async (_label, ca) => {
  const log = memoryLogger();
  const c = client({ logger: log.logger, agent: ca === undefined ? {} : { tls: { ca } } });
  const before = server.requests();
  const error = await failure(c.get('/json'));
  expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  expect(error.message).toBe('self-signed certificate');
  expect(error.keepAlive).toMatchObject({ retries: 0, reused: false });
  expect(server.requests()).toBe(before); // no HTTP request was sent
  await settle();
  const stats = c.keepAlive.stats().total;
  expect(stats).toMatchObject({ active: 0, idle: 0, retries: 0, created: 1, closed: { total: 1, byReason: { error: 1 } } });
  expect(log.lines().find((l) => l.evt === 'socket-close')).toMatchObject({ reason: 'error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  // Retrying would not help, and it is not done: the same call fails the same way again.
  expect((await failure(c.get('/json'))).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  expect(c.keepAlive.stats().total.retries).toBe(0);
});

test('the https agent never carries rejectUnauthorized: false', () => {
  const c = client({ agent: { tls: { ca: LOCALHOST_CERT } } });
  const options = (c.keepAlive.httpsAgent as unknown as { options: Record<string, unknown> }).options;
  expect(options.rejectUnauthorized).not.toBe(false);
  expect(options.ca).toBe(LOCALHOST_CERT);
});

test('the same client with the right CA pools: one connection for many requests', async () => {
  const c = client({ agent: { tls: { ca: LOCALHOST_CERT } } });
  const before = server.connections();
  for (let i = 0; i < 20; i++) {
    const res = await c.get('/json');
    expect(res.status).toBe(200);
    expect(res.keepAlive?.reused).toBe(i > 0);
  }
  expect(server.connections() - before).toBe(1);
  await settle();
  expect(c.keepAlive.stats().total).toMatchObject({ created: 1, requests: 20, reused: 19, active: 0, idle: 1 });
});

test('two clients with different CAs never share a socket: each opens its own connection', async () => {
  const a = client({ agent: { tls: { ca: LOCALHOST_CERT } } });
  const b = client({ agent: { tls: { ca: [LOCALHOST_CERT, OTHER_CERT] } } });
  const before = server.connections();
  for (let i = 0; i < 5; i++) {
    expect((await a.get('/json')).status).toBe(200);
    expect((await b.get('/json')).status).toBe(200);
  }
  expect(server.connections() - before).toBe(2);
  expect(a.keepAlive.stats().total.created).toBe(1);
  expect(b.keepAlive.stats().total.created).toBe(1);
});

test('a verified pooled socket of one client is not used by a client whose CA does not verify the server', async () => {
  const trusted = client({ agent: { tls: { ca: LOCALHOST_CERT } } });
  const untrusted = client({ agent: { tls: { ca: OTHER_CERT } } });
  expect((await trusted.get('/json')).status).toBe(200);
  await settle();
  expect(trusted.keepAlive.stats().total.idle).toBe(1);
  const error = await failure(untrusted.get('/json'));
  expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  expect(error.keepAlive?.reused).toBe(false);
  // The trusted client's socket is still its own, idle, and serves it.
  const again = await trusted.get('/json');
  expect(again.keepAlive?.reused).toBe(true);
});
