// One CONNECT tunnel through a forward proxy, with TLS to the upstream inside it: TCP to the proxy
// (and the TLS handshake with the proxy itself for an https:// proxy, proxy/connect.ts),
// `CONNECT host:port`, a 2xx answer, then the TLS handshake with the upstream. The whole of it runs
// under one deadline (`limit`), and every way it can fail ends in one typed error, with every socket
// it opened destroyed: a failed tunnel is never handed to the pool.
//
// Sources read: Node 20 lib/_tls_wrap.js (tls.connect({ socket }) takes over the handle of a
// connected net.Socket and destroys itself when that socket closes, a TLSSocket included, which is
// how TLS to the upstream runs inside TLS to an https:// proxy, as in https-proxy-agent; the hostname
// it verifies is options.servername || options.host), RFC 9110 9.3.6 (any 2xx answer to CONNECT opens the
// tunnel; the proxy sends nothing after the answer's head until the client speaks), and Node 24
// lib/https.js establishTunnel (the same steps, as Node's own NODE_USE_ENV_PROXY does them).
import type { Socket } from 'node:net';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ErrorCodes } from '../../core/errors';
import { proxyCertificateHint, readyEvent, type ProxyConnector, type ProxyNetOptions } from './connect';
import type { ProxyEndpoint } from './endpoint';
import type { TimeoutPhase } from '../../core/stats';

/** A proxy's answer head larger than this is not an answer to CONNECT. */
const MAX_ANSWER_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?\r\n/;

export type TunnelStage = 'proxy-connect' | 'proxy-tls' | 'connect-answer' | 'tls';

const STAGE_TEXT: Record<TunnelStage, string> = {
  'proxy-connect': 'connecting to the proxy',
  'proxy-tls': 'in the TLS handshake with the proxy',
  'connect-answer': 'waiting for the answer to CONNECT',
  tls: 'in the TLS handshake with the upstream',
};

/** The error a tunnel fails with; axios keeps its message and `code` (AxiosError.from), the rest is on `error.cause`. */
export interface TunnelError extends Error {
  code: string;
  /** The proxy, without credentials. */
  proxy: string;
  /** `host:port` asked for in CONNECT. */
  target: string;
  /** The proxy's status code, when it answered CONNECT with one other than 2xx. */
  proxyStatus?: number;
  /** 'connect' when the tunnel's deadline expired. */
  timeoutPhase?: TimeoutPhase;
  stage: TunnelStage;
}

function tunnelError(message: string, code: string, fields: Omit<TunnelError, 'name' | 'message' | 'code'>, cause?: unknown): TunnelError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as TunnelError;
  error.code = code;
  return Object.assign(error, fields);
}

export interface TunnelRequest {
  readonly proxy: ProxyEndpoint;
  /** The upstream, as in request options (an IPv6 address without brackets). */
  readonly host: string;
  readonly port: number;
  /** Milliseconds for TCP + CONNECT + TLS; 0: no limit of its own. */
  readonly limit: number;
  /** Options of the TCP connection to the proxy (keep-alive, local address). */
  readonly net: ProxyNetOptions;
  /** Opens the connection to the proxy: TCP, or TLS to an https:// proxy. */
  readonly connector: ProxyConnector;
  /** Options of tls.connect() to the upstream (CA, servername, session, ...); `socket` is added here. */
  readonly tls: ConnectionOptions;
}

export interface TunnelHooks {
  /** The socket that stands for the tunnel while it is built: the TCP socket, then the TLS socket. */
  pending(socket: Socket): void;
  /** The TLS socket exists, before its handshake: the pool installs its listeners on it here. */
  tlsSocket(socket: TLSSocket): void;
  /**
   * Called once: no error and the ready TLS socket, or the error and the TLS socket if there was one
   * yet (every socket is destroyed right after this returns, so the pool can mark why first).
   */
  done(error: TunnelError | null, socket: TLSSocket | null): void;
}

