// One axios call through the keep-alive adapter: the total deadline, the attempts (one, or two
// after a stale-socket retry), the facts put on the response or error, the error-body drain, the
// stream guard, and the one log line per finished call.
import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { Readable } from 'node:stream';
import { requestFacts, setPending } from './request-binding';
import { Attempt, type CallHooks } from './attempt';
import type { ClientState } from './client-state';
import { now, roundMs } from './clock';
import { decodeBody, drainBody } from './drain-error-body';
import { ErrorCodes, timeoutError, type ErrorFacts, type KeepAliveAxiosError, type ResponseFacts, type SocketFacts } from './errors';
import type { CallOptions } from './resolve-options';
import { tunnelFacts } from './proxy-tunnel';
import { loggedUrl, originOf } from './request-url';
import { RETRY, staleRetryDecision } from './stale-retry';
import type { TimeoutPhase } from './stats';
import { guardStream, type GuardHooks } from './stream-guard';

function isReadable(value: unknown): value is Readable {
  return value !== null && typeof value === 'object' && typeof (value as Readable).pipe === 'function' && typeof (value as Readable).on === 'function';
}

function onCallTimer(call: Call): void {
  call.onTimer();
}

function schedule(call: Call, ms: number): NodeJS.Timeout {
  const timer = setTimeout(onCallTimer, ms, call);
  timer.unref(); // the socket keeps the process alive while it matters; a timer never should
  return timer;
}

/** The facts put on a response: one object literal of one shape, not a spread of a spread. */
function withFacts(f: SocketFacts | undefined, durationMs: number, retries: number): Partial<SocketFacts> & { durationMs: number; retries: number } {
  if (f === undefined) return { durationMs, retries };
  return {
    reused: f.reused, socketRequests: f.socketRequests, idleMs: f.idleMs, queueMs: f.queueMs,
    localPort: f.localPort, remoteAddress: f.remoteAddress, durationMs, retries,
  };
}

