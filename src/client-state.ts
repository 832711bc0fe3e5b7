// What one installed keep-alive client owns: its agents, its counters, its logger, its calls in
// flight, and the adapter that runs every call through them.
import { AxiosError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { KeepAliveHttpAgent, KeepAliveHttpsAgent, type PoolAgent } from './agent';
import type { PoolContext } from './socket-state';
import { Call } from './call';
import { currentInbound, propagate } from './correlation';
import { ErrorCodes } from './errors';
import { Log, redactUrl } from './log';
import { fullUrl } from './request-url';
import type { ResolvedOptions } from './options';
import { baseCallOptions, resolveRequestOptions, type CallOptions } from './resolve-options';
import { StatsRegistry, type LiveCounts, type PoolStats } from './stats';

export type AdapterFunction = (config: InternalAxiosRequestConfig) => Promise<AxiosResponse>;

export class ClientState {
  readonly stats = new StatsRegistry();
  readonly log: Log;
  readonly base: CallOptions;
  readonly pool: PoolContext;
  readonly httpAgent: PoolAgent;
  readonly httpsAgent: PoolAgent;
  readonly inflight = new Set<Call>();
  /** Settled calls whose stream body is still open: close() ends those bodies too. */
  readonly streaming = new Set<Call>();
  readonly adapter: AxiosAdapter;
  private bypassWarned = false;
  private readonly propagateHeaders: readonly string[];

  constructor(
    resolved: ResolvedOptions,
    /** The adapter the calls go through: axios's own http adapter, normally. */
    readonly inner: AdapterFunction,
  ) {
    this.log = new Log(resolved.logger, resolved.logLevel);
    this.propagateHeaders = resolved.propagateHeaders;
    this.base = baseCallOptions(resolved);
    this.pool = { stats: this.stats, log: this.log, options: resolved.agent, closed: false, observers: [] };
    this.httpAgent = new KeepAliveHttpAgent(this.pool) as PoolAgent;
    this.httpsAgent = new KeepAliveHttpsAgent(this.pool) as PoolAgent;
    const adapter = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => this.dispatch(config);
    this.adapter = adapter as AxiosAdapter;
  }

  get closed(): boolean {
    return this.pool.closed;
  }

  private dispatch(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    if (this.pool.closed) {
      return Promise.reject(new AxiosError('the keep-alive client is closed', ErrorCodes.CLIENT_CLOSED, config));
    }
    let opts: CallOptions;
    try {
      opts = resolveRequestOptions(this.base, config.keepAlive);
    } catch (error) {
      // Nothing is sent. ERR_BAD_OPTION_VALUE is axios's own code for a bad request option.
      const bad = new AxiosError((error as Error).message, AxiosError.ERR_BAD_OPTION_VALUE, config);
      bad.cause = error as Error;
      return Promise.reject(bad);
    }
    const inbound = currentInbound();
    if (inbound !== undefined) {
      if (this.propagateHeaders.length > 0) propagate(config.headers, this.propagateHeaders, inbound);
      if (inbound.logger !== undefined && opts.logger === undefined && opts.log) opts = { ...opts, logger: inbound.logger };
    }
    return new Call(this, config, opts).run();
  }

  /** A request that never reached this client's agents: said once, loudly. */
  noteBypass(config: InternalAxiosRequestConfig): void {
    if (this.bypassWarned) return;
    this.bypassWarned = true;
    const url = redactUrl(fullUrl(config));
    this.log.write(
      'warn',
      { evt: 'pool-bypassed', url },
      'a request did not go through the keep-alive pool (a per-request axios `proxy`, a per-request httpAgent/httpsAgent, ' +
        'or another adapter): its socket reuse is not tracked and only the total timeout applies to it',
    );
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
    const sockets = [...this.httpAgent.allSockets(), ...this.httpsAgent.allSockets()];
    const closed = sockets.filter((s) => !s.closed).map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
    for (const call of [...this.inflight]) call.closeWith();
    for (const call of [...this.streaming]) call.closeStream();
    this.httpAgent.closeAll();
    this.httpsAgent.closeAll();
    await Promise.all(closed);
  }
}
