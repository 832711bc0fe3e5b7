// What a call needs of the client it runs in, declared here so that the call layer never imports
// the axios layer: axios/client-state.ts (ClientState) implements it and hands itself to each Call.
import type { AxiosResponse, AxiosStatic, InternalAxiosRequestConfig } from 'axios';
import type { BypassReason } from '../core/errors';
import type { Log } from '../core/log';
import type { PoolAgent } from '../pool/agent';
import type { PoolContext, PoolCounters } from '../pool/hooks';
import type { LiveCalls } from './live-calls';

/** An axios adapter: axios's own http adapter, or the lean transport standing in for it. */
export type AdapterFunction = (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>;

/** The axios classes a call makes its errors with: those of the copy the instance was made by (axios/axios-binding.ts). */
export type CallBinding = Pick<AxiosStatic, 'AxiosError' | 'CanceledError'>;

/** A call as its client sees it: close() ends it. */
export interface ClosableCall {
  /** Fails the call in flight with ERR_CLIENT_CLOSED. */
  closeWith(): void;
  /** Ends the stream body the call handed out. */
  closeStream(): void;
}

export interface CallContext {
  readonly binding: CallBinding;
  readonly stats: Pick<PoolCounters, 'forOrigin'>;
  readonly log: Log;
  readonly pool: PoolContext;
  /** The client's agents: a call following redirects passes views of them that carry its attempt. */
  readonly httpAgent: PoolAgent;
  readonly httpsAgent: PoolAgent;
  /** Calls in flight, and settled calls whose stream body is still open: close() ends both. */
  readonly inflight: LiveCalls<ClosableCall>;
  readonly streaming: LiveCalls<ClosableCall>;
  /** Whether the call is configured with this client's agents (for http, https or both). */
  ownsAgents(config: InternalAxiosRequestConfig): boolean;
  /** A request that did not go through the pool: said once per client and reason. */
  noteBypass(config: InternalAxiosRequestConfig, reason: BypassReason): void;
}
