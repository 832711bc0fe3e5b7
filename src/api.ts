// The part of the public surface that does not depend on which copy of axios the user loaded:
// index.ts (CommonJS) and the generated index.mjs (ESM) both re-export all of it, each beside its own
// createClient/applyKeepAlive bound to its axios (bind-api.ts).
import './axios/augment';

export type { KeepAliveClient } from './axios/create-client';
export type { KeepAliveHandle } from './axios/install';
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
  type BypassReason,
} from './core/errors';
export {
  DEFAULTS,
  type KeepAliveOptions,
  type AgentOptions,
  type TlsOptions,
  type TimeoutOptions,
  type StreamOptions,
  type RetryOptions,
  type KeepAliveRequestOptions,
  type SummaryOptions,
} from './core/options';
export type { PoolStats, OriginStats, CloseReason, TimeoutPhase } from './core/stats';
export { runWithInbound, inboundMiddleware, type InboundContext } from './core/correlation';
export { inboundHook, type InboundHook, type InboundHookRequest } from './observability/inbound-hook';
export type { CallLogger, CallLogFn } from './core/log';
export type { PoolEvent, PoolListener, SocketOpenEvent, SocketCloseEvent, RetryEvent, TimeoutEvent, SocketAssignedEvent } from './core/pool-events';
export type { LogFieldsProvider } from './core/log-fields';
