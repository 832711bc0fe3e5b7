// OpenTelemetry alongside the library, in a process of its own started the way instrumented apps
// start (fixtures/otel-app.js: SDK and instrumentations first; instrumentation-http and
// instrumentation-pino patch modules as they are required, which jest's module registry would
// bypass). Uses the build (dist/), as a user's app would.
//
// What it shows: instrumentation-http's spans and traceparent are unaffected by the pool (25 POSTs,
// 25 client spans, each traceparent at the upstream, one connection, the facts intact), a response
// deadline still ends its span in ERROR, the pool's metrics sit next to instrumentation-http's, and
// which span's ids the per-call log line carries: the caller's span with instrumentation-pino
// alone, the call's own client span with addSpanContextToLogs().
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

interface SpanOut { name: string; kind: number; traceId: string; spanId: string; parentSpanId: string | null; status: number; url: string | null }
interface Output {
  handlers: { A: string; B: string };
  spans: SpanOut[];
  seen: Array<{ path: string; traceparent: string | null }>;
  connectionsAfterPosts: number;
  facts: Array<{ reused: boolean; socketRequests: number }>;
  timeout: { code: string; phase: string; elapsedMs: number };
  logs: Array<Record<string, unknown>>;
  metrics: Array<{ scope: string; name: string; points: Array<{ attributes: Record<string, unknown>; value: number | { count: number } }> }>;
}

const CLIENT = 2; // api.SpanKind.CLIENT
const ERROR = 2; // api.SpanStatusCode.ERROR
let out: Output;

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'otel.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  const { stdout } = await run(process.execPath, [path.join(__dirname, '..', 'fixtures', 'otel-app.js')], { cwd: root, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  out = JSON.parse(stdout) as Output;
}, 70_000);

const clientSpans = (parent: string): SpanOut[] => out.spans.filter((s) => s.kind === CLIENT && s.parentSpanId === parent);
const requestLines = (): Array<Record<string, unknown>> => out.logs.filter((l) => l.evt === 'request');

test('25 POSTs: 25 client spans, each traceparent reaches the upstream, one connection, the facts intact', () => {
  const spans = [...clientSpans(out.handlers.A), ...clientSpans(out.handlers.B)];
  expect(spans).toHaveLength(25);
  expect(spans.every((s) => s.name === 'POST' && s.url?.endsWith('/orders'))).toBe(true);
  const posts = out.seen.filter((s) => s.path === '/orders');
  expect(posts.map((s) => s.traceparent)).toEqual(spans.map((s) => `00-${s.traceId}-${s.spanId}-01`));
  expect(out.connectionsAfterPosts).toBe(1);
  expect(out.facts.map((f) => f.reused)).toEqual([false, ...Array(24).fill(true)]);
  expect(out.facts.map((f) => f.socketRequests)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
});

test('a response deadline still fires at about 300 ms, and its client span ends in ERROR', () => {
  expect(out.timeout).toMatchObject({ code: 'ETIMEDOUT', phase: 'response' });
  expect(out.timeout.elapsedMs).toBeGreaterThanOrEqual(290);
  expect(out.timeout.elapsedMs).toBeLessThan(2000); // the upstream answers after 2 s
  const get = out.spans.filter((s) => s.kind === CLIENT && s.name === 'GET');
  expect(get).toHaveLength(1);
  expect(get[0].status).toBe(ERROR);
});

test('with instrumentation-pino alone, per-call lines carry the trace and the caller\'s span (the client span\'s parent)', () => {
  const spans = clientSpans(out.handlers.A);
  const lines = requestLines().slice(0, 5);
  expect(lines.map((l) => [l.trace_id, l.span_id, l.trace_flags])).toEqual(spans.map((s) => [s.traceId, out.handlers.A, '01']));
});

test('with addSpanContextToLogs(), each per-call line carries its own client span: the ids in the upstream\'s traceparent', () => {
  const spans = clientSpans(out.handlers.B);
  const lines = requestLines().slice(5, 25);
  expect(lines).toHaveLength(20);
  expect(lines.map((l) => `00-${l.trace_id}-${l.span_id}-${l.trace_flags}`)).toEqual(out.seen.filter((s) => s.path === '/orders').slice(5).map((s) => s.traceparent));
  expect(lines.map((l) => l.span_id)).toEqual(spans.map((s) => s.spanId));
  // The failed call too.
  const failed = requestLines()[25];
  const get = out.spans.find((s) => s.kind === CLIENT && s.name === 'GET')!;
  expect(failed).toMatchObject({ code: 'ETIMEDOUT', trace_id: get.traceId, span_id: get.spanId });
});

test('the pool\'s metrics sit next to instrumentation-http\'s', () => {
  const find = (scope: string, name: string) => out.metrics.find((m) => m.scope === scope && m.name === name);
  const duration = find('@opentelemetry/instrumentation-http', 'http.client.request.duration');
  expect(duration?.points.reduce((n, p) => n + (p.value as { count: number }).count, 0)).toBe(26);
  const queue = find('axios-keepalive', 'http.client.request.time_in_queue');
  expect((queue?.points[0].value as { count: number }).count).toBe(26);
  expect(find('axios-keepalive', 'http.client.connection.duration')?.points[0].attributes).toMatchObject({ 'server.address': '127.0.0.1', 'network.peer.address': '127.0.0.1' });
  expect(find('axios-keepalive', 'axios_keepalive.connections.created')?.points[0].value).toBe(1);
  expect(find('axios-keepalive', 'axios_keepalive.timeouts')?.points[0]).toMatchObject({ attributes: { 'axios_keepalive.timeout.phase': 'response' }, value: 1 });
  expect(find('axios-keepalive', 'axios_keepalive.requests')?.points.find((p) => p.attributes['axios_keepalive.socket.reused'] === true)?.value).toBe(25);
});
