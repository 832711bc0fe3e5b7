// One validation pass, before any socket exists: bad input fails here, never on the wire.
import pino from 'pino';
import type { Level, Logger } from 'pino';
import {
  DEFAULTS,
  MAX_TIMEOUT,
  MIN_SUMMARY_INTERVAL,
  type KeepAliveOptions,
  type SummaryOptions,
  type ResolvedOptions,
  type TimeoutOptions,
  type StreamOptions,
  type RetryOptions,
  type TlsOptions,
} from '../core/options';
import type { CallLogger } from '../core/log';
import { resolveProxy, type ProxySetting } from '../pool/proxy/config';
import { assertObject, checkBoolean, checkInteger, checkOneOf, isPlainObject, show } from '../core/validate';

const TOP_KEYS = ['axios', 'agent', 'logger', 'logLevel', 'timeouts', 'stream', 'retry', 'propagateHeaders', 'summary', 'proxy', 'lean'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
const AGENT_KEYS = ['maxSockets', 'maxFreeSockets', 'freeSocketTimeout', 'socketActiveTTL', 'scheduling', 'tls'] as const;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'servername'] as const;
const TIMEOUT_KEYS = ['queue', 'connect', 'response', 'idle', 'total'] as const;
const STREAM_KEYS = ['idleTimeout', 'drainLimit', 'drainTimeout'] as const;
const RETRY_KEYS = ['staleSocket'] as const;
const SUMMARY_KEYS = ['interval', 'level'] as const;
const REQUEST_KEYS = ['log', 'timeouts', 'stream', 'retry', 'logger', 'lean'] as const;
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const LOGGER_METHODS = ['child', 'info', 'warn', 'error', 'debug', 'trace', 'fatal', 'isLevelEnabled'] as const;
/** A per-call logger is only written to (log.ts CallLogger): fastify's request.log has these. */
const CALL_LOGGER_METHODS = ['info', 'warn', 'error', 'debug', 'trace', 'fatal'] as const;
const MAX_SOCKETS = 65_535;

function missingMethods(value: unknown, methods: readonly string[]): readonly string[] {
  return typeof value === 'object' && value !== null
    ? methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
    : methods;
}

export function checkLogger(name: string, value: unknown, orFalse = true): Logger | undefined {
  if (value === undefined) return undefined;
  const missing = missingMethods(value, LOGGER_METHODS);
  if (missing.length > 0) {
    throw new TypeError(`${name} must be a pino logger (missing ${missing.join(', ')})${orFalse ? ', or false' : ''}; got ${show(value)}`);
  }
  return value as Logger;
}

function checkCallLogger(name: string, value: unknown): CallLogger | undefined {
  if (value === undefined) return undefined;
  const missing = missingMethods(value, CALL_LOGGER_METHODS);
  if (missing.length > 0) {
    throw new TypeError(`${name} must be a pino logger or another logger with pino's level methods (missing ${missing.join(', ')}); got ${show(value)}`);
  }
  return value as CallLogger;
}

function resolveTimeouts(name: string, value: unknown, base: Required<TimeoutOptions>): Required<TimeoutOptions> {
  const t = assertObject(name, value, TIMEOUT_KEYS);
  if (!t) return base;
  const out = { ...base };
  for (const key of TIMEOUT_KEYS) {
    const v = checkInteger(`${name}.${key}`, t[key], 0, MAX_TIMEOUT);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function resolveStream(name: string, value: unknown, base: Required<StreamOptions>): Required<StreamOptions> {
  const s = assertObject(name, value, STREAM_KEYS);
  if (!s) return base;
  return {
    idleTimeout: checkInteger(`${name}.idleTimeout`, s.idleTimeout, 0, MAX_TIMEOUT) ?? base.idleTimeout,
    drainLimit: checkInteger(`${name}.drainLimit`, s.drainLimit, 0, 2 ** 30) ?? base.drainLimit,
    drainTimeout: checkInteger(`${name}.drainTimeout`, s.drainTimeout, 0, MAX_TIMEOUT) ?? base.drainTimeout,
  };
}

function resolveRetry(name: string, value: unknown, base: Required<RetryOptions>): Required<RetryOptions> {
  const r = assertObject(name, value, RETRY_KEYS);
  if (!r) return base;
  return { staleSocket: checkBoolean(`${name}.staleSocket`, r.staleSocket) ?? base.staleSocket };
}

function resolveSummary(value: unknown): Required<SummaryOptions> {
  const o = assertObject('options.summary', value, SUMMARY_KEYS);
  if (!o) return DEFAULTS.summary;
  const interval = checkInteger('options.summary.interval', o.interval, 0, MAX_TIMEOUT) ?? DEFAULTS.summary.interval;
  if (interval > 0 && interval < MIN_SUMMARY_INTERVAL) {
    throw new RangeError(
      `options.summary.interval must be 0 (off) or a whole number of milliseconds from ${MIN_SUMMARY_INTERVAL} to ${MAX_TIMEOUT}, got ${show(interval)}`,
    );
  }
  return { interval, level: checkOneOf('options.summary.level', o.level, LEVELS) ?? DEFAULTS.summary.level };
}

function resolveTls(value: unknown): TlsOptions | undefined {
  if (isPlainObject(value) && 'rejectUnauthorized' in value) {
    // The library never turns certificate verification off: trust a private CA instead.
    throw new TypeError(
      `options.agent.tls.rejectUnauthorized is not supported (${show(value.rejectUnauthorized)}): certificate verification stays on; pass the CA with options.agent.tls.ca`,
    );
  }
  return assertObject('options.agent.tls', value, TLS_KEYS) as TlsOptions | undefined;
}

function resolveHeaderNames(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && HEADER_NAME.test(v))) {
    throw new TypeError(`options.propagateHeaders must be an array of header names, got ${show(value)}`);
  }
  return Object.freeze([...new Set(value.map((v: string) => v.toLowerCase()))]);
}

