// applyKeepAlive(): installs the agents and the adapter into an existing axios instance, and
// nothing else; eject() puts back exactly what was there.
//
// Derived instances, by design: axios.create() on an instance copies its defaults (axios
// lib/axios.js createInstance: `mergeConfig(defaultConfig, instanceConfig)`), so an instance derived
// from an installed one gets the same adapter and agents: it **shares the pool** (its calls have the
// deadlines, facts, logs and stats of the pool it came from, and close() ends them too). Never half:
// - the install record is a non-enumerable key of `defaults`, which mergeConfig does not copy
//   (it copies enumerable keys only), so a derived instance is not "installed" itself: applyKeepAlive()
//   on it gives it a pool of its own, and its eject() puts back the shared pool it inherited;
// - eject() removes the install from the instance and from every instance derived from it since
//   (tracked weakly through the instance's create()), so none keeps a half of it.
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { HttpAgent, HttpsAgent } from 'agentkeepalive';
import type { AdapterFunction } from '../call/call-context';
import type { AxiosBinding } from './axios-binding';
import { ClientState, clientOfAdapter } from './client-state';
import { POOL_PROXY } from '../call/proxy-marker';
import { subscribe } from '../core/pool-events';
import type { ObservableHandle } from '../observability/observable-handle';
import { startPoolSummary } from '../observability/pool-summary';
import { show } from '../core/validate';
import type { ResolvedOptions } from './resolve-options';

/** What applyKeepAlive() returns (`client.keepAlive`): stats(), observe(), observePool() and addLogFields() are its
 * ObservableHandle side (observability/observable-handle.ts); the agents, eject() and close() are the install's. */
export interface KeepAliveHandle extends ObservableHandle {
  /** The agentkeepalive agent for http: origins. */
  readonly httpAgent: HttpAgent;
  /** The agentkeepalive agent for https: origins. */
  readonly httpsAgent: HttpsAgent;
  /**
   * Removes the agents and the adapter from the instance, and from the instances derived from it
   * with create() since, and restores what was there before.
   */
  eject(): void;
  /**
   * Fails the calls in flight (`ERR_CLIENT_CLOSED`), destroys every socket, clears the library's
   * timers, and resolves once the sockets are closed. Later calls reject with `ERR_CLIENT_CLOSED`
   * (through derived instances too, unless eject() ran first).
   */
  close(): Promise<void>;
}

const kInstalled = Symbol('axios-keepalive.installed');
// `proxy`: the pool's marker while installed, as the pool handles the proxy (proxy-marker.ts).
const FIELDS = ['httpAgent', 'httpsAgent', 'adapter', 'proxy'] as const;
type Field = (typeof FIELDS)[number];
type Defaults = Record<string, unknown> & { [kInstalled]?: KeepAliveHandle };
type Create = (config?: CreateAxiosDefaults) => AxiosInstance;

/** axios's own Node adapter, which uses the agents; any other adapter cannot. */
function innerAdapter(binding: AxiosBinding, previous: unknown): AdapterFunction {
  const axios = binding.axios;
  const resolved = axios.getAdapter((previous ?? axios.defaults.adapter) as Parameters<typeof axios.getAdapter>[0]);
  if (resolved !== (binding.httpAdapter as unknown) && typeof previous !== 'function') {
    throw new TypeError(
      `instance.defaults.adapter is ${show(previous)}, which ignores httpAgent/httpsAgent; ` +
        `axios-keepalive needs axios's 'http' adapter (or a function adapter that calls it)`,
    );
  }
  return resolved as unknown as AdapterFunction;
}

export function isAxiosInstance(value: unknown): value is AxiosInstance {
  const v = value as AxiosInstance | null;
  return (typeof v === 'function' || (typeof v === 'object' && v !== null)) &&
    typeof v.request === 'function' && typeof v.defaults === 'object' && v.defaults !== null && typeof v.interceptors === 'object';
}

/** Instances derived (with create()) from an installed one, held weakly: some code makes one per request. */
class Derived {
  private refs: Array<WeakRef<AxiosInstance>> = [];
  private live = 0;

  add(instance: AxiosInstance): void {
    this.refs.push(new WeakRef(instance));
    if (this.refs.length > 2 * this.live + 16) {
      this.refs = this.refs.filter((r) => r.deref() !== undefined);
      this.live = this.refs.length;
    }
  }

  *instances(): Iterable<AxiosInstance> {
    for (const r of this.refs) {
      const i = r.deref();
      if (i !== undefined) yield i;
    }
  }
}

export function install(instance: AxiosInstance, resolved: ResolvedOptions, binding: AxiosBinding): KeepAliveHandle {
  const defaults = instance.defaults as unknown as Defaults;
  if (defaults[kInstalled] !== undefined) {
    throw new TypeError('applyKeepAlive: this axios instance already has axios-keepalive installed; eject() it first');
  }
  const previous = FIELDS.map((field) => ({ field, own: Object.prototype.hasOwnProperty.call(defaults, field), value: defaults[field] }));
  // Derived from an installed instance: it inherited that pool's adapter; wrap what that one wraps
  // (never a pool inside a pool).
  const inherited = clientOfAdapter(defaults.adapter);
  const state = new ClientState(resolved, binding, inherited?.inner ?? innerAdapter(binding, defaults.adapter));
  const ours: Record<Field, unknown> = { httpAgent: state.httpAgent, httpsAgent: state.httpsAgent, adapter: state.adapter, proxy: POOL_PROXY };
  for (const field of FIELDS) defaults[field] = ours[field];
  const derived = new Derived();
  const originalCreate = typeof instance.create === 'function' ? instance.create : undefined;

  // Follows create() so that eject() can reach the instances made while installed.
  const follow = (parent: AxiosInstance, create: Create): Create => {
    const wrapped: Create = function (this: unknown, config) {
      const child = create.call(this ?? parent, config);
      if (isAxiosInstance(child) && (child.defaults as unknown as Defaults).adapter === state.adapter) {
        derived.add(child);
        if (typeof child.create === 'function') child.create = follow(child, child.create as Create);
      }
      return child;
    };
    return wrapped;
  };
  if (originalCreate !== undefined) instance.create = follow(instance, originalCreate as Create);

  const restore = (target: Defaults): void => {
    for (const { field, own, value } of previous) {
      // Only put back what is still ours: a value the user set since then stays.
      if (target[field] !== ours[field]) continue;
      if (own) target[field] = value;
      else delete target[field];
    }
  };

  let ejected = false;
  const summary = startPoolSummary(state, resolved.summary, resolved.logger);
  const handle: KeepAliveHandle = {
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
      restore(defaults);
      for (const child of derived.instances()) restore(child.defaults as unknown as Defaults);
      if (originalCreate !== undefined) instance.create = originalCreate;
      delete defaults[kInstalled];
    },
    close: async () => {
      await state.close();
      summary?.stop(); // after the close: its last line counts the client-closed sockets
    },
  };
  // Not enumerable: axios.create() must not copy it into derived instances (see the header).
  Object.defineProperty(defaults, kInstalled, { value: handle, configurable: true, enumerable: false });
  return handle;
}
