// https:// proxies, when it goes wrong: a proxy certificate the client does not trust, a TLS
// handshake with the proxy that stalls, close() during it; and the credentials of an https:// proxy,
// which appear nowhere. Every failure is a typed AxiosError within the connect deadline, naming the
// proxy (never its credentials) and the target, and nothing failed is pooled.
import axios from 'axios';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setProxyEnv } from '../../helpers/env';
import { startForwardProxy } from '../../helpers/forward-proxy';
import { memoryLogger } from '../../helpers/logs';
import { CERT, KEY, proxyWorld } from '../../helpers/proxy-world';
import { settle, until } from '../../helpers/wait';
import { failure } from '../../helpers/failure';

const OTHER_CERT = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'other-cert.pem'), 'utf8');
const OTHER_KEY = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'other-key.pem'), 'utf8');

const w = proxyWorld({ proxy: { tls: { key: KEY, cert: CERT } } });
let restoreEnv: () => void = () => undefined;
afterEach(() => restoreEnv());

/** The connect deadline of these tests, and the slack a shared 2-core machine gets on top of it. */
const CONNECT_MS = 400;
const SLACK_MS = 1500;

// A TCP server that accepts and never answers: the TLS handshake with the proxy stalls.
async function silentServer(): Promise<{ port: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.resume(); // reads the ClientHello (and so sees the client's FIN), answers nothing
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('failures', () => {
  test('an untrusted proxy certificate (https upstream): its TLS code, a message naming the proxy and the CA it was checked with, nothing pooled', async () => {
    const untrusted = await startForwardProxy({ tls: { key: OTHER_KEY, cert: OTHER_CERT } });
    try {
      const log = memoryLogger();
      const c = w.client({ proxy: untrusted.url.replace('https://', 'https://svc:pw-9f1e@'), logger: log.logger, timeouts: { connect: CONNECT_MS } });
      const { error, ms } = await failure(c.get(`${w.https.url}/json`));
      expect(axios.isAxiosError(error)).toBe(true);
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(error.message).toContain(`proxy ${untrusted.url}, in the TLS handshake with the proxy for 127.0.0.1:${w.https.port}`);
      expect(error.message).toContain('options.agent.tls.ca');
      expect(error.message).not.toContain('pw-9f1e');
      expect(error.keepAlive?.retries).toBe(0);
      expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
      expect(untrusted.tunnels()).toBe(0);
      expect(untrusted.handshakes()).toEqual({ full: 0, resumed: 0 });
      expect(w.https.connections()).toBe(0);
      await settle();
      expect(c.keepAlive.stats().total).toMatchObject({ created: 0, active: 0, idle: 0 });
      await until(() => untrusted.open() === 0);
      expect(log.raw()).not.toContain('pw-9f1e');
    } finally {
      await untrusted.close();
    }
  });

  test('an untrusted proxy certificate (http upstream): the same code and message; the connection is closed as an error, never pooled', async () => {
    const untrusted = await startForwardProxy({ tls: { key: OTHER_KEY, cert: OTHER_CERT } });
    try {
      const c = w.client({ proxy: untrusted.url, timeouts: { connect: CONNECT_MS } });
      const { error } = await failure(c.get(`${w.http.url}/json`));
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(error.message).toContain(`proxy ${untrusted.url}, in the TLS handshake with the proxy for 127.0.0.1:${w.http.port}`);
      expect(error.message).toContain('options.agent.tls.ca');
      expect(untrusted.forwarded()).toBe(0);
      await settle();
      expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, closed: { byReason: { error: 1 } } });
      await until(() => untrusted.open() === 0);
    } finally {
      await untrusted.close();
    }
  });

  test("a proxy signed by another CA than the upstreams: both in agent.tls.ca, and it works", async () => {
    const other = await startForwardProxy({ tls: { key: OTHER_KEY, cert: OTHER_CERT } });
    try {
      const c = w.client({ proxy: other.url, agent: { tls: { ca: [CERT, OTHER_CERT] } } });
      expect((await c.get(`${w.https.url}/json`)).status).toBe(200);
      expect((await c.get(`${w.http.url}/json`)).status).toBe(200);
      expect(other.tunnels()).toBe(1);
      expect(other.forwarded()).toBe(1);
    } finally {
      await other.close();
    }
  });

  test.each([
    ['https upstream', 'https'],
    ['http upstream', 'http'],
  ] as const)('the TLS handshake with the proxy stalls (%s): ETIMEDOUT, timeoutPhase connect, at the connect deadline, nothing pooled', async (_label, kind) => {
    const silent = await silentServer();
    try {
      const proxyUrl = `https://svc:pw-77aa@127.0.0.1:${silent.port}`;
      const c = w.client({ proxy: proxyUrl, timeouts: { connect: CONNECT_MS } });
      const upstream = kind === 'https' ? w.https : w.http;
      const { error, ms } = await failure(c.get(`${upstream.url}/json`));
      expect(error.code).toBe('ETIMEDOUT');
      expect(error.keepAlive?.timeoutPhase).toBe('connect');
      expect(error.message).toMatch(new RegExp(`connect timeout of ${CONNECT_MS} ms exceeded connecting to (${kind}://)?127\\.0\\.0\\.1:${upstream.port} through proxy https://127\\.0\\.0\\.1:${silent.port}`));
      expect(error.message).not.toContain('pw-77aa');
      expect(ms).toBeGreaterThanOrEqual(CONNECT_MS - 5);
      expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
      await settle();
      expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0, timeouts: { connect: 1 } });
      await until(() => silent.open() === 0);
      expect(upstream.connections()).toBe(0);
    } finally {
      await silent.close();
    }
  });

  test('close() during a stalled TLS handshake with the proxy: ERR_CLIENT_CLOSED, and the half-open connection is closed', async () => {
    const silent = await silentServer();
    try {
      const c = w.client({ proxy: `https://127.0.0.1:${silent.port}`, timeouts: { connect: 10_000 } });
      const calls = [c.get(`${w.https.url}/json`), c.get(`${w.http.url}/json`)].map((p) => p.catch((e: { code?: string }) => e));
      await until(() => silent.open() === 2);
      await c.keepAlive.close();
      expect(await Promise.all(calls)).toMatchObject([{ code: 'ERR_CLIENT_CLOSED' }, { code: 'ERR_CLIENT_CLOSED' }]);
      await until(() => silent.open() === 0);
      expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 0 });
    } finally {
      await silent.close();
    }
  });

  test('the proxy stalls after the TLS handshake, during CONNECT: ETIMEDOUT at the connect deadline', async () => {
    w.proxy.behave('stall');
    const c = w.client({ proxy: w.proxy.url, timeouts: { connect: CONNECT_MS } });
    const { error, ms } = await failure(c.get(`${w.https.url}/json`));
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.keepAlive?.timeoutPhase).toBe('connect');
    expect(error.message).toContain(`through proxy ${w.proxy.url}`);
    expect(ms).toBeLessThan(CONNECT_MS + SLACK_MS);
    expect(w.proxy.handshakes().full).toBe(1);
    await settle();
    expect(c.keepAlive.stats().total).toMatchObject({ created: 0, active: 0, idle: 0 });
    await until(() => w.proxy.open() === 0);
  });

  test('a 407 over TLS: ERR_PROXY_AUTH_REQUIRED naming the https:// proxy', async () => {
    w.proxy.behave('auth-required');
    const c = w.client({ proxy: w.proxy.url });
    const { error } = await failure(c.get(`${w.https.url}/json`));
    expect(error.code).toBe('ERR_PROXY_AUTH_REQUIRED');
    expect(error.message).toContain(`proxy ${w.proxy.url} answered 407`);
  });
});

