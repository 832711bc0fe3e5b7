// Every `responseType: 'stream'` body ends. A socket returns to the pool only when its response
// was read to the end (Node lib/_http_client.js: responseOnEnd -> responseKeepAlive); a body nobody
// reads keeps its socket checked out for ever. The guard watches the body and destroys it when its
// reader has not moved for `stream.idleTimeout`; a reader that stops early gets its socket closed.
import type { Readable } from 'node:stream';
import type { Attempt } from './attempt';
import { now, roundMs } from '../core/clock';

export interface GuardHooks {
  /** The body was destroyed by the guard: build the error, log the warning. */
  abandoned(attempt: Attempt, info: { bytesReceived: number; bufferedBytes: number; idleMs: number }): Error;
}

function noop(): void {}

function checkGuard(guard: StreamGuard): void {
  guard.check();
}

function readerAttached(stream: Readable): boolean {
  return stream.readableFlowing === true || stream.listenerCount('readable') > 0 || stream.listenerCount('data') > 0;
}

class StreamGuard {
  private timer: NodeJS.Timeout | undefined;
  private lastBuffered = -1;
  private lastRead = -1;
  private lastMoveAt = now();

  constructor(
    private readonly stream: Readable,
    private readonly attempt: Attempt,
    private readonly idleTimeout: number,
    private readonly hooks: GuardHooks,
  ) {
    // A reader that is not attached when the guard destroys the body must not crash the process
    // with an unhandled 'error'; a reader that is attached still receives it.
    stream.on('error', noop);
    stream.once('close', () => this.onClose());
    this.snapshot();
    if (idleTimeout > 0) this.schedule(this.step());
  }

  /** The guard looks at the body four times per idleTimeout: it notices within 1.25 x the limit. */
  private step(): number {
    return Math.max(10, Math.ceil(this.idleTimeout / 4));
  }

  private buffered(): number {
    return this.stream.readableLength + (this.attempt.res !== null && this.attempt.res !== this.stream ? this.attempt.res.readableLength : 0);
  }

  /** True when the reader moved since the last look. */
  private snapshot(): boolean {
    const buffered = this.buffered();
    const read = this.attempt.socket?.bytesRead ?? 0;
    const moved = buffered !== this.lastBuffered || read !== this.lastRead;
    this.lastBuffered = buffered;
    this.lastRead = read;
    if (moved) this.lastMoveAt = now();
    return moved;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(checkGuard, ms, this);
    this.timer.unref();
  }

  check(): void {
    this.timer = undefined;
    if (this.stream.destroyed || this.stream.readableEnded) return;
    this.snapshot();
    // A reader waiting on an empty buffer is waiting for the server: the `idle` timeout's business.
    const waitingForServer = this.buffered() === 0 && readerAttached(this.stream);
    const still = now() - this.lastMoveAt;
    if (waitingForServer || still < this.idleTimeout) {
      this.schedule(waitingForServer ? this.step() : Math.min(this.step(), Math.max(1, Math.ceil(this.idleTimeout - still))));
      return;
    }
    const a = this.attempt;
    const error = this.hooks.abandoned(a, {
      bytesReceived: a.socket ? a.socket.bytesRead - a.readBefore : 0,
      bufferedBytes: this.buffered(),
      idleMs: roundMs(still),
    });
    a.abort(error, 'abandoned');
    this.stream.destroy(error);
  }

  private onClose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const a = this.attempt;
    // The reader stopped early (destroy, break out of for await): if the socket is still this
    // request's and not done, close it rather than leave it checked out.
    // A socket destroyed mid-body is classified at its close (agent.ts closeReason); a freed one
    // (a decompressing pipeline read the response to its end) is pooled and not ours to label.
    if (!this.stream.readableEnded && a.phase !== 'done' && a.socket !== null && !a.socket.destroyed && a.st?.attempt === a) {
      a.st.close('abandoned');
      a.socket.destroy();
    }
  }
}

export function guardStream(stream: Readable, attempt: Attempt, idleTimeout: number, hooks: GuardHooks): void {
  new StreamGuard(stream, attempt, idleTimeout, hooks);
}
