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
  return data === undefined || typeof data === 'string' || data === null || Buffer.isBuffer(data) || data instanceof ArrayBuffer;
}

/** An absolute http(s) url, or an http(s) baseURL with a plain relative url, or a socketPath with a relative one. */
function leanUrl(c: Config): boolean {
  const url = c.url;
  const baseURL = c.baseURL;
  if (isHttpUrl(url)) return !baseURL || c.allowAbsoluteUrls !== false;
  if (!isPlainRelative(url)) return false;
  if (baseURL) return isHttpUrl(baseURL);
  // Without a baseURL a relative url parses only against the socketPath's synthetic base.
  return typeof c.socketPath === 'string';
}

/** The keys the check reads. */
type Config = Record<string, unknown>;

const KEYS = [
  'maxRedirects', 'proxy', 'httpVersion', 'transport', 'method', 'responseType', 'data', 'url', 'baseURL', 'allowAbsoluteUrls',
  'socketPath', 'allowedSocketPaths', 'lookup', 'auth', 'params', 'httpAgent', 'httpsAgent',
] as const;

/**
 * The config as axios's adapter reads it (own(), see own.ts). The one adapters get from
 * dispatchRequest has a null prototype: read as it is. Any other is copied through own() first.
 */
function safeView(config: object): Config {
  if (Object.getPrototypeOf(config) === null) return config as Config;
  const view = Object.create(null) as Config;
  for (const key of KEYS) view[key] = own(config, key);
  // axios reads these three without own(): as they are.
  const raw = config as Config;
  view.onUploadProgress = raw.onUploadProgress;
  view.onDownloadProgress = raw.onDownloadProgress;
  view.maxRate = raw.maxRate;
  return view;
}

export function isEligible(config: InternalAxiosRequestConfig, hasParamsBuilder: boolean): boolean {
  if (config === null || typeof config !== 'object') return false;
  const c = safeView(config);
  // The transports the lean path replaces: follow-redirects (maxRedirects > 0), proxies, HTTP/2, a user transport.
  if (c.maxRedirects !== 0 || c.proxy !== false) return false;
  if (c.httpVersion !== undefined && c.httpVersion !== 1) return false;
  if (c.transport) return false;
  // Progress events and rate limits need axios's transform streams.
  if (c.onUploadProgress || c.onDownloadProgress || c.maxRate) return false;
  if (typeof c.method !== 'string') return false;
  if (!leanResponseType(c.responseType)) return false;
  if (!leanBody(c.data)) return false;
  if (!leanUrl(c)) return false;
  const socketPath = c.socketPath;
  if (socketPath && (typeof socketPath !== 'string' || c.allowedSocketPaths != null)) return false;
  const lookup = c.lookup;
  if (lookup && typeof lookup !== 'function') return false;
  const auth = c.auth;
  if (auth !== undefined && auth !== null && typeof auth !== 'object') return false;
  if (c.params && !hasParamsBuilder) return false;
  if (ENV_PROXY_AGENTS && (hasProxyEnv(c.httpAgent, http.globalAgent) || hasProxyEnv(c.httpsAgent, https.globalAgent))) return false;
  return true;
}
