// supertest against the Express BFF of examples/express-bff, as users test their own services:
// an inbound request (supertest) -> the BFF's route -> an outbound call through the preset -> a
// loopback upstream that counts its connections. The BFF listens on 127.0.0.1:0 (its start()), and
// supertest is pointed at that URL.
//
// Proves: under supertest the preset behaves as in production - the upstream calls of consecutive
// inbound requests share one pooled connection (the upstream counts it), the inbound x-request-id
// reaches the upstream, two calls at once take two sockets, an upstream failure becomes the BFF's
// 502 without hanging, and everything closes so jest exits.
//
// Cannot prove: anything a plain-axios twin would add - the BFF is the code under test here;
// plain axios is the baseline in the other compat suites.
import request from 'supertest';
import { startServer, type TestServer } from '../helpers/server';
import { settle } from '../helpers/wait';

interface ExampleApp {
  url: string;
  close(): Promise<void>;
}
interface ExampleModule {
  start(options: { port?: number; host?: string; upstreamUrl?: string; logStream?: { write(chunk: string): void } }): Promise<ExampleApp>;
}
// A plain JS file (it must run with `node server.js`); its shape is declared just above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const example = require('../../examples/express-bff/server.js') as ExampleModule;

let upstream: TestServer;
let app: ExampleApp;
let logText = '';
const seenIds: Array<string | undefined> = [];

beforeEach(async () => {
  upstream = await startServer((req, res, url) => {
    const id = /^\/items\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (id === undefined) return false;
    req.resume();
    seenIds.push(req.headers['x-request-id'] as string | undefined);
    res.statusCode = id === 'broken' ? 500 : 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(id === 'broken' ? { error: 'upstream bug' } : { id }));
    return true;
  });
  logText = '';
  seenIds.length = 0;
  app = await example.start({ port: 0, upstreamUrl: upstream.url, logStream: { write: (chunk) => { logText += chunk; } } });
});
afterEach(async () => {
  await app.close();
  await upstream.close();
});

function outboundLines(): Array<Record<string, unknown>> {
  return logText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.lib === 'axios-keepalive' && l.evt === 'request');
}

test('consecutive inbound requests: their upstream calls share one pooled connection, and the request id travels', async () => {
  const first = await request(app.url).get('/api/items/1').set('x-request-id', 'req-1').expect(200);
  expect(first.body).toEqual({ item: { id: '1' }, upstreamSocket: { reused: false } });
  expect(first.headers['x-request-id']).toBe('req-1');
  const second = await request(app.url).get('/api/items/2').set('x-request-id', 'req-2').expect(200);
  expect(second.body).toEqual({ item: { id: '2' }, upstreamSocket: { reused: true } });

  expect(upstream.connections()).toBe(1);
  expect(seenIds).toEqual(['req-1', 'req-2']);
  expect(outboundLines().map((l) => [l.reqId, l.reused, l.socketRequests])).toEqual([['req-1', false, 1], ['req-2', true, 2]]);
});

test('two upstream calls at once take two sockets; the next inbound request reuses them', async () => {
  await request(app.url).get('/api/dashboard').expect(200, { items: [{ id: '1' }, { id: '2' }] });
  expect(upstream.connections()).toBe(2);
  await settle(); // the pool takes the sockets back on the next tick
  await request(app.url).get('/api/dashboard').expect(200);
  expect(upstream.connections()).toBe(2);
  expect(outboundLines().filter((l) => l.reused === true)).toHaveLength(2);
});

test('an upstream 500 becomes the BFF\'s 502 at once, its body never passed on; the connection stays pooled', async () => {
  const res = await request(app.url).get('/api/items/broken').expect(502);
  expect(res.body).toEqual({ error: 'upstream failed' });
  await request(app.url).get('/api/items/3').expect(200);
  expect(upstream.connections()).toBe(1);
  expect(outboundLines().map((l) => [l.status, l.level])).toEqual([[500, 40], [200, 30]]);
});
