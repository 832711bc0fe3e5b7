// The two functions of the public API that make or change axios instances, bound to the copy of
// axios an entry point hands over (axios-binding.ts): dist/index.js binds require('axios'),
// dist/index.mjs binds `import axios from 'axios'`. Everything else in the library is shared by both.
import type { AxiosInstance, AxiosStatic } from 'axios';
import { bindingOf, ownerBinding } from './axios-binding';
import { fromAxiosProxy } from './axios-proxy';
import { clientOfAdapter } from './client-state';
import { createClient as create, type KeepAliveClient } from './create-client';
import { install, isAxiosInstance, type KeepAliveHandle } from './install';
import type { KeepAliveOptions } from '../core/options';
import { resolveOptions } from './resolve-options';
import { show } from '../core/validate';

export interface BoundApi {
  /**
   * A new axios instance with the keep-alive agents and adapter, and the defaults chosen for a BFF
   * (`maxRedirects: 0`; axios's own proxy handling off, the pool handles proxies).
   */
  createClient(options?: KeepAliveOptions): KeepAliveClient;
  /**
   * Installs the keep-alive agents and adapter into an existing axios instance (the default `axios`
   * export included), leaving every other setting alone: redirects, proxy, timeout, interceptors.
   */
  applyKeepAlive(instance: AxiosInstance, options?: KeepAliveOptions): KeepAliveHandle;
}

/**
 * The pool takes the instance's proxy over: its `proxy` object (or `false`) becomes the pool's proxy
 * unless `options.proxy` is given. Without either, the instance followed the environment at each
 * request, and so does the pool (proxy/config.ts, LiveEnvProxy). An instance derived from an
 * installed one carries that install's `proxy: false`, which is not the user's: it follows the
 * environment too.
 */
function withInstanceProxy(instance: AxiosInstance, options: KeepAliveOptions | undefined): { options: KeepAliveOptions | undefined; followEnv: boolean } {
  const given = options !== undefined && (typeof options !== 'object' || options === null || options.proxy !== undefined);
  if (given) return { options, followEnv: false };
  const instanceProxy = clientOfAdapter(instance.defaults.adapter) !== undefined ? undefined : fromAxiosProxy(instance.defaults.proxy, 'instance.defaults.proxy');
  if (instanceProxy === undefined) return { options, followEnv: true };
  return { options: { ...options, proxy: instanceProxy }, followEnv: false };
}

export function bindApi(axios: AxiosStatic): BoundApi {
  const binding = bindingOf(axios);
  return {
    createClient: (options) => create(binding, options),
    applyKeepAlive(instance, options) {
      if (!isAxiosInstance(instance)) {
        throw new TypeError(`applyKeepAlive: instance must be an axios instance (axios or axios.create()), got ${show(instance)}`);
      }
      const proxied = withInstanceProxy(instance, options);
      return install(instance, resolveOptions(proxied.options, false, proxied.followEnv), ownerBinding(instance, binding));
    },
  };
}