test('credentials of an https:// proxy: in no log line at level trace, no error, no stats', async () => {
  const PASSWORD = 'TLSPROXYPASS81c2';
  const secured = await startForwardProxy({ tls: { key: KEY, cert: CERT }, credentials: { user: 'svc', password: PASSWORD } });
  try {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: secured.urlWithCredentials, HTTP_PROXY: secured.urlWithCredentials });
    const log = memoryLogger('trace');
    const c = w.client({ logger: log.logger, logLevel: 'trace', timeouts: { connect: 300 } });
    const errors: string[] = [];
    await c.get(`${w.https.url}/json?token=abc`);
    await c.post(`${w.http.url}/json`, { a: 1 });
    for (const behaviour of ['stall', 'refuse', 'auth-required'] as const) {
      secured.behave(behaviour);
      const e = await failure(c.get(`https://localhost:${w.https.port}/json`)).then((f) => f.error);
      errors.push(`${e.code} ${e.message} ${JSON.stringify(e.keepAlive ?? {})}`);
    }
    secured.behave('ok');
    await c.keepAlive.close();
    await settle();
    const forbidden = [PASSWORD, 'svc:', Buffer.from(`svc:${PASSWORD}`).toString('base64')];
    const texts = { log: log.raw(), errors: errors.join('\n'), stats: JSON.stringify(c.keepAlive.stats()) };
    expect(texts.log).toContain(`"proxy":"${secured.url}"`);
    for (const [what, text] of Object.entries(texts)) {
      for (const secret of forbidden) expect({ what, found: text.includes(secret) }).toEqual({ what, found: false });
    }
  } finally {
    await secured.close();
  }
});
