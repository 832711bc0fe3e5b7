// examples/fastify-bff, run as a test: with inboundHook() (a callback-style onRequest hook) and the
// app's own async hooks, every upstream call's log line carries fastify's reqId of the inbound
// request that caused it, for GET and POST, ten at a time; x-request-id reaches the upstream; the
// pool-summary line reports the traffic. A control shows why the hook is callback-style: context
// entered inside an async onRequest hook never reaches the handler.
import Fastify from 'fastify';
import type http from 'node:http';
import { createClient, runWithInbound, type KeepAliveClient } from '../../src';
import { startServer, type TestServer } from '../helpers/server';
import { httpGet, httpPost } from '../helpers/http-get';
import { memoryLogger } from '../helpers/logs';

interface ExampleApp {
  url: string;
  client: KeepAliveClient;
  close(): Promise<void>;
}
interface ExampleModule {
  start(options: { port?: number; upstreamUrl?: string; logStream?: { write(chunk: string): void }; level?: string; summaryInterval?: number }): Promise<ExampleApp>;
}
// A plain JS file (it must run with `node server.js`); its shape is declared just above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const example = require('../../examples/fastify-bff/server.js') as ExampleModule;

let upstream: TestServer;
const seen: http.IncomingHttpHeaders[] = [];
let app: ExampleApp;
let logText = '';

function logLines(): Array<Record<string, unknown>> {
  return logText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(async () => {
  upstream = await startServer((req, res, url) => {
    // The example's upstream API: GET /items/:id, POST /orders. Records what the BFF sent.
    seen.push(req.headers);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        res.statusCode = 201;
        res.end(JSON.stringify({ received: JSON.parse(body) }));
      } else {
        res.end(JSON.stringify({ id: url.pathname.split('/').pop() }));
      }
    });
  });
  app = await example.start({ port: 0, upstreamUrl: upstream.url, level: 'debug', logStream: { write: (chunk) => { logText += chunk; } } });
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
});

test('10 GETs and 10 POSTs at once: each upstream call\'s line carries its inbound reqId, and x-request-id reaches the upstream', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `req-${i}`);
  const gets = await Promise.all(ids.map((id, i) => httpGet(`${app.url}/api/items/${i}`, { 'x-request-id': `get-${id}` })));
  const posts = await Promise.all(ids.map((id, i) => httpPost(`${app.url}/api/orders`, { sku: `sku-${i}` }, { 'x-request-id': `post-${id}` })));
  expect(gets.map((r) => r.status)).toEqual(Array(10).fill(200));
  expect(posts.map((r) => r.status)).toEqual(Array(10).fill(201));
  expect(gets.map((r) => r.headers['x-request-id'])).toEqual(ids.map((id) => `get-${id}`));
  expect(posts.map((r) => JSON.parse(r.body).order)).toEqual(ids.map((_, i) => ({ received: { sku: `sku-${i}` } })));

  const outbound = logLines().filter((l) => l.lib === 'axios-keepalive' && l.evt === 'request');
  expect(outbound).toHaveLength(20);
  for (const [i, id] of ids.entries()) {
    // Each line is the one of the call made for that inbound request: its own reqId, its own path.
    expect(outbound.filter((l) => l.reqId === `get-${id}`)).toEqual([expect.objectContaining({ method: 'GET', url: `${upstream.url}/items/${i}`, status: 200, level: 20 })]);
    expect(outbound.filter((l) => l.reqId === `post-${id}`)).toEqual([expect.objectContaining({ method: 'POST', url: `${upstream.url}/orders`, status: 201 })]);
  }
  expect(seen.map((h) => h['x-request-id']).sort()).toEqual([...ids.map((id) => `get-${id}`), ...ids.map((id) => `post-${id}`)].sort());
  // fastify's own lines for the same requests carry the same ids.
  expect(logLines().filter((l) => l.msg === 'request completed').map((l) => l.reqId).sort()).toEqual(seen.map((h) => h['x-request-id']).sort());
});

test('without an inbound id the BFF makes one up, answers with it, logs the call with it and sends it upstream', async () => {
  const before = seen.length;
  const reply = await httpGet(`${app.url}/api/items/7`, { 'x-request-id': 'not a token' });
  expect(reply.status).toBe(200);
  const id = reply.headers['x-request-id'] as string;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(seen[before]['x-request-id']).toBe(id);
  expect(logLines().filter((l) => l.evt === 'request' && l.reqId === id)).toHaveLength(1);
});

test('close() writes the pool-summary line of the traffic since the last one', async () => {
  let text = '';
  const other = await example.start({ port: 0, upstreamUrl: upstream.url, logStream: { write: (chunk) => { text += chunk; } } });
  for (let i = 0; i < 5; i++) expect((await httpGet(`${other.url}/api/items/${i}`)).status).toBe(200);
  await other.close();
  const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  // At info, no per-call line (they are at debug), one summary with the reuse.
  expect(lines.filter((l) => l.evt === 'request')).toEqual([]);
  expect(lines.filter((l) => l.evt === 'pool-summary')).toEqual([
    expect.objectContaining({ level: 30, origin: upstream.url, requests: 5, reused: 4, opened: 1, closed: { 'client-closed': 1 } }),
  ]);
});

test('the control: context entered inside an async onRequest hook does not reach the handler (0 of 5 lines carry reqId)', async () => {
  const log = memoryLogger('info');
  // The client logs through the app's logger when no inbound request is current.
  const client = createClient({ logger: log.logger, axios: { baseURL: upstream.url } });
  const bad = Fastify({ loggerInstance: log.logger });
  // What the hook must not be: runWithInbound() inside an async hook ends with the hook.
  bad.addHook('onRequest', async (request) => {
    await runWithInbound({ headers: request.headers, logger: request.log }, async () => undefined);
  });
  bad.get('/x/:id', async (request) => (await client.get(`/items/${(request.params as { id: string }).id}`)).data);
  await bad.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = bad.server.address() as { port: number };
    for (let i = 0; i < 5; i++) expect((await httpGet(`http://127.0.0.1:${port}/x/${i}`)).status).toBe(200);
    const calls = log.lines().filter((l) => l.evt === 'request');
    expect(calls).toHaveLength(5);
    expect(calls.filter((l) => 'reqId' in l)).toEqual([]);
    // fastify's own lines do have it.
    expect(log.lines().filter((l) => l.msg === 'request completed' && typeof l.reqId === 'string')).toHaveLength(5);
  } finally {
    await bad.close();
    await client.keepAlive.close();
  }
});
