// Every line the library writes goes through here. The rule: fields are built from plain values
// the library chose (method, origin, path without query values, numbers, codes); never a header
// value, a body, a config, a request or a raw error object.
import type { Level, Logger } from 'pino';

export const LOG_KEY = 'axios-keepalive';
const REDACTED = '[REDACTED]';

/** `/p?a=1&token=x` -> `/p?a=[REDACTED]&token=[REDACTED]`: keys stay (they help debugging), values never. */
export function redactPath(path: string): string {
  const q = path.indexOf('?');
  if (q === -1) return path;
  const query = path.slice(q + 1);
  if (query === '') return path;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    parts[i] = (eq === -1 ? parts[i] : parts[i].slice(0, eq)) + '=' + REDACTED;
  }
  return path.slice(0, q) + '?' + parts.join('&');
}

/** A URL for the logs: origin and path, no credentials, query values redacted. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname + (u.search ? redactPath('?' + u.search.slice(1)) : '');
    return u.origin + path;
  } catch {
    // Not parseable (a relative path, a mistyped host): drop any userinfo of an absolute,
    // protocol-relative or bare `user:pw@host/...` form before anything is logged.
    return redactPath(url.replace(/^((?:[a-z][a-z\d+.-]*:)?\/\/)?[^/?#]*@/i, '$1'));
  }
}

/**
 * What a per-call logger needs: pino's level methods. A pino logger, pino-http's `req.log` and
 * fastify's `request.log` all fit; fastify types the latter as `FastifyBaseLogger`, pino's BaseLogger
 * without `msgPrefix` or `isLevelEnabled` (fastify 5 types/logger.d.ts), so pino's `Logger` type
 * would refuse it under --strict.
 */
export interface CallLogger {
  trace: CallLogFn;
  debug: CallLogFn;
  info: CallLogFn;
  warn: CallLogFn;
  error: CallLogFn;
  fatal: CallLogFn;
  /** pino's; when it is absent every level is written (pino's own level methods are no-ops below its level). */
  isLevelEnabled?(level: string): boolean;
}

/** The one form the library calls: `logger.info(fields, message)`. pino's overloaded LogFn fits it. */
export type CallLogFn = (fields: Record<string, unknown>, msg: string) => void;

const WARN_RANK: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export class Log {
  readonly logger: Logger | false;
  readonly requestLevel: Level;
  readonly failureLevel: Level;

  constructor(logger: Logger | false, level: Level) {
    // A child with the library's own key, so our lines can be told apart and filtered.
    this.logger = logger === false ? false : logger.child({ lib: LOG_KEY });
    this.requestLevel = level;
    this.failureLevel = WARN_RANK[level] > WARN_RANK.warn ? level : 'warn';
  }

  /** The logger for one call: the per-request one (with our key added per line) or the client's. */
  enabled(level: Level, perRequest?: CallLogger): CallLogger | undefined {
    const logger: CallLogger | false = perRequest ?? this.logger;
    if (logger === false) return undefined;
    return logger.isLevelEnabled === undefined || logger.isLevelEnabled(level) ? logger : undefined;
  }

  write(level: Level, fields: Record<string, unknown>, msg: string, perRequest?: CallLogger): void {
    const logger = this.enabled(level, perRequest);
    if (logger !== undefined) this.writeTo(logger, level, fields, msg, perRequest);
  }

  /** write() for a caller that already has the enabled logger (the per-request line). */
  writeTo(logger: CallLogger, level: Level, fields: Record<string, unknown>, msg: string, perRequest?: CallLogger): void {
    if (perRequest !== undefined) fields.lib = LOG_KEY;
    logger[level](fields, msg);
  }
}
