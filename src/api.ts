// The part of the public surface that does not depend on which copy of axios the user loaded:
// index.ts (CommonJS) and the generated index.mjs (ESM) both re-export all of it, each beside its own
// createClient/applyKeepAlive bound to its axios (bind-api.ts).
import './augment';

export type { KeepAliveClient } from './create-client';
export type { KeepAliveHandle } from './install';
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
  type SummaryOptions,
} from './options';
export type { PoolStats, OriginStats, CloseReason, TimeoutPhase } from './stats';
export type { SocketAssignedEvent } from './request-binding';
export { runWithInbound, inboundMiddleware, type InboundContext } from './correlation';
export { inboundHook, type InboundHook, type InboundHookRequest } from './inbound-hook';
export type { CallLogger, CallLogFn } from './log';
export type { PoolEvent, PoolListener, SocketOpenEvent, SocketCloseEvent, RetryEvent, TimeoutEvent } from './pool-events';
export type { LogFieldsProvider } from './log-fields';
