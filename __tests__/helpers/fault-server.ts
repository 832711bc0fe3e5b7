// One loopback server whose routes are named after the way they misbehave. Node's http server
// always speaks valid HTTP, so this one is a raw `net` server that parses request heads from the
// bytes and writes responses by hand: it can reset a connection at any point, send a status line
// that is not one, promise more body than it sends, or write to a socket the client has pooled.
// It counts the connections it accepts and destroys every socket in close().
import { trackedTimers } from './timers';
import net from 'node:net';
import vm from 'node:vm';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';

export const FAULT_ROUTES = [
  '/ok', // 200, keep-alive: the healthy route
  '/status-500', // 500 with a small body, keep-alive: a well-formed error
  '/reset-before-status', // TCP RST as soon as the request head arrived
  '/reset-after-headers', // status line and headers (Content-Length 1000), then RST
  '/reset-mid-body', // headers and 300 of 1000 body bytes, then RST
  '/malformed-status', // a status line that is not one
  '/malformed-headers', // a header line without a colon
  '/short-body', // Content-Length 1000, 100 bytes, then FIN
  '/chunked-cut', // Transfer-Encoding: chunked, one chunk, then FIN without the last chunk
  '/slow-headers', // a status line and one header, then nothing (headers that never end)
  '/big', // a 256 KiB body (above the tests' maxContentLength of 64 KiB)
  '/gzip-bomb', // ~8 KiB of gzip that inflates to 8 MiB
  '/early-close', // a complete 200 with `Connection: close`, then FIN
  '/unsolicited', // a normal keep-alive 200, then 50 ms later a second response nobody asked for
  '/stale', // 200 on a connection's first request; on a later one, closed without an answer
  '/hang', // reads the request, never answers
  '/drip', // chunked headers at once, then one byte every 100 ms (at most 600) until the socket closes
] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export interface FaultServer {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  /** A URL on a port nothing listens on (listened on, then closed): connection refused. */
  refusedUrl: string;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Request heads parsed so far, in all or for one path. */
  requests(path?: string): number;
  /** Connections open now, and the most that were open at the same time. */
  open(): number;
  peakOpen(): number;
  close(): Promise<void>;
}

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  /** Requests received on this connection, the current one included. */
  served: number;
}

interface ParsedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const BIG = Buffer.alloc(256 * 1024, 98);
const BOMB = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 });

/** Takes one complete request off the front of the buffer, or returns undefined (need more bytes). */
function takeRequest(conn: Conn): ParsedRequest | undefined {
  const end = conn.buf.indexOf(CRLF2);
  if (end === -1) return undefined;
  const lines = conn.buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', target = '/'] = lines[0].split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  // axios sends string/JSON bodies with Content-Length; chunked request bodies are not needed here.
  const length = Number(headers['content-length'] ?? 0);
  const total = end + 4 + length;
  if (conn.buf.length < total) return undefined;
  const body = conn.buf.subarray(end + 4, total);
  conn.buf = conn.buf.subarray(total);
  const q = target.indexOf('?');
  return { method, path: q === -1 ? target : target.slice(0, q), headers, body };
}

