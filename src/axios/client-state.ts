// Layer axios/ (ARCHITECTURE.md): the axios integration - which axios copy, createClient and
// applyKeepAlive, option resolution, the keep-alive adapter (this file) and typing. May import every
// layer below it (core, lean, pool, call, observability), never cli/ or the entry points.
//
// What one installed keep-alive client owns: its agents, its counters, its logger, its calls in
// flight, and the adapter that runs every call through them.
import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { KeepAliveHttpAgent, KeepAliveHttpsAgent, type PoolAgent } from '../pool/agent';
import type { AxiosBinding } from './axios-binding';
import type { PoolContext } from '../pool/hooks';
import { socketState } from '../pool/socket-state';
import { Call } from '../call/call';
import { LiveCalls } from '../call/live-calls';
import type { AdapterFunction, CallContext, ClosableCall } from '../call/call-context';
import { baseCallOptions, resolveRequestOptions, type CallOptions } from '../call/call-options';
import { currentInbound, propagate } from '../core/correlation';
import { ErrorCodes, type BypassReason } from '../core/errors';
import { isPoolProxy } from '../call/proxy-marker';
import { Log, redactUrl } from '../core/log';
import { fullUrl } from '../core/request-url';
import type { ResolvedOptions } from './resolve-options';
import type { PoolStats } from '../core/stats';
import { StatsRegistry, type LiveCounts } from '../pool/stats-registry';

const BYPASS_LINES: Record<Exclude<BypassReason, 'no-socket'>, { level: 'warn' | 'debug'; msg: string }> = {
  interceptor: {
    level: 'debug',
    msg: 'requests are served by an interceptor that replaced the pool\'s agent (nock, msw): reuse facts are null there; the deadlines still apply',
  },
  agent: {
    level: 'warn',
    msg: 'a request brought its own httpAgent/httpsAgent and bypassed the keep-alive pool: its socket reuse is not tracked; the deadlines still apply',
  },
  proxy: {
    level: 'warn',
    msg: 'axios\'s proxy handling (HTTP_PROXY/HTTPS_PROXY or a proxy option) sent a request through its own tunnelling agent, bypassing the keep-alive pool: ' +
      'its socket reuse is not tracked; the deadlines still apply',
  },
};

const kState = Symbol('axios-keepalive.client-state');

/** The client whose keep-alive adapter `adapter` is, if it is one. */
export function clientOfAdapter(adapter: unknown): ClientState | undefined {
  return typeof adapter === 'function' ? (adapter as { [kState]?: ClientState })[kState] : undefined;
}

export class ClientState implements CallContext {
  readonly stats = new StatsRegistry();
  readonly log: Log;
  readonly base: CallOptions;
  readonly pool: PoolContext;
  readonly httpAgent: PoolAgent;
  readonly httpsAgent: PoolAgent;
  readonly inflight = new LiveCalls<ClosableCall>();
  /** Settled calls whose stream body is still open: close() ends those bodies too. */
  readonly streaming = new LiveCalls<ClosableCall>();
  readonly adapter: AxiosAdapter;
  private readonly bypassSaid = new Set<BypassReason>();
  private readonly propagateHeaders: readonly string[];

  constructor(
    resolved: ResolvedOptions,
    /** The axios copy the instance was made by: its error classes, its http adapter. */
    readonly binding: AxiosBinding,
    /** The adapter the calls go through: axios's own http adapter, normally. */
    readonly inner: AdapterFunction,
  ) {
    this.log = new Log(resolved.logger, resolved.logLevel);
    this.propagateHeaders = resolved.propagateHeaders;
    this.base = baseCallOptions(resolved);
    this.pool = { stats: this.stats, log: this.log, options: resolved.agent, closed: false, observers: [], poolListeners: [], logFieldProviders: [] };
    this.httpAgent = new KeepAliveHttpAgent(this.pool) as PoolAgent;
    this.httpsAgent = new KeepAliveHttpsAgent(this.pool) as PoolAgent;
    const adapter = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => this.dispatch(config);
    // Marked, so an instance that inherited it (axios.create() copies defaults) can be told apart.
    Object.defineProperty(adapter, kState, { value: this });
    this.adapter = adapter as AxiosAdapter;
  }

