// The pool's side of the binding of each native request to the attempt that sent it (attempt.ts
// explains how the attempt reaches the agent), and the socket facts captured when the request is
// handed its socket ('socket' event: for a new socket, a free one, and a queued request handed a
// freed one alike - where Node's req.reusedSocket would say false).
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { now, roundMs } from '../core/clock';
import type { PooledSocketFacts, SocketFacts } from '../core/errors';
import type { SocketAssignedEvent } from '../core/pool-events';
import type { AttemptHooks, RequestBinding } from './hooks';
import { poolOf, socketState, SOCKET_REQUEST_COUNT } from './socket-state';

/** In the options Node hands to getName(): this request goes direct, whatever the pool's proxy (agent.ts). */
export const kDirect = Symbol('axios-keepalive.direct');

/** Carries an attempt on a native request and in the request options the agent receives. */
export const kAttempt = Symbol('axios-keepalive.attempt');
const kRequest = Symbol('axios-keepalive.request');
const kFacts = Symbol('axios-keepalive.facts');

/** The socket facts captured on a native request (also for requests not bound to an attempt). */
export function requestFacts(req: unknown): SocketFacts | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const r = req as { [kFacts]?: SocketFacts; _currentRequest?: { [kFacts]?: SocketFacts } };
  // follow-redirects hides the native request behind its wrapper on errors.
  return r[kFacts] ?? r._currentRequest?.[kFacts];
}

// --- per-request listener: `this` is the native request ---

export function onRequestSocket(this: ClientRequest, socket: Socket): void {
  const st = socketState(socket);
  const rs = (this as ClientRequest & { [kRequest]?: RequestBinding })[kRequest];
  if (st === undefined || rs === undefined) return; // a socket this agent did not create
  const count = (socket as Socket & Record<symbol, number>)[SOCKET_REQUEST_COUNT] ?? 1;
  const reused = count > 1;
  const at = now();
  const facts: PooledSocketFacts = {
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
    // One literal, not `{ ...facts, origin }`: on Node 20 a spread followed by a property costs
    // about 1.4 us a call, the literal about 15 ns (bench/pool-summary-cost.js measures the feed).
    const event: SocketAssignedEvent = {
      reused: facts.reused, socketRequests: facts.socketRequests, idleMs: facts.idleMs, queueMs: facts.queueMs,
      localPort: facts.localPort, remoteAddress: facts.remoteAddress, origin: st.origin,
    };
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

/** Socket facts for a request whose socket connected after it was assigned. */
export function fillAddressFacts(facts: SocketFacts, socket: Socket): void {
  if (facts.localPort === null) facts.localPort = socket.localPort ?? null;
  if (facts.remoteAddress === null) facts.remoteAddress = socket.remoteAddress ?? null;
}

const kPoolAgent = Symbol('axios-keepalive.pool-agent');

/** Marks the pool's agents (agent.ts) so a transport can tell them from anyone else's. */
export function markPoolAgent(agent: object): void {
  Object.defineProperty(agent, kPoolAgent, { value: true });
}

export function isPoolAgent(agent: unknown): boolean {
  return typeof agent === 'object' && agent !== null && (agent as { [kPoolAgent]?: boolean })[kPoolAgent] === true;
}

/** Whether the pool's agent took this request (a native request, or follow-redirects' wrapper of one). */
export function isPoolRequest(req: unknown): boolean {
  if (typeof req !== 'object' || req === null) return false;
  const r = req as { [kRequest]?: RequestBinding; _currentRequest?: { [kRequest]?: RequestBinding } };
  return (r[kRequest] ?? r._currentRequest?.[kRequest]) !== undefined;
}

/** The attempt a native request of this pool is bound to, if any. */
export function attemptOf(req: ClientRequest): AttemptHooks | null {
  return (req as ClientRequest & { [kRequest]?: RequestBinding })[kRequest]?.attempt ?? null;
}

/** Marks a native request as this pool's, bound to `attempt` or not. */
export function bindRequest(req: ClientRequest, attempt: AttemptHooks | null): void {
  const binding: RequestBinding = attempt ?? { attempt: null, addedAt: 0 };
  binding.addedAt = now();
  (req as ClientRequest & { [kRequest]?: RequestBinding })[kRequest] = binding;
  // A request is handed one socket: on() spares the once() wrapper and its removal.
  req.on('socket', onRequestSocket);
}
