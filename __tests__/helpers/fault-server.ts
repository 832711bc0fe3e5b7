// One loopback server whose routes are named after the way they misbehave. Node's http server
// always speaks valid HTTP, so this one is a raw `net` server (or `tls`, for an https origin) that
// parses request heads and bodies from the bytes and writes responses by hand: it can reset a
// connection at any point, send a status line that is not one, promise more body than it sends, or
// write to a socket the client has pooled. It counts the connections it accepts, tells observers
// what it received and did (per request, correlated by the `x-request-id` header, and per
// connection), and destroys every socket in close().
import { trackedTimers } from './timers';
import net from 'node:net';
import tls from 'node:tls';
import vm from 'node:vm';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';

export const FAULT_ROUTES = [
  '/ok', // 200, keep-alive: the healthy route (?pad=N adds N bytes to its JSON)
  '/status-500', // 500 with a small body, keep-alive: a well-formed error (?size=N&every=ms: N bytes, dripped in 8 chunks)
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
  '/drip', // chunked headers at once, then one byte every 100 ms (at most 600) until the socket closes (?every=ms&n=N&end=1: N bytes, then the last chunk)
  '/stall-mid-body', // headers (Content-Length 1000) and 300 bytes, then nothing
  '/hint', // 200 with `Keep-Alive: timeout=N` (?s=N, default 2), and the connection closed after N s idle, as announced
  '/idle-close', // 200 keep-alive, no hint, and the connection closed (FIN) after ?ms= idle (default 500): the keep-alive race
  '/redirect', // 302 to ?to= (a path of this server)
] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

/** Marks a body no request asked for (the `/unsolicited` route's second response). */
export const UNSOLICITED_BODY = 'unasked';

/** One connection, as the server saw it. */
export interface FaultConnection {
  readonly id: number;
  /** The client's port: the client's socket has it as localPort. */
  readonly remotePort: number;
  /** Requests received on it. */
  served: number;
  /** A request is being answered (received, response not complete). */
  busy: boolean;
  /** The last response announced `Keep-Alive: timeout=N`: N. */
  hint: number | undefined;
  /** A response said `Connection: close`. */
  sentClose: boolean;
  /** Bytes were written on it that no request asked for. */
  sentUnsolicited: boolean;
  /** How the server ended it, if it did (undefined: the client did, or it is open). */
  closedBy: 'reset' | 'fin' | 'destroy' | undefined;
  open: boolean;
}

/** One complete request (head and body), as the server saw it. */
export interface FaultRequest {
  /** The `x-request-id` header. */
  readonly id: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly bodyBytes: number;
  readonly conn: FaultConnection;
  /** Its number on its connection (1 for the first). */
  readonly seq: number;
}

export type FaultEvent =
  | { type: 'request'; req: FaultRequest }
  /** The status line and all headers were written (a body may follow). */
  | { type: 'head-sent'; req: FaultRequest; status: number }
  | { type: 'conn-open'; conn: FaultConnection }
  | { type: 'conn-close'; conn: FaultConnection };

export interface FaultServer {
  /** http://127.0.0.1:port (https:// with the tls option) */
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
  /** Calls `fn` with what the server receives and does; returns the unsubscribe function. */
  observe(fn: (event: FaultEvent) => void): () => void;
  close(): Promise<void>;
}

export interface FaultServerOptions {
  /** Serve https with this certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  info: FaultConnection;
  cancelIdle: (() => void) | undefined;
}

interface Head {
  method: string;
  target: string;
  headers: Record<string, string>;
}

const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');
const BIG = Buffer.alloc(256 * 1024, 98);
const BOMB = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 });

function parseHead(buf: Buffer, end: number): Head {
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method = '', target = '/'] = lines[0].split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, target, headers };
}

/** The length of a chunked body starting at `from` and the offset after it, or undefined (need more bytes). */
function chunkedBody(buf: Buffer, from: number): { length: number; end: number } | undefined {
  let at = from;
  let length = 0;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol === -1) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) {
      // No trailers: the body ends with an empty line.
      if (buf.length < eol + 4) return undefined;
      return { length, end: eol + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    length += size;
    at = eol + 2 + size + 2;
  }
}