export class Call implements CallHooks, GuardHooks {
  readonly start = now();
  retries = 0;
  settled = false;
  private current: Attempt | null = null;
  /** The `responseType: 'stream'` body handed to the caller, while it is being read. */
  private body: Readable | undefined;
  /**
   * One timer per call watches the total deadline and the current attempt's phase. It sleeps at most
   * opts.step (the shortest limit), so a phase that starts later can never expire before it wakes;
   * phase changes are field writes, and a fast call costs one setTimeout and one clearTimeout.
   */
  private timer: NodeJS.Timeout | undefined;
  private totalDue = Infinity;
  private resolve!: (response: AxiosResponse) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly client: ClientState,
    readonly config: InternalAxiosRequestConfig,
    readonly opts: CallOptions,
  ) {}

  run(): Promise<AxiosResponse> {
    return new Promise<AxiosResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      const total = this.opts.timeouts.total;
      if (total > 0) this.totalDue = this.start + total;
      if (this.opts.step > 0) this.timer = schedule(this, this.opts.step);
      this.client.inflight.add(this);
      this.dispatch(false);
    });
  }

  private dispatch(forceNewSocket: boolean): void {
    const attempt = new Attempt(this, forceNewSocket);
    this.current = attempt;
    let promise: Promise<AxiosResponse>;
    setPending(attempt);
    try {
      promise = this.client.inner(this.config);
    } catch (error) {
      promise = Promise.reject(error);
    } finally {
      setPending(null);
    }
    promise.then(
      (response) => this.onResponse(attempt, response),
      (error: unknown) => this.onError(attempt, error),
    );
  }

  // --- outcomes of an attempt ---

  private onResponse(attempt: Attempt, response: AxiosResponse): void {
    if (attempt.req === null) this.client.noteBypass(this.config);
    if (this.settled) {
      // Already failed (deadline, client closed): what arrives late is destroyed, never pooled half-read.
      if (isReadable(response.data)) response.data.destroy();
      return;
    }
    response.keepAlive = withFacts(attempt.facts ?? requestFacts(response.request), this.elapsed(), this.retries) as ResponseFacts;
    const stream = isReadable(response.data) ? response.data : undefined;
    this.settle(attempt, stream !== undefined);
    if (stream !== undefined && attempt.req !== null) {
      guardStream(stream, attempt, this.opts.stream.idleTimeout, this);
      // Until the body ends, close() must end it too, with its own error (not the socket's 'aborted').
      this.body = stream;
      this.client.streaming.add(this);
      stream.once('close', () => this.client.streaming.delete(this));
    }
    this.logLine(attempt, response.keepAlive, response.status, undefined, undefined);
    this.resolve(response);
  }

  private onError(attempt: Attempt, error: unknown): void {
    const err = error as KeepAliveAxiosError;
    // A request was sent, but not through our agents (an error before any request is not a bypass).
    if (attempt.req === null && err?.request != null) this.client.noteBypass(this.config);
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
      this.dispatch(true);
      return;
    }
    const facts: Partial<ErrorFacts> = tunnelFacts(err);
    // The tunnel's own connect deadline (proxy-tunnel.ts) expired before the call's timer saw it.
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
      };
      if (typeof signal?.addEventListener === 'function') {
        if (signal.aborted) onCancel();
        else signal.addEventListener('abort', onCancel, { once: true });
      }
      void this.config.cancelToken?.promise.then(onCancel, () => undefined);
      drainBody(body, this.opts.stream.drainLimit, this.opts.stream.drainTimeout).then(({ body: bytes, complete }) => {
        signal?.removeEventListener?.('abort', onCancel);
        if (this.settled) return;
        err.response!.data = decodeBody(bytes, err.response!.headers?.['content-type']);
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

  onTimer(): void {
    this.timer = undefined;
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
      const due = attempt.due(at);
      if (at >= due) {
        this.attemptTimedOut(attempt, attempt.phase as TimeoutPhase, attempt.limit);
        return;
      }
      if (due < next) next = due;
    }
    if (next === Infinity) return; // settled, and no phase left to watch
    this.timer = schedule(this, Math.max(1, Math.min(Math.ceil(next - at), this.opts.step)));
  }

  attemptDone(attempt: Attempt): void {
    if (this.settled && attempt === this.current) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A phase deadline of the current attempt expired. */
  attemptTimedOut(attempt: Attempt, phase: TimeoutPhase, limit: number): void {
    this.countTimeout(attempt, phase);
    const error = timeoutError(phase, limit, attempt.origin, this.config, attempt.req);
    if (!this.settled) this.fail(attempt, error, { timeoutPhase: phase });
    else this.client.log.write('warn', { evt: 'timeout', method: this.method(), url: this.url(attempt), timeoutPhase: phase, limitMs: limit }, `stream body ${phase} timeout`, this.opts.logger);
    attempt.abort(error, 'timeout', phase);
  }

  private onTotal(): void {
    if (this.settled) return;
    const attempt = this.current!;
    this.countTimeout(attempt, 'total');
    const error = timeoutError('total', this.opts.timeouts.total, this.origin(attempt), this.config, attempt.req);
    this.fail(attempt, error, { timeoutPhase: 'total' });
    attempt.abort(error, 'timeout', 'total');
  }

  /** The client is closing: fail now, close the socket. */
  closeWith(): void {
    if (this.settled) return;
    const attempt = this.current!;
    const error = new AxiosError('the keep-alive client was closed while the request was in flight', ErrorCodes.CLIENT_CLOSED, this.config, attempt.req);
    this.fail(attempt, error, {});
    attempt.abort(error, 'client-closed');
  }

  /** The client is closing while this call's stream body is still being read: end it now. */
  closeStream(): void {
    const stream = this.body;
    if (stream === undefined || stream.destroyed) return;
    const attempt = this.current!;
    const error = new AxiosError('the keep-alive client was closed while the response body was being read', ErrorCodes.CLIENT_CLOSED, this.config, attempt.req);
    attempt.abort(error, 'client-closed');
    // The reader's stream may be a pipeline after the response (decompression): destroy it as well.
    stream.destroy(error);
  }

  abandoned(attempt: Attempt, info: { bytesReceived: number; bufferedBytes: number; idleMs: number }): Error {
    const error = new AxiosError(
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
    // A response Node cannot parse: it destroys the socket without a socket 'error' and emits the
    // HPE_* error on the request only (lib/_http_client.js socketOnData), so give the socket that code.
    const code = error?.code;
    if (attempt.st !== null && typeof code === 'string' && code.startsWith('HPE_')) attempt.st.errorCode ??= code;
    const facts: ErrorFacts = { ...withFacts(attempt.facts ?? requestFacts(error?.request), this.elapsed(), this.retries), ...extra };
    if (error !== null && typeof error === 'object') error.keepAlive = facts;
    this.settle(attempt, false);
    // Canceled (or failed) while waiting for a socket: leave the agent's queue now.
    attempt.dequeue(error instanceof Error ? error : new Error(String(error)));
    this.logLine(attempt, facts, error?.response?.status, error?.code ?? 'ERR_UNKNOWN', facts.timeoutPhase);
    this.reject(error);
  }

  private settle(attempt: Attempt, streaming: boolean): void {
    this.settled = true;
    this.client.inflight.delete(this);
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
    const counters = attempt.st?.counters ?? (attempt.origin ? this.client.stats.forOrigin(attempt.origin) : undefined);
    if (counters) counters.timeouts[phase] = (counters.timeouts[phase] ?? 0) + 1;
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
    // A constant message (as pino-http's): method, url and outcome are fields already, and
    // formatting them again into the message costs on every call.
    log.writeTo(logger, level, fields, code === undefined ? 'upstream request completed' : 'upstream request failed', this.opts.logger);
  }
}
