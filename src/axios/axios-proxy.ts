// axios's own `proxy` setting, taken over by the pool: axios would otherwise tunnel https through an
// agent of its own per request (lib/adapters/http.js setProxy -> getTunnelingAgent) and bypass the
// pool. `false` keeps meaning "no proxy"; an object ({ protocol, host, port, auth }) becomes the
// pool's proxy; undefined leaves the choice to options.proxy / the environment.
import { isPlainObject } from '../core/validate';

/** The pool's proxy option for an axios `proxy` value, or undefined when axios had none set. */
export function fromAxiosProxy(value: unknown, name: string): URL | false | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === false) return false;
  // Keys only in messages: the object may hold a password.
  const keys = typeof value === 'object' ? Object.keys(value as object).join(', ') : '';
  if (!isPlainObject(value) || typeof value.host !== 'string' || value.host === '') {
    throw new TypeError(
      `${name} must be false or axios's proxy object { host, port, protocol?, auth? }, got ${typeof value === 'object' ? `an object with keys ${keys || '(none)'}` : typeof value}`,
    );
  }
  const protocol = value.protocol === undefined ? 'http' : String(value.protocol).replace(/:$/, '');
  if (protocol !== 'http' && protocol !== 'https') {
    throw new TypeError(`${name}.protocol must be 'http' or 'https' (TLS to the proxy itself), got '${protocol}'`);
  }
  const port = value.port;
  if (port !== undefined && !(Number.isInteger(Number(port)) && Number(port) > 0 && Number(port) < 65536)) {
    throw new RangeError(`${name}.port must be a port number from 1 to 65535, got ${typeof port === 'number' || typeof port === 'string' ? `'${port}'` : typeof port}`);
  }
  const host = value.host.includes(':') && !value.host.startsWith('[') ? `[${value.host}]` : value.host;
  let url: URL;
  try {
    url = new URL(`${protocol}://${host}${port === undefined ? '' : `:${Number(port)}`}`);
  } catch {
    throw new TypeError(`${name}.host is not a valid host name: '${value.host}'`);
  }
  const auth = value.auth;
  if (auth !== undefined) {
    if (!isPlainObject(auth) || typeof auth.username !== 'string' || (auth.password !== undefined && typeof auth.password !== 'string')) {
      throw new TypeError(`${name}.auth must be { username: string, password: string } (values not shown)`);
    }
    // Percent-encoded here ('%' included, which the URL setters leave alone); parseProxyUrl decodes
    // again before building the Basic credentials.
    url.username = encodeURIComponent(auth.username);
    url.password = encodeURIComponent((auth.password as string | undefined) ?? '');
  }
  return url;
}
