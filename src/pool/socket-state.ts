// The life of one pooled socket: its state (ready, idle, freed, why it closed) and the listeners
// installed on it once, when the agent creates it. Listener order on a socket, which the comments
// below rely on: agentkeepalive's (installed in its createConnection), then these, then Node's
// agent's (installed in createSocket's oncreate, lib/_http_agent.js).
import { constants } from 'agentkeepalive';
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { now, roundMs } from '../core/clock';
import { notifyPool } from '../core/pool-events';
import type { CloseReason, OriginCounters, TimeoutPhase } from '../core/stats';
import type { AttemptHooks, PoolContext, PooledSocket } from './hooks';

/** Requests a socket has carried; agentkeepalive keeps it right also for queued requests. */
export const SOCKET_REQUEST_COUNT = constants.SOCKET_REQUEST_COUNT as unknown as symbol;

const kSocket = Symbol('axios-keepalive.socket');
const kPool = Symbol('axios-keepalive.pool');

let nextSocketId = 1;

/** Node's http.Agent keepAliveMsecs default (lib/_http_agent.js): the first probe after 1 s idle. */
const KEEP_ALIVE_INITIAL_DELAY_MS = 1000;

export class SocketState implements PooledSocket {
  readonly id = nextSocketId++;
  readonly createdAt = now();
  ready = false;
  /** In the free pool. */
  idle = false;
  /** Freed by its last request and not yet kept, handed on or destroyed. */
  freeing = false;
  /** Freed without ever carrying a request (made for a queue that emptied meanwhile). */
  unused = false;
  /** A socket timeout fired while this request (its number on the socket) was on it. */
  timedOutOnRequest = -1;
  freedAt = 0;
  lastReadAt = 0;
  peerEnded = false;
  errorCode: string | undefined;
  reason: CloseReason | undefined;
  timeoutPhase: TimeoutPhase | undefined;
  /** What will close this socket if it stays idle: its free timeout's cause. */
  idleCause: CloseReason = 'idle-timeout';
  attempt: AttemptHooks | null = null;
  constructor(
    readonly origin: string,
    readonly counters: OriginCounters,
    /** This socket's maximum age (socketActiveTTL with jitter), 0 for none. */
    readonly ttl: number,
  ) {}

  /** The first reason set wins: it is the cause, later ones are consequences. */
  close(reason: CloseReason, phase?: TimeoutPhase): void {
    if (this.reason === undefined) {
      this.reason = reason;
      this.timeoutPhase = phase;
    }
  }
}

export function socketState(socket: Socket | null | undefined): SocketState | undefined {
  return socket ? (socket as Socket & { [kSocket]?: SocketState })[kSocket] : undefined;
}

// --- per-socket listeners: installed once per socket, `this` is the socket (no closures) ---

function onSocketReady(this: Socket): void {
  const st = socketState(this)!;
  st.ready = true;
  st.lastReadAt = now();
  const pool = poolOf(this);
  const log = pool?.log;
  if (log !== undefined) {
    const fields: Record<string, unknown> = { evt: 'socket-open', origin: st.origin, socketId: st.id, localPort: this.localPort ?? null };
    if (st.counters.proxy !== undefined) fields.proxy = st.counters.proxy;
    log.write(log.requestLevel, fields, 'socket opened');
  }
  if (pool !== undefined && pool.poolListeners.length > 0) {
    notifyPool(pool, { type: 'socket-open', origin: st.origin, socketId: st.id, localPort: this.localPort ?? null, remoteAddress: this.remoteAddress ?? null });
  }
  st.attempt?.onSocketReady();
}

function onSocketData(this: Socket): void {
  const st = socketState(this)!;
  st.lastReadAt = now();
  if (st.idle) {
    // HTTP/1.1 without pipelining: nothing may arrive on an idle socket. Whatever it is, the next
    // request would read it as its own response (a desync), so the socket goes.
    st.close('unsolicited-data');
    this.destroy();
  }
}

function onSocketEnd(this: Socket): void {
  socketState(this)!.peerEnded = true;
}

function onSocketError(this: Socket, err: NodeJS.ErrnoException): void {
  const st = socketState(this)!;
  st.errorCode ??= err.code ?? 'ERR';
  if (err.code === 'ERR_CANCELED') st.close('canceled');
  // axios's own `timeout` (ECONNABORTED, or ETIMEDOUT with clarifyTimeoutError) destroys the socket with its error.
  else if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') st.close('timeout');
}

