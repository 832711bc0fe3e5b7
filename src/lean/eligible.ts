// Which configs the lean adapter serves: those for which it does exactly what axios's http adapter
// (axios 1.21.1 lib/adapters/http.js) would do. The rules, in the order they are checked; each
// one that fails sends the call to axios's adapter. The README's "What takes the lean path" is this
// table in prose. A few property reads and character tests, no allocation: it runs on every call.
import http from 'node:http';
import https from 'node:https';
import type { InternalAxiosRequestConfig } from 'axios';
import { own } from './own';
import { isHttpUrl, isPlainRelative } from './url';

/**
 * Node versions with native proxy-from-environment agents (`--use-env-proxy`, 22.21+/24.5+): axios
 * then swaps an agent that carries `proxyEnv` for a direct copy under `proxy: false`. The lean path
 * does not, so it leaves such agents to axios. Node 20 has no such flag.
 */
const ENV_PROXY_AGENTS = Boolean(process.allowedNodeEnvironmentFlags?.has('--use-env-proxy'));

function hasProxyEnv(agent: unknown, fallback: unknown): boolean {
  const options = ((agent ?? fallback) as { options?: { proxyEnv?: unknown } } | null)?.options;
  return options !== undefined && options !== null && options.proxyEnv !== undefined && options.proxyEnv !== null;
}

/** Response types read the way the lean adapter reads them (blob, document, formdata fall back). */
function leanResponseType(value: unknown): boolean {
  return value === undefined || value === 'json' || value === 'text' || value === 'arraybuffer' || value === 'stream';
}

/** Bodies already bytes or text after transformRequest; streams, FormData, Blob and the rest fall back. */
function leanBody(data: unknown): boolean {
  return data === undefined || data === null || typeof data === 'string' || Buffer.isBuffer(data) || data instanceof ArrayBuffer;
}

/** An absolute http(s) url, or an http(s) baseURL with a plain relative url, or a socketPath with a relative one. */
function leanUrl(config: InternalAxiosRequestConfig): boolean {
  const url = own(config, 'url');
  const baseURL = own(config, 'baseURL');
  if (isHttpUrl(url)) return !baseURL || own(config, 'allowAbsoluteUrls') !== false;
  if (!isPlainRelative(url)) return false;
  if (baseURL) return isHttpUrl(baseURL);
  // Without a baseURL a relative url parses only against the socketPath's synthetic base.
  return typeof own(config, 'socketPath') === 'string';
}

export function isEligible(config: InternalAxiosRequestConfig, hasParamsBuilder: boolean): boolean {
  if (config === null || typeof config !== 'object') return false;
  // The transports the lean path replaces: follow-redirects (maxRedirects > 0), proxies, HTTP/2, a user transport.
  if (own(config, 'maxRedirects') !== 0) return false;
  if (own(config, 'proxy') !== false) return false;
  const httpVersion = own(config, 'httpVersion');
  if (httpVersion !== undefined && httpVersion !== 1) return false;
  if (own(config, 'transport')) return false;
  // Progress events and rate limits need axios's transform streams.
  if (config.onUploadProgress || config.onDownloadProgress || config.maxRate) return false;
  if (typeof own(config, 'method') !== 'string') return false;
  if (!leanResponseType(own(config, 'responseType'))) return false;
  if (!leanBody(own(config, 'data'))) return false;
  if (!leanUrl(config)) return false;
  const socketPath = own(config, 'socketPath');
  if (socketPath && (typeof socketPath !== 'string' || own(config, 'allowedSocketPaths') != null)) return false;
  const lookup = own(config, 'lookup');
  if (lookup && typeof lookup !== 'function') return false;
  const auth = own(config, 'auth');
  if (auth !== undefined && auth !== null && typeof auth !== 'object') return false;
  const params = own(config, 'params');
  if (params && !hasParamsBuilder) return false;
  if (ENV_PROXY_AGENTS && (hasProxyEnv(own(config, 'httpAgent'), http.globalAgent) || hasProxyEnv(own(config, 'httpsAgent'), https.globalAgent))) return false;
  return true;
}
