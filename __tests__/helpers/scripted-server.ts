// A raw `net` server that answers each request with a response the test scripted beforehand: the
// exact status line, header names and order, body bytes (encoded by the test), framing, and a fault
// (a reset, a cut, a malformed line, silence). The differential test sends the same case through
// two adapters and compares what each client saw; the server also records what each request looked
// like on the wire. Listens on 127.0.0.1:0 and, when asked, on a unix socket too; close() destroys
// every connection it holds.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { trackedTimers } from './timers';

export type Framing = 'length' | 'chunked' | 'close';

export type Fault =
  | 'none'
  | 'reset-before-status' // RST as soon as the request head arrived
  | 'reset-after-head' // the head, then RST
  | 'reset-mid-body' // the head and part of the body, then RST
  | 'short-body' // Content-Length says more than is sent, then FIN
  | 'chunked-cut' // one chunk, then FIN without the last chunk
  | 'bad-status' // a status line that is not one
  | 'bad-header' // a header line without a colon
  | 'ctl-header' // a header value with a control byte: only the lenient parser takes it
  | 'hang' // never answers
  | 'hang-after-head'; // the head and part of the body, then silence

export interface ResponseScript {
  status: number;
  reason: string;
  /** In order, names spelled as given; duplicates allowed. */
  headers: Array<[string, string]>;
  /** The body as sent (already encoded). */
  body: Buffer;
  framing: Framing;
  fault: Fault;
}

export interface SeenRequest {
  /** The request line and headers, as received. */
  head: string;
  body: Buffer;
}

export interface ScriptedServer {
  url: string;
  port: number;
  socketPath: string;
  /** Sets the script for requests whose path starts with `/c/<id>/` (or is `/c/<id>`). */
  script(id: string, script: ResponseScript): void;
  /** Called when a request for `id` has arrived whole (head and body). */
  onRequest(id: string, fn: () => void): void;
  /** What arrived for `id`, in order. */
  seen(id: string): SeenRequest[];
  forget(id: string): void;
  connections(): number;
  close(): Promise<void>;
}

const CRLF = '\r\n';
const HEAD_END = Buffer.from('\r\n\r\n');

interface Parsed {
  head: string;
  target: string;
  body: Buffer;
}

