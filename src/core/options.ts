// Layer core/ (the bottom; ARCHITECTURE.md): what every layer shares - the public options and their
// defaults (this file), errors and their codes, the counters' types, the log writer and its
// redaction, the pool's event types, the inbound context, clock and validation. Imports nothing of
// the library outside core/.
//
import type { CreateAxiosDefaults } from 'axios';
import type { Logger, Level } from 'pino';
import type { CallLogger } from './log';
import type { SecureContextOptions } from 'node:tls';

/**
 * Every option of axios-keepalive, with its default and the reason for it.
 * All times are in milliseconds. `0` switches a timeout off.
 */
export interface KeepAliveOptions {
  /** axios defaults for the new instance (`baseURL`, `headers`, ...). `createClient` only. */
  axios?: CreateAxiosDefaults;
  /** The connection pool (one http and one https agentkeepalive agent per client). */
  agent?: AgentOptions;
  /** A pino logger, or `false` for no logging at all. Default: a new pino logger on stdout at `info`. */
  logger?: Logger | false;
  /**
   * Level of the one line logged per finished request. Default `'info'`: the line is the proof that
   * sockets are reused. A failed call is logged at `warn` unless `logLevel` is higher.
   */
  logLevel?: Level;
  /** Per-phase deadlines; see {@link TimeoutOptions}. */
  timeouts?: TimeoutOptions;
  /** Guarantees for `responseType: 'stream'` bodies and error bodies; see {@link StreamOptions}. */
  stream?: StreamOptions;
  /** Safe retries; see {@link RetryOptions}. */
  retry?: RetryOptions;
  /**
   * The forward proxy the pool connects through: a URL (`'http://proxy.internal:3128'`, credentials as
   * `http://user:password@host:port`, sent as `Proxy-Authorization` and never logged) for every
   * upstream of this client, or `false` for none. https upstreams go through one CONNECT tunnel per
   * pooled socket (TLS to the upstream inside it, with `agent.tls`), http upstreams as absolute-form
   * requests on pooled connections to the proxy; either way reuse, deadlines and facts work as on a
   * direct connection, and `stats()`/logs show the upstream, with the proxy beside it.
   * Default: from the environment, read once when the client is created: `https_proxy`/`HTTPS_PROXY`
   * for https upstreams, `http_proxy`/`HTTP_PROXY` for http ones (lower-case first, as axios's
   * proxy-from-env and undici read them), except the hosts in `no_proxy`/`NO_PROXY`. axios's own
   * proxy handling is switched off for the client's calls (it would bypass the pool); an axios
   * `proxy` object given in `options.axios` (or on an instance given to `applyKeepAlive`) is taken
   * over as this option. `https://` proxies are reached over TLS, trusting the same CAs as the
   * upstreams (`agent.tls.ca`, else Node's defaults); see the README, "https:// proxies".
   */
  proxy?: string | URL | false;
  /**
   * Inbound headers copied onto every outbound call made while handling that inbound request
   * (for example `['x-request-id', 'traceparent']`), when the request runs inside
   * `runWithInbound()` / `inboundMiddleware()`. A header the call sets itself wins. Default: none.
   */
  propagateHeaders?: string[];
  /** A periodic line per origin on the pool's health; see {@link SummaryOptions}. Default: off. */
  summary?: SummaryOptions;
  /**
   * The lean path: calls whose config it can serve exactly as axios's http adapter would (the table
   * in the README, "What takes the lean path") are sent by a transport of the library's own on
   * `http.request`, without axios's redirect, proxy, HTTP/2, form-data and progress machinery;
   * every other call goes through axios's adapter. Default `true`: the same responses and errors
   * (proven field by field against axios's adapter, `__tests__/lean/differential.test.ts`) for about
   * a third less client CPU per call. `false` sends every call through axios's adapter. Used only
   * where the instance's adapter is axios's own http adapter (a function adapter of yours is kept).
   */
  lean?: boolean;
}

/**
 * The `pool-summary` line: every `interval` ms, one line per origin that had traffic in it, with
 * requests, reuse ratio, connections opened and closed (by reason), queue wait p50/p99, timeouts by
 * phase and retries over the interval. With it, the per-call line can go to `debug` (`logLevel`)
 * while reuse stays visible at `info`.
 */
export interface SummaryOptions {
  /**
   * Milliseconds between two summaries; `0` is off. Default `0`: with the default `logLevel` every
   * call is already logged at `info`, and a library should not start a timer and a stream of lines
   * nobody asked for. From 1000 up: more often is a per-call log by another name, and 1 to 999 is
   * most likely seconds written as milliseconds. Typical: `60000`.
   */
  interval?: number;
  /** Level of the summary line. Default `'info'`: the level a service keeps on in production. */
  level?: Level;
}

