// axios-keepalive/metrics on real sockets: what a Prometheus scrape shows after real traffic,
// several clients in one registry, unregister(), option checks, and the message when prom-client
// is not installed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type http from 'node:http';
import { promisify } from 'node:util';
import { Counter, Registry, register as globalRegister } from 'prom-client';
import { createClient, type KeepAliveClient, type KeepAliveHandle } from '../../src';
import { registerMetrics, type MetricsRegistration } from '../../src/metrics';
import { isolatedDist, peerProbe } from '../helpers/isolated-dist';
import { startServer, type TestServer } from '../helpers/server';
import { parsePrometheus, samplesOf, valueOf, type Sample } from '../helpers/prometheus';
import { settle, until } from '../helpers/wait';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const P = 'axios_keepalive_';
const NAMES = [
  'open_connections', 'requests_waiting', 'connections_created_total', 'connections_closed_total', 'requests_total',
  'requests_reused_total', 'stale_socket_retries_total', 'timeouts_total', 'socket_wait_seconds', 'socket_idle_seconds',
].map((n) => P + n);

let server: TestServer;
/** Responses of GET /held, answered only when a test ends them. */
let held: http.ServerResponse[] = [];
const clients: KeepAliveClient[] = [];
const registrations: MetricsRegistration[] = [];

function client(options: Parameters<typeof createClient>[0] = {}): KeepAliveClient {
  const c = createClient({ logger: false, ...options });
  clients.push(c);
  return c;
}

function register(handle: KeepAliveHandle, options?: Parameters<typeof registerMetrics>[1]): MetricsRegistration {
  const r = registerMetrics(handle, options);
  registrations.push(r);
  return r;
}

async function scrape(registry: Registry): Promise<Sample[]> {
  return parsePrometheus(await registry.metrics());
}

const origin = (): string => server.url;

beforeAll(async () => {
  server = await startServer((req, res, url) => {
    if (url.pathname !== '/held') return false;
    req.resume();
    held.push(res);
    return true;
  });
});

afterEach(async () => {
  for (const r of registrations.splice(0)) r.unregister();
  for (const res of held.splice(0)) res.end();
  await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  held = [];
});

afterAll(async () => {
  await server.close();
});

test('after sequential requests: counters and gauges mirror stats(), the histograms saw every request', async () => {
  const c = client();
  const registry = new Registry();
  const connectionsBefore = server.connections();
  register(c.keepAlive, { registry, client: 'orders' });
  for (let i = 0; i < 3; i++) await c.get(`${server.url}/json`);
  await settle(300); // one long idle time before the 4th request
  await c.get(`${server.url}/json`);
  await settle();

  const json = await registry.getMetricsAsJSON();
  expect(json.map((m) => m.name).sort()).toEqual([...NAMES].sort());
  for (const m of json) {
    const type = m.name.endsWith('_total') ? 'counter' : m.name.endsWith('_seconds') ? 'histogram' : 'gauge';
    expect({ name: m.name, type: m.type }).toEqual({ name: m.name, type });
  }

  const s = await scrape(registry);
  const labels = { client: 'orders', origin: origin() };
  const stats = c.keepAlive.stats().origins[origin()];
  expect(stats).toMatchObject({ requests: 4, reused: 3, created: 1, idle: 1, active: 0, queued: 0 });
  expect(server.connections() - connectionsBefore).toBe(1);
  expect(valueOf(s, `${P}requests_total`, labels)).toBe(4);
  expect(valueOf(s, `${P}requests_reused_total`, labels)).toBe(3);
  expect(valueOf(s, `${P}connections_created_total`, labels)).toBe(1);
  expect(valueOf(s, `${P}open_connections`, { ...labels, state: 'idle' })).toBe(1);
  expect(valueOf(s, `${P}open_connections`, { ...labels, state: 'active' })).toBe(0);
  expect(valueOf(s, `${P}requests_waiting`, labels)).toBe(0);
  expect(valueOf(s, `${P}stale_socket_retries_total`, labels)).toBe(0);
  expect(samplesOf(s, `${P}connections_closed_total`)).toEqual([]);

  expect(valueOf(s, `${P}socket_wait_seconds_count`, labels)).toBe(4);
  expect(valueOf(s, `${P}socket_idle_seconds_count`, labels)).toBe(3); // only reused sockets have an idle time
  // Lower bounds only: the 4th request's socket sat idle for at least the 300 ms pause.
  expect(valueOf(s, `${P}socket_idle_seconds_sum`, labels)).toBeGreaterThanOrEqual(0.29);
  expect(valueOf(s, `${P}socket_idle_seconds_bucket`, { ...labels, le: '0.25' })).toBeLessThanOrEqual(2);
  expect(valueOf(s, `${P}socket_idle_seconds_bucket`, { ...labels, le: '+Inf' })).toBe(3);
});

