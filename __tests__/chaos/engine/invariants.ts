// The invariants a chaos run checks, how often each was checked, and the first violations of each
// (with the call, life and seed that replay them), printed as one table at the end of a run.

export const INVARIANTS = {
  'settled-once': 'every call settled exactly once (resolve xor reject; one log line)',
  'settled-in-time': 'settled no later than its deadline (total, cancel or close) + margin',
  'axios-error-code': 'every error is an AxiosError with a documented code',
  'facts-consistent': 'timeoutPhase / notRetried / bodyTruncated agree with what the server did',
  'response-integrity': 'a response is its own request\'s (id, method, body bytes, request count on the connection)',
  'streams-end': 'every stream body ends, fails (documented code) or is closed within its bound; never silently cut',
  'retried-at-most-once': 'no call retried twice',
  'no-unsafe-retry': 'no body reached the server twice unless the rules allow it (non-idempotent: once)',
  'books-balance': 'created - closed = active + idle, per origin, at every sample',
  'at-rest': 'at rest: active 0, queued 0, server connections open = pool idle sockets',
  'close-reasons': 'every close has a documented reason that agrees with what the server did',
  'stats-accounting': 'stats() timeouts by phase and retries = what the calls saw',
  'close-complete': 'after close(): calls in flight rejected, books zero, later calls ERR_CLIENT_CLOSED',
  'process-clean': 'no unhandled rejection, uncaught exception or warning (MaxListenersExceeded...)',
  'no-leftovers': 'no timer or socket of the library left after close() (and nothing at all at the end)',
  'log-lines': 'every log line is JSON with a documented evt',
  'heap-flat': 'heap after GC flat across the run',
} as const;
export type InvariantName = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantName;
  detail: string;
  life: number | undefined;
  call: number | undefined;
}

interface Tally {
  checks: number;
  violations: number;
  examples: Violation[];
}

const EXAMPLES = Number(process.env.CHAOS_EXAMPLES ?? 6);

export class Invariants {
  private readonly tallies = new Map<InvariantName, Tally>();
  /** Notes per invariant for the table (a figure, an assumption). */
  readonly notes = new Map<InvariantName, string>();
  life: number | undefined;

  constructor() {
    for (const name of Object.keys(INVARIANTS) as InvariantName[]) this.tallies.set(name, { checks: 0, violations: 0, examples: [] });
  }

  /** One check of `name`; `detail` is built only when it fails. */
  check(name: InvariantName, ok: boolean, detail: () => string, call?: number): boolean {
    const t = this.tallies.get(name)!;
    t.checks++;
    if (!ok) {
      t.violations++;
      if (t.examples.length < EXAMPLES) t.examples.push({ invariant: name, detail: detail(), life: this.life, call });
    }
    return ok;
  }

  violations(): Violation[] {
    return [...this.tallies.values()].flatMap((t) => t.examples);
  }

  count(name?: InvariantName): number {
    if (name !== undefined) return this.tallies.get(name)!.violations;
    let n = 0;
    for (const t of this.tallies.values()) n += t.violations;
    return n;
  }

  checks(name: InvariantName): number {
    return this.tallies.get(name)!.checks;
  }

  table(): string {
    const rows = [...this.tallies.entries()].map(([name, t]) => [
      name, INVARIANTS[name], String(t.checks), t.violations === 0 ? (t.checks === 0 ? '-' : 'pass') : `FAIL ${t.violations}`, this.notes.get(name) ?? '',
    ]);
    const head = ['invariant', 'what', 'checks', 'result', 'note'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
    const out = [line(head), `|${widths.map((w, i) => (i === 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)];
    const v = this.violations();
    if (v.length > 0) {
      out.push('', 'violations (first of each):');
      for (const x of v) out.push(`- ${x.invariant}${x.life !== undefined ? ` life ${x.life}` : ''}${x.call !== undefined ? ` call ${x.call}` : ''}: ${x.detail}`);
    }
    return out.join('\n');
  }
}
