// One lean call: the request axios's http adapter would make for an eligible config (axios 1.21.1
// lib/adapters/http.js, dispatchHttpRequest with maxRedirects 0 and proxy false), and its
// settlement. The order of every step, every listener and every check follows that adapter, because
// the order decides what user code sees when several things happen at once (an abort while the body
// arrives, a reset after the headers, a body over maxContentLength): the same error, the same
// `request`/`response` on it, the same mutations of config.headers.
//
// What it leaves out, and why that is invisible: follow-redirects, proxy and HTTP/2 set-up (not
// eligible), progress and rate streams (not eligible), an EventEmitter for aborts (three fields
// with the same once-and-in-order semantics), the per-request socket.setKeepAlive(true, 60000)
// (TCP keep-alive probes are no response, header or error; the library's agents turn keep-alive on
// when they connect) and axios's shared socket 'error' listener (Node's own request listener reports
// the same error to the same request first).
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import { finished, pipeline, Readable } from 'node:stream';
import type { LookupFunction } from 'node:net';
import type { AxiosResponse, Cancel, CancelToken, InternalAxiosRequestConfig } from 'axios';
import type { AxiosBinding } from './binding';
import { addDecoders } from './decompress';
import { own } from './own';
import { prepare, Refusal } from './prepare';
import { limitStream, readBody, type BodyExchange } from './response';
import { settle } from './settle';
import type { LeanContext } from './context';

/** What a transport is to axios: `request(options, onResponse)` returning the ClientRequest. */
interface Transport {
  request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest;
}

type AbortReason = { type?: unknown } | Error | Cancel | undefined;

const noop = (): void => {};

export class Exchange implements BodyExchange {
  req: ClientRequest | undefined = undefined;
  /** The adapter's own flags: settled (isDone), and rejected (then late stream events are ignored). */
  private isDone = false;
  rejected = false;
  /** The promise side (axios's wrapAsync): settled once; onDone armed once the cleanup exists. */
  private settled = false;
  private onDoneArmed = false;
  private connectTimer: NodeJS.Timeout | null = null;
  /** axios's abortEmitter: once-listeners in registration order (reject, request, response stream). */
  private abortRejects = true;
  private abortRequest = false;
  private abortResponse: Readable | null = null;
  /** The function signal / cancelToken call, when the config has one (its identity unsubscribes it). */
  private abortListener: ((reason?: AbortReason) => void) | null = null;

  constructor(
    private readonly ctx: LeanContext,
    readonly config: InternalAxiosRequestConfig,
    private readonly resolveFn: (response: AxiosResponse) => void,
    private readonly rejectFn: (reason: unknown) => void,
  ) {}

  readonly resolve = (response: AxiosResponse): void => {
    if (this.settled) return;
    this.settled = true;
    if (this.onDoneArmed) this.onDone(response, false);
    this.resolveFn(response);
  };

  readonly reject = (reason: unknown): void => {
    if (this.settled) return;
    this.settled = true;
    if (this.onDoneArmed) this.onDone(reason, true);
    this.rejectFn(reason);
  };

  private onDone(value: unknown, isRejected: boolean): void {
    this.isDone = true;
    this.clearConnectTimer();
    if (isRejected) {
      this.rejected = true;
      this.onFinished();
      return;
    }
    const data = (value as AxiosResponse).data as unknown;
    if (data instanceof Readable) {
      // A stream response keeps its abort wiring until the body is done with.
      const off = finished(data, () => {
        off();
        this.onFinished();
      });
    } else {
      this.onFinished();
    }
  }

  private onFinished(): void {
    this.clearConnectTimer();
    const config = this.config;
    const listener = this.abortListener;
    if (listener !== null) {
      if (config.cancelToken) config.cancelToken.unsubscribe(listener as (cancel: Cancel) => void);
      if (config.signal) (config.signal as AbortSignal).removeEventListener('abort', listener);
    }
    this.abortRejects = false;
    this.abortRequest = false;
    this.abortResponse = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
  }

  /** axios's abort(): a signal's Event or no reason becomes a CanceledError; anything else is the error. */
  abort(reason?: AbortReason): void {
    const error =
      !reason || (reason as { type?: unknown }).type ? new this.ctx.binding.CanceledError(undefined, this.config, this.req) : reason;
    // A snapshot, as EventEmitter#emit takes one: a listener that ends the call (and so clears the
    // others) does not stop the ones already registered from running.
    const rejects = this.abortRejects;
    const request = this.abortRequest;
    const response = this.abortResponse;
    this.abortRejects = false;
    this.abortRequest = false;
    this.abortResponse = null;
    try {
      if (rejects) this.reject(error);
      if (request) {
        const req = this.req as ClientRequest & { close?: () => void };
        if (req.close) req.close();
        else req.destroy(error as Error);
      }
      if (response !== null && !response.destroyed) {
        response.emit('error', error);
        response.destroy();
      }
    } catch {
      // axios ignores errors thrown while emitting the abort.
    }
  }

