// One attempt of a call on one native request: how the request is bound to the call, which phase
// it is in (queue, connect, response, idle) since when, and its abort. A call has one attempt, two
// after a stale-socket retry. The deadlines themselves are checked by the call's one timer
// (call.ts), not by a timer per phase.
//
// The binding is explicit, never read from the side:
// - with `maxRedirects: 0` (the preset's default) the attempt *is* the `config.transport` axios's
//   http adapter calls (lib/adapters/http.js: `own('transport')`, then `transport.request(options,
//   handleResponse)`), so it creates the native request itself, whatever happened before (an async
//   legacy form-data `getLength()`), and sees it whatever serves it: the pool, a per-request agent,
//   axios's proxy agent, or an interceptor (nock, msw) that swapped the agent for its own;
// - with redirects on, follow-redirects creates the requests; the call hands axios a view of the
//   pool's agents that carries the attempt (agent.ts), so the pool binds each hop when it is added.
// Either way the pool's agent receives the attempt with the request (request options, or the view)
// before it picks a socket.
//
// Phases follow the native request (Node lib/_http_client.js, lib/_http_agent.js): the agent queues
// it, or creates a socket (createSocket, possibly asynchronous), or hands it a free one ('socket'
// event); a new socket connects ('connect' / 'secureConnect'); the response headers arrive
// ('response'); the body is read until the request emits 'close' (after the response ended, or when
// the socket was destroyed).
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { collectLogFields } from '../core/log-fields';
import type { AttemptHooks, PooledSocket, RequestQueues } from '../pool/hooks';
import { fillAddressFacts, isPoolAgent, kAttempt } from '../pool/request-binding';
import { now } from '../core/clock';
import type { BypassReason, SocketFacts } from '../core/errors';
import type { CallOptions } from './call-options';
import type { CloseReason, TimeoutPhase } from '../core/stats';
import { watchUnfinishedRequest } from '../pool/unfinished-request';

export type AttemptPhase = TimeoutPhase | 'dispatch' | 'done';

/** What an attempt needs from its call. Implemented by Call. */
export interface CallHooks {
  readonly opts: CallOptions;
  /** The attempt has no phase left to watch (its request closed, or it was stopped). */
  attemptDone(attempt: Attempt): void;
  /** axios's adapter is creating the request through this attempt: take it off the user's config again. */
  transportTaken(attempt: Attempt): void;
  /** Why a request that did not reach the pool went elsewhere (agent or proxy), from its options. */
  bypassReason(options: { agent?: unknown }): BypassReason;
}

type BoundRequest = ClientRequest & { [kAttempt]?: Attempt };
type WatchedSocket = Socket & { [kAttempt]?: Attempt };

function onRequestResponse(this: BoundRequest, res: IncomingMessage): void {
  this[kAttempt]?.onResponse(this, res);
}

function onRequestClose(this: BoundRequest): void {
  this[kAttempt]?.onRequestClose(this);
}

function onForeignSocket(this: BoundRequest, socket: Socket): void {
  this[kAttempt]?.onForeignSocket(socket);
}

function onForeignReady(this: WatchedSocket): void {
  this[kAttempt]?.onSocketReady();
}

function onForeignData(this: WatchedSocket): void {
  const attempt = this[kAttempt];
  if (attempt !== undefined) attempt.lastReadAt = now();
}

export class Attempt implements AttemptHooks {
  req: ClientRequest | null = null;
  origin = '';
  socket: Socket | null = null;
  /** The pool's state of the socket; null on a socket that is not the pool's. */
  st: PooledSocket | null = null;
  facts: SocketFacts | null = null;
  res: IncomingMessage | null = null;
  phase: AttemptPhase = 'dispatch';
  /** Set when the request went out without the pool (see BypassReason). */
  bypassed: BypassReason | undefined;
  /** socket.bytesRead / bytesWritten when the socket was handed to this request. */
  readBefore = 0;
  writtenBefore = 0;
  /** The agent's binding of the native request to this attempt (RequestBinding). */
  readonly attempt: Attempt = this;
  addedAt = 0;
  /** When the current phase started, and its limit (0: not watched). */
  phaseStart = 0;
  limit = 0;
  /** Last byte read, on a socket that is not the pool's (the pool's own sockets keep theirs). */
  lastReadAt = 0;
  /** axios's own `timeout` as a wall clock until the headers (Infinity: none); see Call.transportTaken(). */
  axiosDue = Infinity;
  /** Fields of handle.addLogFields() providers, taken inside http.request() (log-fields.ts). */
  logFields: Record<string, string | number | boolean> | undefined = undefined;
  private agent: RequestQueues | null = null;
  private name = '';

