// Failures the chaos run found (engine/run.ts), each reduced to a deterministic test on real
// sockets and named with the seed and call that found it. `npm run chaos -- --seed N` replays the
// run; these replay the mechanism alone.
import axios from 'axios';
import FormData from 'form-data';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { applyKeepAlive, createClient, type KeepAliveHandle } from '../../src';
import { startFaultServer } from '../helpers/fault-server';
import { startForwardProxy } from '../helpers/forward-proxy';
import { CERT, KEY } from '../helpers/proxy-world';
import { memoryLogger } from '../helpers/logs';
import { startServer, type TestServer } from '../helpers/server';
import { trackedTimers } from '../helpers/timers';
import { settle, until } from '../helpers/wait';

let server: TestServer;
const handles: KeepAliveHandle[] = [];
const timers = trackedTimers();
beforeEach(async () => {
  server = await startServer((req, res, url) => {
    if (url.pathname !== '/early') return false;
    // Answers at once, without reading the request body (an auth or size check before the upload).
    res.statusCode = 413;
    res.end('too large');
    return true;
  });
});
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  timers.clear();
  await server.close();
});

function form(): FormData {
  const f = new FormData();
  f.append('id', 'x');
  f.append('file', Buffer.alloc(1618, 102), { filename: 'chaos.bin', contentType: 'application/octet-stream' });
  return f;
}

describe('a request whose body never ends does not keep its socket for ever', () => {
  // Chaos seed 1, calls c236, c280, c383: the pool never came to rest (`active` 1 for good). axios
  // 1.21.1 sends a stream body through stream.pipeline() whenever maxBodyLength is set; a legacy
  // form-data (CombinedStream) flows synchronously inside pipe(), before pipeline listens for its
  // 'end', so the request is never ended although every byte was written and the server answered.
  // Node frees a socket only when the response ended *and* the request finished
  // (lib/_http_client.js responseOnEnd -> responseKeepAlive). Two fixes: the form's flow starts a
  // tick later (legacy-form-body.ts), and any request still unfinished 50 ms after its response
  // closes its socket (unfinished-request.ts).
  test.each([
    ['createClient()', () => createClient({ logger: false })],
    ['applyKeepAlive() on an instance with redirects on', () => {
      const instance = axios.create({ maxRedirects: 5 });
      return Object.assign(instance, { keepAlive: applyKeepAlive(instance, { logger: false }) });
    }],
  ])('seed 1, c236: a legacy form-data POST with maxBodyLength set ends, and its socket is reused (%s)', async (_name, make) => {
    const c = make();
    handles.push(c.keepAlive);
    const res = await c.post(`${server.url}/json`, form(), { maxBodyLength: Infinity });
    expect(res.data).toMatchObject({ method: 'POST', received: form().getLengthSync() });
    await until(() => c.keepAlive.stats().total.active === 0, 1000);
    expect((await c.get(`${server.url}/json`)).keepAlive?.reused).toBe(true);
    expect(c.keepAlive.stats().total.closed.total).toBe(0);
  });

  // Chaos seed 101, calls c6381, c8896, c12630, c13841, c18019: a form-data POST to a redirect timed
  // out in `response` although the server had answered 302 at once: follow-redirects follows only
  // once the request has ended.
  test('seed 101, c8896: a legacy form-data POST with maxBodyLength set follows its redirect', async () => {
    const faults = await startFaultServer();
    const instance = axios.create({ maxRedirects: 5 });
    const c = Object.assign(instance, { keepAlive: applyKeepAlive(instance, { logger: false, timeouts: { response: 1000 } }) });
    handles.push(c.keepAlive);
    try {
      const res = await c.post(`${faults.url}/redirect?to=%2Fok`, form(), { maxBodyLength: Infinity });
      expect(res.data).toMatchObject({ ok: true, method: 'GET' }); // a 302 turns a POST into a GET
    } finally {
      await faults.close();
    }
  });

  test('seed 1, c170 (stream response): no idle timeout is counted after the body ended', async () => {
    const c = createClient({ logger: false, timeouts: { idle: 300 } });
    handles.push(c.keepAlive);
    const res = await c.post<Readable>(`${server.url}/json`, form(), { maxBodyLength: Infinity, responseType: 'stream' });
    for await (const chunk of res.data) void chunk;
    await settle(600);
    expect(c.keepAlive.stats().total).toMatchObject({ active: 0, idle: 1, timeouts: {}, closed: { total: 0 } });
  });

  test('a server that answers before reading an upload that never ends: the socket is closed 50 ms after the response', async () => {
    const c = createClient({ logger: false });
    handles.push(c.keepAlive);
    const body = new Readable({ read() {} }); // never ends
    body.push(Buffer.alloc(1000, 1));
    const error = await c.post(`${server.url}/early`, body).catch((e: { response?: { status?: number } }) => e);
    expect((error as { response?: { status?: number } }).response?.status).toBe(413);
    await until(() => c.keepAlive.stats().total.active === 0, 1000);
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'request-unfinished': 1 });
    body.destroy();
  });
});

