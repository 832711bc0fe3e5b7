// examples/nestjs-bff, run as a test: @nestjs/axios's HttpService with the preset applied to its
// axiosRef (KeepAliveHttpModule). Calls through HttpService reuse one connection and carry the
// facts; x-request-id is propagated; app.close() lets a request in flight finish, then closes the
// pool (its socket ends at the upstream) and ejects the preset. NestJS 11 (CommonJS; 12 is
// ESM-only, which jest's CommonJS runtime cannot load), @nestjs/axios 4.
import 'reflect-metadata';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
// The example imports 'axios-keepalive' (the build, through the package's self-reference): the
// middleware must come from the same copy, whose AsyncLocalStorage the client reads.
import { inboundMiddleware } from 'axios-keepalive';
import { AppModule } from '../../examples/nestjs-bff/src/app.module';
import { KeepAlivePool } from '../../examples/nestjs-bff/src/keep-alive-http.module';
import { startServer, type TestServer } from '../helpers/server';
import { httpGet } from '../helpers/http-get';
import { memoryLogger } from '../helpers/logs';
import { settle, until } from '../helpers/wait';

let upstream: TestServer;
const seen: http.IncomingHttpHeaders[] = [];
const open = new Set<Socket>();

beforeAll(async () => {
  upstream = await startServer((req, res, url) => {
    if (!url.pathname.startsWith('/items/')) return false;
    seen.push(req.headers);
    req.resume();
    const answer = (): void => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: url.pathname.split('/').pop() }));
    };
    if (url.pathname === '/items/slow') setTimeout(answer, 300);
    else answer();
    return true;
  });
  upstream.server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
});

afterAll(async () => {
  await upstream.close();
});

async function startApp(log: ReturnType<typeof memoryLogger>): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(AppModule.forUpstream(upstream.url, {
    logger: log.logger, propagateHeaders: ['x-request-id'], timeouts: { total: 5000 },
  }), { logger: false });
  app.use(inboundMiddleware());
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

test('calls through HttpService share one connection, carry the facts and the inbound x-request-id', async () => {
  const log = memoryLogger('info');
  const { app, url } = await startApp(log);
  try {
    const before = upstream.connections();
    const replies = [];
    for (let i = 0; i < 10; i++) replies.push(await httpGet(`${url}/api/items/${i}`, { 'x-request-id': `nest-${i}` }));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(replies.map((r) => JSON.parse(r.body).upstreamSocket.reused)).toEqual([false, ...Array(9).fill(true)]);
    expect(upstream.connections() - before).toBe(1);
    expect(seen.slice(-10).map((h) => h['x-request-id'])).toEqual(Array.from({ length: 10 }, (_, i) => `nest-${i}`));
    const lines = log.lines().filter((l) => l.evt === 'request');
    expect(lines).toHaveLength(10);
    expect(lines[9]).toMatchObject({ lib: 'axios-keepalive', method: 'GET', status: 200, reused: true, socketRequests: 10 });

    const http = app.get(HttpService);
    const pool = app.get(KeepAlivePool);
    expect(http.axiosRef.defaults.httpAgent).toBe(pool.handle.httpAgent);
    expect(http.axiosRef.defaults.maxRedirects).toBe(0);
    expect(pool.handle.stats().total).toMatchObject({ requests: 10, reused: 9, created: 1 });
  } finally {
    await app.close();
  }
});

test('app.close() lets the request in flight finish, then closes the pool and ejects the preset', async () => {
  const log = memoryLogger('info');
  const { app, url } = await startApp(log);
  const http = app.get(HttpService);
  const pool = app.get(KeepAlivePool);
  expect((await httpGet(`${url}/api/items/1`)).status).toBe(200);
  await settle();
  expect(open.size).toBe(1); // the pooled connection, idle

  const inFlight = httpGet(`${url}/api/items/slow`);
  await until(() => pool.handle.stats().total.active === 1);
  const closing = app.close();
  const reply = await inFlight;
  await closing;
  // The request in flight was answered: the pool closed after the HTTP server had finished it.
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body).item).toEqual({ id: 'slow' });

  await until(() => open.size === 0);
  expect(pool.handle.stats().total).toMatchObject({ active: 0, idle: 0 });
  expect(log.lines().filter((l) => l.evt === 'socket-close').map((l) => l.reason)).toEqual(['client-closed']);
  // Ejected: HttpService's instance has its own settings back, and works without the pool.
  expect(http.axiosRef.defaults.httpAgent).toBeUndefined();
  expect(typeof http.axiosRef.defaults.adapter).not.toBe('function');
  const after = await http.axiosRef.get(`${upstream.url}/items/2`);
  expect(after.status).toBe(200);
  expect(after.keepAlive).toBeUndefined();
});
