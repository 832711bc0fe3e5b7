// Request headers as axios's http adapter sends them (axios 1.21.1 lib/adapters/http.js and
// lib/helpers/sanitizeHeaderValue.js). The steps that change config.headers run on the binding's
// AxiosHeaders itself, in axios's order, because user code sees config.headers afterwards
// (error.config, response.config): normalize(), the User-Agent default, Content-Length,
// the Authorization removal when `auth` is used, the Accept-Encoding default. A `null`/`false`
// value disclaims a default; toJSON() then leaves the header out.
import zlib from 'node:zlib';
import type { HeadersInstance } from './binding';

/** What axios advertises: brotli when this Node has it; zstd only when asked to and available. */
const BROTLI = typeof zlib.createBrotliDecompress === 'function';
const ZSTD = typeof (zlib as unknown as Record<string, unknown>).createZstdDecompress === 'function';
const ACCEPT_ENCODING = 'gzip, compress, deflate' + (BROTLI ? ', br' : '');
const ACCEPT_ENCODING_WITH_ZSTD = ACCEPT_ENCODING + (ZSTD ? ', zstd' : '');

export function acceptEncoding(transitional: unknown): string {
  const t = transitional as { advertiseZstdAcceptEncoding?: unknown } | null | undefined;
  return t !== null && t !== undefined && Object.prototype.hasOwnProperty.call(t, 'advertiseZstdAcceptEncoding') && t.advertiseZstdAcceptEncoding === true
    ? ACCEPT_ENCODING_WITH_ZSTD
    : ACCEPT_ENCODING;
}

// Bytes a header value may carry on the wire (HTAB, visible ASCII, obs-text): the rest is removed,
// then surrounding spaces and tabs, as axios's sanitizeByteStringHeaderValue does.
const INVALID = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_ALL = /[^\t\x20-\x7e\x80-\xff]+/g;

function trimSpaceTab(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function byteString(value: unknown): string | string[] {
  if (Array.isArray(value)) return value.map((v: unknown) => byteString(v) as string);
  let s = String(value);
  if (INVALID.test(s)) s = s.replace(INVALID_ALL, '');
  return trimSpaceTab(s);
}

/** The plain header object handed to http.request: toJSON() (disclaimed headers left out), as byte strings. */
export function toRequestHeaders(headers: HeadersInstance): Record<string, string | string[]> {
  const json = headers.toJSON() as Record<string, unknown>;
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const name of Object.keys(json)) out[name] = byteString(json[name]);
  return out;
}
