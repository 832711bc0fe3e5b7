// examples/express-bff, run as a test: an inbound request's id reaches the upstream and the
// outbound log line, and /metrics shows the pool. Real sockets on loopback; the example is the
// plain JS file users run with `node server.js`.
import type http from 'node:http';
import { startServer, type TestServer } from '../helpers/server';
import { httpGet } from '../helpers/http-get';
import { parsePrometheus, valueOf } from '../helpers/prometheus';
import { settle, until } from '../helpers/wait';

interface ExampleApp {
  url: string;
  upstreamUrl: string;
  close(): Promise<void>;
}
interface ExampleModule {
  start(options: { port?: number; host?: string; upstreamUrl?: string; logStream?: { write(chunk: string): void } }): Promise<ExampleApp>;
}
// A plain JS file (it must run with `node server.js`); its shape is declared just above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const example = require('../../examples/express-bff/server.js') as ExampleModule;

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let upstream: TestServer;
let app: ExampleApp;
let logText = '';
const seen: http.IncomingHttpHeaders[] = [];

function logLines(): Array<Record<string, unknown>> {
  return logText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The one outbound axios-keepalive line for the upstream path `path`. */
function outboundLine(path: string): Record<string, unknown> {
  const lines = logLines().filter((l) => l.lib === 'axios-keepalive' && l.evt === 'request' && String(l.url).endsWith(path));
  expect(lines).toHaveLength(1);
  return lines[0];
}

beforeAll(async () => {
  upstream = await startServer((req, res, url) => {
    // The example's upstream API: GET /items/:id. Records what the BFF sent.
    seen.push(req.headers);
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: url.pathname.split('/').pop() }));
  });
  app = await example.start({ port: 0, upstreamUrl: upstream.url, logStream: { write: (chunk) => { logText += chunk; } } });
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
});

test('the inbound x-request-id and traceparent reach the upstream, and the outbound log line carries pino-http\'s reqId', async () => {
  const reply = await httpGet(`${app.url}/api/items/42`, { 'x-request-id': 'abc-123', traceparent: TRACEPARENT });
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual({ item: { id: '42' }, upstreamSocket: { reused: false } });
  expect(reply.headers['x-request-id']).toBe('abc-123');

  expect(seen).toHaveLength(1);
  expect(seen[0]['x-request-id']).toBe('abc-123');
  expect(seen[0].traceparent).toBe(TRACEPARENT);

  // pino-http 11 with quietReqLogger binds { reqId } on req.log (its default binds the whole
  // serialized `req`, whose `id` is the same value); the call ran inside inboundMiddleware(), so
  // the library logged through req.log.
  expect(outboundLine('/items/42')).toMatchObject({ reqId: 'abc-123', evt: 'request', method: 'GET', status: 200, reused: false });
  // pino-http's own line for the inbound request has the same id (written on the response's
  // 'finish', which may come a moment after the caller has the whole response).
  const completedLines = (): Array<Record<string, unknown>> => logLines().filter((l) => l.msg === 'request completed');
  await until(() => completedLines().length === 1);
  const completed = completedLines();
  expect(completed[0]).toMatchObject({ reqId: 'abc-123', req: { id: 'abc-123', url: '/api/items/42' } });
});

test('without an inbound id (or with one that is not a plain token) the BFF makes one up, answers with it and sends it upstream', async () => {
  for (const headers of [{}, { 'x-request-id': 'x'.repeat(200) }, { 'x-request-id': 'a b"c' }] as Array<Record<string, string>>) {
    const before = seen.length;
    const reply = await httpGet(`${app.url}/api/items/7`, headers);
    expect(reply.status).toBe(200);
    const id = reply.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(seen).toHaveLength(before + 1);
    expect(seen[before]['x-request-id']).toBe(id);
    expect(seen[before].traceparent).toBeUndefined();
    const line = logLines().filter((l) => l.evt === 'request' && l.reqId === id);
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ lib: 'axios-keepalive', reused: true });
  }
});

test('GET /metrics shows the pool of the upstream origin: one connection, every later request reused', async () => {
  for (let i = 0; i < 3; i++) expect((await httpGet(`${app.url}/api/items/${i}`)).status).toBe(200);
  await settle(); // the pool's state changes on the next tick after a response ends

  const reply = await httpGet(`${app.url}/metrics`);
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = parsePrometheus(reply.body);
  const labels = { client: 'items', origin: upstream.url };
  const requests = upstream.requests();
  expect(requests).toBe(7); // 1 + 3 + 3 calls in this file
  expect(upstream.connections()).toBe(1);

  expect(valueOf(samples, 'axios_keepalive_requests_total', labels)).toBe(requests);
  expect(valueOf(samples, 'axios_keepalive_requests_reused_total', labels)).toBe(requests - 1);
  expect(valueOf(samples, 'axios_keepalive_connections_created_total', labels)).toBe(1);
  expect(valueOf(samples, 'axios_keepalive_open_connections', { ...labels, state: 'idle' })).toBe(1);
  expect(valueOf(samples, 'axios_keepalive_open_connections', { ...labels, state: 'active' })).toBe(0);
  expect(valueOf(samples, 'axios_keepalive_requests_waiting', labels)).toBe(0);
  expect(valueOf(samples, 'axios_keepalive_socket_wait_seconds_count', labels)).toBe(requests);
  expect(valueOf(samples, 'axios_keepalive_socket_idle_seconds_count', labels)).toBe(requests - 1);
  // The scrape itself is not logged (autoLogging.ignore), so the log stays about traffic.
  expect(logLines().filter((l) => (l.req as { url?: string } | undefined)?.url === '/metrics')).toHaveLength(0);
});