/** Validates the client options and fills in the defaults. Throws TypeError/RangeError. */
/**
 * Validates the client options and fills in the defaults. Throws TypeError/RangeError.
 * `followEnv`: without options.proxy, the pool follows the proxy variables as axios would, at each
 * request (applyKeepAlive() on an instance whose proxy comes from the environment; proxy/config.ts).
 */
export function resolveOptions(options: KeepAliveOptions | undefined, allowAxios: boolean, followEnv = false): ResolvedOptions {
  const o = assertObject('options', options ?? {}, allowAxios ? TOP_KEYS : TOP_KEYS.filter((k) => k !== 'axios'))!;
  if (o.axios !== undefined && !isPlainObject(o.axios)) {
    throw new TypeError(`options.axios must be a plain object of axios defaults, got ${show(o.axios)}`);
  }
  const a = assertObject('options.agent', o.agent, AGENT_KEYS) ?? {};
  const maxSockets = checkInteger('options.agent.maxSockets', a.maxSockets, 1, MAX_SOCKETS) ?? DEFAULTS.agent.maxSockets;
  const maxFreeSockets = checkInteger('options.agent.maxFreeSockets', a.maxFreeSockets, 0, MAX_SOCKETS) ?? maxSockets;
  if (maxFreeSockets > maxSockets) {
    throw new RangeError(
      `options.agent.maxFreeSockets must not exceed options.agent.maxSockets (${maxSockets}), got ${maxFreeSockets}`,
    );
  }
  const freeSocketTimeout =
    checkInteger('options.agent.freeSocketTimeout', a.freeSocketTimeout, 1, MAX_TIMEOUT) ?? DEFAULTS.agent.freeSocketTimeout;
  const socketActiveTTL =
    checkInteger('options.agent.socketActiveTTL', a.socketActiveTTL, 0, MAX_TIMEOUT) ?? DEFAULTS.agent.socketActiveTTL;
  const scheduling = checkOneOf('options.agent.scheduling', a.scheduling, ['lifo', 'fifo'] as const) ?? DEFAULTS.agent.scheduling;

  let logger: Logger | false;
  if (o.logger === false) logger = false;
  else logger = checkLogger('options.logger', o.logger) ?? pino({ name: 'axios-keepalive' });
  const logLevel = checkOneOf('options.logLevel', o.logLevel, LEVELS) ?? DEFAULTS.logLevel;

  const timeouts = resolveTimeouts('options.timeouts', o.timeouts, DEFAULTS.timeouts);
  const tls = resolveTls(a.tls);
  // Last: the environment is read (once) only when everything else is valid. Following it, its
  // values now are still checked, so a bad variable fails here and not at the first call.
  const fixed = resolveProxy(o.proxy, timeouts.connect);
  const proxy: ProxySetting = followEnv && o.proxy === undefined ? { live: true, connectTimeout: timeouts.connect } : fixed;

  return {
    propagateHeaders: resolveHeaderNames(o.propagateHeaders),
    agent: { maxSockets, maxFreeSockets, freeSocketTimeout, socketActiveTTL, scheduling, tls, proxy },
    logger,
    logLevel,
    timeouts,
    stream: resolveStream('options.stream', o.stream, DEFAULTS.stream),
    retry: resolveRetry('options.retry', o.retry, DEFAULTS.retry),
    summary: resolveSummary(o.summary),
    lean: checkBoolean('options.lean', o.lean) ?? DEFAULTS.lean,
  };
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

export function baseCallOptions(resolved: ResolvedOptions): CallOptions {
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
