// An error status on a `responseType: 'stream'` request leaves the unread body in
// `error.response.data` (axios settle() rejects with the stream), and its socket checked out.
// Read a bounded amount so the socket can be reused and the error can be read; cut what is larger
// or slower, which closes the socket instead.
import type { Readable } from 'node:stream';

export interface DrainResult {
  body: Buffer;
  /** The body was read to its end within the limits: the socket can be reused. */
  complete: boolean;
}

export function drainBody(stream: Readable, limit: number, timeout: number): Promise<DrainResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (complete: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onClose);
      if (!complete) stream.destroy();
      resolve({ body: Buffer.concat(chunks, Math.min(size, limit)), complete });
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size + buf.length > limit) {
        chunks.push(buf.subarray(0, limit - size));
        size = limit;
        finish(false);
        return;
      }
      chunks.push(buf);
      size += buf.length;
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(stream.readableEnded);
    const timer = setTimeout(() => finish(false), timeout);
    timer.unref();
    stream.on('error', () => finish(false));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onClose);
  });
}

const TEXTUAL = /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml)|application\/(?:x-www-form-urlencoded|javascript|problem\+json))/i;

/** Text bodies become strings (what a buffered axios call would give), anything else stays a Buffer. */
export function decodeBody(body: Buffer, contentType: unknown): Buffer | string {
  if (typeof contentType === 'string' && TEXTUAL.test(contentType)) return body.toString('utf8');
  return body;
}