/** Takes one complete request off the front of the buffer, or returns undefined (need more bytes). */
function takeRequest(conn: Conn): { head: Head; bodyBytes: number } | undefined {
  const end = conn.buf.indexOf(CRLF2);
  if (end === -1) return undefined;
  const head = parseHead(conn.buf, end);
  let bodyBytes: number;
  let total: number;
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
    // A stream request body without a known length: Node sends it chunked.
    const body = chunkedBody(conn.buf, end + 4);
    if (body === undefined) return undefined;
    bodyBytes = body.length;
    total = body.end;
  } else {
    bodyBytes = Number(head.headers['content-length'] ?? 0);
    total = end + 4 + bodyBytes;
    if (conn.buf.length < total) return undefined;
  }
  conn.buf = conn.buf.subarray(total);
  return { head, bodyBytes };
}

function head(status: string, headers: Record<string, string | number>): string {
  let out = `HTTP/1.1 ${status}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

function num(query: URLSearchParams, name: string, fallback: number): number {
  const v = query.get(name);
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  const timers = trackedTimers();
  const later = timers.later;
  const hits = new Map<string, number>();
  const observers: Array<(event: FaultEvent) => void> = [];
  let connections = 0;
  let requests = 0;
  let peak = 0;
  let nextConnId = 1;

  const emit = (event: FaultEvent): void => {
    for (const fn of observers) fn(event);
  };

  // --- ways to end a connection, recorded so a client's close reason can be checked against them ---
  const reset = (conn: Conn): void => {
    conn.info.closedBy ??= 'reset';
    // A TLS socket cannot be reset itself (ERR_INVALID_HANDLE_TYPE): its TCP socket can.
    const s = conn.socket as net.Socket & { _parent?: net.Socket | null };
    (s._parent ?? s).resetAndDestroy();
  };
  const fin = (conn: Conn): void => {
    conn.info.closedBy ??= 'fin';
    conn.socket.end();
  };
  const destroy = (conn: Conn): void => {
    conn.info.closedBy ??= 'destroy';
    conn.socket.destroy();
  };

  /** The response is complete: the connection is idle until the next request. */
  const done = (conn: Conn): void => {
    conn.info.busy = false;
  };

  /** Writes a whole response in one write (head and body in separate small segments would meet Nagle and delayed ACK: 40 ms). */
  const respond = (conn: Conn, req: FaultRequest, status: string, body: Buffer | string, extra: Record<string, string | number> = {}): void => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    const h = head(status, { 'Content-Type': 'text/plain', 'Content-Length': b.length, Connection: 'keep-alive', ...extra });
    conn.socket.write(Buffer.concat([Buffer.from(h, 'latin1'), b]));
    emit({ type: 'head-sent', req, status: Number(status.slice(0, 3)) });
    done(conn);
  };
  const writeHead = (conn: Conn, req: FaultRequest, status: string, headers: Record<string, string | number>): void => {
    conn.socket.write(head(status, headers));
    emit({ type: 'head-sent', req, status: Number(status.slice(0, 3)) });
  };

  /** Closes the connection after `ms` with no request on it (FIN, as an idle keep-alive server does). */
  const closeWhenIdle = (conn: Conn, ms: number): void => {
    conn.cancelIdle?.();
    conn.cancelIdle = later(ms, () => {
      conn.cancelIdle = undefined;
      if (!conn.info.busy && conn.buf.length === 0 && !conn.socket.destroyed) fin(conn);
    });
  };

  function route(conn: Conn, req: FaultRequest): void {
    const s = conn.socket;
    const q = req.query;
    switch (req.path as FaultRoute) {
      case '/ok': {
        const pad = num(q, 'pad', 0);
        const json = JSON.stringify({
          ok: true, id: req.id, method: req.method, received: req.bodyBytes, onConnection: conn.info.served,
          ...(pad > 0 ? { pad: 'p'.repeat(pad) } : {}),
        });
        respond(conn, req, '200 OK', json, { 'Content-Type': 'application/json' });
        return;
      }
      case '/status-500': {
        const size = num(q, 'size', -1);
        if (size < 0) {
          respond(conn, req, '500 Internal Server Error', 'it broke');
          return;
        }
        const every = num(q, 'every', 0);
        const body = Buffer.alloc(size, 101);
        if (every <= 0) {
          respond(conn, req, '500 Internal Server Error', body);
          return;
        }
        // Eight pieces, `every` ms apart: a slow error body (the drain's deadline).
        writeHead(conn, req, '500 Internal Server Error', { 'Content-Type': 'text/plain', 'Content-Length': size, Connection: 'keep-alive' });
        const piece = Math.ceil(size / 8);
        let at = 0;
        const tick = (): void => {
          if (s.destroyed) return;
          s.write(body.subarray(at, at + piece));
          at += piece;
          if (at >= size) done(conn);
          else later(every, tick);
        };
        later(every, tick);
        return;
      }
      case '/reset-before-status':
        reset(conn);
        return;
      case '/reset-after-headers':
        writeHead(conn, req, '200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' });
        // Let the head arrive on its own first: a RST right behind it can discard it unread.
        later(50, () => reset(conn));
        return;
      case '/reset-mid-body':
        writeHead(conn, req, '200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' });
        s.write(Buffer.alloc(300, 99));
        later(50, () => reset(conn));
        return;
      case '/malformed-status':
        s.write('HTTP/1.1 2x0 NOT A STATUS\r\nContent-Length: 2\r\n\r\nok');
        return;
      case '/malformed-headers':
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n\r\nok');
        return;
      case '/short-body':
        writeHead(conn, req, '200 OK', { 'Content-Length': 1000, Connection: 'keep-alive' });
        conn.info.closedBy ??= 'fin';
        s.end(Buffer.alloc(100, 100));
        return;
      case '/chunked-cut':
        writeHead(conn, req, '200 OK', { 'Transfer-Encoding': 'chunked', Connection: 'keep-alive' });
        conn.info.closedBy ??= 'fin';
        s.end('a\r\n0123456789\r\n');
        return;
      case '/slow-headers':
        s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n');
        return;
      case '/big':
        respond(conn, req, '200 OK', BIG, { 'Content-Type': 'application/octet-stream' });
        return;
      case '/gzip-bomb':
        respond(conn, req, '200 OK', BOMB, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' });
        return;
      case '/early-close':
        conn.info.sentClose = true;
        respond(conn, req, '200 OK', 'bye', { Connection: 'close' });
        fin(conn);
        return;
      case '/unsolicited':
        respond(conn, req, '200 OK', 'first');
        later(50, () => {
          // Only while no request is on the connection as far as the server knows; one may still be
          // on its way (written by the client, not yet read here): then the client reads this as
          // that request's response, as it would from any server that does this.
          if (s.destroyed || conn.info.busy || conn.buf.length > 0) return;
          conn.info.sentUnsolicited = true;
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${UNSOLICITED_BODY.length}\r\nConnection: keep-alive\r\n\r\n${UNSOLICITED_BODY}`);
        });
        return;
      case '/stale':
        // The keep-alive race made deterministic: a reused connection dies when the request arrives.
        if (conn.info.served > 1) destroy(conn);
        else respond(conn, req, '200 OK', 'fresh');
        return;
      case '/hang':
        return;
      case '/drip': {
        const every = num(q, 'every', 100);
        const n = num(q, 'n', 600);
        const end = q.get('end') === '1';
        writeHead(conn, req, '200 OK', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', Connection: 'keep-alive' });
        let sent = 0;
        const tick = (): void => {
          if (s.destroyed) return;
          if (sent++ >= n) {
            if (end) {
              s.write('0\r\n\r\n');
              done(conn);
            }
            return;
          }
          s.write('1\r\nx\r\n');
          later(every, tick);
        };
        later(every, tick);
        return;
      }
      case '/stall-mid-body':
        writeHead(conn, req, '200 OK', { 'Content-Type': 'text/plain', 'Content-Length': 1000, Connection: 'keep-alive' });
        s.write(Buffer.alloc(300, 115));
        return;
      case '/hint': {
        const seconds = num(q, 's', 2);
        conn.info.hint = seconds;
        respond(conn, req, '200 OK', 'hinted', { 'Keep-Alive': `timeout=${seconds}` });
        // As announced: the server closes the connection after that long idle.
        closeWhenIdle(conn, seconds * 1000);
        return;
      }
      case '/idle-close':
        respond(conn, req, '200 OK', 'soon closed');
        closeWhenIdle(conn, num(q, 'ms', 500));
        return;
      case '/redirect':
        respond(conn, req, '302 Found', '', { Location: q.get('to') ?? '/ok' });
        return;
      default:
        respond(conn, req, '404 Not Found', 'no such route');
    }
  }

  const onConnection = (socket: net.Socket): void => {
    connections++;
    sockets.add(socket);
    peak = Math.max(peak, sockets.size);
    socket.setNoDelay(true);
    const info: FaultConnection = {
      id: nextConnId++, remotePort: socket.remotePort ?? 0, served: 0, busy: false,
      hint: undefined, sentClose: false, sentUnsolicited: false, closedBy: undefined, open: true,
    };
    const conn: Conn = { socket, buf: Buffer.alloc(0), info, cancelIdle: undefined };
    socket.on('error', () => {}); // the client resets connections too; that is not a test failure
    socket.once('close', () => {
      sockets.delete(socket);
      conn.cancelIdle?.();
      info.open = false;
      emit({ type: 'conn-close', conn: info });
    });
    emit({ type: 'conn-open', conn: info });
    socket.on('data', (chunk: Buffer) => {
      conn.cancelIdle?.();
      conn.cancelIdle = undefined;
      conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk]);
      for (;;) {
        if (socket.destroyed) return;
        let taken: ReturnType<typeof takeRequest>;
        try {
          taken = takeRequest(conn);
        } catch {
          destroy(conn); // not HTTP: nothing to answer
          return;
        }
        if (taken === undefined) return;
        requests++;
        info.served++;
        info.busy = true;
        info.hint = undefined;
        const { head: h, bodyBytes } = taken;
        const qi = h.target.indexOf('?');
        const path = qi === -1 ? h.target : h.target.slice(0, qi);
        const req: FaultRequest = {
          id: h.headers['x-request-id'], method: h.method, path, query: new URLSearchParams(qi === -1 ? '' : h.target.slice(qi + 1)),
          headers: h.headers, bodyBytes, conn: info, seq: info.served,
        };
        hits.set(path, (hits.get(path) ?? 0) + 1);
        emit({ type: 'request', req });
        route(conn, req);
      }
    });
  };

  const server = options.tls === undefined ? net.createServer(onConnection) : tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onConnection);
  // A TLS handshake that fails never becomes a connection here; its raw socket is closed below anyway.
  const raw = new Set<net.Socket>();
  if (options.tls !== undefined) {
    server.on('connection', (socket: net.Socket) => {
      raw.add(socket);
      socket.once('close', () => raw.delete(socket));
    });
    server.on('tlsClientError', () => {});
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // Connection refused: a port that was just ours and is closed now.
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const scheme = options.tls === undefined ? 'http' : 'https';

  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    refusedUrl: `${scheme}://127.0.0.1:${refusedPort}`,
    connections: () => connections,
    requests: (path?: string) => (path === undefined ? requests : hits.get(path) ?? 0),
    open: () => sockets.size,
    peakOpen: () => peak,
    observe(fn) {
      observers.push(fn);
      return () => {
        const i = observers.indexOf(fn);
        if (i !== -1) observers.splice(i, 1);
      };
    },
    close: async () => {
      timers.clear();
      for (const s of sockets) s.destroy();
      for (const s of raw) s.destroy();
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