function head(status: string, headers: Record<string, string | number>): string {
  let out = `HTTP/1.1 ${status}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

function respond(socket: net.Socket, status: string, body: Buffer | string, extra: Record<string, string | number> = {}): void {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const h = head(status, { 'Content-Type': 'text/plain', 'Content-Length': b.length, Connection: 'keep-alive', ...extra });
  // One write: head and body in separate small segments would meet Nagle and delayed ACK (40 ms).
  socket.write(Buffer.concat([Buffer.from(h, 'latin1'), b]));
}

export async function startFaultServer(): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  const timers = trackedTimers();
  const later = timers.later;
  const hits = new Map<string, number>();
  let connections = 0;
  let requests = 0;
  let peak = 0;

  function route(conn: Conn, req: ParsedRequest): void {
    const s = conn.socket;
    switch (req.path as FaultRoute) {
      case '/ok':
        respond(s, '200 OK', JSON.stringify({ ok: true, method: req.method, received: req.body.length, onConnection: conn.served }), {
          'Content-Type': 'application/json',
        });
        return;
      case '/status-500':
        respond(s, '500 Internal Server Error', 'it broke');
        return;
      case '/reset-before-status':
        s.resetAndDestroy();
        return;
      case '/reset-after-headers':
        s.write(head('200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' }));
        // Let the head arrive on its own first: a RST right behind it can discard it unread.
        later(50, () => s.resetAndDestroy());
        return;
      case '/reset-mid-body':
        s.write(head('200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' }));
        s.write(Buffer.alloc(300, 99));
        later(50, () => s.resetAndDestroy());
        return;
      case '/malformed-status':
        s.write('HTTP/1.1 2x0 NOT A STATUS\r\nContent-Length: 2\r\n\r\nok');
        return;
      case '/malformed-headers':
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n\r\nok');
        return;
      case '/short-body':
        s.write(head('200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' }));
        s.end(Buffer.alloc(100, 100));
        return;
      case '/chunked-cut':
        s.write(head('200 OK', { 'Transfer-Encoding': 'chunked', Connection: 'keep-alive' }));
        s.end('a\r\n0123456789\r\n');
        return;
      case '/slow-headers':
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n');
        return;
      case '/big':
        respond(s, '200 OK', BIG, { 'Content-Type': 'application/octet-stream' });
        return;
      case '/gzip-bomb':
        respond(s, '200 OK', BOMB, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' });
        return;
      case '/early-close':
        respond(s, '200 OK', 'bye', { Connection: 'close' });
        s.end();
        return;
      case '/unsolicited':
        respond(s, '200 OK', 'first');
        later(50, () => {
          if (!s.destroyed) s.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\nunasked');
        });
        return;
      case '/stale':
        // The keep-alive race made deterministic: a reused connection dies when the request arrives.
        if (conn.served > 1) s.destroy();
        else respond(s, '200 OK', 'fresh');
        return;
      case '/hang':
        return;
      case '/drip': {
        s.write(head('200 OK', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', Connection: 'keep-alive' }));
        let sent = 0;
        const tick = (): void => {
          if (s.destroyed || sent++ >= 600) return;
          s.write('1\r\nx\r\n');
          later(100, tick);
        };
        later(100, tick);
        return;
      }
      default:
        respond(s, '404 Not Found', 'no such route');
    }
  }

  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.setNoDelay(true);
    const conn: Conn = { socket, buf: Buffer.alloc(0), served: 0 };
    socket.on('error', () => {}); // the client resets connections too; that is not a test failure
    socket.once('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk]);
      for (let req = takeRequest(conn); req !== undefined && !socket.destroyed; req = takeRequest(conn)) {
        requests++;
        conn.served++;
        hits.set(req.path, (hits.get(req.path) ?? 0) + 1);
        route(conn, req);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // Connection refused: a port that was just ours and is closed now.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    refusedUrl: `http://127.0.0.1:${refusedPort}`,
    connections: () => connections,
    requests: (path?: string) => (path === undefined ? requests : hits.get(path) ?? 0),
    open: () => sockets.size,
    peakOpen: () => peak,
    close: async () => {
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- What no fault may cause, whatever the server does ---
// Unhandled rejections, uncaught exceptions and process warnings (MaxListenersExceededWarning among
// them: Node emits it through process.emitWarning, lib/events.js _addListener).
// jest gives each test file a copy of `process` whose `on()` does not hear the real process's
// events (jest-util createProcessObject copies it, `_events` included), so listen on the real one:
// vm.runInThisContext evaluates in Node's main context, outside jest's sandbox.
export interface ProcessWatch {
  unhandled: unknown[];
  uncaught: unknown[];
  warnings: Error[];
  stop(): void;
}

const realProcess = vm.runInThisContext('process') as NodeJS.Process;

export function watchProcess(): ProcessWatch {
  const watch: ProcessWatch = { unhandled: [], uncaught: [], warnings: [], stop };
  const onUnhandled = (reason: unknown): void => {
    watch.unhandled.push(reason);
  };
  const onUncaught = (error: unknown): void => {
    watch.uncaught.push(error);
  };
  const onWarning = (warning: Error): void => {
    watch.warnings.push(warning);
  };
  realProcess.on('unhandledRejection', onUnhandled);
  realProcess.on('uncaughtException', onUncaught);
  realProcess.on('warning', onWarning);
  function stop(): void {
    realProcess.off('unhandledRejection', onUnhandled);
    realProcess.off('uncaughtException', onUncaught);
    realProcess.off('warning', onWarning);
  }
  return watch;
}

/** A readable list for assertions: `expect(problems(watch)).toEqual([])`. */
export function problems(watch: ProcessWatch): string[] {
  const show = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  return [
    ...watch.unhandled.map((e) => `unhandledRejection ${show(e)}`),
    ...watch.uncaught.map((e) => `uncaughtException ${show(e)}`),
    ...watch.warnings.map((w) => `warning ${show(w)}`),
  ];
}
