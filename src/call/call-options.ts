// The options one call runs with: the client's, or a copy with `config.keepAlive` applied (validated
// when the call starts, before anything is sent). The client's option groups are checked by the same
// functions (axios/resolve-options.ts), so a bad value reads the same either way.
import type { Logger } from 'pino';
import type { CallLogger } from '../core/log';
import { MAX_TIMEOUT, type RetryOptions, type StreamOptions, type TimeoutOptions } from '../core/options';
import { assertObject, checkBoolean, checkInteger, missingMethods, show } from '../core/validate';

const TIMEOUT_KEYS = ['queue', 'connect', 'response', 'idle', 'total'] as const;
const STREAM_KEYS = ['idleTimeout', 'drainLimit', 'drainTimeout'] as const;
const RETRY_KEYS = ['staleSocket'] as const;
const REQUEST_KEYS = ['log', 'timeouts', 'stream', 'retry', 'logger', 'lean'] as const;
/** A per-call logger is only written to (log.ts CallLogger): fastify's request.log has these. */
const CALL_LOGGER_METHODS = ['info', 'warn', 'error', 'debug', 'trace', 'fatal'] as const;

function checkCallLogger(name: string, value: unknown): CallLogger | undefined {
  if (value === undefined) return undefined;
  const missing = missingMethods(value, CALL_LOGGER_METHODS);
  if (missing.length > 0) {
    throw new TypeError(`${name} must be a pino logger or another logger with pino's level methods (missing ${missing.join(', ')}); got ${show(value)}`);
  }
  return value as CallLogger;
}

export function resolveTimeouts(name: string, value: unknown, base: Required<TimeoutOptions>): Required<TimeoutOptions> {
  const t = assertObject(name, value, TIMEOUT_KEYS);
  if (!t) return base;
  const out = { ...base };
  for (const key of TIMEOUT_KEYS) {
    const v = checkInteger(`${name}.${key}`, t[key], 0, MAX_TIMEOUT);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function resolveStream(name: string, value: unknown, base: Required<StreamOptions>): Required<StreamOptions> {
  const s = assertObject(name, value, STREAM_KEYS);
  if (!s) return base;
  return {
    idleTimeout: checkInteger(`${name}.idleTimeout`, s.idleTimeout, 0, MAX_TIMEOUT) ?? base.idleTimeout,
    drainLimit: checkInteger(`${name}.drainLimit`, s.drainLimit, 0, 2 ** 30) ?? base.drainLimit,
    drainTimeout: checkInteger(`${name}.drainTimeout`, s.drainTimeout, 0, MAX_TIMEOUT) ?? base.drainTimeout,
  };
}

export function resolveRetry(name: string, value: unknown, base: Required<RetryOptions>): Required<RetryOptions> {
  const r = assertObject(name, value, RETRY_KEYS);
  if (!r) return base;
  return { staleSocket: checkBoolean(`${name}.staleSocket`, r.staleSocket) ?? base.staleSocket };
}

/** What a call runs with: the client's options, or a copy with the per-request overrides applied. */
export interface CallOptions {
  /** The shortest timeout that is on (0: none): the call's one timer never sleeps longer than this. */
  step: number;
  log: boolean;
  logger: CallLogger | undefined;
  timeouts: Required<TimeoutOptions>;
  stream: Required<StreamOptions>;
  retry: Required<RetryOptions>;
  /** The lean path may serve this call (the client's `lean`, and not turned off for the call). */
  lean: boolean;
}

/** The shortest of the timeouts that are on, 0 when all are off. */
function shortestTimeout(t: Required<TimeoutOptions>): number {
  let step = 0;
  for (const v of [t.queue, t.connect, t.response, t.idle, t.total]) if (v > 0 && (step === 0 || v < step)) step = v;
  return step;
}

/** The client-wide options a call starts from (ResolvedOptions has them, axios/resolve-options.ts). */
export interface CallDefaults {
  readonly logger: Logger | false;
  readonly timeouts: Required<TimeoutOptions>;
  readonly stream: Required<StreamOptions>;
  readonly retry: Required<RetryOptions>;
  readonly lean: boolean;
}

export function baseCallOptions(resolved: CallDefaults): CallOptions {
  return Object.freeze({
    step: shortestTimeout(resolved.timeouts),
    log: resolved.logger !== false,
    logger: undefined,
    timeouts: resolved.timeouts,
    stream: resolved.stream,
    retry: resolved.retry,
    lean: resolved.lean,
  });
}

/**
 * Applies `config.keepAlive`. Without overrides the client's frozen object is returned as is:
 * no allocation on the hot path. Throws TypeError/RangeError naming `config.keepAlive.*`.
 */
export function resolveRequestOptions(base: CallOptions, value: unknown): CallOptions {
  if (value === undefined || value === null) return base;
  const r = assertObject('config.keepAlive', value, REQUEST_KEYS)!;
  const logger = checkCallLogger('config.keepAlive.logger', r.logger);
  const timeouts = resolveTimeouts('config.keepAlive.timeouts', r.timeouts, base.timeouts);
  return {
    step: timeouts === base.timeouts ? base.step : shortestTimeout(timeouts),
    // A per-request logger turns logging on for that call even when the client has none.
    log: (checkBoolean('config.keepAlive.log', r.log) ?? true) && (base.log || logger !== undefined),
    logger,
    timeouts,
    stream: resolveStream('config.keepAlive.stream', r.stream, base.stream),
    retry: resolveRetry('config.keepAlive.retry', r.retry, base.retry),
    // Per call it can only be turned off: a client without the lean path has no lean adapter. Checked
    // either way: a bad value is refused whatever the client's setting.
    lean: (checkBoolean('config.keepAlive.lean', r.lean) ?? true) && base.lean,
  };
}
