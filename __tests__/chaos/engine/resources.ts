// Timers and sockets left behind. Node's public lists miss what matters here: the library's timers
// are unref()'d, and process.getActiveResourcesInfo() counts only ref'd timers (lib/internal/timers.js
// keeps a count of ref'd ones). So every Timeout, TCP and TLS handle created while the tracker runs
// is recorded by an async hook (init, destroy) with the first frame of its creation stack outside
// Node's own code, which says whose it is: the library (this repository's src/ or dist/, or the
// axios, agentkeepalive, follow-redirects and form-data it drives), the chaos engine, the test
// servers, or nobody in JavaScript (a server's accepted socket is created from C++).
import { createHook, type AsyncHook } from 'node:async_hooks';

export type Owner = 'library' | 'engine' | 'servers' | 'native';

interface Tracked {
  type: string;
  owner: Owner;
  /** The creating frame, for the report. */
  frame: string;
  resource: object;
}

// Not TLSWRAP: its destroy is emitted only when the wrap is garbage-collected; a TLS socket's TCP handle is tracked.
const TYPES = new Set(['Timeout', 'TCPWRAP']);
const LIBRARY = /[\\/](src|dist)[\\/][^\\/]+\.(ts|js|mjs)|node_modules[\\/](axios|agentkeepalive|follow-redirects|form-data)[\\/]/;
const ENGINE = /__tests__[\\/]chaos[\\/]/;
const SERVERS = /__tests__[\\/]helpers[\\/]/;

function classify(stack: string): { owner: Owner; frame: string } {
  const lines = stack.split('\n');
  // lines[0] is "Error", lines[1] this hook: skip them, and Node's own frames.
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i];
    if (line.includes('node:') || line.includes('(<anonymous>)') || line.includes('resources.')) continue;
    if (ENGINE.test(line)) return { owner: 'engine', frame: line.trim() };
    if (SERVERS.test(line)) return { owner: 'servers', frame: line.trim() };
    if (LIBRARY.test(line)) return { owner: 'library', frame: line.trim() };
  }
  return { owner: 'native', frame: lines[2]?.trim() ?? '' };
}

export interface Leftover {
  type: string;
  owner: Owner;
  frame: string;
  /** For a timer: its callback's name and its delay. */
  detail: string;
}

export class ResourceTracker {
  private readonly live = new Map<number, Tracked>();
  private readonly hook: AsyncHook;
  /** Resources seen, by type (for the report). */
  readonly created: Record<string, number> = {};

  constructor() {
    this.hook = createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (!TYPES.has(type)) return;
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 25;
        const stack = new Error().stack ?? '';
        Error.stackTraceLimit = limit;
        this.created[type] = (this.created[type] ?? 0) + 1;
        this.live.set(asyncId, { type, ...classify(stack), resource });
      },
      destroy: (asyncId) => {
        this.live.delete(asyncId);
      },
    });
  }

  start(): void {
    this.hook.enable();
  }

  stop(): void {
    this.hook.disable();
    this.live.clear();
  }

  /** Resources created since start() and not destroyed, optionally of one owner. */
  async leftovers(owner?: Owner): Promise<Leftover[]> {
    // destroy hooks run asynchronously (queued by Node, emitted after the handle closed): let them run.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    const out: Leftover[] = [];
    for (const t of this.live.values()) {
      if (owner !== undefined && t.owner !== owner) continue;
      const timer = t.resource as { _onTimeout?: { name?: string } | null; _idleTimeout?: number; _destroyed?: boolean };
      // A timer that fired or was cleared whose destroy has not been emitted yet is not left over.
      if (t.type === 'Timeout' && (timer._destroyed === true || timer._idleTimeout === -1)) continue;
      const detail = t.type === 'Timeout' ? `${timer._onTimeout?.name || '(anonymous)'} ${timer._idleTimeout} ms` : '';
      out.push({ type: t.type, owner: t.owner, frame: t.frame, detail });
    }
    return out;
  }
}
