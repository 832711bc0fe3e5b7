// A small forward proxy on 127.0.0.1 for the tests, built on Node's http server: absolute-form
// requests (`GET http://upstream/path`) are forwarded, CONNECT opens a TCP tunnel. It only ever
// connects to loopback targets. It counts the TCP connections it accepts, the tunnels it opens and
// the request heads it received (with their headers, so a test can check that Proxy-Authorization
// arrived and went no further), and misbehaves on demand, by name. close() destroys every socket.
// With `tls` it is an https:// proxy (TLS between the client and the proxy, Node's https server on
// the same handlers) and also counts the TLS handshakes clients completed with it.
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export type ProxyBehaviour =
  | 'ok'
  | 'auth-required' // 407 to every CONNECT and request (whatever the credentials)
  | 'refuse' // 403 to CONNECT
  | 'bad-gateway' // 502 to CONNECT
  | 'stall' // reads CONNECT, never answers
  | 'slow-connect' // opens the tunnel and answers CONNECT 300 ms late
  | 'close-on-connect' // closes the connection when CONNECT arrives, without an answer
  | 'not-http' // answers CONNECT with bytes that are not HTTP
  | 'close-reused-tunnel' // the first tunnel, 200 ms old and idle for 50 ms, is closed when the client sends again
  | 'drop-reused'; // absolute form: a kept-alive client connection is destroyed when its next request arrives

