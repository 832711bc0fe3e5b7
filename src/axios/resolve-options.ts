// One validation pass, before any socket exists: bad input fails here, never on the wire.
import pino from 'pino';
import type { Level, Logger } from 'pino';
import {
  DEFAULTS,
  MAX_TIMEOUT,
  MIN_SUMMARY_INTERVAL,
  type KeepAliveOptions,
  type SummaryOptions,
  type TimeoutOptions,
  type StreamOptions,
  type RetryOptions,
  type TlsOptions,
} from '../core/options';
import { resolveRetry, resolveStream, resolveTimeouts } from '../call/call-options';
import type { PoolOptions } from '../pool/hooks';
import { resolveProxy, type ProxySetting } from '../pool/proxy/config';
import { assertObject, checkBoolean, checkInteger, checkOneOf, isPlainObject, missingMethods, show } from '../core/validate';

/** The client's options, validated and with the defaults filled in: what each layer is built from. */
export interface ResolvedOptions {
  propagateHeaders: readonly string[];
  agent: PoolOptions;
  logger: Logger | false;
  logLevel: Level;
  timeouts: Required<TimeoutOptions>;
  stream: Required<StreamOptions>;
  retry: Required<RetryOptions>;
  summary: Required<SummaryOptions>;
  lean: boolean;
}

const TOP_KEYS = ['axios', 'agent', 'logger', 'logLevel', 'timeouts', 'stream', 'retry', 'propagateHeaders', 'summary', 'proxy', 'lean'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
const AGENT_KEYS = ['maxSockets', 'maxFreeSockets', 'freeSocketTimeout', 'socketActiveTTL', 'scheduling', 'tls'] as const;
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'servername'] as const;
const SUMMARY_KEYS = ['interval', 'level'] as const;
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const LOGGER_METHODS = ['child', 'info', 'warn', 'error', 'debug', 'trace', 'fatal', 'isLevelEnabled'] as const;
const MAX_SOCKETS = 65_535;

export function checkLogger(name: string, value: unknown, orFalse = true): Logger | undefined {
  if (value === undefined) return undefined;
  const missing = missingMethods(value, LOGGER_METHODS);
  if (missing.length > 0) {
    throw new TypeError(`${name} must be a pino logger (missing ${missing.join(', ')})${orFalse ? ', or false' : ''}; got ${show(value)}`);
  }
  return value as Logger;
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