export interface AgentOptions {
  /**
   * Most sockets per origin. Default 50: finite, so a burst queues (and the `queue` timeout bounds
   * the wait) instead of opening hundreds of connections to one upstream; large enough that a BFF
   * on one core rarely waits.
   */
  maxSockets?: number;
  /** Most idle sockets kept per origin. Default: `maxSockets` (idle ones expire after `freeSocketTimeout`). */
  maxFreeSockets?: number;
  /**
   * How long an idle socket stays in the pool. Default 4000: below the shortest common server
   * keep-alive timeout (Node's http server closes idle sockets after 5 s), so the client lets go
   * first and never writes into a socket the server is closing. A server's `Keep-Alive: timeout=N`
   * hint shortens it further for that socket.
   */
  freeSocketTimeout?: number;
  /**
   * Maximum age of a connection; it is closed when it comes back to the pool after this age
   * (with up to 10 % random jitter so a pool does not reconnect all at once). Default 300000
   * (5 min): traffic rebalances across backends after a deploy or DNS change within minutes,
   * while a connection still serves thousands of requests. `0`: no age limit.
   */
  socketActiveTTL?: number;
  /**
   * Which idle socket is taken first. Default `'lifo'`: the most recently used one, so the
   * sockets that are not needed stay idle and expire, and the pool shrinks after a burst.
   */
  scheduling?: 'lifo' | 'fifo';
  /**
   * TLS settings of the https agent (`ca`, `cert`, `key`, `servername`, ...). Certificate
   * verification stays on: `rejectUnauthorized: false` is refused. Default: Node's defaults.
   */
  tls?: TlsOptions;
}

export type TlsOptions = Pick<
  SecureContextOptions,
  'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'ciphers' | 'minVersion' | 'maxVersion'
> & { servername?: string };

/**
 * Deadlines per phase of a call. Each can also be set per request under
 * `config.keepAlive.timeouts`. A timed-out call rejects with `code: 'ETIMEDOUT'` and
 * `error.keepAlive.timeoutPhase`.
 */
export interface TimeoutOptions {
  /** Longest wait for a socket when `maxSockets` are busy. Default 5000: a pool saturated that long is overloaded; fail fast and shed load. */
  queue?: number;
  /** DNS lookup + TCP connect + TLS handshake of a new socket. Default 5000: allows two lost SYNs (Linux retransmits after 1 s and 3 s). */
  connect?: number;
  /** From the request going out on a ready socket (body included) to the response headers. Default 30000: a slow upstream endpoint, not a dead one. */
  response?: number;
  /** Longest silence of the socket while the response body arrives. Default 10000. */
  idle?: number;
  /**
   * One deadline for the whole call: from the adapter being invoked, through queue, connect, any
   * retry, to the last byte of a buffered response (for `responseType: 'stream'`, to the headers).
   * Default 60000: the usual load-balancer idle limit, so the BFF answers before its own caller gives up.
   */
  total?: number;
}

export interface StreamOptions {
  /** A `responseType: 'stream'` body that its caller does not read for this long is destroyed (`ERR_STREAM_ABANDONED`). Default 30000. */
  idleTimeout?: number;
  /** Most bytes read from an error response's stream body so its socket can be reused. Default 65536. */
  drainLimit?: number;
  /** Longest time spent reading that error body. Default 1000. */
  drainTimeout?: number;
}

export interface RetryOptions {
  /**
   * Re-send once, on a new socket, a request that failed with ECONNRESET/EPIPE/socket hang up on a
   * reused socket before any response byte, when it is safe (idempotent method, an
   * `Idempotency-Key` header, or no byte of it was written). Default `true`.
   */
  staleSocket?: boolean;
}

/** Per-request overrides, under `config.keepAlive`. */
export interface KeepAliveRequestOptions {
  /** `false`: no per-request log line for this call. */
  log?: boolean;
  timeouts?: TimeoutOptions;
  stream?: StreamOptions;
  retry?: RetryOptions;
  /**
   * A logger for this call only (for example pino-http's `req.log` or fastify's `request.log`), so
   * its lines carry the inbound request's bindings. Anything with pino's level methods.
   */
  logger?: CallLogger;
}

/** The defaults, in one place; the reasons are on the fields above. */
export const DEFAULTS = Object.freeze({
  agent: Object.freeze({
    maxSockets: 50,
    freeSocketTimeout: 4000,
    socketActiveTTL: 300_000,
    scheduling: 'lifo' as const,
  }),
  logLevel: 'info' as Level,
  timeouts: Object.freeze({ queue: 5000, connect: 5000, response: 30_000, idle: 10_000, total: 60_000 }),
  stream: Object.freeze({ idleTimeout: 30_000, drainLimit: 65_536, drainTimeout: 1000 }),
  retry: Object.freeze({ staleSocket: true }),
  summary: Object.freeze({ interval: 0, level: 'info' as Level }),
  lean: true,
});

/** The shortest summary interval that is not 0. */
export const MIN_SUMMARY_INTERVAL = 1000;

/** Node's timers overflow above this (they fire after 1 ms instead). */
export const MAX_TIMEOUT = 2 ** 31 - 1;
