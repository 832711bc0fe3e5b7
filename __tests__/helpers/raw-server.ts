// A raw `net` server speaking just enough HTTP/1.1 to misbehave on purpose around keep-alive:
// it can kill a kept-alive connection exactly when the next request arrives on it (the keep-alive
// race made deterministic), close idle connections without announcing it, or close after N requests.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawServerOptions {
  /** Destroy the connection, without answering, when request number `n` (1-based) arrives on it. */
  killOnRequest?: (n: number, total: number) => boolean;
  /** Close a connection that has been idle this long after a response (FIN, no hint sent). */
  idleCloseMs?: number;
  /** Close the connection after this many responses. */
  maxRequests?: number;
  /** With maxRequests: announce it with Connection: close on the last response. */
  announceClose?: boolean;
  /** Extra response headers, e.g. 'Keep-Alive: timeout=1'. */
  headers?: string[];
}

export interface RawServer {
  url: string;
  connections(): number;
  /** Requests fully received (killed ones included). */
  requests(): number;
  /** Requests answered. */
  answered(): number;
  close(): Promise<void>;
}

export async function startRawServer(options: RawServerOptions = {}): Promise<RawServer> {
  let connections = 0;
  let requests = 0;
  let answered = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let onThis = 0;
    let buffer = Buffer.alloc(0);
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      if (options.idleCloseMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => socket.end(), options.idleCloseMs);
    };
    socket.on('close', () => {
      clearTimeout(idleTimer);
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    // The idle close applies between requests, as a keep-alive server's does (Node's keepAliveTimeout
    // starts after a response; before the first request it waits headersTimeout, 60 s). Armed at
    // connect too, a starved CPU could delay a new socket's first write past it: a "socket hang up"
    // on a new socket that no client could avoid, and not the race under test.
    socket.on('data', (chunk: Buffer) => {
      clearTimeout(idleTimer);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        onThis++;
        requests++;
        if (options.killOnRequest?.(onThis, requests)) {
          socket.destroy();
          return;
        }
        const last = options.maxRequests !== undefined && onThis >= options.maxRequests;
        const body = JSON.stringify({ ok: true, n: onThis });
        const lines = [
          'HTTP/1.1 200 OK',
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          ...(options.headers ?? []),
          ...(last && options.announceClose ? ['Connection: close'] : []),
        ];
        socket.write(lines.join('\r\n') + '\r\n\r\n' + body);
        answered++;
        if (last) {
          socket.end();
          return;
        }
        armIdle();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
