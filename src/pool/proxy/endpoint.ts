// One forward proxy the pool connects through: where it is, what logs may show of it, and the
// credentials it is sent (which nothing else may show).
import { formatOrigin } from '../../core/origin';

export class ProxyEndpoint {
  /** Credentials live in a private field: util.inspect, JSON.stringify and pino never see them. */
  readonly #authorization: string | undefined;

  constructor(
    /** The proxy's host name or IP address (IPv6 without brackets). */
    readonly host: string,
    readonly port: number,
    authorization: string | undefined,
    /** An https:// proxy: the connection to the proxy itself is TLS (proxy-tls.ts). */
    readonly secure = false,
  ) {
    this.#authorization = authorization;
    this.label = formatOrigin(secure ? 'https:' : 'http:', host, port);
  }

  /** `http://proxy:3128`, `https://proxy:443`: the proxy as logs, error messages, stats and metrics show it, never with credentials. */
  readonly label: string;

  /** The `Proxy-Authorization` value (`Basic ...`) when the proxy URL carried credentials. */
  authorization(): string | undefined {
    return this.#authorization;
  }
}

/** `http://user:pass@proxy:3128/` -> `http://proxy:3128/`: for error messages about a bad value. */
export function withoutCredentials(value: string): string {
  return value.replace(/^((?:[a-z][a-z\d+.-]*:)?\/\/)?[^/?#@]*@/i, '$1');
}

/**
 * Parses a proxy URL. A value without a scheme (`proxy:3128`) is an http:// proxy, as curl reads it
 * (proxy-from-env, axios's dependency, would take the target's scheme instead, so an https target
 * would speak TLS to the proxy). An https:// proxy is reached over TLS (proxy/connect.ts); either way
 * https upstreams get TLS of their own inside the CONNECT tunnel. Returns a message (naming `what`)
 * when the value is bad.
 */
export function parseProxyUrl(value: string | URL, what: string): ProxyEndpoint | string {
  let url: URL;
  const text = typeof value === 'string' ? value.trim() : value.href;
  try {
    url = new URL(typeof value === 'string' && !/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? `http://${text}` : text);
  } catch {
    return `${what} is not a valid proxy URL: '${withoutCredentials(text)}'; expected http://host:port (credentials as http://user:password@host:port)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${what} must be an http:// or https:// proxy URL (SOCKS and other schemes are not supported), got '${withoutCredentials(text)}'`;
  }
  const secure = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return `${what} has no host: '${withoutCredentials(text)}'`;
  if (url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
    return `${what} must be a proxy origin without a path, query or fragment (http://host:port), got '${withoutCredentials(text)}'`;
  }
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    // URL keeps userinfo percent-encoded (a password may contain '@' or ':'): decode before Basic,
    // as undici's ProxyAgent does.
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      return `${what} has credentials that are not valid percent-encoding (value not shown)`;
    }
    authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  // Without a port: 80 for http://, 443 for https://, as axios reads the proxy URL (https-proxy-agent
  // 5, its tunnelling agent: `proxy.port = this.secureProxy ? 443 : 80`; its http path leaves the port
  // empty and https.request() takes 443) and as undici's ProxyAgent (defaultProtocolPort) and
  // https-proxy-agent 7 do. WHATWG URL drops a port equal to the scheme's default, so
  // `https://proxy:443` lands here as well.
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  return new ProxyEndpoint(host, port, authorization, secure);
}
