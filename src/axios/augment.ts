// Typing of the per-request options and per-response facts on axios's own types.
// axios ships two declaration files (index.d.ts for import, index.d.cts for require); both declare
// these as interfaces of the module. This file is compiled as CommonJS and so augments index.d.cts;
// scripts/build-esm.js writes the same augmentation into dist/index.d.mts for import users.
// AxiosError is a class outside the namespace in index.d.cts and cannot be merged there: use the
// KeepAliveAxiosError type and the guards in errors.ts instead.
import type { KeepAliveRequestOptions } from '../core/options';
import type { ResponseFacts } from '../core/errors';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** axios-keepalive per-request overrides. */
    keepAlive?: KeepAliveRequestOptions;
  }
  interface AxiosResponse {
    /** axios-keepalive: the socket this response came on (set on every response of a keep-alive client). */
    keepAlive?: ResponseFacts;
  }
}

export {};