/** One whole request off the front of `buf` (Content-Length or chunked body), or undefined. */
function take(buf: Buffer): { req: Parsed; rest: Buffer } | undefined {
  const end = buf.indexOf(HEAD_END);
  if (end === -1) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split(CRLF);
  const target = lines[0].split(' ')[1] ?? '/';
  let length = 0;
  let chunked = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') length = Number(value);
    if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) chunked = true;
  }
  let at = end + 4;
  if (!chunked) {
    if (buf.length < at + length) return undefined;
    return { req: { head, target, body: buf.subarray(at, at + length) }, rest: buf.subarray(at + length) };
  }
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return { req: { head, target, body: Buffer.concat(parts) }, rest: buf.subarray(lineEnd + 4) };
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function caseId(target: string): string {
  const m = /^\/c\/([^/?#]+)/.exec(target);
  return m === null ? '' : m[1];
}

function headBytes(script: ResponseScript, extra: Array<[string, string]>): Buffer {
  let out = `HTTP/1.1 ${script.status} ${script.reason}${CRLF}`;
  for (const [k, v] of [...script.headers, ...extra]) out += `${k}: ${v}${CRLF}`;
  return Buffer.from(out + CRLF, 'latin1');
}

/** RST on TCP; a unix socket has no reset, so it is closed instead. */
function reset(socket: net.Socket): void {
  if (socket.remoteAddress === undefined) socket.destroy();
  else socket.resetAndDestroy();
}

function respond(socket: net.Socket, script: ResponseScript, bodyless: boolean, later: (ms: number, fn: () => void) => void): void {
  const body = bodyless ? Buffer.alloc(0) : script.body;
  const half = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  switch (script.fault) {
    case 'reset-before-status':
      reset(socket);
      return;
    case 'hang':
      return;
    case 'bad-status':
      socket.write(`HTTP/1.1 2x0 NOT A STATUS${CRLF}Content-Length: 2${CRLF}${CRLF}ok`);
      return;
    case 'bad-header':
      socket.write(`HTTP/1.1 200 OK${CRLF}Content-Length: 2${CRLF}this line has no colon${CRLF}${CRLF}ok`);
      return;
    case 'ctl-header':
      socket.write(Buffer.concat([headBytes(script, [['X-Ctl', 'a\x01b'], ['Content-Length', String(body.length)]]), body]));
      return;
    case 'reset-after-head':
      socket.write(headBytes(script, [['Content-Length', String(body.length + 100)]]));
      // Let the head arrive on its own: a RST right behind it can discard it unread.
      later(30, () => reset(socket));
      return;
    case 'reset-mid-body':
      socket.write(Buffer.concat([headBytes(script, [['Content-Length', String(body.length + 100)]]), half]));
      later(30, () => reset(socket));
      return;
    // The FIN comes a moment after the bytes: a client decoding the body (zlib works off the main
    // thread) then meets the cut after it has seen what the bytes decode to, on every run alike.
    case 'short-body':
      socket.write(Buffer.concat([headBytes(script, [['Content-Length', String(body.length + 100)]]), body]));
      later(30, () => socket.end());
      return;
    case 'chunked-cut':
      socket.write(Buffer.concat([headBytes(script, [['Transfer-Encoding', 'chunked']]), Buffer.from(`${half.length.toString(16)}${CRLF}`), half, Buffer.from(CRLF)]));
      later(30, () => socket.end());
      return;
    case 'hang-after-head':
      socket.write(Buffer.concat([headBytes(script, [['Content-Length', String(body.length + 100)]]), half]));
      return;
    case 'none':
      break;
  }
  if (script.framing === 'length' || bodyless) {
    socket.write(Buffer.concat([headBytes(script, [['Content-Length', String(body.length)]]), body]));
  } else if (script.framing === 'chunked') {
    const parts: Buffer[] = [headBytes(script, [['Transfer-Encoding', 'chunked']])];
    // Two chunks when there is enough body, so decoders see a body in pieces.
    const cut = Math.floor(body.length / 2);
    for (const piece of cut > 0 ? [body.subarray(0, cut), body.subarray(cut)] : body.length > 0 ? [body] : []) {
      parts.push(Buffer.from(`${piece.length.toString(16)}${CRLF}`), piece, Buffer.from(CRLF));
    }
    parts.push(Buffer.from(`0${CRLF}${CRLF}`));
    socket.write(Buffer.concat(parts));
  } else {
    // Close-delimited: no length, the end of the body is the end of the connection.
    socket.end(Buffer.concat([headBytes(script, [['Connection', 'close']]), body]));
  }
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const scripts = new Map<string, ResponseScript>();
  const hooks = new Map<string, () => void>();
  const seen = new Map<string, SeenRequest[]>();
  const sockets = new Set<net.Socket>();
  const timers = trackedTimers();
  let connections = 0;

  const onConnection = (socket: net.Socket): void => {
    connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {}); // clients reset connections too; that is not a test failure
    socket.once('close', () => sockets.delete(socket));
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (let next = take(buf); next !== undefined && !socket.destroyed; next = take(buf)) {
        buf = next.rest;
        const { req } = next;
        const id = caseId(req.target);
        const list = seen.get(id) ?? [];
        list.push({ head: req.head, body: req.body });
        seen.set(id, list);
        const script = scripts.get(id);
        if (script === undefined) {
          socket.write(`HTTP/1.1 404 Not Found${CRLF}Content-Length: 0${CRLF}${CRLF}`);
          continue;
        }
        const method = req.head.slice(0, req.head.indexOf(' '));
        const bodyless = method === 'HEAD' || script.status === 204 || script.status === 304;
        respond(socket, script, bodyless, timers.later);
        hooks.get(id)?.();
      }
    });
  };

  const server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const socketPath = path.join(os.tmpdir(), `axios-keepalive-scripted-${process.pid}-${port}.sock`);
  rmSync(socketPath, { force: true });
  const unix = net.createServer(onConnection);
  await new Promise<void>((resolve) => unix.listen(socketPath, resolve));

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    socketPath,
    script: (id, script) => void scripts.set(id, script),
    onRequest: (id, fn) => void hooks.set(id, fn),
    seen: (id) => seen.get(id) ?? [],
    forget: (id) => {
      scripts.delete(id);
      hooks.delete(id);
      seen.delete(id);
    },
    connections: () => connections,
    close: async () => {
      timers.clear();
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => unix.close(() => resolve())),
      ]);
      rmSync(socketPath, { force: true });
    },
  };
}
