// The agents: agentkeepalive's, extended with the one thing only an agent can see, the life of
// each socket (created, ready, handed to a request, freed, kept, closed and why), and the binding of
// each native request to the attempt that sent it.
//
// Sources read (Node 20.20, agentkeepalive 4.6.0):
// - node lib/_http_agent.js: addRequest() takes a free socket (reuseSocket), creates one
//   (createSocket -> createConnection) or queues the request; the 'free' handler hands a freed socket
//   to a queued request WITHOUT calling reuseSocket (so req.reusedSocket stays false) or pools it
//   after keepSocketAlive(); a destroyed request stays in the queue until a socket frees.
// - agentkeepalive lib/agent.js: SOCKET_REQUEST_COUNT is bumped in reuseSocket and in its socket
//   'free' listener when a queued request waits, so it is right for every request; its keepSocketAlive
//   calls Node's (which calls setKeepAlive on every freed socket) and then overwrites Node's
//   Keep-Alive hint handling with freeSocketTimeout; its agent 'free' listener re-applies
//   calcSocketTimeout(), which honours a per-socket `socket.freeSocketTimeout`.
import { HttpAgent, HttpsAgent, constants } from 'agentkeepalive';
import type { ClientRequest } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { SocketFacts } from './errors';
import type { Log } from './log';
import type { ResolvedOptions } from './options';
import type { CloseReason, OriginCounters, StatsRegistry, TimeoutPhase } from './stats';
import { now, roundMs } from './clock';

const SOCKET_REQUEST_COUNT = constants.SOCKET_REQUEST_COUNT as unknown as symbol;

/** Node's own margin below the server's hint (lib/_http_agent.js keepSocketAlive). */
export const HINT_MARGIN_MS = 1000;
/** socketActiveTTL is shortened by up to this fraction, per socket, so a pool does not reconnect at once. */
export const TTL_JITTER = 0.1;

const kSocket = Symbol('axios-keepalive.socket');
const kRequest = Symbol('axios-keepalive.request');
const kFacts = Symbol('axios-keepalive.facts');

/** What the agent tells the attempt that created a request. Implemented by Attempt. */
export interface AttemptHooks extends RequestBinding {
  readonly forceNewSocket: boolean;
  onRequest(req: ClientRequest, agent: PoolAgent, name: string, origin: string): void;
  onQueued(): void;
  onSocket(socket: Socket, state: SocketState, facts: SocketFacts): void;
  onSocketReady(): void;
}

/** The binding slot: axios's http adapter calls transport.request(), and so agent.addRequest(),
 * synchronously within the adapter call (lib/adapters/http.js awaits nothing before it unless the
 * body is a legacy form-data stream). Requests created any other way stay unbound: they still get
 * their socket facts, and the call keeps its total deadline. */
let pending: AttemptHooks | null = null;

/** Set around the synchronous call of axios's adapter; taken by the first addRequest. */
export function setPending(attempt: AttemptHooks | null): void {
  pending = attempt;
}

let nextSocketId = 1;

export class SocketState {
  readonly id = nextSocketId++;
  readonly createdAt = now();
  ready = false;
  /** In the free pool. */
  idle = false;
  /** Freed by its last request and not yet kept, handed on or destroyed. */
  freeing = false;
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

/** The socket facts captured on a native request (also for requests not bound to an attempt). */
export function requestFacts(req: unknown): SocketFacts | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const r = req as { [kFacts]?: SocketFacts; _currentRequest?: { [kFacts]?: SocketFacts } };
  // follow-redirects hides the native request behind its wrapper on errors.
  return r[kFacts] ?? r._currentRequest?.[kFacts];
}

/** Shared by the http and the https agent of one client. */
export interface PoolContext {
  readonly stats: StatsRegistry;
  readonly log: Log;
  readonly options: ResolvedOptions['agent'];
  closed: boolean;
  /** Listeners of handle.observe(). */
  readonly observers: Array<(event: SocketAssignedEvent) => void>;
}

