// One attempt of a call on one native request: its phase timers (queue, connect, response, idle)
// and its abort. A call has one attempt, two after a stale-socket retry.
//
// Phases follow the native request (Node lib/_http_client.js): the agent queues it or hands it a
// socket ('socket' event), a new socket connects ('connect' / 'secureConnect'), the response
// headers arrive ('response'), the body is read until the request emits 'close' (emitted after the
// response ended, or when the socket was destroyed).
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { fillAddressFacts, type AttemptHooks, type PoolAgent, type SocketState } from './agent';
import { now } from './clock';
import type { SocketFacts } from './errors';
import type { CallOptions } from './resolve-options';
import type { CloseReason, TimeoutPhase } from './stats';

export type AttemptPhase = TimeoutPhase | 'dispatch' | 'done';

/** What an attempt needs from its call. Implemented by Call. */
export interface CallHooks {
  readonly opts: CallOptions;
  attemptTimedOut(attempt: Attempt, phase: TimeoutPhase, limit: number): void;
}

const kAttempt = Symbol('axios-keepalive.attempt');
type BoundRequest = ClientRequest & { [kAttempt]?: Attempt };

function onRequestResponse(this: BoundRequest, res: IncomingMessage): void {
  this[kAttempt]?.onResponse(res);
}

function onRequestClose(this: BoundRequest): void {
  this[kAttempt]?.onClose();
}

function onAttemptTimer(attempt: Attempt): void {
  attempt.onTimer();
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
  private agent: PoolAgent | null = null;
  private name = '';
  private timer: NodeJS.Timeout | undefined;
  private armedAt = 0;
  private limit = 0;

  constructor(
    private readonly call: CallHooks,
    readonly forceNewSocket: boolean,
  ) {}

  onRequest(req: ClientRequest, agent: PoolAgent, name: string, origin: string): void {
    this.req = req;
    this.agent = agent;
    this.name = name;
    this.origin = origin;
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
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.phase = 'done';
  }

  private arm(phase: TimeoutPhase, limit: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.phase = phase;
    this.limit = limit;
    this.armedAt = now();
    this.timer = limit > 0 ? schedule(this, limit) : undefined;
  }

  onTimer(): void {
    this.timer = undefined;
    const phase = this.phase;
    if (phase === 'done' || phase === 'dispatch') return;
    if (phase === 'idle') {
      // Lazy idle timer: re-armed for the rest of the gap rather than refreshed on every chunk.
      const quiet = now() - Math.max(this.st?.lastReadAt ?? 0, this.armedAt);
      if (quiet < this.limit) {
        this.timer = schedule(this, Math.max(1, Math.ceil(this.limit - quiet)));
        return;
      }
      // Unread bytes are waiting: the reader is slow, not the server. The stream guard owns that.
      if (this.res !== null && this.res.readableLength > 0) {
        this.timer = schedule(this, this.limit);
        return;
      }
    }
    this.call.attemptTimedOut(this, phase, this.limit);
  }

  /** Ends the attempt: the socket is destroyed (never pooled half-read) and marked with why. */
  abort(error: Error, reason: CloseReason, phase?: TimeoutPhase): void {
    this.stop();
    this.st?.close(reason, phase);
    const req = this.req;
    if (req === null || req.destroyed) return;
    if (this.socket === null) {
      // Still queued. Node leaves a destroyed request in the agent's queue until a socket frees
      // (lib/_http_agent.js), so take it out, and let Node's onSocket(null, err) path emit its
      // 'error' and 'close' so axios settles and cleans up.
      const queue = (this.agent as unknown as AgentQueues | null)?.requests[this.name];
      const index = queue?.indexOf(req) ?? -1;
      if (queue !== undefined && index !== -1) {
        queue.splice(index, 1);
        if (queue.length === 0) delete (this.agent as unknown as AgentQueues).requests[this.name];
        (req as unknown as { onSocket(s: Socket | null, e: Error): void }).onSocket(null, error);
        return;
      }
      req.destroy(error);
      return;
    }
    // IncomingMessage.destroy(err) emits 'error' only to existing listeners and destroys the
    // socket when the body is incomplete; a stream reader sees this error, not 'aborted'.
    if (this.res !== null && !this.res.complete) this.res.destroy(error);
    else req.destroy(error);
  }
}

function schedule(attempt: Attempt, ms: number): NodeJS.Timeout {
  const timer = setTimeout(onAttemptTimer, ms, attempt);
  timer.unref(); // the socket keeps the process alive while it matters; a timer never should
  return timer;
}
