// A pino destination that checks every line the library writes (JSON, a documented `evt`) and
// counts the per-call 'request' lines by the chaos request id that addLogFields() puts on them,
// keeping nothing else: a long run logs hundreds of thousands of lines.
import type { Invariants } from './invariants';

/** The `evt` values the README's log table documents. */
export const LOG_EVENTS: ReadonlySet<string> = new Set([
  'request', 'socket-open', 'socket-close', 'retry', 'stream-abandoned', 'timeout', 'pool-summary', 'pool-bypassed', 'observer-error',
]);

export class LogSink {
  private readonly requestLines = new Map<string, number>();
  lines = 0;

  constructor(private readonly inv: Invariants) {}

  write(chunk: string): void {
    for (const text of chunk.split('\n')) {
      if (text === '') continue;
      this.lines++;
      let line: { evt?: unknown; chaosId?: unknown; reason?: unknown };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        this.inv.check('log-lines', false, () => `not JSON: ${text.slice(0, 120)}`);
        continue;
      }
      this.inv.check('log-lines', typeof line.evt === 'string' && LOG_EVENTS.has(line.evt), () => `undocumented evt ${String(line.evt)}: ${text.slice(0, 200)}`);
      if (line.evt === 'request' && typeof line.chaosId === 'string') {
        this.requestLines.set(line.chaosId, (this.requestLines.get(line.chaosId) ?? 0) + 1);
      }
    }
  }

  /** 'request' lines of a call, taken out. */
  take(id: string): number {
    const n = this.requestLines.get(id) ?? 0;
    this.requestLines.delete(id);
    return n;
  }

  clear(): void {
    this.requestLines.clear();
  }
}
