// The public surface of axios-keepalive, and nothing else.
import './augment';

export { createClient, type KeepAliveClient } from './create-client';
export { applyKeepAlive, type KeepAliveHandle } from './install';
export {
  ErrorCodes,
  isTimeoutError,
  isStreamAbandonedError,
  isClientClosedError,
  isProxyError,
  isKeepAliveError,
  type KeepAliveAxiosError,
  type SocketFacts,
  type ResponseFacts,
  type ErrorFacts,
} from './errors';
export {
  DEFAULTS,
  type KeepAliveOptions,
  type AgentOptions,
  type TlsOptions,
  type TimeoutOptions,
  type StreamOptions,
  type RetryOptions,
  type KeepAliveRequestOptions,
} from './options';
export type { PoolStats, OriginStats, CloseReason, TimeoutPhase } from './stats';
export type { SocketAssignedEvent } from './request-binding';
export { runWithInbound, inboundMiddleware, type InboundContext } from './correlation';
