// When a failed request may be sent again on a new socket (the keep-alive race).
// Go's net/http Transport does the same: it retries a request that failed on a reused connection
// when nothing of the response arrived and the request is replayable (transport.go, shouldRetryRequest).
import type { InternalAxiosRequestConfig } from 'axios';
import type { Attempt } from './attempt';
import { STALE_SOCKET_CODES } from '../core/errors';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export const RETRY = 'retry';

/** A header axios actually sends: AxiosHeaders.toJSON() drops null and false values. */
function sent(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false && String(value).trim() !== '';
}

function hasIdempotencyKey(headers: unknown): boolean {
  if (headers === null || typeof headers !== 'object') return false;
  const h = headers as { get?: (name: string) => unknown };
  if (typeof h.get === 'function') return sent(h.get('Idempotency-Key')); // AxiosHeaders: case-insensitive
  const record = headers as Record<string, unknown>;
  return Object.keys(record).some((k) => k.toLowerCase() === 'idempotency-key' && sent(record[k]));
}

/** A stream body has been consumed by the first attempt; everything else axios can send again. */
function isReplayable(data: unknown): boolean {
  return !(data !== null && typeof data === 'object' && typeof (data as { pipe?: unknown }).pipe === 'function');
}

/**
 * `RETRY`, or why not (a sentence for the error message), or undefined when the failure is not a
 * stale-socket failure at all (a new socket, another error code).
 */
export function staleRetryDecision(
  attempt: Attempt,
  code: string | undefined,
  config: InternalAxiosRequestConfig,
  enabled: boolean,
  retriesSoFar: number,
): string | undefined {
  const facts = attempt.facts;
  const socket = attempt.socket;
  if (facts === null || socket === null || !facts.reused || code === undefined || !STALE_SOCKET_CODES.has(code)) {
    return undefined;
  }
  if (!enabled) return 'stale-socket retry is off';
  if (retriesSoFar > 0) return 'it was already retried once';
  if (socket.bytesRead > attempt.readBefore) return 'response bytes had already arrived';
  if (!isReplayable(config.data)) return 'its body is a stream that cannot be sent again';
  const method = (config.method ?? 'get').toUpperCase();
  if (IDEMPOTENT.has(method) || hasIdempotencyKey(config.headers)) return RETRY;
  // bytesWritten is undefined once the socket is gone: then assume bytes were written.
  if (socket.bytesWritten === attempt.writtenBefore) return RETRY;
  return `${method} is not idempotent, has no Idempotency-Key header, and its bytes were written`;
}
