// axios-keepalive/otel metrics on real sockets, read through the OpenTelemetry SDK's in-memory
// exporter (@opentelemetry/sdk-metrics 2.12, the line that runs on Node 20) after a forced
// collection: the instruments the HTTP semantic conventions define, with their attributes and
// advised buckets, the library's own counters, several clients on one meter, unregister(), option
// checks, and the message when @opentelemetry/api is not installed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type http from 'node:http';
import { promisify } from 'node:util';
import { metrics as otelMetrics, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader,
  type DataPoint, type Histogram as HistogramValue, type MetricData,
} from '@opentelemetry/sdk-metrics';
import { createClient, type KeepAliveClient } from '../../src';
import { registerOtelMetrics, type OtelMetricsRegistration } from '../../src/otel';
import { isolatedDist, peerProbe } from '../helpers/isolated-dist';
import { startServer, type TestServer } from '../helpers/server';
import { settle, until } from '../helpers/wait';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

let server: TestServer;
let held: http.ServerResponse[] = [];
const clients: KeepAliveClient[] = [];
const registrations: OtelMetricsRegistration[] = [];
let provider: MeterProvider;
let exporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;

function client(options: Parameters<typeof createClient>[0] = {}): KeepAliveClient {
  const c = createClient({ logger: false, ...options });
  clients.push(c);
  return c;
}

function register(c: KeepAliveClient, options: Parameters<typeof registerOtelMetrics>[1] = {}): OtelMetricsRegistration {
  const r = registerOtelMetrics(c.keepAlive, { meterProvider: provider, ...options });
  registrations.push(r);
  return r;
}

