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

interface LegacyForm {
  hasKnownLength(): boolean;
  getLength(cb: (err: Error | null, length?: number) => void): void;
}

function isLegacyForm(data: unknown): data is LegacyForm {
  const d = data as Partial<LegacyForm> & { getLengthSync?: unknown };
  return typeof d.getLengthSync === 'function' && typeof d.hasKnownLength === 'function' && typeof d.getLength === 'function';
}

/** Adds `Transfer-Encoding: chunked` when the body is a stream of unknown length on such a method. */
export function frameStreamBody(config: InternalAxiosRequestConfig): void {
  if (!isStream(config.data)) return;
  const method = (config.method ?? 'get').toUpperCase();
  if (!NOT_CHUNKED_BY_DEFAULT.has(method)) return;
  const headers = config.headers as unknown as HeadersLike | undefined;
  if (headers === undefined || typeof headers.has !== 'function') return;
  if (headers.has('content-length') || headers.has('transfer-encoding')) return;
  const data = config.data;
  if (isLegacyForm(data)) {
    // A legacy form-data body gets its Content-Length from axios later, in its adapter, from
    // `await getLength()` - when that fails (a part that is a stream form-data cannot measure, such
    // as a Readable without `knownLength`), axios swallows the error and sends no length
    // (lib/adapters/http.js), and on these methods the form went out unframed like any stream.
    // Whether getLength() will fail is known only asynchronously (an fs stream part is measured by
    // stat()), and a head must not carry both framings: so a form whose length is not known now is
    // sent chunked, and axios is told its length is unknown.
    if (data.hasKnownLength()) return;
    unknownLengthOnce(data);
  }
  headers.set('Transfer-Encoding', 'chunked');
}

/** The next getLength() of this form reports an unknown length (axios then sets no Content-Length). */
function unknownLengthOnce(form: LegacyForm): void {
  const own = Object.prototype.hasOwnProperty.call(form, 'getLength') ? form.getLength : undefined;
  form.getLength = function unknownLength(cb: (err: Error | null, length?: number) => void): void {
    if (own === undefined) delete (form as Partial<LegacyForm>).getLength;
    else form.getLength = own;
    process.nextTick(cb, new Error('the length of this form is not known in advance: it is sent chunked'));
  };
}