/** `host:port` for the CONNECT line and the Host header (IPv6 in brackets, RFC 9110 7.2). */
export function authorityOf(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function printable(text: string): string {
  // The proxy's reason phrase, shown in a message: printable ASCII, bounded.
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

export function openTunnel(request: TunnelRequest, hooks: TunnelHooks): void {
  const { proxy, limit } = request;
  const target = authorityOf(request.host, request.port);
  const fields = (stage: TunnelStage): Omit<TunnelError, 'name' | 'message' | 'code'> => ({ proxy: proxy.label, target, stage });
  let stage: TunnelStage = 'proxy-connect';
  let answer: Buffer = Buffer.alloc(0);
  let secure: TLSSocket | null = null;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const raw = request.connector.open(proxy, request.net);
  const ready = readyEvent(raw);
  raw.setNoDelay(true);
  hooks.pending(raw);

  const finish = (error: TunnelError | null): void => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    raw.removeListener(ready, onConnect);
    raw.removeListener('connect', onTcpConnect);
    raw.removeListener('data', onData);
    raw.removeListener('end', onEnd);
    raw.removeListener('close', onClose);
    // The TCP socket now belongs to the TLS socket, which reports its errors; this listener only
    // keeps a late error on the wrapped socket from being an uncaught exception.
    raw.removeListener('error', onError);
    raw.on('error', ignore);
    if (secure !== null) {
      secure.removeListener('secureConnect', onSecure);
      secure.removeListener('error', onError);
      secure.removeListener('close', onClose);
    }
    hooks.done(error, secure);
    if (error !== null) {
      if (secure !== null && !secure.destroyed) secure.destroy(error.code === ErrorCodes.TIMEOUT ? error : undefined);
      raw.destroy();
    }
  };

  const onTimeout = (): void => {
    finish(tunnelError(
      `connect timeout of ${limit} ms exceeded connecting to ${target} through proxy ${proxy.label} (${STAGE_TEXT[stage]})`,
      ErrorCodes.TIMEOUT,
      { ...fields(stage), timeoutPhase: 'connect' },
    ));
  };

  function onTcpConnect(): void {
    stage = 'proxy-tls'; // only listened to for an https:// proxy, whose TLS handshake starts now
  }

  function onConnect(): void {
    stage = 'connect-answer';
    const auth = proxy.authorization();
    raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth === undefined ? '' : `Proxy-Authorization: ${auth}\r\n`}\r\n`);
  }

  function onData(chunk: Buffer): void {
    answer = answer.length === 0 ? chunk : Buffer.concat([answer, chunk]);
    const end = answer.indexOf(HEAD_END);
    if (end === -1) {
      if (answer.length > MAX_ANSWER_BYTES) {
        finish(tunnelError(`proxy ${proxy.label} sent more than ${MAX_ANSWER_BYTES} bytes without ending its answer to CONNECT ${target}`, ErrorCodes.PROXY_TUNNEL, fields(stage)));
      }
      return;
    }
    raw.removeListener('data', onData);
    raw.pause();
    const head = answer.subarray(0, end + 2).toString('latin1');
    const status = STATUS_LINE.exec(head);
    if (status === null) {
      finish(tunnelError(`proxy ${proxy.label} answered CONNECT ${target} with something that is not an HTTP/1.x status line`, ErrorCodes.PROXY_TUNNEL, fields(stage)));
      return;
    }
    const code = Number(status[1]);
    const reason = printable(status[2] ?? '');
    if (code === 407) {
      const why = proxy.authorization() === undefined
        ? 'no credentials were sent: give them in the proxy URL, http://user:password@host:port'
        : 'the credentials sent were refused';
      finish(tunnelError(
        `proxy ${proxy.label} answered 407 ${reason} to CONNECT ${target} (${why})`,
        ErrorCodes.PROXY_AUTH_REQUIRED,
        { ...fields(stage), proxyStatus: code },
      ));
      return;
    }
    if (code < 200 || code > 299) {
      finish(tunnelError(
        `proxy ${proxy.label} refused to CONNECT to ${target}: ${code} ${reason}`.trimEnd(),
        ErrorCodes.PROXY_TUNNEL,
        { ...fields(stage), proxyStatus: code },
      ));
      return;
    }
    if (answer.length > end + 4) {
      // Nothing may come before the client's TLS hello: these bytes would be read as TLS.
      finish(tunnelError(`proxy ${proxy.label} sent data after its answer to CONNECT ${target}, before the tunnel was used`, ErrorCodes.PROXY_TUNNEL, fields(stage)));
      return;
    }
    stage = 'tls';
    raw.removeListener('end', onEnd);
    raw.removeListener('close', onClose);
    raw.removeListener('error', onError);
    raw.on('error', ignore);
    secure = tls.connect({ ...request.tls, socket: raw });
    secure.once('secureConnect', onSecure);
    secure.on('error', onError);
    secure.once('close', onClose);
    hooks.pending(secure);
    hooks.tlsSocket(secure);
  }

  function onSecure(): void {
    finish(null);
  }

  function onError(error: NodeJS.ErrnoException): void {
    if (stage === 'tls') {
      // A TLS failure (an untrusted certificate, a reset inside the tunnel) keeps its own code and
      // message, as on a direct connection; stats and the socket-close line already have it.
      const e = error as TunnelError;
      finish(Object.assign(e, fields(stage)));
      return;
    }
    // Unreachable proxy, reset during CONNECT, a proxy certificate not trusted: the socket's code
    // (ECONNREFUSED, ECONNRESET, ENOTFOUND, DEPTH_ZERO_SELF_SIGNED_CERT) stays, the message names the
    // proxy and the target.
    finish(tunnelError(
      `${error.message} (proxy ${proxy.label}, ${STAGE_TEXT[stage]} for ${target}${stage === 'proxy-tls' ? proxyCertificateHint(error) : ''})`,
      error.code ?? ErrorCodes.PROXY_TUNNEL,
      fields(stage),
      error,
    ));
  }

  function onEnd(): void {
    finish(tunnelError(`proxy ${proxy.label} closed the connection (${STAGE_TEXT[stage]} for ${target})`, ErrorCodes.PROXY_TUNNEL, fields(stage)));
  }

  function onClose(): void {
    // Destroyed from outside (close(), the pool's destroy()) or closed without an end/error first.
    finish(tunnelError(`the connection to proxy ${proxy.label} closed (${STAGE_TEXT[stage]} for ${target})`, ErrorCodes.PROXY_TUNNEL, fields(stage)));
  }

  raw.once(ready, onConnect);
  if (ready === 'secureConnect') raw.once('connect', onTcpConnect);
  raw.on('data', onData);
  raw.once('end', onEnd);
  raw.on('error', onError);
  raw.once('close', onClose);
  if (limit > 0) {
    timer = setTimeout(onTimeout, limit);
    timer.unref(); // the sockets keep the process alive while it matters, never this timer
  }
}

function ignore(): void {}

/** What a failed tunnel adds to `error.keepAlive`: axios wraps the tunnel's error (AxiosError.from) and keeps it as `cause`. */
export function tunnelFacts(error: unknown): { timeoutPhase?: TimeoutPhase; proxyStatus?: number } {
  const cause = (error as { cause?: Partial<TunnelError> } | null)?.cause;
  if (cause === null || typeof cause !== 'object' || typeof cause.proxy !== 'string') return {};
  const facts: { timeoutPhase?: TimeoutPhase; proxyStatus?: number } = {};
  if (cause.timeoutPhase !== undefined) facts.timeoutPhase = cause.timeoutPhase;
  if (cause.proxyStatus !== undefined) facts.proxyStatus = cause.proxyStatus;
  return facts;
}
