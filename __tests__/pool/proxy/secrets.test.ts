// Issue 14: proxy credentials (http://user:pass@proxy) are sent as Proxy-Authorization and appear
// nowhere else: not in any log line at any level, not in error messages or facts, not in stats,
// not in metric labels, not when the agent or the options are inspected.
import { inspect } from 'node:util';
import { Registry } from 'prom-client';
import type { KeepAliveAxiosError, KeepAliveClient } from '../../../src';
import { registerMetrics } from '../../../src/metrics';
import { setProxyEnv } from '../../helpers/env';
import { memoryLogger } from '../../helpers/logs';
import { proxyWorld } from '../../helpers/proxy-world';
import { settle } from '../../helpers/wait';

const USER = 'egressuser';
const PASSWORD = 'PROXYPASS4e5f6a';
const w = proxyWorld({ proxy: { credentials: { user: USER, password: PASSWORD } } });

const FORBIDDEN = (): string[] => [PASSWORD, `${USER}:`, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), 'not-the-password'];

function expectClean(text: string, what: string): void {
  for (const secret of FORBIDDEN()) {
    if (text.includes(secret)) throw new Error(`a proxy credential is in ${what}: ${secret}\n${text}`);
  }
}

async function outcome(p: Promise<unknown>): Promise<KeepAliveAxiosError | undefined> {
  return p.then(
    () => undefined,
    (e: KeepAliveAxiosError) => e,
  );
}

async function exercise(c: KeepAliveClient, errors: string[]): Promise<void> {
  await c.get(`${w.https.url}/json?token=abc`);
  await c.get(`${w.https.url}/json`);
  await c.post(`${w.http.url}/json`, { a: 1 });
  for (const behaviour of ['stall', 'refuse', 'bad-gateway', 'close-on-connect', 'not-http'] as const) {
    w.proxy.behave(behaviour);
    // Another name for the upstream: no pooled tunnel to it, so each behaviour meets a new CONNECT.
    const e = await outcome(c.get(`https://localhost:${w.https.port}/json`, { keepAlive: { timeouts: { total: 2000 } } }));
    if (e !== undefined) errors.push(`${e.code} ${e.message} ${JSON.stringify(e.keepAlive ?? {})}`);
  }
  w.proxy.behave('ok');
}

let restoreEnv: () => void = () => undefined;
afterEach(() => restoreEnv());

test.each([
  ['options.proxy', (url: string) => ({ proxy: url })],
  ['HTTPS_PROXY and HTTP_PROXY', (url: string) => {
    restoreEnv = setProxyEnv({ HTTPS_PROXY: url, HTTP_PROXY: url });
    return {};
  }],
] as const)('credentials from %s: in no log line at level trace, no error, no stats, no metric label', async (_label, configure) => {
  const log = memoryLogger('trace');
  const options = configure(w.proxy.urlWithCredentials);
  const c = w.client({ ...options, logger: log.logger, logLevel: 'trace', timeouts: { connect: 300 } });
  const registry = new Registry();
  const metrics = registerMetrics(c.keepAlive, { registry, client: 'egress' });
  const errors: string[] = [];
  try {
    await exercise(c, errors);
    // Refused credentials too.
    const wrong = w.client({ proxy: w.proxy.url.replace('http://', `http://${USER}:not-the-password@`), logger: log.logger, logLevel: 'trace' });
    const e = await outcome(wrong.get(`${w.https.url}/json`));
    errors.push(`${e?.code} ${e?.message} ${JSON.stringify(e?.keepAlive ?? {})}`);
    expect(e?.code).toBe('ERR_PROXY_AUTH_REQUIRED');
    await settle();
    expect(w.proxy.tunnels()).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expectClean(errors.join('\n'), 'an error');
    expectClean(JSON.stringify(c.keepAlive.stats()), 'stats()');
    expectClean(await registry.metrics(), 'the metrics');
    const inspected = inspect(c.keepAlive.httpsAgent, { depth: 6 });
    expect(inspected).toContain(`label: '${w.proxy.url}'`); // the inspection reached the proxy endpoint
    expectClean(inspected, 'the inspected agent');
    expectClean(JSON.stringify((c.keepAlive.httpsAgent as unknown as { options: unknown }).options), 'the agent options');
    await c.keepAlive.close();
    await wrong.keepAlive.close();
    await settle();
    const text = log.raw();
    expect(text).toContain('"evt":"socket-open"');
    expect(text).toContain('"evt":"socket-close"');
    expect(text).toContain(`"proxy":"${w.proxy.url}"`);
    expectClean(text, 'a log line');
  } finally {
    metrics.unregister();
  }
});
