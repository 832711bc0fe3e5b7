// An error status on a `responseType: 'stream'` request leaves the unread body in
// `error.response.data` (axios settle() rejects with the stream), and its socket checked out.
// Read a bounded amount so the socket can be reused; cut what is larger or slower, which closes the
// socket instead. What was read goes back on the error as a stream again (replay()): axios's users
// read `error.response.data` as a stream there (axios's own test "should not abort stream on settle
// rejection" does `getStream(error.response.data)`), so the type must not change under them.
import { PassThrough, type Readable } from 'node:stream';

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

/** A readable stream of bytes already read: ends after them, so nothing waits on a socket. */
export function replay(body: Buffer): Readable {
  const stream = new PassThrough();
  stream.end(body);
  return stream;
}
