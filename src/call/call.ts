// Layer call/ (ARCHITECTURE.md): one call and its attempts - deadlines, stale-socket retry, stream
// guard, error-body drain, facts and the log line. May import core/, lean/ and pool/; what it needs
// from its client is declared in call-context.ts (CallContext) and implemented by axios/client-state.ts.
//
// One axios call through the keep-alive adapter: the total deadline, the attempts (one, or two
// after a stale-socket retry), the facts put on the response or error, the error-body drain, the
// stream guard, and the one log line per finished call.
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import { isPoolRequest, requestFacts } from '../pool/request-binding';
import { Attempt, type CallHooks } from './attempt';
import type { AdapterFunction, CallContext, ClosableCall } from './call-context';
import type { LiveSlot } from './live-calls';
import { now, roundMs, unrefTimer } from '../core/clock';
import { drainBody, replay } from './drain-error-body';
import { frameStreamBody } from './frame-stream-body';
import { deferLegacyFormFlow } from './legacy-form-body';
import {
  ErrorCodes, timeoutError,
  type BypassReason, type ErrorFacts, type KeepAliveAxiosError, type ResponseFacts, type SocketFacts,
} from '../core/errors';
import type { CallOptions } from './call-options';
import { addLogFields } from '../core/log-fields';
import { notifyPool } from '../core/pool-events';
import { isPoolProxy } from './proxy-marker';
import { tunnelFacts } from '../pool/proxy/tunnel';
import { loggedUrl, originOf } from '../core/request-url';
import { RETRY, staleRetryDecision } from './stale-retry';
import type { TimeoutPhase } from '../core/stats';
import { guardStream, type GuardHooks } from './stream-guard';

function isReadable(value: unknown): value is Readable {
  return value !== null && typeof value === 'object' && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}

function onCallTimer(call: Call): void {
  call.onTimer();
}

/** How each attempt's native request reaches its call (attempt.ts explains both). */
const enum Route {
  /** The attempt is the request's transport (maxRedirects 0): bound at creation, whoever serves it. */
  Transport,
  /** follow-redirects creates the requests: the pool's agents are passed as views carrying the attempt. */
  AgentView,
  /** Neither applies (the call brings its own transport or agents): facts from what settles. */
  None,
}

/** The facts put on a response: one object literal of one shape, not a spread of a spread. */
function withFacts(f: SocketFacts | undefined, durationMs: number, retries: number): Partial<SocketFacts> & { durationMs: number; retries: number } {
  if (f === undefined) return { durationMs, retries };
  const facts: Partial<SocketFacts> & { durationMs: number; retries: number } = {
    reused: f.reused, socketRequests: f.socketRequests, idleMs: f.idleMs, queueMs: f.queueMs,
    localPort: f.localPort, remoteAddress: f.remoteAddress, durationMs, retries,
  };
  if (f.bypassed !== undefined) facts.bypassed = f.bypassed;
  return facts;
}

const UNPOOLED = { reused: null, socketRequests: null, idleMs: null, queueMs: null, localPort: null, remoteAddress: null } as const;

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/**
 * Whether axios's proxy handling may have taken this call (a `proxy` option, or a proxy variable
 * that axios reads when `proxy` is not false), to name why a request missed the pool. Only asked
 * when a request following redirects did not reach the pool.
 */
function proxyApplies(config: InternalAxiosRequestConfig): boolean {
  // The pool's marker: axios's proxy handling was off for the call (proxy-marker.ts).
  if (config.proxy === false || isPoolProxy(config.proxy)) return false;
  return config.proxy != null || PROXY_VARIABLES.some((name) => process.env[name]);
}

/** axios's own `timeout`, read as axios reads it (lib/adapters/http.js: parseInt of a truthy value). */
function axiosTimeoutOf(config: InternalAxiosRequestConfig): number {
  const t = config.timeout;
  if (!t) return 0;
  const ms = parseInt(String(t), 10);
  return Number.isNaN(ms) ? 0 : ms;
}