  get closed(): boolean {
    return this.pool.closed;
  }

  private dispatch(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    if (this.pool.closed) {
      return Promise.reject(new this.binding.AxiosError('the keep-alive client is closed', ErrorCodes.CLIENT_CLOSED, config));
    }
    let opts: CallOptions;
    try {
      opts = resolveRequestOptions(this.base, config.keepAlive);
    } catch (error) {
      // Nothing is sent. ERR_BAD_OPTION_VALUE is axios's own code for a bad request option.
      const bad = new this.binding.AxiosError((error as Error).message, this.binding.AxiosError.ERR_BAD_OPTION_VALUE, config);
      bad.cause = error as Error;
      return Promise.reject(bad);
    }
    const inbound = currentInbound();
    if (inbound !== undefined) {
      if (this.propagateHeaders.length > 0) propagate(config.headers, this.propagateHeaders, inbound);
      if (inbound.logger !== undefined && opts.logger === undefined && opts.log) opts = { ...opts, logger: inbound.logger };
    }
    // The lean path only stands in for axios's own http adapter (not for a function adapter of the
    // user's), and is asked before the call puts its transport on the config (a transport of the
    // user's is a reason to fall back).
    // The pool's proxy marker is `false` to axios for as long as an adapter reads the config (proxy-marker.ts).
    const marker = isPoolProxy(config.proxy) ? config.proxy : undefined;
    let lean = false;
    if (opts.lean && this.inner === this.binding.httpAdapter) {
      if (marker !== undefined) config.proxy = false;
      lean = this.binding.lean.eligible(config);
      if (marker !== undefined) config.proxy = marker as unknown as false;
    }
    return new Call(this, config, opts, lean ? this.binding.lean.adapter : this.inner, marker).run();
  }

  /** Whether the call is configured with this client's agents (for http, https or both). */
  ownsAgents(config: InternalAxiosRequestConfig): boolean {
    return config.httpAgent === this.httpAgent || config.httpsAgent === this.httpsAgent;
  }

  /** A request that did not go through the pool: said once per client and reason, at a level that fits the reason. */
  noteBypass(config: InternalAxiosRequestConfig, reason: BypassReason): void {
    if (reason === 'no-socket' || this.bypassSaid.has(reason)) return;
    this.bypassSaid.add(reason);
    const line = BYPASS_LINES[reason];
    this.log.write(line.level, { evt: 'pool-bypassed', bypassed: reason, url: redactUrl(fullUrl(config)) }, line.msg);
  }

  snapshot(): PoolStats {
    return this.stats.snapshot([this.httpAgent, this.httpsAgent] as unknown as LiveCounts[]);
  }

  /** Fails the calls in flight, destroys every socket, and resolves once they are closed. */
  async close(): Promise<void> {
    this.pool.closed = true;
    // Listen before anything is destroyed: a destroyed socket reports `closed` at once but emits
    // 'close' (and leaves the agent's lists) only after its handle closed (node lib/net.js _destroy),
    // and closeWith()/closeStream() below destroy the sockets of the calls still running.
    // The agents' lists and the pool's own open sockets: a socket being destroyed has left the lists
    // already (agentkeepalive's socket timeouts call removeSocket() at once) but is not closed yet.
    // The pool's own are waited for until their 'close' (which counts them), even when `closed` is set already.
    const own = new Set(this.stats.openSockets());
    const sockets = new Set([...this.httpAgent.allSockets(), ...this.httpsAgent.allSockets(), ...own]);
    const closed = [...sockets].filter((s) => own.has(s) || !s.closed).map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    for (const call of this.inflight.toArray()) call.closeWith();
    for (const call of this.streaming.toArray()) call.closeStream();
    this.httpAgent.closeAll();
    this.httpsAgent.closeAll();
    for (const s of sockets) {
      if (s.destroyed) continue;
      socketState(s)?.close('client-closed');
      s.destroy();
    }
    await Promise.all(closed);
  }
}
