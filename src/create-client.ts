// createClient(): a new axios instance with the keep-alive agents, the adapter, and defaults
// chosen for a BFF calling its upstreams.
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { AxiosBinding } from './axios-binding';
import { install, type KeepAliveHandle } from './install';
import { lazyMethodHeaders, withMethodHeaders } from './lazy-method-headers';
import type { KeepAliveOptions } from './options';
import { resolveOptions } from './resolve-options';

export interface KeepAliveClient extends AxiosInstance {
  /** The pool: agents, stats(), eject(), close(). */
  readonly keepAlive: KeepAliveHandle;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** The first proxy variable set in the environment, read once per client (never per request). */
function proxyVariable(): string | undefined {
  return PROXY_VARIABLES.find((name) => process.env[name]);
}

export function createClient(binding: AxiosBinding, options?: KeepAliveOptions): KeepAliveClient {
  const resolved = resolveOptions(options, true);
  const userDefaults: CreateAxiosDefaults = options?.axios ?? {};
  const proxyVar = proxyVariable();
  const defaults: CreateAxiosDefaults = {
    // follow-redirects costs about a fifth of the throughput and hides the native request on
    // errors; a BFF calls known endpoints. Opt back in with options.axios.maxRedirects.
    maxRedirects: 0,
    // axios reads the proxy variables on every request unless proxy is false. Without any set now,
    // turn that off; with one set, axios's proxy agent would bypass this pool: keep axios's
    // behaviour (the proxy may be required) and say so below.
    ...(proxyVar === undefined ? { proxy: false as const } : {}),
    ...userDefaults,
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
  if (proxyVar !== undefined && userDefaults.proxy === undefined && resolved.logger !== false) {
    resolved.logger.child({ lib: 'axios-keepalive' }).warn(
      { evt: 'proxy-env', variable: proxyVar },
      `${proxyVar} is set: axios sends https requests through its own tunnelling agent, bypassing the keep-alive pool. ` +
        'Set options.axios.proxy to false to keep the pool (no proxy), or to an explicit proxy to silence this warning',
    );
  }
  Object.defineProperty(instance, 'keepAlive', { value: handle, enumerable: false });
  return instance as KeepAliveClient;
}
