// Layer lean/ (ARCHITECTURE.md): the lean transport; it may import core/ only (today: nothing).
//
// The lean transport (issue 13): for the configs a BFF sends all day, the request axios's http
// adapter would make, made directly on http.request / https.request (or config.transport), without
// axios's redirect, proxy, HTTP/2, form-data and progress machinery. eligible() says per call
// whether a config is one of those; adapter() then behaves as axios.getAdapter('http') does.
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import type { AxiosBinding } from './binding';
import type { LeanContext } from './context';
import { isEligible } from './eligible';
import { Exchange } from './exchange';
import { lookupNormalizer } from './lookup';

export type { AxiosBinding } from './binding';

export interface LeanAdapter {
  /**
   * Cheap per-call check (a few property reads, no allocation): can the lean path serve this config
   * exactly as axios's http adapter would? Call it on the config as axios hands it to the adapter,
   * before setting `config.transport` (a transport the user set is a reason to fall back).
   */
  eligible(config: InternalAxiosRequestConfig): boolean;
  /**
   * Same contract as axios.getAdapter('http') for an eligible config: resolves with the raw response
   * (before transformResponse), rejects with the error axios would. The request goes through
   * `config.transport.request(options, onResponse)` when a transport is set.
   */
  adapter(config: InternalAxiosRequestConfig): Promise<AxiosResponse>;
}

/**
 * `binding` is the user's axios: pass the default export itself (`createLeanAdapter(axios)`), which
 * has every member; errors and headers are then the user's classes, whichever copy of axios it is.
 */
export function createLeanAdapter(binding: AxiosBinding): LeanAdapter {
  const version = typeof binding.VERSION === 'string' ? binding.VERSION : undefined;
  const ctx: LeanContext = {
    binding,
    version: version ?? '',
    uri: typeof binding.Axios === 'function' ? new binding.Axios({}) : undefined,
    normalizeLookup: lookupNormalizer(binding),
  };
  const hasParamsBuilder = ctx.uri !== undefined;
  return {
    eligible: version === undefined ? () => false : (config) => isEligible(config, hasParamsBuilder),
    adapter(config) {
      return new Promise<AxiosResponse>((resolve, reject) => {
        const exchange = new Exchange(ctx, config, resolve, reject);
        try {
          exchange.start();
        } catch (error) {
          // What axios's async dispatcher throws (an invalid URL, a header Node refuses, ...) rejects as is.
          exchange.reject(error);
        }
      });
    },
  };
}
