// The request of an eligible config, as axios's http adapter prepares it before calling
// transport.request (axios 1.21.1 lib/adapters/http.js), in its order, because some steps change
// config.headers (user code sees them on error.config / response.config) and the first failing
// step decides the error: the URL (new URL() throws as axios's does), normalize() and the
// User-Agent default, the body and its Content-Length, maxBodyLength, auth (which removes an
// Authorization header), the path with params, the Accept-Encoding default, then the options.
import type { RequestOptions } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { InternalAxiosRequestConfig } from 'axios';
import type { HeadersInstance } from './binding';
import { toBody } from './body';
import type { LeanContext } from './context';
import { acceptEncoding, toRequestHeaders } from './headers';
import { own } from './own';
import { fullPath, pathWithParams } from './url';

export interface Prepared {
  /** For http.request (or config.transport.request). */
  options: RequestOptions;
  body: Buffer | undefined;
  secure: boolean;
}

/** A step refused the request before anything was sent: the call rejects with `error`. */
export class Refusal {
  constructor(readonly error: Error) {}
}

/** axios's decodeURIComponentSafe: URL credentials are percent-decoded, a bad escape is kept. */
function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function prepare(
  ctx: LeanContext,
  config: InternalAxiosRequestConfig,
  method: string,
  lookup: LookupFunction | undefined,
  rawLookup: unknown,
  socketPath: string | undefined,
): Prepared | Refusal {
  const E = ctx.binding.AxiosError;
  const parsed = new URL(fullPath(own(config, 'baseURL'), own(config, 'url')), socketPath ? 'http://localhost' : undefined);
  const protocol = parsed.protocol;

  const headers = ctx.binding.AxiosHeaders.from(config.headers as HeadersInstance).normalize(false);
  headers.set('User-Agent', 'axios/' + ctx.version, false);

  const body = toBody(own(config, 'data'));
  if (body !== undefined) {
    headers.setContentLength(body.length, false);
    const maxBodyLength = own(config, 'maxBodyLength') as number;
    if (maxBodyLength > -1 && body.length > maxBodyLength) {
      return new Refusal(new E('Request body larger than maxBodyLength limit', E.ERR_BAD_REQUEST, config));
    }
  }

  let auth: string | undefined;
  const configAuth = own(config, 'auth');
  if (configAuth) auth = ((own(configAuth, 'username') as string) || '') + ':' + ((own(configAuth, 'password') as string) || '');
  if (!auth && (parsed.username || parsed.password)) auth = decodeSafe(parsed.username) + ':' + decodeSafe(parsed.password);
  if (auth) headers.delete('authorization');

  let path = parsed.pathname + parsed.search;
  const params = own(config, 'params');
  if (params) {
    try {
      path = pathWithParams(ctx.uri!, path, params, own(config, 'paramsSerializer'));
      if (path.charCodeAt(0) === 0x3f) path = path.slice(1);
    } catch (err) {
      return new Refusal(E.from(err, E.ERR_BAD_REQUEST, config, null, null as unknown as undefined, { url: own(config, 'url'), exists: true }));
    }
  }

  headers.set('Accept-Encoding', acceptEncoding(own(config, 'transitional')), false);

  // Null prototype, as axios: Node's http.request reads some options (lookup, insecureHTTPParser)
  // where a polluted Object.prototype could otherwise answer.
  const options = Object.create(null) as RequestOptions;
  options.path = path;
  options.method = method;
  options.headers = toRequestHeaders(headers);
  options.auth = auth;
  options.protocol = protocol;
  options.family = own(config, 'family') as number | undefined;
  if (rawLookup !== undefined) options.lookup = lookup;
  if (socketPath) {
    options.socketPath = socketPath;
  } else {
    const hostname = parsed.hostname;
    options.hostname = hostname.charCodeAt(0) === 0x5b ? hostname.slice(1, -1) : hostname;
    options.port = parsed.port;
  }
  const secure = protocol === 'https:';
  options.agent = (secure ? own(config, 'httpsAgent') : own(config, 'httpAgent')) as RequestOptions['agent'];
  options.insecureHTTPParser = Boolean(own(config, 'insecureHTTPParser'));

  return { options, body, secure };
}
