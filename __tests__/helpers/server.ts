// One loopback test server with routes named after what they do (and misbehaviours, as in
// agentkeepalive's tests). It counts the TCP connections it accepts, and closes itself fully.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { trackedTimers, type TrackedTimers } from './timers';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | boolean;

export interface TestServer {
  url: string;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Requests received so far. */
  requests(): number;
  /** Connections open now. */
  open(): number;
  server: http.Server;
  close(): Promise<void>;
}

function num(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  return v === null ? fallback : Number(v);
}

/** The named routes. Returns false when it does not know the path. */
export function routes(req: http.IncomingMessage, res: http.ServerResponse, url: URL, timers: TrackedTimers): boolean {
  const later = timers.later;
  switch (url.pathname) {
    case '/json': {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true, method: req.method, received: body.length }));
      });
      return true;
    }
    case '/headers':
      // The request's header names and values, as the server received them.
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.headers));
      return true;
    case '/status': {
      const code = num(url, 'code', 500);
      req.resume();
      res.statusCode = code;
      res.setHeader('content-type', 'text/plain');
      res.end(`status ${code}`);
      return true;
    }
    case '/bytes': {
      // A body of n bytes, in one go.
      req.resume();
      const n = num(url, 'n', 1024);
      res.setHeader('content-type', 'application/octet-stream');
      res.statusCode = num(url, 'code', 200);
      res.end(Buffer.alloc(n, 97));
      return true;
    }
    case '/hang':
      // Reads the request, never answers.
      req.resume();
      return true;
    case '/slow-headers':
      req.resume();
      later(num(url, 'ms', 1000), () => res.end('late'));
      return true;
    case '/drip': {
      // Headers (status `code`) at once, then `chunks` chunks `interval` ms apart.
      req.resume();
      const chunks = num(url, 'chunks', 10);
      const interval = num(url, 'interval', 100);
      res.statusCode = num(url, 'code', 200);
      res.setHeader('content-type', 'text/plain');
      res.flushHeaders();
      let sent = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        if (sent === chunks) {
          res.end();
          return;
        }
        sent++;
        res.write('x');
        later(interval, tick);
      };
      later(interval, tick);
      return true;
    }
    case '/close':
      // Answers with Connection: close.
      req.resume();
      res.setHeader('connection', 'close');
      res.end('bye');
      return true;
    default:
      return false;
  }
}

export async function startServer(handler?: Handler, options?: https.ServerOptions): Promise<TestServer> {
  const timers = trackedTimers();
  let connections = 0;
  let requests = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (handler && handler(req, res, url) !== false) return;
    if (!routes(req, res, url, timers)) {
      res.statusCode = 404;
      res.end('no such route');
    }
  };
  const server = options ? https.createServer(options, onRequest) : http.createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on(options ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  if (options) server.on('connection', (socket: Socket) => { sockets.add(socket); socket.once('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    open: () => sockets.size,
    server: server as http.Server,
    close: async () => {
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
