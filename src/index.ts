// The public surface of axios-keepalive. This is the CommonJS entry: it binds the library to
// require('axios'); the ESM entry (dist/index.mjs, written by scripts/build-esm.js) binds it to
// `import axios from 'axios'`, so each module system's users get the axios they import (see
// axios-binding.ts). Everything that does not depend on the axios copy is listed in api.ts.
import axios, { type AxiosInstance } from 'axios';
import type { KeepAliveClient, KeepAliveHandle, KeepAliveOptions } from './api';
import { bindApi } from './axios/bind-api';

const api = bindApi(axios);

/**
 * A new axios instance with the keep-alive agents and adapter, and the defaults chosen for a BFF
 * (`maxRedirects: 0`; axios's own proxy handling off, the pool handles proxies).
 */
export const createClient: (options?: KeepAliveOptions) => KeepAliveClient = api.createClient;
/**
 * Installs the keep-alive agents and adapter into an existing axios instance (the default `axios`
 * export included), leaving every other setting alone: redirects, proxy, timeout, interceptors.
 */
export const applyKeepAlive: (instance: AxiosInstance, options?: KeepAliveOptions) => KeepAliveHandle = api.applyKeepAlive;
export * from './api';
