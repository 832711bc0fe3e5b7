// createClient(): a new axios instance with the keep-alive agents, the adapter, and defaults
// chosen for a BFF calling its upstreams.
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { AxiosBinding } from './axios-binding';
import { fromAxiosProxy } from './axios-proxy';
import { install, type KeepAliveHandle } from './install';
import { lazyMethodHeaders, withMethodHeaders } from './lazy-method-headers';
import type { KeepAliveOptions } from '../core/options';
import { resolveOptions } from './resolve-options';

export interface KeepAliveClient extends AxiosInstance {
  /** The pool: agents, stats(), eject(), close(). */
  readonly keepAlive: KeepAliveHandle;
}

export function createClient(binding: AxiosBinding, options?: KeepAliveOptions): KeepAliveClient {
  const { proxy: axiosProxy, ...userDefaults }: CreateAxiosDefaults = options?.axios ?? {};
  const resolved = resolveOptions(withAxiosProxy(options, axiosProxy), true);
  const defaults: CreateAxiosDefaults = {
    // follow-redirects costs about a fifth of the throughput and hides the native request on
    // errors; a BFF calls known endpoints. Opt back in with options.axios.maxRedirects.
    maxRedirects: 0,
    ...userDefaults,
    // The pool handles the proxy (options.proxy, or the environment read once above). axios's own
    // would read the variables on every request and tunnel https through an agent of its own,
    // bypassing the pool (lib/adapters/http.js setProxy).
    proxy: false,
  };
  const instance = binding.axios.create(defaults);
  // Empty per-method header buckets cost on every request; they stay usable (see the file).
  const lazyMethods = lazyMethodHeaders(instance.defaults.headers);
  const derive = instance.create;
  instance.create = (config) => {
    const derived = derive(config);
    withMethodHeaders(derived.defaults.headers, lazyMethods);
    return derived;
  };
  const handle = install(instance, resolved, binding);
  Object.defineProperty(instance, 'keepAlive', { value: handle, enumerable: false });
  return instance as KeepAliveClient;
}

/** options.axios.proxy is taken over as options.proxy (false: no proxy; an object: that proxy). */
function withAxiosProxy(options: KeepAliveOptions | undefined, axiosProxy: unknown): KeepAliveOptions | undefined {
  const fromAxios = fromAxiosProxy(axiosProxy, 'options.axios.proxy');
  if (fromAxios === undefined) return options;
  if (options?.proxy !== undefined) {
    throw new TypeError('options.proxy and options.axios.proxy are both set: set the proxy once, in options.proxy (the pool handles it)');
  }
  return { ...options, proxy: fromAxios };
}