  constructor(
    private readonly call: CallHooks,
    readonly forceNewSocket: boolean,
    /** The call's own config says `proxy: false`: the pool sends it direct even where it would proxy. */
    readonly direct: boolean = false,
  ) {}

  // --- the transport axios's http adapter calls (config.transport) ---

  /**
   * Creates the native request, as axios's adapter would with its native transport
   * (`maxRedirects: 0`: `http.request` / `https.request`, looked up now so that an interceptor's
   * patch applies), with this attempt in its options for the pool's agent to bind.
   */
  request(options: http.RequestOptions & { [kAttempt]?: Attempt }, cb?: (res: IncomingMessage) => void): ClientRequest {
    this.call.transportTaken(this);
    options[kAttempt] = this;
    const secure = typeof options.protocol === 'string' && options.protocol.startsWith('https');
    const req = secure ? https.request(options, cb) : http.request(options, cb);
    if (this.req !== req) {
      // The pool's agent never saw it: decide who serves it instead. If the options carried the
      // pool's agent, something replaced it on the request itself (nock, msw: their MockAgent).
      const reason = this.agent === null && isPoolAgent(options.agent) ? 'interceptor' : this.call.bypassReason(options);
      this.adoptForeign(req, reason, options);
    }
    return req;
  }

  // --- the pool's side (agent.ts, request-binding.ts) ---

  onRequest(req: ClientRequest, agent: RequestQueues, name: string, origin: string): void {
    if (this.req !== null && this.req !== req) (this.req as BoundRequest)[kAttempt] = undefined; // a redirect's next hop
    this.req = req;
    this.agent = agent;
    this.name = name;
    this.origin = origin;
    this.socket = null;
    this.st = null;
    this.facts = null;
    this.res = null;
    if (this.phase !== 'done') this.phase = 'dispatch';
    this.logFields = collectLogFields(agent.pool);
    (req as BoundRequest)[kAttempt] = this;
    // Each is emitted once per request: on() spares the once() wrappers and their removal.
    req.on('response', onRequestResponse);
    req.on('close', onRequestClose);
  }

  onQueued(): void {
    if (this.phase === 'dispatch') this.arm('queue', this.call.opts.timeouts.queue);
  }

  /** The agent starts creating a socket for this request (possibly asynchronously: a proxy tunnel). */
  onCreatingSocket(): void {
    if (this.phase === 'dispatch' || this.phase === 'queue') this.arm('connect', this.call.opts.timeouts.connect);
  }

  onSocket(socket: Socket, st: PooledSocket, facts: SocketFacts): void {
    this.socket = socket;
    this.st = st;
    this.facts = facts;
    this.readBefore = socket.bytesRead;
    this.writtenBefore = socket.bytesWritten ?? 0;
    if (this.phase === 'done') return;
    // `connect` is not counted on a reused socket: it is ready already. On a new one it runs from
    // the moment the agent started creating it (onCreatingSocket), so a slow tunnel counts too.
    if (st.ready) this.arm('response', this.call.opts.timeouts.response);
    else if (this.phase !== 'connect') this.arm('connect', this.call.opts.timeouts.connect);
  }

  onSocketReady(): void {
    if (this.facts !== null && this.socket !== null) fillAddressFacts(this.facts, this.socket);
    if (this.phase === 'connect') this.arm('response', this.call.opts.timeouts.response);
  }

  onResponse(req: ClientRequest, res: IncomingMessage): void {
    if (req !== this.req) return;
    this.res = res;
    this.axiosDue = Infinity;
    if (this.st !== null) watchUnfinishedRequest(req, res, this.st);
    if (this.phase !== 'done') this.arm('idle', this.call.opts.timeouts.idle);
  }

  onRequestClose(req: ClientRequest): void {
    if (req !== this.req) return; // an earlier hop of a redirect
    this.stop();
    if (this.st !== null && this.st.attempt === this) this.st.attempt = null;
  }

  // --- a request the pool never saw ---

  private adoptForeign(req: ClientRequest, reason: BypassReason, options: http.RequestOptions): void {
    this.req = req;
    this.bypassed = reason;
    this.origin = originOfOptions(options);
    this.facts = {
      reused: null, socketRequests: null, idleMs: null, queueMs: null, localPort: null, remoteAddress: null, bypassed: reason,
    };
    (req as BoundRequest)[kAttempt] = this;
    req.on('socket', onForeignSocket);
    req.on('response', onRequestResponse);
    req.on('close', onRequestClose);
  }