export function formatOrigin(protocol: string, host: string, port: number | string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${port}`;
}

interface AgentInternals {
  getName(options: object): string;
  sockets: Record<string, Socket[] | undefined>;
  freeSockets: Record<string, Socket[] | undefined>;
  requests: Record<string, ClientRequest[] | undefined>;
  maxSockets: number;
  removeSocket(socket: Socket, options: object): void;
  destroy(): void;
}

export type PoolAgent = InstanceType<typeof KeepAliveHttpAgent> | InstanceType<typeof KeepAliveHttpsAgent>;

// --- per-socket listeners: installed once per socket, `this` is the socket (no closures) ---

function onSocketReady(this: Socket): void {
  const st = socketState(this)!;
  st.ready = true;
  st.lastReadAt = now();
  const log = poolOf(this)?.log;
  log?.write(log.requestLevel, { evt: 'socket-open', origin: st.origin, socketId: st.id, localPort: this.localPort ?? null }, 'socket opened');
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
}

function onSocketFree(this: Socket): void {
  // Runs before Node's agent 'free' handler (listener order: agentkeepalive, this, Node's).
  const st = socketState(this)!;
  st.freeing = true;
  st.freedAt = now();
}

function closeReason(socket: Socket, st: SocketState): CloseReason {
  if (st.reason !== undefined) return st.reason;
  if (st.peerEnded) return 'server-closed';
  if (st.errorCode === 'ECONNRESET' || st.errorCode === 'EPIPE') return 'server-closed';
  if (st.errorCode !== undefined) return 'error';
  const req = (socket as Socket & { _httpMessage?: ClientRequest & { shouldKeepAlive?: boolean; res?: { complete: boolean } } })._httpMessage;
  // Closed here, mid-body, for no reason above: its reader stopped early (destroy(), a break out of
  // for await); the socket can close before the stream's own 'close' event, so it is decided here.
  if (req?.res && !req.res.complete) return 'abandoned';
  if (req && req.shouldKeepAlive === false) return 'connection-close';
  if (st.freeing) return 'pool-full';
  return 'other';
}

function onSocketClose(this: Socket): void {
  const st = socketState(this)!;
  const reason = closeReason(this, st);
  st.counters.closed[reason] = (st.counters.closed[reason] ?? 0) + 1;
  const log = poolOf(this)?.log;
  if (log) {
    const fields: Record<string, unknown> = {
      evt: 'socket-close',
      origin: st.origin,
      socketId: st.id,
      reason,
      requests: (this as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 0,
      ageMs: roundMs(now() - st.createdAt),
    };
    if (st.timeoutPhase !== undefined) fields.timeoutPhase = st.timeoutPhase;
    if (st.errorCode !== undefined) fields.code = st.errorCode;
    log.write(log.requestLevel, fields, `socket closed: ${reason}${st.timeoutPhase ? ` (${st.timeoutPhase} timeout)` : ''}`);
  }
}

const kPool = Symbol('axios-keepalive.pool');
function poolOf(socket: Socket): PoolContext | undefined {
  return (socket as Socket & { [kPool]?: PoolContext })[kPool];
}

// --- per-request listener: `this` is the native request ---

function onRequestSocket(this: ClientRequest, socket: Socket): void {
  const st = socketState(socket);
  const rs = (this as ClientRequest & { [kRequest]?: RequestBinding })[kRequest];
  if (st === undefined || rs === undefined) return; // a socket this agent did not create
  const count = (socket as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 1;
  const reused = count > 1;
  const at = now();
  const facts: SocketFacts = {
    reused,
    socketRequests: count,
    idleMs: reused ? roundMs(at - st.freedAt) : null,
    queueMs: roundMs(at - rs.addedAt),
    localPort: socket.localPort ?? null,
    remoteAddress: socket.remoteAddress ?? null,
  };
  (this as ClientRequest & { [kFacts]?: SocketFacts })[kFacts] = facts;
  st.idle = false;
  st.freeing = false;
  st.counters.requests++;
  if (reused) st.counters.reused++;
  st.attempt = rs.attempt;
  rs.attempt?.onSocket(socket, st, facts);
  const observers = poolOf(socket)?.observers;
  if (observers !== undefined && observers.length > 0) {
    const event: SocketAssignedEvent = { ...facts, origin: st.origin };
    for (const observer of observers) {
      // A listener's bug (a metrics library, say) must not become an uncaught exception in a socket event.
      try {
        observer(event);
      } catch (error) {
        const log = poolOf(socket)?.log;
        log?.write('warn', { evt: 'observer-error', error: (error as Error)?.name ?? typeof error }, 'an observe() listener threw');
      }
    }
  }
}

/** What the agent keeps on each native request. A bound request's binding is its attempt itself
 * (one object less per call); an unbound one gets a small object. */
export interface RequestBinding {
  readonly attempt: AttemptHooks | null;
  addedAt: number;
}

/** A request was handed a socket: what metrics observe. */
export interface SocketAssignedEvent extends SocketFacts {
  origin: string;
}

/** Socket facts for a request whose socket connected after it was assigned. */
export function fillAddressFacts(facts: SocketFacts, socket: Socket): void {
  if (facts.localPort === null) facts.localPort = socket.localPort ?? null;
  if (facts.remoteAddress === null) facts.remoteAddress = socket.remoteAddress ?? null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin signature
type AnyAgentClass = new (...args: any[]) => object;

function withPool<TBase extends AnyAgentClass>(Base: TBase, protocol: 'http:' | 'https:') {
  return class PooledAgent extends Base {
    readonly pool: PoolContext;
    /** @internal */ readonly origins = new Map<string, string>();

    constructor(...args: any[]) {
      const pool = args[0] as PoolContext;
      const o = pool.options;
      super({
        keepAlive: true,
        maxSockets: o.maxSockets,
        maxFreeSockets: o.maxFreeSockets,
        freeSocketTimeout: o.freeSocketTimeout,
        // The age limit is applied here, per socket and with jitter (keepSocketAlive below).
        socketActiveTTL: 0,
        scheduling: o.scheduling,
        ...(protocol === 'https:' ? o.tls : undefined),
      });
      this.pool = pool;
    }

    /** @internal */ originFor(name: string, options: Record<string, unknown>): string {
      let origin = this.origins.get(name);
      if (origin === undefined) {
        const host = String(options.hostname ?? options.host ?? 'localhost');
        const port = (options.port as number | string | undefined) || (protocol === 'https:' ? 443 : 80);
        origin = formatOrigin(protocol, host, port);
        this.origins.set(name, origin);
        this.pool.stats.nameOrigin(name, origin);
      }
      return origin;
    }

    /** @internal The pool name Node's addRequest()/createSocket() last computed (see addRequest). */
    lastName = '';

    getName(options: object): string {
      const name = (Base.prototype as unknown as { getName(o: object): string }).getName.call(this, options);
      this.lastName = name;
      return name;
    }

    /** @internal The pool name as Node computes it in addRequest(): from the request options merged
     * with the agent's own (TLS settings are part of an https pool's name). */
    mergedOptions(req: ClientRequest, options: Record<string, unknown>): Record<string, unknown> {
      const merged: Record<string, unknown> = { __proto__: null, ...options, ...(this as unknown as { options: object }).options };
      normalizeServerName(merged, req);
      return merged;
    }

    addRequest(req: ClientRequest, options: Record<string, unknown>): void {
      const attempt = pending;
      pending = null;
      const self = this as unknown as AgentInternals;
      const binding: RequestBinding = attempt ?? { attempt: null, addedAt: 0 };
      binding.addedAt = now();
      (req as ClientRequest & { [kRequest]?: RequestBinding })[kRequest] = binding;
      // A request is handed one socket: on() spares the once() wrapper and its removal.
      req.on('socket', onRequestSocket);
      let name: string;
      if (attempt?.forceNewSocket) {
        const merged = this.mergedOptions(req, options);
        name = self.getName(merged);
        attempt.onRequest(req, this as unknown as PoolAgent, name, this.originFor(name, options));
        this.addRequestOnNewSocket(req, merged);
      } else {
        const base = Base.prototype as unknown as { addRequest(req: ClientRequest, options: object): void };
        this.lastName = '';
        try {
          base.addRequest.call(this, req, options);
        } finally {
          // Node's addRequest() merges the options, normalizes the servername and calls this.getName()
          // (lib/_http_agent.js) before anything can fail: take that name rather than doing the same
          // work a second time per request. Binding the attempt now is still in time: every socket
          // event of the request is deferred (ClientRequest.onSocket -> process.nextTick(onSocketNT)).
          name = this.lastName || self.getName(this.mergedOptions(req, options));
          attempt?.onRequest(req, this as unknown as PoolAgent, name, this.originFor(name, options));
        }
      }
      if (attempt) {
        const queue = self.requests[name];
        if (queue !== undefined && queue[queue.length - 1] === req) attempt.onQueued();
      }
    }

    /**
     * A stale-socket retry must not take another idle socket, nor wait for a recycled one: either may
     * be just as stale. It gets a new connection even when maxSockets are busy (one over the limit,
     * for one request): Node's addRequest() create branch, without the free-socket and queue branches.
     */
    /** @internal */ addRequestOnNewSocket(req: ClientRequest, merged: Record<string, unknown>): void {
      const self = this as unknown as AgentInternals & {
        createSocket(req: ClientRequest, options: object, cb: (err: Error | null, socket: Socket) => void): void;
        options: { timeout?: number };
      };
      const r = req as ClientRequest & { onSocket(socket: Socket, err?: Error): void; timeout?: number };
      self.createSocket(req, merged, (err, socket) => {
        if (err) {
          r.onSocket(socket, err);
          return;
        }
        r.onSocket(socket); // as Node's setRequestSocket()
        const agentTimeout = self.options.timeout || 0;
        if (r.timeout !== undefined && r.timeout !== agentTimeout) socket.setTimeout(r.timeout);
      });
    }

    createConnection(options: Record<string, unknown>, oncreate: (...a: unknown[]) => void): Socket | undefined {
      const base = Base.prototype as unknown as { createConnection(o: object, cb: unknown): Socket | undefined };
      const socket = base.createConnection.call(this, options, oncreate);
      if (socket) this.initSocket(socket, options);
      return socket;
    }

    /** @internal */ initSocket(socket: Socket, options: Record<string, unknown>): void {
      const self = this as unknown as AgentInternals;
      // createSocket() has put the pool name in options._agentKey (lib/_http_agent.js).
      const key = options._agentKey;
      const origin = this.originFor(typeof key === 'string' ? key : self.getName(options), options);
      const counters = this.pool.stats.forOrigin(origin);
      const ttl = this.pool.options.socketActiveTTL;
      const st = new SocketState(origin, counters, ttl > 0 ? Math.round(ttl * (1 - TTL_JITTER * Math.random())) : 0);
      const s = socket as Socket & { [kSocket]?: SocketState; [kPool]?: PoolContext; encrypted?: boolean };
      s[kSocket] = st;
      s[kPool] = this.pool;
      counters.created++;
      socket.once(s.encrypted ? 'secureConnect' : 'connect', onSocketReady);
      socket.on('data', onSocketData);
      socket.once('end', onSocketEnd);
      socket.on('error', onSocketError);
      socket.on('timeout', onSocketTimeout);
      socket.on('free', onSocketFree);
      socket.once('close', onSocketClose);
    }

    reuseSocket(socket: Socket, req: ClientRequest): void {
      const st = socketState(socket);
      if (st) st.idle = false;
      (Base.prototype as unknown as { reuseSocket(s: Socket, r: ClientRequest): void }).reuseSocket.call(this, socket, req);
    }

    /**
     * Replaces Node's and agentkeepalive's keepSocketAlive (see the header): honours the server's
     * Keep-Alive hint wherever `timeout=` stands in the header, applies the per-socket age limit,
     * and skips the setKeepAlive() call on every freed socket (TCP keep-alive was already set at
     * connect, since the agent has keepAlive).
     */
    keepSocketAlive(socket: Socket): boolean {
      const st = socketState(socket);
      if (st === undefined) {
        return (Base.prototype as unknown as { keepSocketAlive(s: Socket): boolean }).keepSocketAlive.call(this, socket);
      }
      if (this.pool.closed) {
        st.close('client-closed');
        return false;
      }
      // Node's Agent reads maxFreeSockets 0 as 256 (`options.maxFreeSockets || 256`): 0 means none here.
      if (this.pool.options.maxFreeSockets === 0) {
        st.close('pool-full');
        return false;
      }
      let timeout = this.pool.options.freeSocketTimeout;
      let cause: CloseReason = 'idle-timeout';
      const res = (socket as Socket & { _httpMessage?: { res?: { headers: Record<string, string | string[] | undefined> } } })._httpMessage?.res;
      const hint = res?.headers['keep-alive'];
      if (typeof hint === 'string') {
        const seconds = hintSeconds(hint);
        if (seconds !== null) {
          const hinted = seconds * 1000 - HINT_MARGIN_MS;
          if (hinted <= 0) {
            st.close('server-hint'); // too short to reuse safely
            return false;
          }
          if (hinted < timeout) {
            timeout = hinted;
            cause = 'server-hint';
          }
        }
      }
      if (st.ttl > 0) {
        const left = st.ttl - (now() - st.createdAt);
        if (left <= 0) {
          st.close('max-age');
          return false;
        }
        if (left < timeout) {
          timeout = Math.ceil(left);
          cause = 'max-age';
        }
      }
      socket.unref(); // an idle socket never keeps the process alive
      // agentkeepalive's agent 'free' listener runs after this and re-applies calcSocketTimeout(),
      // which prefers this per-socket value.
      (socket as Socket & { freeSocketTimeout?: number }).freeSocketTimeout = timeout;
      if (socket.timeout !== timeout) socket.setTimeout(timeout);
      st.idle = true;
      st.freeing = false;
      st.idleCause = cause;
      return true;
    }

    /** Closes every socket (active and idle) and marks why. */
    closeAll(): void {
      const self = this as unknown as AgentInternals;
      for (const lists of [self.sockets, self.freeSockets]) {
        for (const list of Object.values(lists)) {
          for (const socket of list ?? []) socketState(socket)?.close('client-closed');
        }
      }
      self.destroy();
    }
  };
}

/** Node's normalizeServerName()/calculateServerName() (lib/_http_agent.js), which addRequest() applies before getName(). */
function normalizeServerName(options: Record<string, unknown>, req: ClientRequest): void {
  if (options.servername || options.servername === '') return;
  let servername = options.host as string | undefined;
  const hostHeader = req.getHeader('host');
  if (typeof hostHeader === 'string' && hostHeader !== '') {
    if (hostHeader.startsWith('[')) {
      const index = hostHeader.indexOf(']');
      servername = index === -1 ? hostHeader : hostHeader.substring(1, index);
    } else {
      servername = hostHeader.split(':', 1)[0];
    }
  }
  options.servername = servername !== undefined && isIP(servername) ? '' : servername;
}

const KEEP_ALIVE_TIMEOUT = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i;

// A server sends the same Keep-Alive header on every response: parse it once, not per request.
let lastHint = '';
let lastHintSeconds: number | null = null;
function hintSeconds(hint: string): number | null {
  if (hint !== lastHint) {
    const match = KEEP_ALIVE_TIMEOUT.exec(hint);
    lastHint = hint;
    lastHintSeconds = match === null ? null : Number(match[1]);
  }
  return lastHintSeconds;
}

export const KeepAliveHttpAgent = withPool(HttpAgent as unknown as AnyAgentClass, 'http:');
export const KeepAliveHttpsAgent = withPool(HttpsAgent as unknown as AnyAgentClass, 'https:');
