// The pool's life as events, for what observe() (a request handed a socket) cannot show: a
// connection opened, a connection closed (why, and how old), a stale-socket retry, a timeout by
// phase. They are emitted at the points that already log them (socket-state.ts, call.ts), only
// when someone listens, and a listener that throws is logged, never thrown into a socket event.
import type { PooledSocketFacts } from './errors';
import type { Log } from './log';
import type { CloseReason, TimeoutPhase } from './stats';
import { show } from './validate';

/** A request was handed a socket: what handle.observe() listeners (metrics) receive. */
export interface SocketAssignedEvent extends PooledSocketFacts {
  origin: string;
}

/** A new connection is ready (TCP connected; for https, the TLS handshake done). */
export interface SocketOpenEvent {
  type: 'socket-open';
  origin: string;
  /** The same id as in the `socket-open` / `socket-close` log lines. */
  socketId: number;
  localPort: number | null;
  remoteAddress: string | null;
}

/** A connection of the pool closed. */
export interface SocketCloseEvent {
  type: 'socket-close';
  origin: string;
  socketId: number;
  reason: CloseReason;
  /** Set when a timeout closed it. */
  timeoutPhase?: TimeoutPhase;
  /** From the socket's creation to its close. */
  ageMs: number;
  /** Requests it carried. */
  requests: number;
  /** false: it never connected (connection refused, connect timeout, TLS failure). */
  connected: boolean;
  /** The peer's address, when the socket had connected. */
  remoteAddress: string | null;
}

/** A request is re-sent on a new socket after failing on a stale reused one. */
export interface RetryEvent {
  type: 'retry';
  origin: string;
  method: string;
  /** The failure of the first attempt (ECONNRESET, EPIPE, ...). */
  code: string;
}

/** A phase deadline expired. */
export interface TimeoutEvent {
  type: 'timeout';
  origin: string;
  method: string;
  phase: TimeoutPhase;
}

export type PoolEvent = SocketOpenEvent | SocketCloseEvent | RetryEvent | TimeoutEvent;
export type PoolListener = (event: PoolEvent) => void;

/** What notifyPool() needs of the pool (PoolContext has both). */
interface PoolEventTarget {
  readonly poolListeners: PoolListener[];
  readonly log: Log;
}

/** Calls every listener of handle.observePool(). Callers check `poolListeners.length` first. */
export function notifyPool(pool: PoolEventTarget, event: PoolEvent): void {
  for (const listener of pool.poolListeners) {
    try {
      listener(event);
    } catch (error) {
      pool.log.write('warn', { evt: 'observer-error', event: event.type, error: (error as Error)?.name ?? typeof error }, 'an observePool() listener threw');
    }
  }
}

/** Adds `listener` to `list`; returns the function that removes it (idempotent). */
export function subscribe<T>(list: T[], listener: T, method: string): () => void {
  if (typeof listener !== 'function') throw new TypeError(`${method}: listener must be a function, got ${show(listener)}`);
  list.push(listener);
  return () => {
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
  };
}
