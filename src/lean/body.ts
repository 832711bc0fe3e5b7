// The request body of an eligible config, as axios's http adapter sends it (axios 1.21.1
// lib/adapters/http.js): by the time an adapter runs, transformRequest has made a plain object a
// JSON string, URLSearchParams a string, and a typed array its ArrayBuffer. Strings are sent as
// UTF-8, an ArrayBuffer is copied into a Buffer; a falsy body ('' included) sends no body and no
// Content-Length. eligible.ts lets only these kinds through (streams, FormData, Blob fall back).
//
// A string is made a Buffer first, as axios does, and not written as a string: Node prepends the
// header block to a first string chunk and encodes both as UTF-8 (lib/_http_outgoing.js _send), so
// a header value with a byte above 0x7f would go out differently (the differential test caught it).
export function toBody(data: unknown): Buffer | undefined {
  if (!data) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf-8');
  return Buffer.from(new Uint8Array(data as ArrayBuffer));
}