function onSocketTimeout(this: Socket): void {
  // agentkeepalive's own 'timeout' listener (installed before this one) destroys an idle socket.
  const st = socketState(this)!;
  if (st.idle) st.close(st.idleCause);
  // On a busy socket: axios's own `timeout` (socket inactivity, req.setTimeout), whose handler - or
  // follow-redirects' `socket.on('timeout', socket.destroy)` - may destroy it without an error.
  else st.timedOutOnRequest = (this as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 0;
}

function onSocketFree(this: Socket): void {
  // Runs before Node's agent 'free' handler (listener order: agentkeepalive, this, Node's).
  const st = socketState(this)!;
  st.freeing = true;
  st.freedAt = now();
  // Node creates a socket for its queue when one closes and hands it over by emitting 'free'
  // (lib/_http_agent.js removeSocket): one that never carried a request. If the queue emptied while
  // it was being made (a tunnel takes a while), the agent destroys it: that is not 'pool-full'.
  st.unused = (this as Socket & { _httpMessage?: unknown })._httpMessage == null;
}

function closeReason(socket: Socket, st: SocketState): CloseReason {
  if (st.reason !== undefined) return st.reason;
  if (st.peerEnded) return 'server-closed';
  if (st.errorCode === 'ECONNRESET' || st.errorCode === 'EPIPE') return 'server-closed';
  if (st.errorCode !== undefined) return 'error';
  const req = (socket as Socket & { _httpMessage?: ClientRequest & { shouldKeepAlive?: boolean; res?: { complete: boolean; aborted?: boolean; statusCode?: number } } })._httpMessage;
  // Closed here, mid-body, for no reason above: its reader stopped early (destroy(), a break out of
  // for await); the socket can close before the stream's own 'close' event, so it is decided here.
  // A response complete on the wire but not read to its end counts too: destroying it destroys the
  // socket and marks it aborted (lib/_http_incoming.js _destroy: `!this.readableEnded ||
  // !this.complete`); its 'end' may still be emitted after that, so readableEnded cannot tell.
  if (req?.res && (!req.res.complete || req.res.aborted === true)) return 'abandoned';
  if (req && req.shouldKeepAlive === false) return 'connection-close';
  if (st.freeing) return st.unused ? 'unused' : 'pool-full';
  // follow-redirects destroys the request of a redirect response without an error once it has read
  // it (index.js destroyRequest(), called from _processResponse) and follows on another request.
  const status = req?.res?.statusCode;
  if (status !== undefined && status >= 300 && status < 400) return 'redirect';
  // A socket timeout fired during the current request (axios's own `timeout`; with redirects on,
  // follow-redirects destroys the socket on it without an error).
  if (st.timedOutOnRequest === ((socket as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 0)) return 'timeout';
  // Nothing above: someone else's code destroyed the request or the socket without an error.
  return 'destroyed';
}

function onSocketClose(this: Socket): void {
  const st = socketState(this)!;
  const reason = closeReason(this, st);
  st.counters.closed[reason] = (st.counters.closed[reason] ?? 0) + 1;
  st.counters.open.delete(this);
  const pool = poolOf(this);
  const log = pool?.log;
  const requests = (this as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 0;
  const ageMs = roundMs(now() - st.createdAt);
  if (pool !== undefined && pool.poolListeners.length > 0) {
    // remoteAddress after close: Node caches the peer name once read (net.js _getpeername), and it
    // was read for the request's facts when the socket connected (request-binding.ts).
    notifyPool(pool, {
      type: 'socket-close', origin: st.origin, socketId: st.id, reason, timeoutPhase: st.timeoutPhase, ageMs, requests,
      connected: st.ready, remoteAddress: st.ready ? this.remoteAddress ?? null : null,
    });
  }
  if (log) {
    const fields: Record<string, unknown> = {
      evt: 'socket-close',
      origin: st.origin,
      socketId: st.id,
      reason,
      requests,
      ageMs,
    };
    if (st.counters.proxy !== undefined) fields.proxy = st.counters.proxy;
    if (st.timeoutPhase !== undefined) fields.timeoutPhase = st.timeoutPhase;
    if (st.errorCode !== undefined) fields.code = st.errorCode;
    log.write(log.requestLevel, fields, `socket closed: ${reason}${st.timeoutPhase ? ` (${st.timeoutPhase} timeout)` : ''}`);
  }
}

export function poolOf(socket: Socket): PoolContext | undefined {
  return (socket as Socket & { [kPool]?: PoolContext })[kPool];
}

/** Marks a new socket as this pool's and installs its listeners (once per socket, no closures). */
export function adoptSocket(socket: Socket, st: SocketState, pool: PoolContext): void {
  const s = socket as Socket & { [kSocket]?: SocketState; [kPool]?: PoolContext; encrypted?: boolean };
  s[kSocket] = st;
  s[kPool] = pool;
  st.counters.created++;
  st.counters.open.add(socket);
  // TCP keep-alive once per connection. net.connect() sets it from the agent's `keepAlive` option, but
  // tls.connect() ignores that option (checked with `ss -to`: no keepalive timer on a pooled https
  // socket), and the pool's keepSocketAlive() skips Node's setKeepAlive() on every freed socket;
  // axios's adapter sets it per request (60 s), the lean path does not. Node's agent default: 1 s.
  if (s.encrypted) socket.setKeepAlive(true, KEEP_ALIVE_INITIAL_DELAY_MS);
  socket.once(s.encrypted ? 'secureConnect' : 'connect', onSocketReady);
  socket.on('data', onSocketData);
  socket.once('end', onSocketEnd);
  socket.on('error', onSocketError);
  socket.on('timeout', onSocketTimeout);
  socket.on('free', onSocketFree);
  socket.once('close', onSocketClose);
}
