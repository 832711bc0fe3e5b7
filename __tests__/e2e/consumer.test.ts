// The package as a consumer gets it: `npm pack` of the built repo, installed with npm into a new
// project under os.tmpdir(), then loaded with require and import and type-checked with tsc
// --strict in both module modes (.cts and .mts, module node16). First without the optional peer
// dependencies (prom-client, @opentelemetry/api), then with prom-client for `axios-keepalive/metrics`,
// then with @opentelemetry/api and its SDK for `axios-keepalive/otel`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConsumerProject, INSTALL_TIMEOUT, npm, NPM_FLAGS, type ConsumerProject } from '../helpers/consumer-project';

const exec = promisify(execFile);

let project: ConsumerProject;
let app: string;
let packedFiles: string[] = [];

function node(args: string[]): Promise<unknown> {
  return project.node(args);
}

/** What a program imports: [bindings, specifier] pairs, written as require() or import by the two below. */
type Imports = Array<[bindings: string, from: string]>;

/** `run` as a CommonJS script (in an async function), after `imports` as require() calls. */
function asCommonJs(imports: Imports, run: string): Promise<unknown> {
  const head = imports.map(([bindings, from]) => `const ${bindings} = require('${from}');`).join('\n');
  return node(['-e', `${head}\n(async () => { ${run} })();`]);
}

/** The same program as an ES module (top-level await), after `imports` as import declarations. */
function asEsModule(imports: Imports, run: string): Promise<unknown> {
  const head = imports.map(([bindings, from]) => `import ${bindings} from '${from}';`).join('\n');
  return node(['--input-type=module', '-e', `${head}\n${run}`]);
}

