// A stream request body without a length must be sent chunked, whatever the method. Node chunks by
// default only for methods other than GET, HEAD, DELETE, OPTIONS, TRACE and CONNECT
// (lib/_http_client.js: useChunkedEncodingByDefault), and axios sets no Content-Length for a stream
// (lib/adapters/http.js); so a DELETE with a stream body went out with a head that announces no body
// at all, followed by the body's bytes: the server reads the request as bodyless and the body as the
// start of the next request on that keep-alive connection - another call's, on a pooled socket.
// An explicit `Transfer-Encoding: chunked` makes Node frame it (OutgoingMessage _storeHeader).
import type { InternalAxiosRequestConfig } from 'axios';

const NOT_CHUNKED_BY_DEFAULT = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

function isStream(data: unknown): boolean {
  return data !== null && typeof data === 'object' && typeof (data as { pipe?: unknown }).pipe === 'function';
}

interface HeadersLike {
  has(name: string): boolean;
  set(name: string, value: string): unknown;
}

/** Adds `Transfer-Encoding: chunked` when the body is a stream of unknown length on such a method. */
export function frameStreamBody(config: InternalAxiosRequestConfig): void {
  if (!isStream(config.data)) return;
  const method = (config.method ?? 'get').toUpperCase();
  if (!NOT_CHUNKED_BY_DEFAULT.has(method)) return;
  const headers = config.headers as unknown as HeadersLike | undefined;
  // A legacy form-data body gets its Content-Length from axios later (getLength), in its adapter.
  const form = typeof (config.data as { getLengthSync?: unknown }).getLengthSync === 'function';
  if (headers === undefined || typeof headers.has !== 'function' || form) return;
  if (headers.has('content-length') || headers.has('transfer-encoding')) return;
  headers.set('Transfer-Encoding', 'chunked');
}