  /** Runs the call up to the request's end(). Throws what axios's async dispatcher would reject with. */
  start(): void {
    const config = this.config;
    const ctx = this.ctx;
    const E = ctx.binding.AxiosError;
    const method = (own(config, 'method') as string).toUpperCase();
    const rawLookup = own(config, 'lookup');
    const lookup: LookupFunction | undefined = rawLookup ? ctx.normalizeLookup(rawLookup) : (rawLookup as undefined);
    const socketPath = own(config, 'socketPath') as string | undefined;

    if (config.cancelToken || config.signal) {
      const listener = (reason?: AbortReason): void => this.abort(reason);
      this.abortListener = listener;
      if (config.cancelToken) (config.cancelToken as CancelToken).subscribe(listener as (cancel: Cancel) => void);
      if (config.signal) {
        const signal = config.signal as AbortSignal;
        if (signal.aborted) listener();
        else signal.addEventListener('abort', listener);
      }
      // axios goes on and sends the request here; its dispatchRequest refuses an aborted call before
      // any adapter, so only a wrapper adapter that waits in between could get here. Nothing is sent.
      if (this.settled) {
        this.onFinished();
        return;
      }
    }
    this.onDoneArmed = true;

    const prepared = prepare(ctx, config, method, lookup, rawLookup, socketPath);
    if (prepared instanceof Refusal) {
      this.reject(prepared.error);
      return;
    }
    const { options, body, secure } = prepared;

    // config.transport is how the keep-alive adapter binds each native request to its call; without
    // one, http.request / https.request are looked up now, so nock and msw patches apply.
    const configTransport = own(config, 'transport') as Transport | undefined;
    const transport: Transport = configTransport ? configTransport : secure ? https : http;
    const req = transport.request(options, (res) => this.onResponse(res, method));
    this.req = req;
    this.abortRequest = true;

    req.on('error', (err: Error) => {
      this.reject(E.from(err, undefined, config, req));
    });

    const rawTimeout = own(config, 'timeout');
    if (rawTimeout) {
      const timeout = parseInt(rawTimeout as string, 10);
      if (Number.isNaN(timeout)) {
        this.abort(new E('error trying to parse `config.timeout` to int', E.ERR_BAD_OPTION_VALUE, config, req));
        return;
      }
      const onTimeout = (): void => {
        if (this.isDone) return;
        this.abort(this.timeoutError(rawTimeout));
      };
      // axios's wall-clock timer from request to headers, native transport only (the agent's queue,
      // DNS and connect count too). Unref'd: it never keeps a process alive on its own.
      if (!configTransport && timeout > 0) {
        this.connectTimer = setTimeout(onTimeout, timeout);
        this.connectTimer.unref();
        req.once('close', () => this.clearConnectTimer());
      }
      req.setTimeout(timeout, onTimeout);
    } else {
      // As axios: clears the agent's socket timeout on a reused socket.
      req.setTimeout(0);
    }

    if (body !== undefined) req.write(body);
    req.end();
  }

  private timeoutError(configTimeout: unknown): Error {
    const E = this.ctx.binding.AxiosError;
    const config = this.config;
    let message = configTimeout ? 'timeout of ' + String(configTimeout) + 'ms exceeded' : 'timeout exceeded';
    const custom = own(config, 'timeoutErrorMessage');
    if (custom) message = custom as string;
    const transitional = (own(config, 'transitional') as { clarifyTimeoutError?: boolean } | undefined) ?? undefined;
    return new E(message, transitional?.clarifyTimeoutError ? E.ETIMEDOUT : E.ECONNABORTED, config, this.req);
  }

  private onResponse(res: IncomingMessage, method: string): void {
    this.clearConnectTimer();
    const req = this.req!;
    if (req.destroyed) return;
    const config = this.config;
    const ctx = this.ctx;

    const streams: NodeJS.ReadableStream[] = [res];
    addDecoders(streams, res, method, own(config, 'decompress'));
    const responseStream = (streams.length > 1 ? pipeline(streams as unknown as [Readable, ...Readable[]], noop) : res) as Readable;
    // res.req is the request Node answered; with a native transport it is `req`.
    const lastRequest = (res as IncomingMessage & { req?: ClientRequest }).req || req;

    const response = {
      status: res.statusCode,
      statusText: res.statusMessage,
      headers: new ctx.binding.AxiosHeaders(res.headers as Record<string, string>),
      config,
      request: lastRequest,
    } as unknown as AxiosResponse;

    const maxContentLength = own(config, 'maxContentLength') as number;
    if (own(config, 'responseType') === 'stream') {
      response.data = maxContentLength > -1 ? limitStream(this, responseStream, maxContentLength, lastRequest) : responseStream;
      settle(ctx.binding, this.resolve, this.reject, response);
    } else {
      readBody(this, responseStream, response, lastRequest, maxContentLength);
    }
    // axios registers this one even when the response has already settled.
    this.abortResponse = responseStream;
  }

  get binding(): AxiosBinding {
    return this.ctx.binding;
  }
}