  onForeignSocket(socket: Socket): void {
    this.socket = socket;
    this.readBefore = socket.bytesRead ?? 0;
    this.writtenBefore = socket.bytesWritten ?? 0;
    this.lastReadAt = now();
    const s = socket as WatchedSocket;
    s[kAttempt] = this;
    // Watched only while this attempt runs: the socket belongs to someone else and may serve others.
    socket.on('data', onForeignData);
    if (this.facts !== null) fillAddressFacts(this.facts, socket);
    if (this.phase === 'done') return;
    // An interceptor's socket (nock 14 and msw 2: @mswjs/interceptors' MockHttpSocket) reports
    // `connecting` until the mock answers and emits 'connect' only then (checked with nock 14 and a
    // `.delay()`): there is no connection to time, so `response` runs from the socket's assignment.
    if (socket.connecting && this.bypassed !== 'interceptor') {
      socket.once((socket as Socket & { encrypted?: boolean }).encrypted ? 'secureConnect' : 'connect', onForeignReady);
      this.arm('connect', this.call.opts.timeouts.connect);
    } else {
      this.arm('response', this.call.opts.timeouts.response);
    }
  }

  private unwatchForeign(): void {
    const s = this.socket as WatchedSocket | null;
    if (s === null || this.st !== null || s[kAttempt] !== this) return;
    s[kAttempt] = undefined;
    s.removeListener('data', onForeignData);
    s.removeListener('connect', onForeignReady);
    s.removeListener('secureConnect', onForeignReady);
  }

  /** No more phase deadlines for this attempt. */
  stop(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.axiosDue = Infinity;
    this.unwatchForeign();
    this.call.attemptDone(this);
  }

  /** Enters a phase: two field writes, no timer call (the call's timer looks at them). */
  private arm(phase: TimeoutPhase, limit: number): void {
    this.phase = phase;
    this.limit = limit;
    this.phaseStart = now();
  }

  /**
   * When the current phase expires, or Infinity when it is not watched. The idle deadline moves with
   * every byte read (the socket's last read), and while unread bytes wait in the response the reader
   * is slow, not the server: that is the stream guard's business, so the idle window starts again.
   */
  due(at: number): number {
    const phase = this.phase;
    if (this.limit === 0 || phase === 'done' || phase === 'dispatch') return Infinity;
    // Destroyed already (axios's cancel, a finished response), its 'close' not yet emitted: nothing
    // left to time out; a deadline expiring now would count a timeout nobody sees.
    if (this.req !== null && this.req.destroyed) return Infinity;
    if (phase !== 'idle') return this.phaseStart + this.limit;
    const lastRead = this.st !== null ? this.st.lastReadAt : this.lastReadAt;
    const due = (lastRead > this.phaseStart ? lastRead : this.phaseStart) + this.limit;
    if (due <= at && this.res !== null && this.res.readableLength > 0) {
      this.phaseStart = at;
      return at + this.limit;
    }
    return due;
  }

  /**
   * Takes a request that never got a socket out of the agent's queue. Node leaves a destroyed
   * request there until a socket frees (lib/_http_agent.js), where it would count as queued and bump
   * the next socket's request count (agentkeepalive's onFree); Node's own onSocket(null, err) path
   * then emits its 'error' and 'close', so axios settles and cleans up. Returns whether it was queued.
   */
  dequeue(error: Error): boolean {
    const req = this.req;
    if (req === null || this.socket !== null || this.agent === null) return false;
    const requests = this.agent.requests;
    const queue = requests[this.name];
    const index = queue?.indexOf(req) ?? -1;
    if (queue === undefined || index === -1) return false;
    queue.splice(index, 1);
    if (queue.length === 0) delete requests[this.name];
    (req as unknown as { onSocket(s: Socket | null, e: Error): void }).onSocket(null, error);
    return true;
  }

  /** Ends the attempt: the socket is destroyed (never pooled half-read) and marked with why. */
  abort(error: Error, reason: CloseReason, phase?: TimeoutPhase): void {
    this.stop();
    // A socket already freed (its response was read to the end) may be pooled or carry another
    // request by now: it is not this attempt's to label.
    if (this.st !== null && this.st.attempt === this) this.st.close(reason, phase);
    const req = this.req;
    if (req === null) return;
    if (this.socket === null) {
      if (!this.dequeue(error) && !req.destroyed) req.destroy(error);
      return;
    }
    if (req.destroyed) return;
    // IncomingMessage.destroy(err) emits 'error' only to existing listeners and destroys the
    // socket when the body is incomplete; a stream reader sees this error, not 'aborted'.
    if (this.res !== null && !this.res.complete) this.res.destroy(error);
    else req.destroy(error);
  }
}

function originOfOptions(options: http.RequestOptions): string {
  const protocol = typeof options.protocol === 'string' ? options.protocol : 'http:';
  if (options.socketPath) return `${protocol}//unix:${options.socketPath}`;
  const host = String(options.hostname ?? options.host ?? 'localhost');
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}//${h}:${options.port || (protocol === 'https:' ? 443 : 80)}`;
}
