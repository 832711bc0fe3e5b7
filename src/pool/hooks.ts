// What the pool's files share and what the pool asks of the layer above it: interfaces only, so
// that agent.ts, request-binding.ts and socket-state.ts each import this file and never one
// another in a circle, and so that the call layer implements `AttemptHooks` without the pool
// knowing the call. Nothing here runs.
import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { SocketFacts } from '../core/errors';
import type { Log } from '../core/log';
import type { LogFieldsProvider } from '../core/log-fields';
import type { AgentOptions, TlsOptions } from '../core/options';
import type { PoolListener, SocketAssignedEvent } from '../core/pool-events';
import type { CloseReason, OriginCounters, TimeoutPhase } from '../core/stats';
import type { ProxySetting } from './proxy/config';

/** The pool's options, resolved (axios/resolve-options.ts): the agents' settings and the proxy routes. */
export type PoolOptions = Required<Omit<AgentOptions, 'tls'>> & {
  tls: TlsOptions | undefined;
  /** The proxy routes of the pool, null when it connects directly to every upstream. */
  proxy: ProxySetting;
};

/** Where the agents count per origin (stats-registry.ts implements it). */
export interface PoolCounters {
  forOrigin(origin: string): OriginCounters;
  /** Remembers which origin an agent's pool name (`host:port:...`) stands for. */
  nameOrigin(name: string, origin: string): void;
}

/** Shared by the http and the https agent of one client. */
export interface PoolContext {
  readonly stats: PoolCounters;
  readonly log: Log;
  readonly options: PoolOptions;
  closed: boolean;
  /** Listeners of handle.observe(). */
  readonly observers: Array<(event: SocketAssignedEvent) => void>;
  /** Listeners of handle.observePool(). */
  readonly poolListeners: PoolListener[];
  /** Providers of handle.addLogFields(). */
  readonly logFieldProviders: LogFieldsProvider[];
}

/** One pooled socket's state as the attempt on it sees it (socket-state.ts SocketState implements it). */
export interface PooledSocket {
  /** Connected (TCP, and TLS for https). */
  readonly ready: boolean;
  /** When the socket last read a byte. */
  readonly lastReadAt: number;
  readonly counters: OriginCounters;
  /** The first socket error's code; a response Node cannot parse sets it from the request's error. */
  errorCode: string | undefined;
  /** The attempt whose request the socket carries, null when none. */
  attempt: AttemptHooks | null;
  /** Says why the socket will close (the first reason set wins). */
  close(reason: CloseReason, phase?: TimeoutPhase): void;
}

/** The agent a request was added to, as its attempt uses it: the pool, and the queues to leave. */
export interface RequestQueues {
  readonly pool: PoolContext;
  readonly requests: Record<string, ClientRequest[] | undefined>;
}

/** What the agent keeps on each native request. A bound request's binding is its attempt itself
 * (one object less per call); an unbound one gets a small object. */
export interface RequestBinding {
  readonly attempt: AttemptHooks | null;
  addedAt: number;
}

/** What the agent tells the attempt that created a request. Implemented by the call's Attempt. */
export interface AttemptHooks extends RequestBinding {
  readonly forceNewSocket: boolean;
  /** The call's config says `proxy: false`: never through the pool's proxy. */
  readonly direct: boolean;
  onRequest(req: ClientRequest, agent: RequestQueues, name: string, origin: string): void;
  onQueued(): void;
  onCreatingSocket(): void;
  onSocket(socket: Socket, state: PooledSocket, facts: SocketFacts): void;
  onSocketReady(): void;
}
