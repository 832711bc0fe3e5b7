// One attempt of a call on one native request: which phase it is in (queue, connect, response,
// idle) since when, and its abort. A call has one attempt, two after a stale-socket retry. The
// deadlines themselves are checked by the call's one timer (call.ts), not by a timer per phase.
//
// Phases follow the native request (Node lib/_http_client.js): the agent queues it or hands it a
// socket ('socket' event), a new socket connects ('connect' / 'secureConnect'), the response
// headers arrive ('response'), the body is read until the request emits 'close' (emitted after the
// response ended, or when the socket was destroyed).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { PoolAgent } from './agent';
import { collectLogFields } from './log-fields';
import { fillAddressFacts, type AttemptHooks } from './request-binding';
import type { SocketState } from './socket-state';
import { now } from './clock';
import type { SocketFacts } from './errors';
import type { CallOptions } from './resolve-options';
import type { CloseReason, TimeoutPhase } from './stats';

export type AttemptPhase = TimeoutPhase | 'dispatch' | 'done';

/** What an attempt needs from its call. Implemented by Call. */
export interface CallHooks {
  readonly opts: CallOptions;
  /** The attempt has no phase left to watch (its request closed, or it was stopped). */
  attemptDone(attempt: Attempt): void;
}

const kAttempt = Symbol('axios-keepalive.attempt');
type BoundRequest = ClientRequest & { [kAttempt]?: Attempt };

function onRequestResponse(this: BoundRequest, res: IncomingMessage): void {
  this[kAttempt]?.onResponse(res);
}

function onRequestClose(this: BoundRequest): void {
  this[kAttempt]?.onClose();
}

interface AgentQueues {
  requests: Record<string, ClientRequest[] | undefined>;
}

export class Attempt implements AttemptHooks {
  req: ClientRequest | null = null;
  origin = '';
  socket: Socket | null = null;
  st: SocketState | null = null;
  facts: SocketFacts | null = null;
  res: IncomingMessage | null = null;
  phase: AttemptPhase = 'dispatch';
  /** socket.bytesRead / bytesWritten when the socket was handed to this request. */
  readBefore = 0;
  writtenBefore = 0;
  /** The agent's binding of the native request to this attempt (RequestBinding). */
  readonly attempt: Attempt = this;
  addedAt = 0;
  /** When the current phase started, and its limit (0: not watched). */
  phaseStart = 0;
  limit = 0;
  /** Fields of handle.addLogFields() providers, taken inside http.request() (log-fields.ts). */
  logFields: Record<string, string | number | boolean> | undefined = undefined;
  private agent: PoolAgent | null = null;
  private name = '';

  constructor(
    private readonly call: CallHooks,
    readonly forceNewSocket: boolean,
  ) {}

  onRequest(req: ClientRequest, agent: PoolAgent, name: string, origin: string): void {
    this.req = req;
    this.agent = agent;
    this.name = name;
    this.origin = origin;
    this.logFields = collectLogFields(agent.pool);
    (req as BoundRequest)[kAttempt] = this;
    // Each is emitted once per request: on() spares the once() wrappers and their removal.
    req.on('response', onRequestResponse);
    req.on('close', onRequestClose);
  }

  onQueued(): void {
    if (this.phase === 'dispatch') this.arm('queue', this.call.opts.timeouts.queue);
  }

  onSocket(socket: Socket, st: SocketState, facts: SocketFacts): void {
    this.socket = socket;
    this.st = st;
    this.facts = facts;
    this.readBefore = socket.bytesRead;
    this.writtenBefore = socket.bytesWritten ?? 0;
    if (this.phase === 'done') return;
    const t = this.call.opts.timeouts;
    // `connect` is not counted on a reused socket: it is ready already.
    if (st.ready) this.arm('response', t.response);
    else this.arm('connect', t.connect);
  }

  onSocketReady(): void {
    if (this.facts !== null && this.socket !== null) fillAddressFacts(this.facts, this.socket);
    if (this.phase === 'connect') this.arm('response', this.call.opts.timeouts.response);
  }

  onResponse(res: IncomingMessage): void {
    this.res = res;
    if (this.phase !== 'done') this.arm('idle', this.call.opts.timeouts.idle);
  }

  onClose(): void {
    this.stop();
    if (this.st !== null && this.st.attempt === this) this.st.attempt = null;
  }

  /** No more phase deadlines for this attempt. */
  stop(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
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
   * every byte read (the socket's lastReadAt), and while unread bytes wait in the response the reader
   * is slow, not the server: that is the stream guard's business, so the idle window starts again.
   */
  due(at: number): number {
    const phase = this.phase;
    if (this.limit === 0 || phase === 'done' || phase === 'dispatch') return Infinity;
    if (phase !== 'idle') return this.phaseStart + this.limit;
    const lastRead = this.st?.lastReadAt ?? 0;
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
    if (req === null || this.socket !== null) return false;
    const requests = (this.agent as unknown as AgentQueues | null)?.requests;
    const queue = requests?.[this.name];
    const index = queue?.indexOf(req) ?? -1;
    if (queue === undefined || index === -1) return false;
    queue.splice(index, 1);
    if (queue.length === 0) delete requests![this.name];
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