/** Forces a collection and returns what the exporter received from it. */
async function collect(): Promise<MetricData[]> {
  exporter.reset();
  await reader.forceFlush();
  return exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

function metric(all: MetricData[], name: string): MetricData | undefined {
  return all.find((m) => m.descriptor.name === name);
}

function points(all: MetricData[], name: string, match: Attributes = {}): Array<DataPoint<unknown>> {
  const m = metric(all, name);
  return ((m?.dataPoints ?? []) as Array<DataPoint<unknown>>).filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
}

function value(all: MetricData[], name: string, match: Attributes = {}): number | undefined {
  const ps = points(all, name, match);
  if (ps.length > 1) throw new Error(`${ps.length} points of ${name} match ${JSON.stringify(match)}`);
  return ps[0]?.value as number | undefined;
}

function histogram(all: MetricData[], name: string, match: Attributes = {}): HistogramValue | undefined {
  const ps = points(all, name, match);
  if (ps.length > 1) throw new Error(`${ps.length} points of ${name} match ${JSON.stringify(match)}`);
  return ps[0]?.value as HistogramValue | undefined;
}

beforeAll(async () => {
  server = await startServer((req, res, url) => {
    if (url.pathname !== '/held') return false;
    req.resume();
    held.push(res);
    return true;
  });
});

beforeEach(() => {
  exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: every collection in these tests is forced.
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  provider = new MeterProvider({ readers: [reader] });
});

afterEach(async () => {
  for (const r of registrations.splice(0)) r.unregister();
  for (const res of held.splice(0)) res.end();
  held = [];
  await Promise.all(clients.splice(0).map((c) => c.keepAlive.close()));
  await provider.shutdown();
});

afterAll(async () => {
  await server.close();
});

test('sequential requests: open connections by state, time in queue, idle time, requests by reuse, with the conventions\' attributes and buckets', async () => {
  const c = client();
  register(c, { client: 'orders' });
  const before = server.connections();
  for (let i = 0; i < 3; i++) await c.get(`${server.url}/json`);
  await settle(300); // one long idle time before the 4th request
  await c.get(`${server.url}/json`);
  await settle();
  expect(server.connections() - before).toBe(1);

  const all = await collect();
  const base = { 'server.address': '127.0.0.1', 'server.port': server.port, 'url.scheme': 'http', 'network.protocol.version': '1.1', 'axios_keepalive.client': 'orders' };
  const open = metric(all, 'http.client.open_connections');
  expect(open?.descriptor).toMatchObject({ unit: '{connection}', type: 'OBSERVABLE_UP_DOWN_COUNTER' });
  expect((open as { isMonotonic?: boolean } | undefined)?.isMonotonic).toBe(false);
  expect(points(all, 'http.client.open_connections').map((p) => p.attributes)).toEqual([
    { ...base, 'http.connection.state': 'active' },
    { ...base, 'http.connection.state': 'idle' },
  ]);
  expect(value(all, 'http.client.open_connections', { 'http.connection.state': 'idle' })).toBe(1);
  expect(value(all, 'http.client.open_connections', { 'http.connection.state': 'active' })).toBe(0);

  const queue = histogram(all, 'http.client.request.time_in_queue', base);
  expect(metric(all, 'http.client.request.time_in_queue')?.descriptor).toMatchObject({ unit: 's', type: 'HISTOGRAM' });
  expect(queue?.count).toBe(4);
  expect(queue?.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
  const idle = histogram(all, 'axios_keepalive.connection.idle_time', base);
  expect(idle?.count).toBe(3); // only reused connections have an idle time
  expect(idle?.sum).toBeGreaterThanOrEqual(0.29);

  expect(value(all, 'axios_keepalive.requests', { 'axios_keepalive.socket.reused': true })).toBe(3);
  expect(value(all, 'axios_keepalive.requests', { 'axios_keepalive.socket.reused': false })).toBe(1);
  expect((metric(all, 'axios_keepalive.requests') as { isMonotonic?: boolean } | undefined)?.isMonotonic).toBe(true);
  expect(value(all, 'axios_keepalive.connections.created', base)).toBe(1);
  expect(value(all, 'axios_keepalive.requests.queued', base)).toBe(0);
  expect(value(all, 'axios_keepalive.stale_socket.retries', base)).toBe(0);
  expect(points(all, 'axios_keepalive.connections.closed')).toEqual([]);
  // Nothing closed yet: no connection lifetime recorded.
  expect(points(all, 'http.client.connection.duration')).toEqual([]);
});

test('a closed connection: its lifetime in http.client.connection.duration (with the peer address), its reason counted', async () => {
  const c = client();
  register(c);
  await c.get(`${server.url}/json`);
  await settle(100);
  await c.get(`${server.url}/close`); // the server answers with Connection: close
  await until(() => c.keepAlive.stats().total.closed.total === 1);

  const all = await collect();
  const duration = histogram(all, 'http.client.connection.duration');
  expect(metric(all, 'http.client.connection.duration')?.descriptor).toMatchObject({ unit: 's', type: 'HISTOGRAM' });
  expect(duration?.count).toBe(1);
  expect(duration?.sum).toBeGreaterThanOrEqual(0.09);
  expect(duration?.buckets.boundaries).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
  expect(points(all, 'http.client.connection.duration')[0].attributes).toEqual({
    'server.address': '127.0.0.1', 'server.port': server.port, 'url.scheme': 'http', 'network.protocol.version': '1.1',
    'axios_keepalive.client': 'default', 'network.peer.address': '127.0.0.1',
  });
  expect(value(all, 'axios_keepalive.connections.closed', { 'axios_keepalive.connection.close_reason': 'connection-close' })).toBe(1);
  expect(value(all, 'http.client.open_connections', { 'http.connection.state': 'idle' })).toBe(0);
});

test('maxSockets 1 and three calls at once: requests queued while they wait, then their time in queue', async () => {
  const c = client({ agent: { maxSockets: 1 } });
  register(c);
  const calls = [0, 1, 2].map(() => c.get(`${server.url}/held`));
  await until(() => held.length === 1 && c.keepAlive.stats().total.queued === 2);
  let all = await collect();
  expect(value(all, 'axios_keepalive.requests.queued')).toBe(2);
  expect(value(all, 'http.client.open_connections', { 'http.connection.state': 'active' })).toBe(1);
  expect(histogram(all, 'http.client.request.time_in_queue')?.count).toBe(1);

  await settle(100);
  for (let i = 0; i < 3; i++) {
    await until(() => held.length > i);
    held[i].end('ok');
  }
  await Promise.all(calls);
  all = await collect();
  expect(value(all, 'axios_keepalive.requests.queued')).toBe(0);
  const queue = histogram(all, 'http.client.request.time_in_queue');
  expect(queue?.count).toBe(3);
  expect(queue?.sum).toBeGreaterThanOrEqual(0.19); // the 2nd waited at least 100 ms, the 3rd longer
});

test('a response timeout counts by phase and closes its connection as timeout', async () => {
  const c = client();
  register(c);
  await expect(c.get(`${server.url}/hang`, { keepAlive: { timeouts: { response: 150 } } })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  await until(() => c.keepAlive.stats().total.closed.total === 1);
  const all = await collect();
  expect(value(all, 'axios_keepalive.timeouts', { 'axios_keepalive.timeout.phase': 'response' })).toBe(1);
  expect(value(all, 'axios_keepalive.connections.closed', { 'axios_keepalive.connection.close_reason': 'timeout' })).toBe(1);
  expect(histogram(all, 'http.client.connection.duration')?.count).toBe(1);
});

test('two clients on one meter are told apart; a name twice throws; unregister() stops recording and frees the name', async () => {
  const a = client();
  const b = client();
  const ra = register(a, { client: 'a' });
  register(b, { client: 'b' });
  expect(() => registerOtelMetrics(client().keepAlive, { meterProvider: provider, client: 'a' })).toThrow(
    "registerOtelMetrics: a client named 'a' is already registered on this meter; give each client its own options.client, e.g. registerOtelMetrics(handle, { client: 'payments' })",
  );
  await a.get(`${server.url}/json`);
  await b.get(`${server.url}/json`);
  await b.get(`${server.url}/json`);
  let all = await collect();
  expect(histogram(all, 'http.client.request.time_in_queue', { 'axios_keepalive.client': 'a' })?.count).toBe(1);
  expect(histogram(all, 'http.client.request.time_in_queue', { 'axios_keepalive.client': 'b' })?.count).toBe(2);
  expect(value(all, 'axios_keepalive.connections.created', { 'axios_keepalive.client': 'b' })).toBe(1);

  ra.unregister();
  ra.unregister(); // idempotent
  await a.get(`${server.url}/json`);
  all = await collect();
  expect(histogram(all, 'http.client.request.time_in_queue', { 'axios_keepalive.client': 'a' })?.count ?? 1).toBe(1);
  expect(() => register(a, { client: 'a' })).not.toThrow();
});

test('options.prefix renames the library\'s own instruments only; options.meter and the global MeterProvider work too', async () => {
  const c = client();
  register(c, { prefix: 'bff.pool.' });
  await c.get(`${server.url}/json`);
  await c.get(`${server.url}/json`);
  const all = await collect();
  expect(all.map((m) => m.descriptor.name).sort()).toEqual([
    'bff.pool.connection.idle_time', 'bff.pool.connections.created', 'bff.pool.requests', 'bff.pool.requests.queued', 'bff.pool.stale_socket.retries',
    'http.client.open_connections', 'http.client.request.time_in_queue',
  ].sort());

  const d = client();
  registrations.push(registerOtelMetrics(d.keepAlive, { meter: provider.getMeter('my-service'), client: 'd' }));
  otelMetrics.setGlobalMeterProvider(provider);
  try {
    const e = client();
    registrations.push(registerOtelMetrics(e.keepAlive, { client: 'e' }));
    await d.get(`${server.url}/json`);
    await e.get(`${server.url}/json`);
    const scopes = (await reader.collect()).resourceMetrics.scopeMetrics;
    const scope = (name: string) => scopes.find((s) => s.scope.name === name)?.metrics.find((m) => m.descriptor.name === 'http.client.request.time_in_queue');
    expect(scope('my-service')?.dataPoints.map((p) => p.attributes['axios_keepalive.client'])).toEqual(['d']);
    expect(scope('axios-keepalive')?.dataPoints.map((p) => p.attributes['axios_keepalive.client']).sort()).toEqual(['default', 'e']);
  } finally {
    otelMetrics.disable();
  }
});

test.each([
  ['a client instead of its handle', (c: KeepAliveClient) => [c, {}], TypeError, /^registerOtelMetrics: handle must be a KeepAliveHandle \(for a client from createClient\(\), pass client\.keepAlive\), got/],
  ['an unknown option', (c: KeepAliveClient) => [c.keepAlive, { registry: {} }], TypeError, /^registerOtelMetrics options\.registry is not an option \(\{\}\); allowed: meter, meterProvider, prefix, client$/],
  ['a bad prefix', (c: KeepAliveClient) => [c.keepAlive, { prefix: '1x.' }], TypeError, /^registerOtelMetrics options\.prefix must start with a letter/],
  ['an empty client name', (c: KeepAliveClient) => [c.keepAlive, { client: '' }], TypeError, /^registerOtelMetrics options\.client must be a non-empty string, got ''$/],
  ['a meter that is not one', (c: KeepAliveClient) => [c.keepAlive, { meter: {} }], TypeError, /^registerOtelMetrics options\.meter must be an OpenTelemetry Meter, got \{\}$/],
  ['meter and meterProvider', (c: KeepAliveClient) => [c.keepAlive, { meter: provider.getMeter('x'), meterProvider: provider }], TypeError, /^registerOtelMetrics: pass options\.meter or options\.meterProvider, not both$/],
])('%s is refused with a clear message', (_name, args, type, message) => {
  const [handle, options] = args(client()) as Parameters<typeof registerOtelMetrics>;
  let error: unknown;
  try {
    registerOtelMetrics(handle, options);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
});

describe('without @opentelemetry/api installed', () => {
  // NODE_PATH is cleared for the child, so only the copy's own folders are searched.
  const isolated = isolatedDist(root, 'otel.js', 'axios-keepalive-no-otel-');

  test('the main entry and the otel entry load without it; registerOtelMetrics() and addSpanContextToLogs() say which package to install', async () => {
    const dir = isolated();
    const { stdout } = await run(process.execPath, ['-e', `
      ${peerProbe(root, dir, '@opentelemetry/api', '@opentelemetry')}
      const { registerOtelMetrics, addSpanContextToLogs } = require(${JSON.stringify(path.join(dir, 'otel.js'))});
      const afterOtel = loaded();
      const c = createClient({ logger: false });
      const errors = [];
      for (const f of [() => registerOtelMetrics(c.keepAlive), () => addSpanContextToLogs(c.keepAlive)]) {
        try { f(); errors.push(null); } catch (e) { errors.push({ message: e.message, cause: e.cause && e.cause.code }); }
      }
      // A meter passed in needs nothing from @opentelemetry/api.
      const calls = [];
      const meter = new Proxy({}, { get: (_, name) => (...args) => { calls.push(name); return {}; } });
      registerOtelMetrics(c.keepAlive, { meter }).unregister();
      c.keepAlive.close();
      console.log(JSON.stringify({ resolvable, afterMain, afterOtel, errors, calls: [...new Set(calls)].sort() }));
    `], { cwd: dir, env: { ...process.env, NODE_PATH: '' } });
    const message = "axios-keepalive/otel needs the package '@opentelemetry/api' (an optional peer dependency), which is not installed: npm install @opentelemetry/api";
    expect(JSON.parse(stdout)).toEqual({
      resolvable: false,
      afterMain: false,
      afterOtel: false,
      errors: [{ message, cause: 'MODULE_NOT_FOUND' }, { message, cause: 'MODULE_NOT_FOUND' }],
      calls: ['addBatchObservableCallback', 'createHistogram', 'createObservableCounter', 'createObservableUpDownCounter', 'removeBatchObservableCallback'],
    });
  });
});
