// applyKeepAlive(): installs the agents and the adapter into an existing axios instance, and
// nothing else; eject() puts back exactly what was there.
import axios, { type AxiosInstance } from 'axios';
import type { HttpAgent, HttpsAgent } from 'agentkeepalive';
import { fromAxiosProxy } from './axios-proxy';
import type { SocketAssignedEvent } from './request-binding';
import { ClientState, type AdapterFunction } from './client-state';
import type { KeepAliveOptions, ResolvedOptions } from './options';
import { resolveOptions } from './resolve-options';
import type { PoolStats } from './stats';
import { isPlainObject, show } from './validate';

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
// `proxy`: set to false, as the pool handles the proxy (axios's own would bypass the pool).
const FIELDS = ['httpAgent', 'httpsAgent', 'adapter', 'proxy'] as const;

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
  const installed = { httpAgent: state.httpAgent, httpsAgent: state.httpsAgent, adapter: state.adapter, proxy: false as const };
  defaults.httpAgent = installed.httpAgent;
  defaults.httpsAgent = installed.httpsAgent;
  defaults.adapter = installed.adapter;
  defaults.proxy = installed.proxy;
  defaults[kInstalled] = true;
  let ejected = false;
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
    eject() {
      if (ejected) return;
      ejected = true;
      for (const { field, own, value } of previous) {
        // Only put back what is still ours: a value the user set since then stays.
        if (defaults[field] !== installed[field]) continue;
        if (own) (defaults as Record<string, unknown>)[field] = value;
        else delete (defaults as Record<string, unknown>)[field];
      }
      delete defaults[kInstalled];
    },
    close: () => state.close(),
  };
}

/**
 * Installs the keep-alive agents and adapter into an existing axios instance (the default `axios`
 * export included), leaving every other setting alone: redirects, timeout, interceptors. The proxy
 * is taken over by the pool: the instance's `proxy` object (or `false`) becomes the pool's proxy
 * unless `options.proxy` is given, without either the environment is read once now, and the
 * instance's `proxy` is set to false until eject() puts it back.
 */
export function applyKeepAlive(instance: AxiosInstance, options?: KeepAliveOptions): KeepAliveHandle {
  if (!isAxiosInstance(instance)) {
    throw new TypeError(`applyKeepAlive: instance must be an axios instance (axios or axios.create()), got ${show(instance)}`);
  }
  const instanceProxy = fromAxiosProxy(instance.defaults.proxy, 'instance.defaults.proxy');
  const takeOver = instanceProxy !== undefined && (options === undefined || (isPlainObject(options) && options.proxy === undefined));
  const withProxy = takeOver ? { ...options, proxy: instanceProxy } : options;
  return install(instance, resolveOptions(withProxy, false));
}

