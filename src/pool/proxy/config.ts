// Which proxy, if any, a client's pool uses for an upstream: from options.proxy, or from the
// environment read once when the client is created (never per request: axios reads it on every
// request through proxy-from-env, and a variable changed later would split one client's traffic).
//
// Variables, as proxy-from-env 2.1 (axios's dependency, index.js getEnv) and undici 7
// EnvHttpProxyAgent read them: the lower-case name first, then the upper-case one.
// - https: targets use https_proxy / HTTPS_PROXY, http: targets http_proxy / HTTP_PROXY. Neither
//   falls back on the other (undici's https falls back on HTTP_PROXY; proxy-from-env, curl and Go do
//   not), and ALL_PROXY is not read (proxy-from-env does; it often names a SOCKS proxy, which the
//   pool cannot speak).
// - An empty value counts as unset (proxy-from-env's `||`; undici's `??` would let an empty
//   lower-case value hide a set upper-case one).
// - no_proxy / NO_PROXY: see no-proxy.ts.
import { NoProxy } from './no-proxy';
import { parseProxyUrl, type ProxyEndpoint } from './endpoint';
import { show } from '../../core/validate';

/**
 * For an instance given to applyKeepAlive() whose proxy comes from the environment: the environment
 * as axios reads it, at each request (lib/adapters/http.js setProxy -> proxy-from-env
 * getProxyForUrl), so a variable set after the install (as axios's own tests do) applies to the next
 * call as it would without the library. The pool compares the variables' values at each request (a
 * few string reads) and re-decides its routes only when they changed.
 */
export interface LiveEnvProxy {
  readonly live: true;
  readonly connectTimeout: number;
}

/** What the agents are given: fixed routes, the live environment, or null (no proxy). */
export type ProxySetting = ProxyRoutes | LiveEnvProxy | null;

const VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as const;

/** The proxy variables' values, as one string to compare. */
export function envFingerprint(env: Env = process.env): string {
  let out = '';
  for (const name of VARIABLES) out += (env[name] ?? '') + '\n';
  return out;
}

export interface ProxyRoutes {
  readonly http: ProxyEndpoint | null;
  readonly https: ProxyEndpoint | null;
  /** Upstreams reached directly (environment only). */
  readonly noProxy: NoProxy | null;
  /** The client's `timeouts.connect`: a tunnel never takes longer to open, whatever the call's own deadlines. */
  readonly connectTimeout: number;
}

type Env = Record<string, string | undefined>;

/** The variable that is set (lower-case first, as proxy-from-env and undici), with its name for messages. */
function readVariable(env: Env, lower: string): { name: string; value: string } | undefined {
  const upper = lower.toUpperCase();
  const l = env[lower]?.trim();
  if (l) return { name: lower, value: l };
  const u = env[upper]?.trim();
  if (u) return { name: upper, value: u };
  return undefined;
}

function endpointOf(variable: { name: string; value: string } | undefined): ProxyEndpoint | null {
  if (variable === undefined) return null;
  const parsed = parseProxyUrl(variable.value, `the environment variable ${variable.name}`);
  if (typeof parsed === 'string') {
    throw new TypeError(`${parsed}. Set options.proxy to another proxy URL, or to false to reach upstreams directly`);
  }
  return parsed;
}

/** The routes from the environment, or null when no proxy applies at all. */
export function proxyFromEnv(env: Env, connectTimeout: number): ProxyRoutes | null {
  const https = endpointOf(readVariable(env, 'https_proxy'));
  const http = endpointOf(readVariable(env, 'http_proxy'));
  if (https === null && http === null) return null;
  const noProxy = new NoProxy(readVariable(env, 'no_proxy')?.value ?? '');
  if (noProxy.all) return null;
  return { http, https, noProxy: noProxy.empty ? null : noProxy, connectTimeout };
}

/**
 * options.proxy: `undefined` reads the environment, `false` turns proxying off, a URL (string or
 * URL) sends every upstream of the client through that proxy (the environment, NO_PROXY included,
 * is then not read). Throws a TypeError naming `name`; credentials never appear in a message.
 */
export function resolveProxy(value: unknown, connectTimeout: number, name = 'options.proxy', env: Env = process.env): ProxyRoutes | null {
  if (value === undefined) return proxyFromEnv(env, connectTimeout);
  if (value === false) return null;
  if (typeof value === 'string' || value instanceof URL) {
    const parsed = parseProxyUrl(value, name);
    if (typeof parsed === 'string') throw new TypeError(parsed);
    return { http: parsed, https: parsed, noProxy: null, connectTimeout };
  }
  // An object's values may hold credentials (axios's { auth: { password } }): show its keys only.
  const shown = typeof value === 'object' && value !== null ? `an object with keys ${Object.keys(value).join(', ') || '(none)'}` : show(value);
  throw new TypeError(`${name} must be a proxy URL (string or URL, http://host:port or https://host:port), or false for none; got ${shown}`);
}

/** The proxy for one upstream, or null to reach it directly. */
export function proxyFor(routes: ProxyRoutes, protocol: 'http:' | 'https:', host: string, port: number): ProxyEndpoint | null {
  const endpoint = protocol === 'https:' ? routes.https : routes.http;
  if (endpoint === null) return null;
  if (routes.noProxy !== null && routes.noProxy.matches(host, port)) return null;
  return endpoint;
}
