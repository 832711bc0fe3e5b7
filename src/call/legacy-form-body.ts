// A legacy `form-data` body with `maxBodyLength` set: axios 1.21.1 then sends any stream body
// through stream.pipeline([data, a Transform that counts bytes]) (lib/adapters/http.js), and a
// form-data form (combined-stream's CombinedStream) starts flowing inside its own pipe() - pipe()
// calls resume(), which writes every buffered part and emits 'end' at once - before pipeline has
// attached its 'end' listener: the request is never ended. Every byte reaches the server, so a call
// succeeds, but Node never frees the socket (unfinished-request.ts closes it after 50 ms) and
// follow-redirects never follows a redirect, waiting for the request's end (the call times out).
// Deferring that first resume() by a tick lets pipeline listen first; nothing else changes.
import type { InternalAxiosRequestConfig } from 'axios';

interface LegacyStream {
  pipe(dest: unknown, options?: unknown): unknown;
  resume(): unknown;
  getLengthSync?: unknown;
  _readableState?: unknown;
}

/** form-data (and any combined-stream): a pre-streams2 stream, with getLengthSync(). */
function isLegacyForm(data: unknown): data is LegacyStream {
  if (data === null || typeof data !== 'object') return false;
  const d = data as LegacyStream;
  return typeof d.pipe === 'function' && typeof d.resume === 'function' && typeof d.getLengthSync === 'function' && d._readableState === undefined;
}

export function deferLegacyFormFlow(config: InternalAxiosRequestConfig): void {
  const data = config.data;
  const limit = Number(config.maxBodyLength);
  if (!isLegacyForm(data) || !(limit > -1)) return;
  const pipe = data.pipe;
  data.pipe = function pipeThenFlow(this: LegacyStream, dest: unknown, options?: unknown): unknown {
    data.pipe = pipe;
    const resume = data.resume;
    let deferred = false;
    data.resume = function resumeNextTick(this: LegacyStream): unknown {
      data.resume = resume;
      deferred = true;
      process.nextTick(() => resume.call(data));
      return data;
    };
    try {
      return pipe.call(this, dest, options);
    } finally {
      if (!deferred) data.resume = resume;
    }
  };
}