describe('a stream body on a method Node does not chunk by default is framed', () => {
  // Chaos seeds 4 and 6, calls c26, c43, c45: the server read "rrrr...GET" as the method of the next
  // request on a pooled connection. Node sends GET, HEAD, DELETE, OPTIONS and TRACE requests without
  // chunked encoding by default (lib/_http_client.js useChunkedEncodingByDefault), and axios sets no
  // Content-Length for a stream: the head went out with no framing at all, the server took the
  // request as bodyless, and the body's bytes became the start of whatever came next on that
  // connection - another call's request.
  test.each(['DELETE', 'GET', 'OPTIONS'])('seed 6, c45: %s with a stream body, then a GET on the same socket', async (method) => {
    const faults = await startFaultServer();
    const c = createClient({ logger: false, agent: { maxSockets: 1 } });
    handles.push(c.keepAlive);
    try {
      const first = await c.request({ method, url: `${faults.url}/ok`, data: Readable.from([Buffer.alloc(300, 114)]) });
      expect(first.data).toMatchObject({ method, received: 300 });
      const next = await c.get(`${faults.url}/ok`);
      expect(next.data).toMatchObject({ method: 'GET', received: 0 });
      expect(next.keepAlive?.reused).toBe(true);
    } finally {
      await faults.close();
    }
  });
});

describe('a legacy form-data body of unknown length on a method Node does not chunk by default is framed', () => {
  // Found by review while tracing seed 42, life 18 (does any body go out with a framing other than
  // the one meant?); the chaos bodies' forms have Buffer parts only, so no seed could find it. axios
  // takes a form's Content-Length from `await getLength()` and swallows its error: a part form-data
  // cannot measure (a Readable without `knownLength`) left the DELETE with no framing at all, so the
  // server read it as bodyless, answered the form's boundary lines as requests of their own, and
  // the call succeeded with its body lost.
  function formWithStreamPart(knownLength?: number): FormData {
    const f = new FormData();
    f.append('id', 'x');
    f.append('file', Readable.from([Buffer.alloc(500, 102)]), { filename: 'chaos.bin', ...(knownLength !== undefined ? { knownLength } : {}) });
    return f;
  }

  test.each(['DELETE', 'GET', 'OPTIONS'])('seed 42, life 18 (review): %s with a form whose part has no known length, then a GET on the same socket', async (method) => {
    const faults = await startFaultServer();
    const seen: string[] = [];
    faults.observe((e) => {
      if (e.type === 'request') seen.push(`${e.req.method} ${e.req.path} te=${e.req.headers['transfer-encoding'] ?? '-'} cl=${e.req.headers['content-length'] ?? '-'}`);
    });
    const c = createClient({ logger: false, agent: { maxSockets: 1 } });
    handles.push(c.keepAlive);
    try {
      // The same form with the part's length given: its byte count (boundaries have one length).
      const bytes = formWithStreamPart(500).getLengthSync();
      const first = await c.request({ method, url: `${faults.url}/ok`, data: formWithStreamPart() });
      expect(first.data).toMatchObject({ method, received: bytes });
      const next = await c.get(`${faults.url}/ok`);
      expect(next.data).toMatchObject({ method: 'GET', received: 0, onConnection: 2 });
      expect(seen).toEqual([`${method} /ok te=chunked cl=-`, 'GET /ok te=- cl=-']);
    } finally {
      await faults.close();
    }
  });

  test('a form whose length is known keeps its Content-Length (never both framings)', async () => {
    const faults = await startFaultServer();
    const seen: string[] = [];
    faults.observe((e) => {
      if (e.type === 'request') seen.push(`${e.req.method} te=${e.req.headers['transfer-encoding'] ?? '-'} cl=${e.req.headers['content-length'] ?? '-'}`);
    });
    const c = createClient({ logger: false, agent: { maxSockets: 1 } });
    handles.push(c.keepAlive);
    try {
      const data = formWithStreamPart(500);
      const bytes = data.getLengthSync();
      const first = await c.request({ method: 'DELETE', url: `${faults.url}/ok`, data });
      expect(first.data).toMatchObject({ method: 'DELETE', received: bytes });
      expect(seen).toEqual([`DELETE te=- cl=${bytes}`]);
    } finally {
      await faults.close();
    }
  });
});

