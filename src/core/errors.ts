// Errors stay AxiosErrors (existing `axios.isAxiosError` / `error.code` handling keeps working);
// what the library knows goes under `error.keepAlive`. Guards check codes, not `instanceof`,
// so they also work across jest's module realms.
import type { AxiosError, AxiosStatic, InternalAxiosRequestConfig } from 'axios';
import type { TimeoutPhase } from './stats';

export const ErrorCodes = Object.freeze({
  /** A phase deadline expired; `error.keepAlive.timeoutPhase` names it. */
  TIMEOUT: 'ETIMEDOUT',
  /** A `responseType: 'stream'` body was not read within `stream.idleTimeout`. */
  STREAM_ABANDONED: 'ERR_STREAM_ABANDONED',
  /** The client was closed (`handle.close()`) before or while the call ran. */
  CLIENT_CLOSED: 'ERR_CLIENT_CLOSED',
  /** The proxy answered CONNECT with 407: no credentials, or refused ones. `error.keepAlive.proxyStatus` is 407. */
  PROXY_AUTH_REQUIRED: 'ERR_PROXY_AUTH_REQUIRED',
  /** The proxy refused the tunnel (another non-2xx answer, in `error.keepAlive.proxyStatus`), closed the connection during CONNECT, or did not speak HTTP. */
  PROXY_TUNNEL: 'ERR_PROXY_TUNNEL',
});

/**
 * Why a request did not go through the pool, when it did not:
 * - `interceptor`: something replaced the pool's agent on the request itself (nock, msw: their
 *   `MockHttpSocket`), so there is no pooled socket to report on;
 * - `agent`: the call passed its own `httpAgent`/`httpsAgent`;
 * - `proxy`: axios's own proxy handling (an `HTTP_PROXY`/`HTTPS_PROXY` variable or a `proxy`
 *   option) put its tunnelling agent in place of the pool's;
 * - `no-socket`: axios answered without any request (a `data:` URL).
 */
export type BypassReason = 'interceptor' | 'agent' | 'proxy' | 'no-socket';

/** What the pool knows about one of its sockets when a request is handed it. */
export interface PooledSocketFacts {
  reused: boolean;
  socketRequests: number;
  idleMs: number | null;
  queueMs: number;
  localPort: number | null;
  remoteAddress: string | null;
}

/**
 * What the library knows about the socket a request went out on. On a socket that is not the
 * pool's the reuse fields are `null` (unknown, never guessed) and `bypassed` says why.
 */
export interface SocketFacts {
  /** The socket had already served an earlier request; null when it was not the pool's. */
  reused: boolean | null;
  /** Requests this socket has carried, this one included; null when it was not the pool's. */
  socketRequests: number | null;
  /** How long the socket sat idle in the pool before this request; null on a new socket. */
  idleMs: number | null;
  /** How long the request waited for a socket (maxSockets reached); about 0 when one was free; null when it was not the pool's. */
  queueMs: number | null;
  localPort: number | null;
  remoteAddress: string | null;
  /** Set only when the request did not go through the pool: what served it instead. */
  bypassed?: BypassReason;
}

export interface ResponseFacts extends SocketFacts {
  /** From the adapter call to the response headers (and the body, when buffered). */
  durationMs: number;
  /** Times the call was re-sent (stale-socket retry). */
  retries: number;
}

export interface ErrorFacts extends Partial<SocketFacts> {
  durationMs: number;
  retries: number;
  /** Set on timeouts: which phase expired. */
  timeoutPhase?: TimeoutPhase;
  /** Set on socket failures of a reused socket that were not retried: why not. */
  notRetried?: string;
  /** Set when an error body was drained but cut at `stream.drainLimit` / `stream.drainTimeout`. */
  bodyTruncated?: boolean;
  /** Set when the proxy answered CONNECT with a status other than 2xx (407, 403, 502, ...). */
  proxyStatus?: number;
}

/** An AxiosError from a keep-alive client: `error.keepAlive` holds the library's facts. */
export type KeepAliveAxiosError<T = unknown, D = any> = AxiosError<T, D> & { keepAlive?: ErrorFacts };
type WithFacts = KeepAliveAxiosError;

function isAxiosErrorLike(error: unknown): error is WithFacts {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

const TIMEOUT_PHASE_MESSAGES: Record<TimeoutPhase, string> = {
  queue: 'waiting for a free socket to',
  connect: 'connecting to',
  response: 'waiting for headers from',
  idle: 'waiting for the next body bytes from',
  total: 'for the whole call to',
};

/** The AxiosError class of the axios copy a client works with (axios/axios-binding.ts has it). */
export type ErrorClasses = Pick<AxiosStatic, 'AxiosError'>;

export function timeoutError(
  binding: ErrorClasses,
  phase: TimeoutPhase,
  limit: number,
  origin: string,
  config: InternalAxiosRequestConfig,
  request: unknown,
  /** The proxy the origin is reached through (its label, no credentials), if any. */
  proxy?: string,
): WithFacts {
  const error: WithFacts = new binding.AxiosError(
    `${phase} timeout of ${limit} ms exceeded ${TIMEOUT_PHASE_MESSAGES[phase]} ${origin}${proxy === undefined ? '' : ` through proxy ${proxy}`}`,
    ErrorCodes.TIMEOUT,
    config,
    request,
  );
  return error;
}

/** True for every timeout: the phase deadlines of this library, and axios's or agentkeepalive's own. */
export function isTimeoutError(error: unknown): error is WithFacts {
  if (!isAxiosErrorLike(error)) return false;
  return error.code === 'ETIMEDOUT' || error.code === 'ECONNABORTED' || error.code === 'ERR_SOCKET_TIMEOUT';
}

/** True for the error a stream reader sees when the stream guard destroyed an unread body. */
export function isStreamAbandonedError(error: unknown): error is WithFacts {
  return isAxiosErrorLike(error) && error.code === ErrorCodes.STREAM_ABANDONED;
}

/** True for an AxiosError that carries axios-keepalive's facts. */
export function isKeepAliveError(error: unknown): error is WithFacts {
  return isAxiosErrorLike(error) && typeof error.keepAlive === 'object' && error.keepAlive !== null;
}

export function isClientClosedError(error: unknown): error is WithFacts {
  return isAxiosErrorLike(error) && error.code === ErrorCodes.CLIENT_CLOSED;
}

/** True when the proxy refused the tunnel or did not answer CONNECT as a proxy should (`ERR_PROXY_AUTH_REQUIRED`, `ERR_PROXY_TUNNEL`). */
export function isProxyError(error: unknown): error is WithFacts {
  return isAxiosErrorLike(error) && (error.code === ErrorCodes.PROXY_AUTH_REQUIRED || error.code === ErrorCodes.PROXY_TUNNEL);
}

/** Socket-level failures that a stale pooled socket produces. */
export const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);