test('maxSockets 1 and three concurrent requests: requests_waiting while queued, then socket_wait_seconds holds the waits', async () => {
  const c = client({ agent: { maxSockets: 1 } });
  const registry = new Registry();
  register(c.keepAlive, { registry });
  const labels = { client: 'default', origin: origin() };
  const connectionsBefore = server.connections();
  const calls = [0, 1, 2].map(() => c.get(`${server.url}/held`));
  await until(() => held.length === 1 && c.keepAlive.stats().origins[origin()]?.queued === 2);

  let s = await scrape(registry);
  expect(valueOf(s, `${P}requests_waiting`, labels)).toBe(2);
  expect(valueOf(s, `${P}open_connections`, { ...labels, state: 'active' })).toBe(1);
  expect(valueOf(s, `${P}open_connections`, { ...labels, state: 'idle' })).toBe(0);

  // Each held response is answered 200 ms after it arrived: the 2nd request waits >= 200 ms for
  // the socket, the 3rd >= 400 ms.
  for (let i = 0; i < 3; i++) {
    await until(() => held.length === i + 1);
    await settle(200);
    held[i].end('ok');
  }
  await Promise.all(calls);
  await settle();

  s = await scrape(registry);
  expect(server.connections() - connectionsBefore).toBe(1);
  expect(valueOf(s, `${P}requests_waiting`, labels)).toBe(0);
  expect(valueOf(s, `${P}requests_total`, labels)).toBe(3);
  expect(valueOf(s, `${P}requests_reused_total`, labels)).toBe(2); // handed over in the queue, still reused
  expect(valueOf(s, `${P}socket_wait_seconds_count`, labels)).toBe(3);
  expect(valueOf(s, `${P}socket_wait_seconds_bucket`, { ...labels, le: '0.1' })).toBe(1);
  expect(valueOf(s, `${P}socket_wait_seconds_sum`, labels)).toBeGreaterThanOrEqual(0.55);
});

test('connections_closed_total counts by reason', async () => {
  const c = client();
  const registry = new Registry();
  register(c.keepAlive, { registry });
  await c.get(`${server.url}/close`); // the server answers with Connection: close
  await until(() => c.keepAlive.stats().total.closed.total === 1);
  const s = await scrape(registry);
  const labels = { client: 'default', origin: origin() };
  expect(samplesOf(s, `${P}connections_closed_total`)).toEqual([
    { name: `${P}connections_closed_total`, labels: { ...labels, reason: 'connection-close' }, value: 1 },
  ]);
  expect(valueOf(s, `${P}open_connections`, { ...labels, state: 'idle' })).toBe(0);
});