async function tsc(files: string[]): Promise<void> {
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', types: ['node'],
      noEmit: true, skipLibCheck: false,
    },
    files,
  }, null, 2));
  // The consumer's own TypeScript, from its node_modules.
  const bin = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await exec(process.execPath, [bin, '-p', 'tsconfig.json'], { cwd: app, timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The same source, compiled as CommonJS (.cts) and as ESM (.mts). */
function writeBothModes(name: string, source: string): string[] {
  const files = [`${name}.cts`, `${name}.mts`];
  for (const f of files) fs.writeFileSync(path.join(app, f), source);
  return files;
}

beforeAll(async () => {
  project = await createConsumerProject(['axios@1.21.1', 'typescript@5.9', '@types/node@20']);
  app = project.app;
  packedFiles = project.packedFiles;
}, INSTALL_TIMEOUT);

afterAll(() => {
  project?.remove();
});

test('the tarball holds the build (the three entries, their types) and nothing of the sources or tests', () => {
  for (const f of ['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'metrics.js', 'metrics.mjs', 'metrics.d.ts', 'metrics.d.mts', 'otel.js', 'otel.mjs', 'otel.d.ts', 'otel.d.mts', 'cli/cli.js']) {
    expect(packedFiles).toContain(`dist/${f}`);
  }
  expect(packedFiles).toContain('package.json');
  expect(packedFiles.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
  // Optional peers: npm did not install them.
  expect(fs.existsSync(path.join(app, 'node_modules', 'prom-client'))).toBe(false);
  expect(fs.existsSync(path.join(app, 'node_modules', '@opentelemetry'))).toBe(false);
});

// Runs in the child: a loopback server, two calls on one client, the facts of both responses.
const CALLS = `
  const server = http.createServer((req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = 'http://127.0.0.1:' + server.address().port;
  const client = createClient({ logger: false });
  const first = await client.get(url + '/a');
  const second = await client.get(url + '/b', { keepAlive: { timeouts: { response: 2000 } } });
  let metricsError;
  try { registerMetrics(client.keepAlive); } catch (e) { metricsError = e.message; }
  let otelError;
  try { registerOtelMetrics(client.keepAlive); } catch (e) { otelError = e.message; }
  await client.keepAlive.close();
  server.close();
  console.log(JSON.stringify({ reused: [first.keepAlive.reused, second.keepAlive.reused], metricsError, otelError }));
`;
const EXPECTED_RUN = {
  reused: [false, true],
  metricsError: "axios-keepalive/metrics needs the package 'prom-client' (an optional peer dependency), which is not installed: npm install prom-client",
  otelError: "axios-keepalive/otel needs the package '@opentelemetry/api' (an optional peer dependency), which is not installed: npm install @opentelemetry/api",
};

const ENTRIES: Imports = [
  ['http', 'node:http'], ['{ createClient }', 'axios-keepalive'], ['{ registerMetrics }', 'axios-keepalive/metrics'], ['{ registerOtelMetrics }', 'axios-keepalive/otel'],
];

test('require() loads the three entries; calls reuse the socket; registerMetrics() and registerOtelMetrics() name the missing package', async () => {
  expect(await asCommonJs(ENTRIES, CALLS)).toEqual(EXPECTED_RUN);
});

test('import loads the three entries the same way', async () => {
  expect(await asEsModule(ENTRIES, CALLS)).toEqual(EXPECTED_RUN);
});

const CONSUMER = `
import axios from 'axios';
import {
  createClient, isTimeoutError, isKeepAliveError, ErrorCodes, DEFAULTS, inboundHook,
  type KeepAliveAxiosError, type KeepAliveOptions, type KeepAliveRequestOptions, type PoolStats, type TimeoutPhase,
  type PoolEvent, type InboundHook, type CallLogger,
} from 'axios-keepalive';

const options: KeepAliveOptions = {
  axios: { baseURL: 'http://127.0.0.1:8080' },
  agent: { maxSockets: 10, freeSocketTimeout: DEFAULTS.agent.freeSocketTimeout },
  timeouts: { total: 5000 },
  propagateHeaders: ['x-request-id'],
  logger: false,
};
const client = createClient(options);

export async function main(): Promise<string> {
  const perRequest: KeepAliveRequestOptions = { timeouts: { response: 1000 }, log: false };
  try {
    // config.keepAlive: the per-request overrides, typed on axios's own config.
    const response = await client.get<{ ok: boolean }>('/json', { keepAlive: perRequest });
    const ok: boolean = response.data.ok;
    // response.keepAlive: the socket facts, typed on axios's own response.
    const reused: boolean | null | undefined = response.keepAlive?.reused;
    const idleMs: number | null | undefined = response.keepAlive?.idleMs;
    // @ts-expect-error -- reused is a boolean (or null off the pool), not any
    const wrong: string = response.keepAlive?.reused;
    // The augmentation is on axios's own types, so the default instance takes it too.
    await axios.get('http://127.0.0.1:8080/', { keepAlive: { log: false } });
    const stats: PoolStats = client.keepAlive.stats();
    return String([ok, reused, idleMs, wrong, stats.total.reuseRatio]);
  } catch (err) {
    if (isTimeoutError(err)) {
      const phase: TimeoutPhase | undefined = err.keepAlive?.timeoutPhase;
      return phase ?? 'timeout';
    }
    if (isKeepAliveError(err)) return String(err.keepAlive?.retries);
    const e = err as KeepAliveAxiosError<{ message: string }>;
    const phase: TimeoutPhase | undefined = e.keepAlive?.timeoutPhase;
    return e.code === ErrorCodes.TIMEOUT ? String(phase) : String(e.response?.data.message);
  } finally {
    await client.keepAlive.close();
  }
}

// @ts-expect-error -- maxSockets is a client option, not a per-request one
client.get('/', { keepAlive: { maxSockets: 1 } });

// Observability without any optional peer: pool events, log fields, the summary option.
const stopEvents: () => void = client.keepAlive.observePool((event: PoolEvent) => {
  if (event.type === 'socket-close') {
    const reason: string = event.reason;
    const ageMs: number = event.ageMs;
    void [reason, ageMs];
  }
});
const stopFields: () => void = client.keepAlive.addLogFields(() => ({ tenant: 'acme' }));
const summarized = createClient({ logger: false, logLevel: 'debug', summary: { interval: 60_000, level: 'info' } });
void [stopEvents, stopFields, summarized];

// Fastify's onRequest hook, typed structurally: a request with headers and a pino-like log fits.
interface FastifyLikeLog {
  level: string;
  fatal(obj: object, msg?: string): void; error(obj: object, msg?: string): void; warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void; debug(obj: object, msg?: string): void; trace(obj: object, msg?: string): void;
  child(bindings: object): FastifyLikeLog;
}
const hook: InboundHook = inboundHook();
declare const request: { headers: Record<string, string | string[] | undefined>; log: FastifyLikeLog; id: string };
hook(request, {}, () => undefined);
const logger: CallLogger = request.log;
client.get('/', { keepAlive: { logger } });
`;

// applyKeepAlive() on the consumer's own axios instance.
const APPLY = `
import axios from 'axios';
import { applyKeepAlive, type KeepAliveHandle } from 'axios-keepalive';

const instance = axios.create({ baseURL: 'http://127.0.0.1:8080' });
const handle: KeepAliveHandle = applyKeepAlive(instance, { logger: false, timeouts: { total: 5000 } });
export async function main(): Promise<boolean | null | undefined> {
  const response = await instance.get('/json', { keepAlive: { log: false } });
  handle.eject();
  await handle.close();
  return response.keepAlive?.reused;
}
`;

test('tsc --strict type-checks a consumer in both module modes (.cts and .mts, module node16)', async () => {
  await tsc(writeBothModes('consumer', CONSUMER));
}, 120_000);

test('tsc --strict type-checks applyKeepAlive(axios.create()) in a CommonJS consumer (.cts)', async () => {
  fs.writeFileSync(path.join(app, 'apply.cts'), APPLY);
  await tsc(['apply.cts']);
}, 120_000);

// The ESM types are .d.mts twins of the CommonJS ones (scripts/build-esm.js), so an ESM consumer's
// axios types and ours are the same declarations.
test('tsc --strict type-checks applyKeepAlive(axios.create()) in an ESM consumer (.mts)', async () => {
  fs.writeFileSync(path.join(app, 'apply.mts'), APPLY);
  await tsc(['apply.mts']);
}, 120_000);

describe('with prom-client installed', () => {
  beforeAll(async () => {
    await npm(['install', 'prom-client@15', ...NPM_FLAGS], app);
  }, INSTALL_TIMEOUT);

  const METRICS_RUN = `
    const server = http.createServer((req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = 'http://127.0.0.1:' + server.address().port;
    const client = createClient({ logger: false });
    const registry = new Registry();
    const metrics = registerMetrics(client.keepAlive, { registry, client: 'items' });
    await client.get(url + '/a');
    await client.get(url + '/b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = (await registry.metrics()).split('\\n').filter((l) => l.startsWith('axios_keepalive_requests'));
    metrics.unregister();
    await client.keepAlive.close();
    server.close();
    console.log(JSON.stringify({ lines: lines.map((l) => l.replace(url, 'ORIGIN')), after: (await registry.getMetricsAsJSON()).length }));
  `;
  const EXPECTED_METRICS = {
    lines: [
      'axios_keepalive_requests_waiting{client="items",origin="ORIGIN"} 0',
      'axios_keepalive_requests_total{client="items",origin="ORIGIN"} 2',
      'axios_keepalive_requests_reused_total{client="items",origin="ORIGIN"} 1',
    ],
    after: 0,
  };

  test('axios-keepalive/metrics registers into the consumer\'s prom-client, with require and with import', async () => {
    const imports: Imports = [
      ['http', 'node:http'], ['{ Registry }', 'prom-client'], ['{ createClient }', 'axios-keepalive'], ['{ registerMetrics }', 'axios-keepalive/metrics'],
    ];
    expect(await asCommonJs(imports, METRICS_RUN)).toEqual(EXPECTED_METRICS);
    expect(await asEsModule(imports, METRICS_RUN)).toEqual(EXPECTED_METRICS);
  });

  test('tsc --strict type-checks a metrics consumer in both module modes', async () => {
    await tsc(writeBothModes('metrics-consumer', `
import { Registry } from 'prom-client';
import { createClient } from 'axios-keepalive';
import { registerMetrics, type MetricsOptions, type MetricsRegistration } from 'axios-keepalive/metrics';

const registry = new Registry();
const client = createClient({ logger: false });
const options: MetricsOptions = { registry, prefix: 'bff_', client: 'items', buckets: { socketWait: [0.01, 0.1, 1] } };
const registration: MetricsRegistration = registerMetrics(client.keepAlive, options);
registration.unregister();
// @ts-expect-error -- the handle is client.keepAlive, not the client
registerMetrics(client, { registry });
export {};
`));
  }, 120_000);

  // package.json typesVersions: moduleResolution node10 (TypeScript's default with module commonjs)
  // ignores "exports", and finds the subpath's declarations only through typesVersions.
  test('tsc --strict finds the types of axios-keepalive/metrics with moduleResolution node10', async () => {
    fs.writeFileSync(path.join(app, 'node10.ts'), `
import { registerMetrics, type MetricsRegistration } from 'axios-keepalive/metrics';
import { createClient } from 'axios-keepalive';
const registration: MetricsRegistration = registerMetrics(createClient({ logger: false }).keepAlive);
registration.unregister();
`);
    fs.writeFileSync(path.join(app, 'tsconfig.node10.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, target: 'ES2022', types: ['node'], noEmit: true },
      files: ['node10.ts'],
    }));
    await exec(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.node10.json'], { cwd: app, timeout: 120_000 })
      .catch((e: { stdout?: string }) => { throw new Error(`tsc failed:\n${e.stdout ?? ''}`); });
  }, 120_000);
});

describe('with @opentelemetry/api and its SDK installed', () => {
  beforeAll(async () => {
    // The SDK line that runs on Node 20; it needs @opentelemetry/api >=1.9.0 <1.10.0.
    await npm(['install', '@opentelemetry/api@1.9.1', '@opentelemetry/sdk-metrics@2.12.0', ...NPM_FLAGS], app);
  }, INSTALL_TIMEOUT);

  const OTEL_RUN = `
    const server = http.createServer((req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = 'http://127.0.0.1:' + server.address().port;
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3600000 });
    const provider = new MeterProvider({ readers: [reader] });
    const client = createClient({ logger: false });
    const registration = registerOtelMetrics(client.keepAlive, { meterProvider: provider, client: 'items' });
    const spans = addSpanContextToLogs(client.keepAlive);
    await client.get(url + '/a');
    await client.get(url + '/b');
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    const requests = metrics.find((m) => m.descriptor.name === 'axios_keepalive.requests').dataPoints
      .map((p) => [p.attributes['axios_keepalive.socket.reused'], p.value]);
    const queue = metrics.find((m) => m.descriptor.name === 'http.client.request.time_in_queue').dataPoints[0].value.count;
    registration.unregister();
    spans.unregister();
    await client.keepAlive.close();
    await provider.shutdown();
    server.close();
    console.log(JSON.stringify({ names: metrics.map((m) => m.descriptor.name).sort(), requests, queue }));
  `;
  const EXPECTED_OTEL = {
    names: [
      'axios_keepalive.connection.idle_time', 'axios_keepalive.connections.created', 'axios_keepalive.requests', 'axios_keepalive.requests.queued',
      'axios_keepalive.stale_socket.retries', 'http.client.open_connections', 'http.client.request.time_in_queue',
    ],
    requests: [[true, 1], [false, 1]],
    queue: 2,
  };

  test('axios-keepalive/otel reports into the consumer\'s SDK, with require and with import', async () => {
    const imports: Imports = [
      ['http', 'node:http'],
      ['{ AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader }', '@opentelemetry/sdk-metrics'],
      ['{ createClient }', 'axios-keepalive'], ['{ registerOtelMetrics, addSpanContextToLogs }', 'axios-keepalive/otel'],
    ];
    expect(await asCommonJs(imports, OTEL_RUN)).toEqual(EXPECTED_OTEL);
    expect(await asEsModule(imports, OTEL_RUN)).toEqual(EXPECTED_OTEL);
  });

  test('tsc --strict type-checks an otel consumer in both module modes', async () => {
    await tsc(writeBothModes('otel-consumer', `
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createClient } from 'axios-keepalive';
import {
  registerOtelMetrics, addSpanContextToLogs,
  type OtelMetricsOptions, type OtelMetricsRegistration, type SpanLogRegistration,
} from 'axios-keepalive/otel';

const client = createClient({ logger: false });
const options: OtelMetricsOptions = { meter: new MeterProvider().getMeter('bff'), prefix: 'bff.pool.', client: 'items' };
const registration: OtelMetricsRegistration = registerOtelMetrics(client.keepAlive, options);
registerOtelMetrics(client.keepAlive, { meterProvider: metrics.getMeterProvider(), client: 'other' }).unregister();
const spans: SpanLogRegistration = addSpanContextToLogs(client.keepAlive, { logKeys: { traceId: 'traceId', spanId: 'spanId' } });
registration.unregister();
spans.unregister();
// @ts-expect-error -- the handle is client.keepAlive, not the client
registerOtelMetrics(client);
export {};
`));
  }, 120_000);

  test('tsc --strict finds the types of axios-keepalive/otel with moduleResolution node10', async () => {
    fs.writeFileSync(path.join(app, 'otel-node10.ts'), `
import { registerOtelMetrics, type OtelMetricsRegistration } from 'axios-keepalive/otel';
import { createClient } from 'axios-keepalive';
const registration: OtelMetricsRegistration = registerOtelMetrics(createClient({ logger: false }).keepAlive);
registration.unregister();
`);
    fs.writeFileSync(path.join(app, 'tsconfig.otel-node10.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, target: 'ES2022', types: ['node'], noEmit: true },
      files: ['otel-node10.ts'],
    }));
    await exec(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.otel-node10.json'], { cwd: app, timeout: 120_000 })
      .catch((e: { stdout?: string }) => { throw new Error(`tsc failed:\n${e.stdout ?? ''}`); });
  }, 120_000);
});
