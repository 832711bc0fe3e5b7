// The request URL, built as axios's http adapter builds it (axios 1.21.1 lib/adapters/http.js):
// buildFullPath(baseURL, url) -> new URL(fullPath) -> buildURL(pathname + search, params) -> path.
// Only the URLs whose handling is plain are lean (eligible.ts checks them with the two predicates
// below): an absolute http(s) URL, or an http(s) baseURL with a relative url that has no scheme.
// For those, axios's buildFullPath is "url as is" or "baseURL without trailing slashes + '/' + url
// without leading slashes" (lib/core/buildFullPath.js, lib/helpers/combineURLs.js), and its
// protocol assertion cannot trip. The params are serialized by axios itself (getUri, below).
import type { UriBuilder } from './binding';

const enum Char {
  Tab = 0x09,
  Lf = 0x0a,
  Cr = 0x0d,
  Space = 0x20,
  Plus = 0x2b,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Digit0 = 0x30,
  Digit9 = 0x39,
  Colon = 0x3a,
  LowerA = 0x61,
  LowerZ = 0x7a,
}

function lower(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

/** `http://` or `https://` at the very start, any case (axios's isAbsoluteURL then holds). */
export function isHttpUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length < 8) return false;
  if (lower(url.charCodeAt(0)) !== 0x68 || lower(url.charCodeAt(1)) !== 0x74 || lower(url.charCodeAt(2)) !== 0x74 || lower(url.charCodeAt(3)) !== 0x70) return false;
  let i = 4;
  if (lower(url.charCodeAt(i)) === 0x73) i++;
  return url.charCodeAt(i) === Char.Colon && url.charCodeAt(i + 1) === Char.Slash && url.charCodeAt(i + 2) === Char.Slash;
}

/**
 * A relative url axios would append to a baseURL without any special case: absent or empty, or a
 * string that starts with a visible character, not with `//` (protocol-relative, so absolute for
 * axios), and with no `scheme:` prefix (axios refuses `http:x` with ERR_INVALID_URL, and a tab or
 * newline inside a scheme is removed before that check, so those fall back too).
 */
export function isPlainRelative(url: unknown): boolean {
  if (url === undefined || url === '') return true;
  if (typeof url !== 'string') return false;
  const first = url.charCodeAt(0);
  if (first <= Char.Space) return false;
  if (first === Char.Slash) return url.charCodeAt(1) !== Char.Slash;
  for (let i = 0; i < url.length; i++) {
    const c = lower(url.charCodeAt(i));
    if ((c >= Char.LowerA && c <= Char.LowerZ) || (c >= Char.Digit0 && c <= Char.Digit9) || c === Char.Plus || c === Char.Minus || c === Char.Dot) continue;
    return c !== Char.Colon && c !== Char.Tab && c !== Char.Lf && c !== Char.Cr;
  }
  return true;
}

/** axios's combineURLs: the base without its trailing slashes, '/', the url without its leading ones. */
function join(baseURL: string, url: string | undefined): string {
  if (!url) return baseURL;
  let end = baseURL.length;
  while (end > 0 && baseURL.charCodeAt(end - 1) === Char.Slash) end--;
  let start = 0;
  while (start < url.length && url.charCodeAt(start) === Char.Slash) start++;
  return baseURL.slice(0, end) + '/' + url.slice(start);
}

/** The full path of an eligible config (see the header comment for which configs those are). */
export function fullPath(baseURL: unknown, url: unknown): string {
  return isHttpUrl(url) || !baseURL ? (url as string) : join(baseURL as string, url as string | undefined);
}

/**
 * buildURL(pathname + search, params, paramsSerializer), by axios: Axios#getUri on an instance with
 * empty defaults is mergeConfig({}, config) + buildFullPath(undefined, url) (the url unchanged) +
 * buildURL (lib/core/Axios.js). The merge hands the serializer a copy of the params, as axios's own
 * request merge already did.
 */
export function pathWithParams(uri: UriBuilder, pathAndSearch: string, params: unknown, paramsSerializer: unknown): string {
  return uri.getUri({ url: pathAndSearch, params, paramsSerializer } as Parameters<UriBuilder['getUri']>[0]);
}