test('timeouts_total counts by phase, and the timed-out socket is closed with reason timeout', async () => {
  const c = client({ timeouts: { response: 200 } });
  const registry = new Registry();
  register(c.keepAlive, { registry });
  await expect(c.get(`${server.url}/hang`)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  await until(() => c.keepAlive.stats().total.closed.total === 1);
  const s = await scrape(registry);
  const labels = { client: 'default', origin: origin() };
  expect(samplesOf(s, `${P}timeouts_total`)).toEqual([{ name: `${P}timeouts_total`, labels: { ...labels, phase: 'response' }, value: 1 }]);
  expect(valueOf(s, `${P}connections_closed_total`, { ...labels, reason: 'timeout' })).toBe(1);
});

test('two clients share one set of collectors in a registry, told apart by the client label; clashes throw', async () => {
  const a = client();
  const b = client();
  const registry = new Registry();
  const ra = register(a.keepAlive, { registry, client: 'a' });
  const rb = register(b.keepAlive, { registry, client: 'b' });
  await a.get(`${server.url}/json`);
  for (let i = 0; i < 2; i++) await b.get(`${server.url}/json`);
  await settle();

  let s = await scrape(registry);
  expect((await registry.getMetricsAsJSON()).map((m) => m.name).sort()).toEqual([...NAMES].sort());
  expect(valueOf(s, `${P}requests_total`, { client: 'a', origin: origin() })).toBe(1);
  expect(valueOf(s, `${P}requests_total`, { client: 'b', origin: origin() })).toBe(2);
  expect(valueOf(s, `${P}socket_wait_seconds_count`, { client: 'b', origin: origin() })).toBe(2);

  const third = client();
  expect(() => registerMetrics(third.keepAlive, { registry, client: 'a' })).toThrow(
    "registerMetrics: a client labelled 'a' is already registered in this registry with prefix 'axios_keepalive_'; give each client its own options.client",
  );
  const rThird = register(third.keepAlive, { registry }); // 'default' is free
  expect(() => registerMetrics(a.keepAlive, { registry, client: 'again' })).toThrow("this handle is already registered in this registry as client 'a'");
  expect(() => registerMetrics(client().keepAlive, { registry, client: 'd', buckets: { socketWait: [1, 2] } })).toThrow(
    /options\.buckets\.socketWait differs from the buckets of the client registered first/,
  );

  // The first client goes: its series go (histograms included), the other's stay.
  ra.unregister();
  ra.unregister(); // idempotent
  s = await scrape(registry);
  expect(s.filter((x) => x.labels.client === 'a')).toEqual([]);
  expect(valueOf(s, `${P}requests_total`, { client: 'b', origin: origin() })).toBe(2);
  expect(valueOf(s, `${P}socket_wait_seconds_count`, { client: 'b', origin: origin() })).toBe(2);

  // The last clients go: so do the collectors, and the registry can take them again.
  rb.unregister();
  rThird.unregister();
  expect(registry.getMetricsAsArray()).toEqual([]);
  register(a.keepAlive, { registry, client: 'a' });
  await a.get(`${server.url}/json`);
  await settle();
  s = await scrape(registry);
  // A fresh histogram: only the request made since; the counters mirror stats() as ever.
  expect(valueOf(s, `${P}socket_wait_seconds_count`, { client: 'a', origin: origin() })).toBe(1);
  expect(valueOf(s, `${P}requests_total`, { client: 'a', origin: origin() })).toBe(2);
});

test('unregister() ends the observe() subscription and removes the collectors', async () => {
  const c = client();
  let subscribed = 0;
  // The real handle, counting subscriptions: registerMetrics must give back what it took.
  const handle: KeepAliveHandle = {
    ...c.keepAlive,
    observe(listener) {
      const off = c.keepAlive.observe(listener);
      subscribed++;
      return () => {
        subscribed--;
        off();
      };
    },
  };
  const registry = new Registry();
  const r = registerMetrics(handle, { registry });
  expect(subscribed).toBe(1);
  await c.get(`${server.url}/json`);
  r.unregister();
  expect(subscribed).toBe(0);
  expect(await registry.getMetricsAsJSON()).toEqual([]);
});

test('options.prefix, and prom-client\'s global registry when none is given', async () => {
  const c = client();
  const r = register(c.keepAlive, { prefix: 'bff_upstream_' });
  await c.get(`${server.url}/json`);
  await settle();
  const s = parsePrometheus(await globalRegister.metrics());
  expect(valueOf(s, 'bff_upstream_requests_total', { client: 'default', origin: origin() })).toBe(1);
  expect(samplesOf(s, `${P}requests_total`)).toEqual([]);
  r.unregister();
  expect(globalRegister.getSingleMetric('bff_upstream_requests_total')).toBeUndefined();
});

test('a registry that already has one of the names (not ours) is refused before anything is added', () => {
  const registry = new Registry();
  new Counter({ name: `${P}requests_total`, help: 'someone else', registers: [registry] });
  expect(() => registerMetrics(client().keepAlive, { registry })).toThrow(
    `registerMetrics: the registry already has ${P}requests_total, not registered by this copy of axios-keepalive; pass another options.prefix or options.registry`,
  );
  expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual([`${P}requests_total`]);
});

test('bad arguments are refused with a message naming the option, the value and what is allowed', () => {
  const c = client();
  const bad = (handle: unknown, options?: unknown): (() => unknown) => () => registerMetrics(handle as KeepAliveHandle, options as never);
  expect(bad(c)).toThrow('registerMetrics: handle must be a KeepAliveHandle (for a client from createClient(), pass client.keepAlive)');
  expect(bad(undefined)).toThrow('registerMetrics: handle must be a KeepAliveHandle, got undefined');
  expect(bad(c.keepAlive, { prefix: '1x' })).toThrow("registerMetrics options.prefix must be letters, digits, '_' or ':' (not starting with a digit), got '1x'");
  expect(bad(c.keepAlive, { client: '' })).toThrow("registerMetrics options.client must be a non-empty string, got ''");
  expect(bad(c.keepAlive, { registry: {} })).toThrow('registerMetrics options.registry must be a prom-client Registry, got {}');
  expect(bad(c.keepAlive, { buckets: { socketIdle: [1, 0.5] } })).toThrow(
    'registerMetrics options.buckets.socketIdle must be a non-empty array of increasing positive numbers of seconds, got [ 1, 0.5 ]',
  );
  expect(bad(c.keepAlive, { registy: new Registry() })).toThrow(/registerMetrics options\.registy is not an option .*; allowed: registry, prefix, client, buckets/);
});

describe('without prom-client installed', () => {
  // NODE_PATH is cleared for the child, so only the copy's own folders are searched.
  const isolated = isolatedDist(root, 'metrics.js', 'axios-keepalive-no-prom-');

  test('the main entry and the metrics entry load without it; registerMetrics() says which package to install', async () => {
    const dir = isolated();
    const { stdout } = await run(process.execPath, ['-e', `
      ${peerProbe(root, dir, 'prom-client', 'prom-client')}
      const { registerMetrics } = require(${JSON.stringify(path.join(dir, 'metrics.js'))});
      const afterMetrics = loaded();
      const c = createClient({ logger: false });
      let error;
      try { registerMetrics(c.keepAlive); } catch (e) { error = { message: e.message, cause: e.cause && e.cause.code }; }
      c.keepAlive.close();
      console.log(JSON.stringify({ resolvable, afterMain, afterMetrics, error }));
    `], { cwd: dir, env: { ...process.env, NODE_PATH: '' } });
    expect(JSON.parse(stdout)).toEqual({
      resolvable: false,
      afterMain: false,
      afterMetrics: false,
      error: {
        message: "axios-keepalive/metrics needs the package 'prom-client' (an optional peer dependency), which is not installed: npm install prom-client",
        cause: 'MODULE_NOT_FOUND',
      },
    });
  });
});
