// What a caller does with a `responseType: 'stream'` body: read it to the end, stop early
// (destroy it after a few bytes), abandon it (never read, no listener but one that sees it close),
// or read it slowly (pausing below the stream guard's limit). Whatever it does, the body must end,
// fail or be closed within a bound; a body that closes without 'end' or 'error' while its reader
// waits for it is a silent truncation.
import type { Readable } from 'node:stream';
import type { StreamPolicy } from './plan';

export interface StreamResult {
  /** end: read to its end; error: failed; stopped: the reader destroyed it; closed: closed without either while abandoned; silent: closed without end or error under a reader; hung: still open at the bound. */
  how: 'end' | 'error' | 'stopped' | 'closed' | 'silent' | 'hung';
  code: string | undefined;
  bytes: number;
  /** The body, when it ended and was small enough to keep (to check what it says). */
  body: Buffer | undefined;
  at: number;
}

const KEEP_LIMIT = 512 * 1024;

/** Applies the policy; resolves when the stream is closed, or at `boundMs` (then it is destroyed: 'hung'). */
export function consumeStream(stream: Readable, policy: StreamPolicy, stopAfter: number, pauseMs: number, boundMs: number): Promise<StreamResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let how: StreamResult['how'] | undefined;
    let code: string | undefined;
    let pauseTimer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (result: StreamResult['how']): void => {
      if (done) return;
      done = true;
      clearTimeout(bound);
      clearTimeout(pauseTimer);
      const body = result === 'end' && bytes <= KEEP_LIMIT ? Buffer.concat(chunks) : undefined;
      resolve({ how: result, code, bytes, body, at: performance.now() });
    };
    const bound = setTimeout(() => {
      finish('hung');
      stream.destroy();
    }, boundMs);
    stream.once('close', () => {
      if (how === undefined) {
        const errored = (stream as Readable & { errored?: { code?: string } | null }).errored;
        if (errored) {
          how = 'error';
          code = errored.code;
        } else {
          how = policy === 'abandon' ? 'closed' : 'silent';
        }
      }
      finish(how);
    });
    if (policy === 'abandon') return;
    stream.on('error', (error: Error & { code?: string }) => {
      if (how === undefined) {
        how = 'error';
        code = error.code ?? error.name;
      }
    });
    stream.on('end', () => {
      how ??= 'end';
    });
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= KEEP_LIMIT) chunks.push(chunk);
      if (policy === 'stop-early' && bytes >= stopAfter && how === undefined) {
        how = 'stopped';
        stream.destroy();
      } else if (policy === 'slow-read') {
        stream.pause();
        clearTimeout(pauseTimer);
        pauseTimer = setTimeout(() => stream.resume(), pauseMs);
      }
    });
  });
}

/** Reads a small stream (an error body put back on the error) to its end. */
export function readAll(stream: Readable, boundMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      stream.destroy();
      resolve(undefined);
    }, boundMs);
    stream.on('data', (c: Buffer) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