export interface Received {
  kind: 'connect' | 'forward';
  /** CONNECT's `host:port`, or the absolute URL of a forwarded request. */
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface ForwardProxy {
  /** http://127.0.0.1:port, or https://127.0.0.1:port with `tls`. */
  url: string;
  port: number;
  /** The URL with `user:password@` when the proxy requires credentials. */
  urlWithCredentials: string;
  /** TCP connections accepted from clients. */
  connections(): number;
  /** TLS handshakes completed with clients (`tls` only), and how many of them resumed a session. */
  handshakes(): { full: number; resumed: number };
  /** The SNI name of each completed TLS handshake (`false`: none was sent), in order. */
  servernames: Array<string | false>;
  /** Client connections open now. */
  open(): number;
  /** CONNECT tunnels opened (answered 200). */
  tunnels(): number;
  /** Absolute-form requests forwarded. */
  forwarded(): number;
  /** Forwarded requests whose upstream request has not closed yet. */
  pending(): number;
  /** Every CONNECT and request head received, in order. */
  received: Received[];
  behave(behaviour: ProxyBehaviour): void;
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Require these credentials (Basic) on CONNECT and on forwarded requests: 407 otherwise. */
  credentials?: { user: string; password: string };
  /** Listen with TLS (an https:// proxy), with this certificate. */
  tls?: { key: string; cert: string };
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const sockets = new Set<Socket>();
  const received: Received[] = [];
  let behaviour: ProxyBehaviour = 'ok';
  let connections = 0;
  let tunnels = 0;
  let forwarded = 0;
  let pending = 0;
  const handshakes = { full: 0, resumed: 0 };
  // The proxy's own pool to the upstreams: one connection per upstream at a time is enough here.
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const expected = options.credentials === undefined
    ? undefined
    : `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`;

  const authorized = (headers: http.IncomingHttpHeaders): boolean =>
    behaviour !== 'auth-required' && (expected === undefined || headers['proxy-authorization'] === expected);

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {}); // clients reset connections too; that is not a test failure
    socket.once('close', () => sockets.delete(socket));
  };

  const handler: http.RequestListener = (req, res) => {
    received.push({ kind: 'forward', target: req.url ?? '', headers: req.headers });
    const served = ((req.socket as Socket & { served?: number }).served = ((req.socket as Socket & { served?: number }).served ?? 0) + 1);
    if (behaviour === 'drop-reused' && served > 1) {
      req.socket.destroy();
      return;
    }
    if (!authorized(req.headers)) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Length': '0' });
      res.end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form request expected');
      return;
    }
    if (target.protocol !== 'http:' || !isLoopback(target.hostname.replace(/^\[|\]$/g, ''))) {
      res.writeHead(403).end('loopback http targets only');
      return;
    }
    forwarded++;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.includes(k)) headers[k] = v;
    // A body of unknown length stays chunked on the way up: Node would send a DELETE's (or GET's)
    // piped body unframed otherwise (useChunkedEncodingByDefault), and the upstream would read it as
    // the next request.
    if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
    const upstream = http.request(
      { host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || 80, path: target.pathname + target.search, method: req.method, headers, agent: upstreamAgent },
      (up) => {
        const back: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.includes(k)) back[k] = v;
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
      },
    );
    pending++;
    upstream.once('close', () => pending--);
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end('upstream failed');
      else res.destroy();
    });
    // The client went away before its answer was complete: so does the upstream request (a piped
    // request is not destroyed with its source), or a stalled upstream would hold a socket for ever.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };
  const server: http.Server = options.tls === undefined ? http.createServer(handler) : https.createServer({ ...options.tls }, handler);
  const servernames: Array<string | false> = [];
  server.on('secureConnection', (socket: TLSSocket) => {
    servernames.push((socket as TLSSocket & { servername: string | false }).servername);
    if (socket.isSessionReused()) handshakes.resumed++;
    else handshakes.full++;
  });
  // A client that gives up during the TLS handshake (a certificate it does not trust) is not a test failure.
  server.on('tlsClientError', () => {});

  server.on('connection', (socket: Socket) => {
    connections++;
    track(socket);
  });

  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    received.push({ kind: 'connect', target, headers: req.headers });
    // http.Server sockets allow half-open connections: when the client goes, go too (a stalled CONNECT included).
    client.once('end', () => client.destroy());
    const answer = (status: string): void => {
      client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    };
    switch (behaviour) {
      case 'stall':
        return;
      case 'close-on-connect':
        client.destroy();
        return;
      case 'not-http':
        client.end('SSH-2.0-not-a-proxy\r\n\r\n');
        return;
      case 'refuse':
        answer('403 Forbidden');
        return;
      case 'bad-gateway':
        answer('502 Bad Gateway');
        return;
      default:
    }
    if (!authorized(req.headers)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (m === null || !isLoopback(m[1])) {
      answer('403 Forbidden');
      return;
    }
    if (behaviour === 'slow-connect') {
      const timer = setTimeout(() => tunnel(client, head, m[1], Number(m[2]), answer), 300);
      client.once('close', () => clearTimeout(timer));
    } else {
      tunnel(client, head, m[1], Number(m[2]), answer);
    }
  });

  const tunnel = (client: Socket, head: Buffer, host: string, port: number, answer: (status: string) => void): void => {
    const upstream = net.connect({ host, port });
    track(upstream);
    let established = false;
    upstream.once('connect', () => {
      established = true;
      tunnels++;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      if (behaviour === 'close-reused-tunnel' && tunnels === 1) {
        // The keep-alive race at the proxy, on the first tunnel only (the client's retry must get a
        // good one): once it is 200 ms old (its TLS handshake long done) and has sat idle for 50 ms,
        // it dies when the client sends again, before any answer.
        const opened = Date.now();
        let last = opened;
        upstream.on('data', () => {
          last = Date.now();
        });
        client.on('data', () => {
          const at = Date.now();
          if (at - opened >= 200 && at - last >= 50) {
            client.destroy();
            upstream.destroy();
          }
          last = at;
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.once('error', () => {
      // Before the tunnel is up, the client waits for an answer to CONNECT; after it, the bytes are the
      // client's TLS session: an HTTP answer written into it would reach the client's TLS layer as garbage.
      if (!established && client.writable) answer('502 Bad Gateway');
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = `${scheme}://127.0.0.1:${port}`;
  const c = options.credentials;
  return {
    url,
    port,
    urlWithCredentials: c === undefined ? url : `${scheme}://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@127.0.0.1:${port}`,
    connections: () => connections,
    handshakes: () => ({ ...handshakes }),
    servernames,
    open: () => [...sockets].filter((s) => s.remotePort !== undefined && s.localPort === port).length,
    tunnels: () => tunnels,
    forwarded: () => forwarded,
    pending: () => pending,
    received,
    behave(b) {
      behaviour = b;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      upstreamAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
