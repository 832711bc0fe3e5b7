// applyKeepAlive(): installs the agents and the adapter into an existing axios instance, and
// nothing else; eject() puts back exactly what was there.
import axios, { type AxiosInstance } from 'axios';
import type { HttpAgent, HttpsAgent } from 'agentkeepalive';
import type { SocketAssignedEvent } from './request-binding';
import { ClientState, type AdapterFunction } from './client-state';
import type { KeepAliveOptions, ResolvedOptions } from './options';
import { resolveOptions } from './resolve-options';
import type { LogFieldsProvider } from './log-fields';
import { subscribe, type PoolListener } from './pool-events';
import { startPoolSummary } from './pool-summary';
import type { PoolStats } from './stats';
import { show } from './validate';

export interface KeepAliveHandle {
  /** The agentkeepalive agent for http: origins. */
  readonly httpAgent: HttpAgent;
  /** The agentkeepalive agent for https: origins. */
  readonly httpsAgent: HttpsAgent;
  /** Sockets and requests per origin and in total. Reading them resets nothing. */
  stats(): PoolStats;
  /**
   * Calls `listener` each time a request is handed a socket (origin, reused, idleMs, queueMs, ...):
   * the feed for metrics such as histograms of queue wait and idle time. Returns an unsubscribe function.
   */
  observe(listener: (event: SocketAssignedEvent) => void): () => void;
  /**
   * Calls `listener` on the pool's other events: a connection opened (`socket-open`) or closed
   * (`socket-close`, with `reason` and `ageMs`), a stale-socket `retry`, a `timeout` (with its
   * `phase`). The feed for connection-lifetime metrics. Returns an unsubscribe function.
   */
  observePool(listener: PoolListener): () => void;
  /**
   * Adds fields to each per-call log line: `provider` is called when the call's request is created
   * (inside `http.request()`, in the caller's async context, where an HTTP client span of
   * OpenTelemetry's instrumentation-http is active) and its string, number and boolean values go
   * on that call's line. The line's own fields win. Returns a function that removes the provider.
   */
  addLogFields(provider: LogFieldsProvider): () => void;
  /** Removes the agents and the adapter from the instance and restores what was there before. */
  eject(): void;
  /**
   * Fails the calls in flight (`ERR_CLIENT_CLOSED`), destroys every socket, clears the library's
   * timers, and resolves once the sockets are closed. Later calls reject with `ERR_CLIENT_CLOSED`.
   */
  close(): Promise<void>;
}

const kInstalled = Symbol.for('axios-keepalive.installed');
type Defaults = AxiosInstance['defaults'] & { [kInstalled]?: true };
const FIELDS = ['httpAgent', 'httpsAgent', 'adapter'] as const;

function isAxiosInstance(value: unknown): value is AxiosInstance {
  const v = value as AxiosInstance | null;
  return (typeof v === 'function' || (typeof v === 'object' && v !== null)) &&
    typeof v.request === 'function' && typeof v.defaults === 'object' && v.defaults !== null && typeof v.interceptors === 'object';
}

/** axios's own Node adapter, which uses the agents; any other adapter cannot. */
function innerAdapter(previous: unknown): AdapterFunction {
  const http = axios.getAdapter('http');
  const resolved = axios.getAdapter((previous ?? axios.defaults.adapter) as Parameters<typeof axios.getAdapter>[0]);
  if (resolved !== http && typeof previous !== 'function') {
    throw new TypeError(
      `instance.defaults.adapter is ${show(previous)}, which ignores httpAgent/httpsAgent; ` +
        `axios-keepalive needs axios's 'http' adapter (or a function adapter that calls it)`,
    );
  }
  return resolved as unknown as AdapterFunction;
}

export function install(instance: AxiosInstance, resolved: ResolvedOptions): KeepAliveHandle {
  const defaults = instance.defaults as Defaults;
  if (defaults[kInstalled]) {
    throw new TypeError('applyKeepAlive: this axios instance already has axios-keepalive installed; eject() it first');
  }
  const previous = FIELDS.map((field) => ({ field, own: Object.prototype.hasOwnProperty.call(defaults, field), value: defaults[field] }));
  const state = new ClientState(resolved, innerAdapter(defaults.adapter));
  defaults.httpAgent = state.httpAgent;
  defaults.httpsAgent = state.httpsAgent;
  defaults.adapter = state.adapter;
  defaults[kInstalled] = true;
  let ejected = false;
  const summary = startPoolSummary(state, resolved.summary, resolved.logger);
  return {
    httpAgent: state.httpAgent as unknown as HttpAgent,
    httpsAgent: state.httpsAgent as unknown as HttpsAgent,
    stats: () => state.snapshot(),
    observe(listener) {
      if (typeof listener !== 'function') throw new TypeError(`observe: listener must be a function, got ${show(listener)}`);
      state.pool.observers.push(listener);
      return () => {
        const i = state.pool.observers.indexOf(listener);
        if (i !== -1) state.pool.observers.splice(i, 1);
      };
    },
    observePool: (listener) => subscribe(state.pool.poolListeners, listener, 'observePool'),
    addLogFields: (provider) => subscribe(state.pool.logFieldProviders, provider, 'addLogFields'),
    eject() {
      if (ejected) return;
      ejected = true;
      for (const { field, own, value } of previous) {
        // Only put back what is still ours: a value the user set since then stays.
        if (defaults[field] !== (state as unknown as Record<string, unknown>)[field]) continue;
        if (own) (defaults as Record<string, unknown>)[field] = value;
        else delete (defaults as Record<string, unknown>)[field];
      }
      delete defaults[kInstalled];
    },
    close: async () => {
      await state.close();
      summary?.stop(); // after the close: its last line counts the client-closed sockets
    },
  };
}

/**
 * Installs the keep-alive agents and adapter into an existing axios instance (the default `axios`
 * export included), leaving every other setting alone: redirects, proxy, timeout, interceptors.
 */
export function applyKeepAlive(instance: AxiosInstance, options?: KeepAliveOptions): KeepAliveHandle {
  if (!isAxiosInstance(instance)) {
    throw new TypeError(`applyKeepAlive: instance must be an axios instance (axios or axios.create()), got ${show(instance)}`);
  }
  return install(instance, resolveOptions(options, false));
}

