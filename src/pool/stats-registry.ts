// The pool's counters per origin (core/stats.ts) and the stats() snapshot summed from them and from
// the agents' live lists. agentkeepalive's own counters are agent-wide and its `statusChanged`
// getter resets them, so they are never read here.
import type { Socket } from 'node:net';
import { OriginCounters, type OriginStats, type PoolStats } from '../core/stats';
import type { PoolCounters } from './hooks';
import { socketState } from './socket-state';

function empty(): OriginStats {
  return {
    active: 0, idle: 0, connecting: 0, queued: 0, created: 0, closed: { total: 0, byReason: {} },
    requests: 0, reused: 0, reuseRatio: 0, retries: 0, timeouts: {},
  };
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): number {
  let sum = 0;
  for (const key of Object.keys(from) as K[]) {
    const n = from[key] ?? 0;
    into[key] = (into[key] ?? 0) + n;
    sum += n;
  }
  return sum;
}

function add(into: OriginStats, c: Pick<OriginCounters, 'created' | 'closed' | 'requests' | 'reused' | 'retries' | 'timeouts'>): void {
  into.created += c.created;
  into.closed.total += addCounts(into.closed.byReason, c.closed);
  into.requests += c.requests;
  into.reused += c.reused;
  into.retries += c.retries;
  addCounts(into.timeouts, c.timeouts);
}

/** Live socket counts of one agent, by its pool name (`host:port:...`). */
export interface LiveCounts {
  sockets: Record<string, unknown[] | undefined>;
  freeSockets: Record<string, unknown[] | undefined>;
  requests: Record<string, unknown[] | undefined>;
}

/**
 * Sockets the pool created (and counts in `created`). A CONNECT tunnel being set up stands in the
 * agent's socket list before its socket exists (proxy/route.ts: so maxSockets counts it): it is
 * `connecting`, not `active`, so that `created - closed = active + idle` holds at every moment.
 */
function countPoolSockets(list: readonly unknown[]): number {
  let n = 0;
  for (const s of list) if (socketState(s as Socket) !== undefined) n++;
  return n;
}

export class StatsRegistry implements PoolCounters {
  private readonly counters = new Map<string, OriginCounters>();
  /** agent pool name -> origin, filled as requests are added. */
  private readonly names = new Map<string, string>();

  forOrigin(origin: string): OriginCounters {
    let c = this.counters.get(origin);
    if (c === undefined) {
      c = new OriginCounters();
      this.counters.set(origin, c);
    }
    return c;
  }

  /** Every socket of the pool from its creation to its 'close', whether the agent still lists it or not. */
  openSockets(): Socket[] {
    const out: Socket[] = [];
    for (const c of this.counters.values()) out.push(...c.open);
    return out;
  }

  nameOrigin(name: string, origin: string): void {
    if (!this.names.has(name)) this.names.set(name, origin);
  }

  snapshot(agents: readonly LiveCounts[]): PoolStats {
    const origins: Record<string, OriginStats> = {};
    const total = empty();
    const view = (origin: string): OriginStats => (origins[origin] ??= empty());
    for (const [origin, c] of this.counters) {
      const v = view(origin);
      add(v, c);
      if (c.proxy !== undefined) v.proxy = c.proxy;
      for (const socket of c.open) {
        if (socketState(socket)?.idle === true) v.idle++;
        else v.active++;
      }
    }
    for (const agent of agents) {
      for (const [name, list] of Object.entries(agent.requests)) if (list !== undefined) view(this.names.get(name) ?? name).queued += list.length;
      for (const [name, list] of Object.entries(agent.sockets)) if (list !== undefined) view(this.names.get(name) ?? name).connecting += list.length - countPoolSockets(list);
    }
    for (const s of Object.values(origins)) {
      s.reuseRatio = s.requests === 0 ? 0 : s.reused / s.requests;
      add(total, { created: s.created, closed: s.closed.byReason, requests: s.requests, reused: s.reused, retries: s.retries, timeouts: s.timeouts });
      total.active += s.active;
      total.idle += s.idle;
      total.connecting += s.connecting;
      total.queued += s.queued;
    }
    total.reuseRatio = total.requests === 0 ? 0 : total.reused / total.requests;
    return { total, origins };
  }
}