describe('the books balance while a CONNECT tunnel is being set up', () => {
  // Chaos seeds 2 to 6, the client through the forward proxy: at samples, `created - closed` was
  // smaller than `active + idle` for the https origin. A tunnel being set up stands in the agent's
  // socket list (so maxSockets counts it: proxy/route.ts) before its socket exists for the pool.
  test('seed 2: a stalled CONNECT is connecting, not an active socket of the pool', async () => {
    const upstream = await startServer(undefined, { key: KEY, cert: CERT });
    const proxy = await startForwardProxy();
    proxy.behave('stall');
    const c = createClient({ logger: false, proxy: proxy.url, agent: { tls: { ca: CERT } }, timeouts: { connect: 400 } });
    handles.push(c.keepAlive);
    try {
      const call = c.get(`${upstream.url}/json`).catch((e: { code?: string; keepAlive?: { timeoutPhase?: string } }) => e);
      await until(() => proxy.received.length === 1, 1000); // CONNECT is pending
      const during = c.keepAlive.stats().total;
      expect(during.created - during.closed.total).toBe(during.active + during.idle);
      expect(during.connecting).toBe(1); // its maxSockets slot is held
      expect(await call).toMatchObject({ code: 'ETIMEDOUT', keepAlive: { timeoutPhase: 'connect' } });
      const after = c.keepAlive.stats().total;
      expect(after.created - after.closed.total).toBe(after.active + after.idle);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('unsolicited bytes that arrive while the event loop is busy', () => {
  // Chaos seed 1, calls c81 -> c116 -> c118 (route /unsolicited, 50 ms): c81's socket went back to
  // the pool at once and c116 took it; the unsolicited response had reached the socket's receive
  // buffer during 50 ms of event-loop lag, and was read only after c116's request was written, as
  // c116's response. c116's own response then became c118's. The library drops a socket on which
  // bytes arrive while it is idle (socket-state.ts onSocketData), but a socket reused before the
  // next read of the loop never looks idle. Go's transport has the same race (persistConn.readLoop
  // peeks for bytes before it takes the next request), narrower because nothing lags there.
  // A fix would reuse a freed socket only after one I/O turn (the bytes already in the kernel are
  // read, and seen, first); that costs a second connection to every caller that sends its next
  // request right after the previous response - the usual `await a(); await b();` - so it is left
  // to a decision: this test documents the race deterministically.
  test.failing('seed 1, c116: a socket reused in the same loop turn its stray bytes arrived in gives them to the next call', async () => {
    // The misbehaving server runs on its own event loop (a worker), so the stray bytes arrive while
    // this one is blocked, as they would from another process.
    const worker = new Worker(`
      const net = require('node:net');
      const { parentPort } = require('node:worker_threads');
      const server = net.createServer((socket) => {
        let n = 0;
        socket.on('error', () => {});
        socket.on('data', () => {
          n++;
          socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: ' + String(n).length + '\\r\\n\\r\\n' + n);
          if (n === 1) setTimeout(() => socket.write('HTTP/1.1 200 OK\\r\\nContent-Length: 7\\r\\n\\r\\nunasked'), 10);
        });
      });
      server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
      parentPort.on('message', () => server.close(() => process.exit(0)));
    `, { eval: true });
    const port = await new Promise<number>((resolve) => worker.once('message', resolve));
    const c = createClient({ logger: false, axios: { baseURL: `http://127.0.0.1:${port}`, responseType: 'text' } });
    handles.push(c.keepAlive);
    try {
      expect((await c.get('/first')).data).toBe('1');
      const until = performance.now() + 60; // the stray response arrives meanwhile, unread
      while (performance.now() < until) { /* busy: the event loop lags */ }
      const second = await c.get('/second');
      expect(second.data).toBe('1'); // its own answer: a new connection's first
    } finally {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });
});

describe('the books balance while a socket is closing', () => {
  // Chaos seed 3, a sample: created 41 - closed 40 = 1, but active 0 + idle 0. agentkeepalive's
  // free-socket timeout destroys an idle socket and takes it out of the agent's lists at once
  // (lib/agent.js onTimeout: destroy(), then removeSocket()); the socket counts as closed only at its
  // 'close', a moment later. stats() counted active and idle from the agent's lists.
  test('seed 3: at the idle socket\'s timeout, before its close, created - closed = active + idle', async () => {
    const c = createClient({ logger: false, agent: { freeSocketTimeout: 100 } });
    handles.push(c.keepAlive);
    await c.get(`${server.url}/json`);
    await until(() => c.keepAlive.stats().total.idle === 1, 1000);
    const free = Object.values((c.keepAlive.httpAgent as unknown as { freeSockets: Record<string, Socket[]> }).freeSockets).flat();
    let during: ReturnType<typeof c.keepAlive.stats>['total'] | undefined;
    free[0].on('timeout', () => {
      during = c.keepAlive.stats().total; // after agentkeepalive's own listener: destroyed, out of the lists
    });
    await until(() => c.keepAlive.stats().total.closed.total === 1, 2000);
    expect(during).toBeDefined();
    expect(during!.created - during!.closed.total).toBe(during!.active + during!.idle);
  });
});

describe('close reasons say what happened', () => {
  // Chaos seed 5, calls c47 and c91 (stream, reader stops early): 'destroyed', as if code outside
  // the library had closed the socket. The body had fully arrived but was not read to its end:
  // destroying it destroys the socket (lib/_http_incoming.js _destroy), and the library counted a
  // reader that stops early only while the body was still arriving.
  test.each([false, true])('seed 5, c47: a reader that stops early on a body that has fully arrived: abandoned (destroyed while reading: %p)', async (reading) => {
    const c = createClient({ logger: false });
    handles.push(c.keepAlive);
    const res = await c.get<Readable>(`${server.url}/bytes?n=2000`, { responseType: 'stream' });
    await settle(50); // the whole body is in, unread
    if (reading) await new Promise<void>((resolve) => res.data.once('data', () => resolve(void res.data.destroy())));
    else res.data.destroy();
    await until(() => c.keepAlive.stats().total.closed.total === 1, 1000);
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ abandoned: 1 });
  });

  // Chaos seed 5, the client through the proxy: 'pool-full' with maxFreeSockets = maxSockets. The
  // tunnel was ready after its call had timed out; Node frees such a socket at once and the agent
  // destroys it, which the library read as a freed socket it had no room for.
  test('seed 5: a tunnel ready after its call timed out is closed as timeout, not pool-full', async () => {
    const upstream = await startServer(undefined, { key: KEY, cert: CERT });
    const proxy = await startForwardProxy();
    proxy.behave('slow-connect');
    const c = createClient({ logger: false, proxy: proxy.url, agent: { tls: { ca: CERT }, maxSockets: 3 } });
    handles.push(c.keepAlive);
    try {
      // The call's own connect deadline; the tunnel's (the client's timeouts.connect) lets it finish.
      const error = await c.get(`${upstream.url}/json`, { keepAlive: { timeouts: { connect: 100 } } }).catch((e: { code?: string; keepAlive?: { timeoutPhase?: string } }) => e);
      expect(error).toMatchObject({ code: 'ETIMEDOUT', keepAlive: { timeoutPhase: 'connect' } });
      await until(() => proxy.tunnels() === 1 && c.keepAlive.stats().total.closed.total === 1, 2000);
      expect(c.keepAlive.stats().total.closed.byReason).toEqual({ timeout: 1 });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('a cancel during an error-body drain', () => {
  // Chaos seed 5, c384 (a 500 dripping its body on a stream request, canceled 105 ms in): the caller
  // got an ERR_CANCELED without `error.keepAlive`, and the call's log line said ERR_BAD_RESPONSE.
  // The drain failed the call with the error status's error once it stopped; axios, seeing the
  // signal aborted and an error that is not a cancel, threw a CanceledError of its own in its place
  // (lib/core/dispatchRequest.js throwIfCancellationRequested).
  test.each(['signal', 'cancelToken'] as const)('seed 5, c384 (%s): the ERR_CANCELED the caller gets carries the facts, and the line says so', async (via) => {
    const log = memoryLogger();
    const c = createClient({ logger: log.logger, stream: { drainTimeout: 3000 } });
    handles.push(c.keepAlive);
    const ac = new AbortController();
    const source = axios.CancelToken.source();
    setTimeout(() => (via === 'signal' ? ac.abort() : source.cancel()), 300);
    const t0 = performance.now();
    const error = await c.get(`${server.url}/drip?code=503&chunks=40&interval=50`, {
      responseType: 'stream', ...(via === 'signal' ? { signal: ac.signal } : { cancelToken: source.token }),
    }).catch((e: { code?: string; keepAlive?: unknown }) => e);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(error).toMatchObject({ code: 'ERR_CANCELED', keepAlive: { reused: false, retries: 0 } });
    expect(log.lines().filter((l) => l.evt === 'request').map((l) => l.code)).toEqual(['ERR_CANCELED']);
    await until(() => c.keepAlive.stats().total.closed.total === 1, 1000);
    expect(c.keepAlive.stats().total.closed.byReason).toEqual({ canceled: 1 });
  });
});

describe('a second response to one request', () => {
  // Chaos seeds 6, 9 and 10 (after an /unsolicited response on the same connection): closed as
  // 'destroyed' or 'pool-full'. The stray response arrived while a request was waiting, was read as
  // its response, and the real one followed: Node destroys the socket on a second response for one
  // request, without an error and from inside its parser (lib/_http_client.js parserOnIncomingClient,
  // "server sent a double response"), while the first response may still be handed back and the
  // socket freed: the library sees a destroyed socket and no cause, 'destroyed' or (freed first)
  // 'pool-full'. Telling this destroy from the others needs a hook the library does not have yet (a
  // per-socket destroy() wrapper that sees a complete, unaborted response on a live request, or a
  // 'data' listener after the parser's); left for a decision, documented here.
  test.failing('seed 9, c580: the socket is closed as unsolicited-data', async () => {
    const doubled = await startServer((req, res) => {
      req.resume();
      // Two complete responses in one write, for one request.
      res.socket?.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nunasked');
      return true;
    });
    const c = createClient({ logger: false });
    handles.push(c.keepAlive);
    try {
      expect((await c.get(`${doubled.url}/x`, { responseType: 'text' })).data).toBe('ok');
      await until(() => c.keepAlive.stats().total.closed.total === 1, 1000);
      expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'unsolicited-data': 1 });
    } finally {
      await doubled.close();
    }
  });
});

describe('a tunnel the proxy closes', () => {
  // Chaos seed 21, life 2, the client through the proxy: tunnels closed as 'destroyed' (or
  // 'pool-full'). When the upstream drops the connection, the proxy closes the client's end of the
  // tunnel; the TLS socket inside it closes without an 'end' or 'error' of its own (they happen on
  // the TCP socket under it), so the library saw a socket closed for no reason.
  test.each(['destroy', 'reset', 'answer-then-reset'])('seed 21: the upstream drops the connection (%s): server-closed', async (how) => {
    const upstream = await startServer((req, res) => {
      const raw = (req.socket as Socket & { _parent?: Socket })._parent ?? req.socket;
      if (how === 'destroy') req.socket.destroy(); // no answer
      else if (how === 'reset') raw.resetAndDestroy();
      else {
        res.end('ok');
        setTimeout(() => raw.resetAndDestroy(), 50); // while the client's socket is idle in the pool
      }
      return true;
    }, { key: KEY, cert: CERT });
    const proxy = await startForwardProxy();
    const c = createClient({ logger: false, proxy: proxy.url, agent: { tls: { ca: CERT } } });
    handles.push(c.keepAlive);
    try {
      const outcome = await c.get(`${upstream.url}/drop`).then((r) => r.status, (e: { code?: string }) => e.code);
      expect(outcome).toBe(how === 'answer-then-reset' ? 200 : 'ECONNRESET');
      await until(() => c.keepAlive.stats().total.closed.total === 1, 1000);
      expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'server-closed': 1 });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('a connection made for a queue that emptied meanwhile', () => {
  // Chaos seed 21, life 2, the client through the proxy: 'pool-full' with maxFreeSockets =
  // maxSockets. When a socket closes while requests wait, Node makes a new one for the queue and
  // hands it over by emitting 'free' (lib/_http_agent.js removeSocket); a tunnel takes a while, the
  // waiting call gave up meanwhile, and the agent destroys the new socket, which never carried a
  // request: the library read it as a freed socket it had no room for.
  // Seed 101, life 0: the same, when the queued call had finished before the tunnel was ready.
  test.each(['/slow', '/fast'])('seeds 21 and 101: the new tunnel is closed as unused (queued call to %s)', async (queuedPath) => {
    const upstream = await startServer((req, res, url) => {
      if (url.pathname === '/hold') timers.later(200, () => req.socket.destroy()); // then dropped
      else if (url.pathname === '/fast') res.end('at once');
      else timers.later(300, () => res.end('late but fine')); // frees its socket at 300 ms
      return true;
    }, { key: KEY, cert: CERT });
    const proxy = await startForwardProxy();
    const c = createClient({ logger: false, proxy: proxy.url, agent: { tls: { ca: CERT }, maxSockets: 2 } });
    handles.push(c.keepAlive);
    try {
      const dropped = c.get(`${upstream.url}/hold`).catch((e: { code?: string }) => e.code);
      const slow = c.get(`${upstream.url}/slow`, { responseType: 'text' });
      await until(() => proxy.tunnels() === 2, 1000);
      proxy.behave('slow-connect'); // the tunnel Node makes for the queue is ready 300 ms after it is asked for
      const queued = c.get(`${upstream.url}${queuedPath}`, { responseType: 'text' }); // waits: maxSockets busy
      expect(await dropped).toBe('ECONNRESET'); // at 200 ms: Node starts a tunnel for the queue
      expect((await slow).status).toBe(200); // at 300 ms: its socket goes to the queued call
      expect((await queued).status).toBe(200);
      // The tunnel made for the queue is ready with nobody waiting.
      await until(() => proxy.tunnels() === 3 && c.keepAlive.stats().total.closed.total === 2, 2000);
      expect(c.keepAlive.stats().total.closed.byReason).toEqual({ 'server-closed': 1, unused: 1 });
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe('close() waits for every socket of the pool', () => {
  // Chaos seed 3 (npm test): after close() resolved, a socket was still open (created 47, closed 46).
  // close() waited for the sockets in the agent's lists; a socket being destroyed has left them
  // already (agentkeepalive's socket timeouts destroy it and call removeSocket() at once) and closes
  // a moment later.
  test('seed 3: close() during an idle socket\'s timeout resolves after that socket closed', async () => {
    const c = createClient({ logger: false, agent: { freeSocketTimeout: 100 } });
    handles.push(c.keepAlive);
    await c.get(`${server.url}/json`);
    await until(() => c.keepAlive.stats().total.idle === 1, 1000);
    const free = Object.values((c.keepAlive.httpAgent as unknown as { freeSockets: Record<string, Socket[]> }).freeSockets).flat();
    const closing = new Promise<void>((resolve) => {
      free[0].on('timeout', () => resolve(c.keepAlive.close())); // after agentkeepalive's own listener
    });
    await closing;
    const after = c.keepAlive.stats().total;
    expect(free[0].closed).toBe(true);
    expect(after).toMatchObject({ active: 0, idle: 0, created: 1, closed: { total: 1 } });
  });
});

describe('a cancel and a deadline in the same moment', () => {
  // Chaos seed 101, c12244 (a stream stalled mid-body, canceled at +222 ms): the reader got
  // ERR_CANCELED, yet stats() counted an idle timeout too. axios's cancel destroys the request at
  // once; its 'close', which ends the attempt's deadlines, comes only when the socket has closed; the
  // call's timer fired in between. Jest's fake timers put the deadline exactly there.
  test('seed 101, c12244: a request destroyed by a cancel has no deadline left to expire', async () => {
    const faults = await startFaultServer();
    const c = createClient({ logger: false, timeouts: { idle: 1000 } });
    handles.push(c.keepAlive);
    try {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const ac = new AbortController();
      const res = await c.get<Readable>(`${faults.url}/stall-mid-body`, { responseType: 'stream', signal: ac.signal });
      const seen = new Promise<string | undefined>((resolve) => res.data.once('error', (e: { code?: string }) => resolve(e.code)));
      await new Promise<void>((resolve) => res.data.once('data', () => resolve())); // reading: waits for the rest
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      ac.abort(); // the request is destroyed now; its socket closes later
      jest.advanceTimersByTime(1500); // the idle deadline, before that close
      expect(await seen).toBe('ERR_CANCELED');
      jest.useRealTimers();
      await until(() => c.keepAlive.stats().total.closed.total === 1, 1000);
      expect(c.keepAlive.stats().total).toMatchObject({ timeouts: {}, closed: { byReason: { canceled: 1 } } });
    } finally {
      jest.useRealTimers();
      await faults.close();
    }
  });
});

describe('axios\'s own timeout with redirects on', () => {
  // Chaos seed 202, life 29, c17823 (follow-redirects, axios `timeout` 511, a stream body never
  // read): 'destroyed'. axios's timeout is socket inactivity, and follow-redirects destroys the
  // socket on it without an error (`socket.on('timeout', socket.destroy)`).
  test('seed 202, c17823: the socket it closes is closed as timeout', async () => {
    const instance = axios.create({ maxRedirects: 5, timeout: 300 });
    const handle = applyKeepAlive(instance, { logger: false });
    handles.push(handle);
    const res = await instance.get<Readable>(`${server.url}/bytes?n=100`, { responseType: 'stream' }); // never read
    await until(() => handle.stats().total.closed.total === 1, 2000);
    expect(handle.stats().total.closed.byReason).toEqual({ timeout: 1 });
    res.data.destroy();
  });
});