export class Call implements CallHooks, GuardHooks, ClosableCall {
  readonly start = now();
  retries = 0;
  settled = false;
  private current: Attempt | null = null;
  private readonly route: Route;
  /** The `responseType: 'stream'` body handed to the caller, while it is being read. */
  private body: Readable | undefined;
  /**
   * One timer per call watches the total deadline and the current attempt's phase. It sleeps at most
   * opts.step (the shortest limit), so a phase that starts later can never expire before it wakes;
   * phase changes are field writes, and a fast call costs one setTimeout and one clearTimeout.
   */
  private timer: NodeJS.Timeout | undefined;
  /** This call's place among the client's calls in flight (live-calls.ts). */
  private inflightSlot: LiveSlot = -1;
  private wakeAt = Infinity;
  private totalDue = Infinity;
  private resolve!: (response: AxiosResponse) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly client: CallContext,
    readonly config: InternalAxiosRequestConfig,
    readonly opts: CallOptions,
    /** axios's http adapter, or the lean transport standing in for it (client-state.ts). */
    private readonly adapter: AdapterFunction,
    /** The pool's proxy marker the config carries (proxy-marker.ts), if it does. */
    private readonly proxyMarker: unknown,
  ) {
    const c = config as InternalAxiosRequestConfig & { transport?: unknown; httpVersion?: unknown };
    if (c.transport == null && c.httpVersion != 2) {
      if (c.maxRedirects === 0) this.route = Route.Transport;
      else if (client.ownsAgents(c)) this.route = Route.AgentView;
      else this.route = Route.None;
    } else {
      this.route = Route.None;
    }
  }

  run(): Promise<AxiosResponse> {
    return new Promise<AxiosResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const total = this.opts.timeouts.total;
      if (total > 0) this.totalDue = this.start + total;
      if (this.opts.step > 0) this.schedule(this.opts.step);
      this.inflightSlot = this.client.inflight.add(this);
      frameStreamBody(this.config);
      deferLegacyFormFlow(this.config);
      this.dispatch(false);
    });
  }

  private dispatch(forceNewSocket: boolean): void {
    const attempt = new Attempt(this, forceNewSocket, this.proxyMarker === undefined && this.config.proxy === false);
    this.current = attempt;
    const config = this.config as InternalAxiosRequestConfig & { transport?: unknown };
    let promise: Promise<AxiosResponse>;
    let agents: [unknown, unknown] | undefined;
    if (this.route === Route.Transport) {
      config.transport = attempt;
    } else if (this.route === Route.AgentView) {
      // axios reads httpAgent/httpsAgent synchronously when its adapter starts (lib/adapters/http.js
      // `own('httpAgent')`, before any await), so the views are put back right after the call.
      agents = [config.httpAgent, config.httpsAgent];
      if (config.httpAgent === this.client.httpAgent) config.httpAgent = this.client.httpAgent.viewFor(attempt);
      if (config.httpsAgent === this.client.httpsAgent) config.httpsAgent = this.client.httpsAgent.viewFor(attempt);
    }
    // axios's adapter reads `proxy` when it starts (lib/adapters/http.js `own('proxy')`, before any
    // await): `false` for that moment, the marker again after (proxy-marker.ts).
    if (this.proxyMarker !== undefined) config.proxy = false;
    try {
      promise = this.adapter(config);
    } catch (error) {
      promise = Promise.reject(error);
    } finally {
      if (agents !== undefined) [config.httpAgent, config.httpsAgent] = agents;
      if (this.proxyMarker !== undefined) config.proxy = this.proxyMarker as false;
    }
    promise.then(
      (response) => this.onResponse(attempt, response),
      (error: unknown) => this.onError(attempt, error),
    );
  }

  // --- what the attempt asks of its call ---

  transportTaken(attempt: Attempt): void {
    const config = this.config as InternalAxiosRequestConfig & { transport?: unknown };
    // Off the user's config before anything can see it: a retry library that sends `error.config`
    // again (axios-retry) must not find this attempt in it.
    if (config.transport === attempt) config.transport = undefined;
    const timeout = axiosTimeoutOf(this.config);
    if (timeout > 0) {
      // axios runs a wall-clock timer for its `timeout`, from request creation to the response
      // headers, only on its own native transport (lib/adapters/http.js: `isNativeTransport &&
      // timeout > 0`, since 1.16.0); with any other transport it relies on req.setTimeout() alone.
      // Keep axios's behaviour: when it expires the request emits 'timeout', which runs the handler
      // axios registered with req.setTimeout(timeout, handler) and rejects as axios would.
      attempt.axiosDue = now() + timeout;
      this.wakeBy(attempt.axiosDue);
    }
  }

  bypassReason(options: { agent?: unknown }): BypassReason {
    // Not the pool's agent: one the call configured (its own httpAgent/httpsAgent), or one axios put
    // in place of the configured agent (its tunnelling agent, when a proxy applies).
    const configured = options.agent === this.config.httpAgent || options.agent === this.config.httpsAgent;
    return configured ? 'agent' : 'proxy';
  }

  // --- outcomes of an attempt ---

  private releaseTransport(attempt: Attempt): void {
    const config = this.config as InternalAxiosRequestConfig & { transport?: unknown };
    if (config.transport === attempt) config.transport = undefined;
  }

  /**
   * Facts for an attempt whose native request the call did not see being created: none at all
   * (`data:` URLs), or one that follow-redirects created and that never reached the pool.
   */
  private unboundFacts(attempt: Attempt, request: unknown): SocketFacts | undefined {
    const pooled = requestFacts(request);
    if (pooled !== undefined) return pooled;
    // The pool's own request, failed before it had a socket: nothing to report, nothing bypassed.
    if (attempt.req !== null || isPoolRequest(request)) return undefined;
    let reason: BypassReason;
    if (request == null) reason = 'no-socket';
    else if (this.route === Route.AgentView) reason = proxyApplies(this.config) ? 'proxy' : 'interceptor';
    else if (!this.client.ownsAgents(this.config)) reason = 'agent';
    else return undefined; // the call brought its own transport: nothing known, nothing guessed
    attempt.bypassed = reason;
    return { ...UNPOOLED, bypassed: reason };
  }

  private onResponse(attempt: Attempt, response: AxiosResponse): void {
    this.releaseTransport(attempt);
    if (this.settled) {
      // Already failed (deadline, client closed): what arrives late is destroyed, never pooled half-read.
      if (isReadable(response.data)) response.data.destroy();
      return;
    }
    const facts = attempt.facts ?? this.unboundFacts(attempt, response.request);
    if (attempt.bypassed !== undefined) this.client.noteBypass(this.config, attempt.bypassed);
    response.keepAlive = withFacts(facts, this.elapsed(), this.retries) as ResponseFacts;
    const stream = isReadable(response.data) ? response.data : undefined;
    this.settle(attempt, stream !== undefined);
    if (stream !== undefined && attempt.req !== null) {
      guardStream(stream, attempt, this.opts.stream.idleTimeout, this);
      // Until the body ends, close() must end it too, with its own error (not the socket's 'aborted').
      this.body = stream;
      const slot = this.client.streaming.add(this);
      stream.once('close', () => this.client.streaming.delete(slot, this));
    }
    this.logLine(attempt, response.keepAlive, response.status, undefined, undefined);
    this.resolve(response);
  }

  private onError(attempt: Attempt, error: unknown): void {
    this.releaseTransport(attempt);
    const err = error as KeepAliveAxiosError;
    if (this.settled) {
      if (isReadable(err?.response?.data)) err.response.data.destroy();
      return;
    }
    const decision = staleRetryDecision(attempt, err?.code, this.config, this.opts.retry.staleSocket, this.retries);
    if (decision === RETRY) {
      this.retries++;
      if (attempt.st !== null) attempt.st.counters.retries++;
      this.client.log.write('warn', {
        evt: 'retry', method: this.method(), url: this.url(attempt), code: err.code,
        reason: 'stale socket', socketRequests: attempt.facts?.socketRequests, idleMs: attempt.facts?.idleMs,
      }, `retrying on a new socket: ${err.code} on a reused socket before any response byte`, this.opts.logger);
      if (this.client.pool.poolListeners.length > 0) notifyPool(this.client.pool, { type: 'retry', origin: attempt.origin, method: this.method(), code: String(err.code) });
      this.dispatch(true);
      return;
    }
    const facts: Partial<ErrorFacts> = tunnelFacts(err);
    // The tunnel's own connect deadline (proxy/tunnel.ts) expired before the call's timer saw it.
    if (facts.timeoutPhase !== undefined) this.countTimeout(attempt, facts.timeoutPhase);
    if (decision !== undefined) {
      facts.notRetried = decision;
      const f = attempt.facts!;
      err.message += ` (on a reused socket: request ${f.socketRequests} on it, after ${f.idleMs} ms idle; not retried: ${decision})`;
    }
    const body = err?.response?.data;
    if (isReadable(body)) {
      // Error status on a stream request: drain a bounded amount so the socket can be reused.
      attempt.stop();
      // axios has settled and stopped listening to the caller's signal: a cancel ends the drain here.
      const signal = this.config.signal as AbortSignal | undefined;
      const onCancel = (): void => {
        attempt.st?.close('canceled');
        body.destroy();
        // Fail now with a cancel of our own: axios replaces an adapter error that is not a cancel
        // with a CanceledError of its own when the call's signal or token has fired (lib/core/
        // dispatchRequest.js throwIfCancellationRequested), which would carry no facts, while the
        // log line said the error status's code.
        this.fail(attempt, new this.client.binding.CanceledError(undefined, this.config, attempt.req) as KeepAliveAxiosError, facts);
      };
      if (typeof signal?.addEventListener === 'function') {
        if (signal.aborted) onCancel();
        else signal.addEventListener('abort', onCancel, { once: true });
      }
      void this.config.cancelToken?.promise.then(onCancel, () => undefined);
      drainBody(body, this.opts.stream.drainLimit, this.opts.stream.drainTimeout).then(({ body: bytes, complete }) => {
        signal?.removeEventListener?.('abort', onCancel);
        if (this.settled) return;
        err.response!.data = replay(bytes);
        if (!complete) {
          facts.bodyTruncated = true;
          attempt.st?.close('drain-limit');
        }
        this.fail(attempt, err, facts);
      });
      return;
    }
    this.fail(attempt, err, facts);
  }

  // --- the one timer ---

  private schedule(ms: number): void {
    this.wakeAt = now() + ms;
    this.timer = unrefTimer(onCallTimer, ms, this);
  }

  /** Makes the timer wake by `due` at the latest (a deadline known only now, shorter than a step). */
  private wakeBy(due: number): void {
    if (due >= this.wakeAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.schedule(Math.max(1, Math.ceil(due - now())));
  }

  onTimer(): void {
    this.timer = undefined;
    this.wakeAt = Infinity;
    const at = now();
    let next = Infinity;
    if (!this.settled) {
      if (at >= this.totalDue) {
        this.onTotal();
        return;
      }
      next = this.totalDue;
    }
    const attempt = this.current;
    if (attempt !== null) {
      if (attempt.axiosDue <= at) {
        attempt.axiosDue = Infinity;
        attempt.req?.emit('timeout'); // axios's own handler: see transportTaken()
      } else if (attempt.axiosDue < next) next = attempt.axiosDue;
      const due = attempt.due(at);
      if (at >= due) {
        this.attemptTimedOut(attempt, attempt.phase as TimeoutPhase, attempt.limit);
        return;
      }
      if (due < next) next = due;
    }
    if (next === Infinity) return; // settled, and no phase left to watch
    const step = this.opts.step > 0 ? this.opts.step : Infinity;
    this.schedule(Math.max(1, Math.min(Math.ceil(next - at), step)));
  }

  attemptDone(attempt: Attempt): void {
    if (this.settled && attempt === this.current) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
  }

  /** A phase deadline of the current attempt expired. */
  attemptTimedOut(attempt: Attempt, phase: TimeoutPhase, limit: number): void {
    this.countTimeout(attempt, phase);
    const error = timeoutError(this.client.binding, phase, limit, this.origin(attempt), this.config, attempt.req, this.proxyOf(attempt));
    if (!this.settled) this.fail(attempt, error, { timeoutPhase: phase });
    else this.client.log.write('warn', { evt: 'timeout', method: this.method(), url: this.url(attempt), timeoutPhase: phase, limitMs: limit }, `stream body ${phase} timeout`, this.opts.logger);
    attempt.abort(error, 'timeout', phase);
  }

  private onTotal(): void {
    if (this.settled) return;
    const attempt = this.current!;
    this.countTimeout(attempt, 'total');
    const error = timeoutError(this.client.binding, 'total', this.opts.timeouts.total, this.origin(attempt), this.config, attempt.req, this.proxyOf(attempt));
    this.fail(attempt, error, { timeoutPhase: 'total' });
    attempt.abort(error, 'timeout', 'total');
  }

  /** The client is closing: fail now, close the socket. */
  closeWith(): void {
    if (this.settled) return;
    const attempt = this.current!;
    const error = new this.client.binding.AxiosError(
      'the keep-alive client was closed while the request was in flight', ErrorCodes.CLIENT_CLOSED, this.config, attempt.req,
    );
    this.fail(attempt, error, {});
    attempt.abort(error, 'client-closed');
  }

  /** The client is closing while this call's stream body is still being read: end it now. */
  closeStream(): void {
    const stream = this.body;
    if (stream === undefined || stream.destroyed) return;
    const attempt = this.current!;
    const error = new this.client.binding.AxiosError(
      'the keep-alive client was closed while the response body was being read', ErrorCodes.CLIENT_CLOSED, this.config, attempt.req,
    );
    attempt.abort(error, 'client-closed');
    // The reader's stream may be a pipeline after the response (decompression): destroy it as well.
    stream.destroy(error);
  }

  abandoned(attempt: Attempt, info: { bytesReceived: number; bufferedBytes: number; idleMs: number }): Error {
    const error = new this.client.binding.AxiosError(
      `response body from ${this.origin(attempt)} was not read for ${info.idleMs} ms (stream.idleTimeout ${this.opts.stream.idleTimeout} ms): destroyed to free its socket`,
      ErrorCodes.STREAM_ABANDONED,
      this.config,
      attempt.req,
    );
    this.client.log.write('warn', {
      evt: 'stream-abandoned', method: this.method(), url: this.url(attempt), ...info,
    }, 'response stream abandoned: destroyed after its reader did not read it', this.opts.logger);
    return error;
  }

  // --- settling ---

  private fail(attempt: Attempt, error: KeepAliveAxiosError, extra: Partial<ErrorFacts>): void {
    if (this.settled) return;
    this.releaseTransport(attempt);
    // A response Node cannot parse: it destroys the socket without a socket 'error' and emits the
    // HPE_* error on the request only (lib/_http_client.js socketOnData), so give the socket that code.
    const code = error?.code;
    if (attempt.st !== null && typeof code === 'string' && code.startsWith('HPE_')) attempt.st.errorCode ??= code;
    const socketFacts = attempt.facts ?? (error?.request != null ? this.unboundFacts(attempt, error.request) : undefined);
    if (attempt.bypassed !== undefined) this.client.noteBypass(this.config, attempt.bypassed);
    const facts: ErrorFacts = { ...withFacts(socketFacts, this.elapsed(), this.retries), ...extra };
    if (error !== null && typeof error === 'object') error.keepAlive = facts;
    this.settle(attempt, false);
    // Canceled (or failed) while waiting for a socket: leave the agent's queue now.
    attempt.dequeue(error instanceof Error ? error : new Error(String(error)));
    this.logLine(attempt, facts, error?.response?.status, error?.code ?? 'ERR_UNKNOWN', facts.timeoutPhase);
    this.reject(error);
  }

  private settle(attempt: Attempt, streaming: boolean): void {
    this.settled = true;
    this.client.inflight.delete(this.inflightSlot, this);
    // A stream body keeps its `idle` deadline while its reader reads; everything else is done.
    if (streaming && attempt.phase !== 'done') return;
    attempt.stop();
    this.clearTimer();
  }

  // --- facts and log fields ---

  private elapsed(): number {
    return roundMs(now() - this.start);
  }

  private countTimeout(attempt: Attempt, phase: TimeoutPhase): void {
    const counters = attempt.st?.counters ?? (attempt.origin && attempt.bypassed === undefined ? this.client.stats.forOrigin(attempt.origin) : undefined);
    if (counters) counters.timeouts[phase] = (counters.timeouts[phase] ?? 0) + 1;
    if (counters && this.client.pool.poolListeners.length > 0) notifyPool(this.client.pool, { type: 'timeout', origin: attempt.origin, method: this.method(), phase });
  }

  /** The proxy the pool reaches this attempt's origin through (proxy/route.ts records it per origin). */
  private proxyOf(attempt: Attempt): string | undefined {
    if (attempt.st !== null) return attempt.st.counters.proxy;
    return attempt.origin && attempt.bypassed === undefined ? this.client.stats.forOrigin(attempt.origin).proxy : undefined;
  }

  private method(): string {
    return (this.config.method ?? 'get').toUpperCase();
  }

  private origin(attempt: Attempt): string {
    return originOf(this.config, attempt.origin);
  }

  private url(attempt: Attempt): string {
    return loggedUrl(this.config, attempt.origin, attempt.req);
  }

  private logLine(
    attempt: Attempt,
    f: Partial<SocketFacts> & { durationMs?: number },
    status: number | undefined,
    code: string | undefined,
    phase: TimeoutPhase | undefined,
  ): void {
    if (!this.opts.log) return;
    const log = this.client.log;
    const level = code === undefined ? log.requestLevel : log.failureLevel;
    const logger = log.enabled(level, this.opts.logger);
    if (logger === undefined) return;
    const fields: Record<string, unknown> = {
      evt: 'request',
      method: this.method(),
      url: this.url(attempt),
      reused: f.reused ?? null,
      socketRequests: f.socketRequests ?? null,
      idleMs: f.idleMs ?? null,
      queueMs: f.queueMs ?? null,
      durationMs: f.durationMs ?? this.elapsed(),
    };
    if (status !== undefined) fields.status = status;
    if (code !== undefined) fields.code = code;
    if (this.retries > 0) fields.retries = this.retries;
    if (phase !== undefined) fields.timeoutPhase = phase;
    if (f.bypassed !== undefined) fields.bypassed = f.bypassed;
    addLogFields(fields, attempt.logFields);
    // A constant message (as pino-http's): method, url and outcome are fields already, and
    // formatting them again into the message costs on every call.
    log.writeTo(logger, level, fields, code === undefined ? 'upstream request completed' : 'upstream request failed', this.opts.logger);
  }
}
