// The two functions of the public API that make or change axios instances, bound to the copy of
// axios an entry point hands over (axios-binding.ts): dist/index.js binds require('axios'),
// dist/index.mjs binds `import axios from 'axios'`. Everything else in the library is shared by both.
import type { AxiosInstance, AxiosStatic } from 'axios';
import { bindingOf, ownerBinding } from './axios-binding';
import { createClient as create, type KeepAliveClient } from './create-client';
import { install, isAxiosInstance, type KeepAliveHandle } from './install';
import type { KeepAliveOptions } from './options';
import { resolveOptions } from './resolve-options';
import { show } from './validate';

export interface BoundApi {
  /**
   * A new axios instance with the keep-alive agents and adapter, and the defaults chosen for a BFF
   * (`maxRedirects: 0`, `proxy: false` unless a proxy variable is set).
   */
  createClient(options?: KeepAliveOptions): KeepAliveClient;
  /**
   * Installs the keep-alive agents and adapter into an existing axios instance (the default `axios`
   * export included), leaving every other setting alone: redirects, proxy, timeout, interceptors.
   */
  applyKeepAlive(instance: AxiosInstance, options?: KeepAliveOptions): KeepAliveHandle;
}

export function bindApi(axios: AxiosStatic): BoundApi {
  const binding = bindingOf(axios);
  return {
    createClient: (options) => create(binding, options),
    applyKeepAlive(instance, options) {
      if (!isAxiosInstance(instance)) {
        throw new TypeError(`applyKeepAlive: instance must be an axios instance (axios or axios.create()), got ${show(instance)}`);
      }
      const resolved = resolveOptions(options, false);
      return install(instance, resolved, ownerBinding(instance, binding));
    },
  };
}
