// Prometheus metrics of one or more keep-alive pools (the entry `axios-keepalive/metrics`, src/metrics.ts).
// prom-client is an optional peer dependency, required here on first use only, so the main entry
// never needs it. Type imports below are erased from the build.
//
// Design: one set of collectors per (registry, prefix), shared by every client registered into it,
// with a `client` label (default 'default') next to `origin`. Two clients in one registry need two
// `client` names; a clash throws. unregister() removes that client's series, and the collectors
// themselves once the last client of the set is gone.
//
// Gauges and counters mirror handle.stats() when the registry is scraped (prom-client's
// `collect()` hook). Counters keep the counter type: prom-client's Counter has no set(), and
// stats() already holds the running totals, so collect() does reset() then inc(total) per series.
// That is an exact mirror with no bookkeeping of earlier values (the alternative, prom-client's own
// process_cpu_seconds_total, incs by the delta since the last scrape), and the series of an
// unregistered client vanish at the next scrape. Histograms cannot be rebuilt from totals: they are
// fed by handle.observe(), one event per request handed a socket.
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ObservableHandle } from './observable-handle';
import type { OriginStats, PoolStats } from '../core/stats';
import { assertObject, show } from '../core/validate';
import { requireOptionalPeer } from './optional-peer';

type PromClient = typeof import('prom-client');

export interface MetricsOptions {
  /** The registry to add the collectors to. Default: prom-client's global `register`. */
  registry?: Registry;
  /** Prefix of every metric name. Default `'axios_keepalive_'`. */
  prefix?: string;
  /**
   * Value of the `client` label, to tell apart several clients registered into one registry (for
   * example one client per upstream). Default `'default'`. Two clients with one name in one
   * registry and prefix throw.
   */
  client?: string;
  /** Histogram buckets, in seconds. All clients of one registry and prefix share them. */
  buckets?: {
    /** Time waiting for a socket. Default: 1 ms to 5 s (the default queue timeout). */
    socketWait?: number[];
    /** Idle time of a socket before its reuse. Default: 10 ms to 60 s (freeSocketTimeout is 4 s by default). */
    socketIdle?: number[];
  };
}

export interface MetricsRegistration {
  /** Removes this client's series and its observe() subscription; the collectors go with the last client. Idempotent. */
  unregister(): void;
}

const DEFAULT_METRICS_PREFIX = 'axios_keepalive_';
const DEFAULT_BUCKETS = {
  socketWait: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  socketIdle: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
};
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface Row {
  labels?: Record<string, string>;
  value: number;
}

/** The metrics read from stats() at scrape time. */
const FROM_STATS: ReadonlyArray<{
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  labels?: string[];
  rows(s: OriginStats): Row[];
}> = [
  { name: 'open_connections', type: 'gauge', help: 'Open connections: active (carrying a request) or idle (in the pool).', labels: ['state'],
    rows: (s) => [{ labels: { state: 'active' }, value: s.active }, { labels: { state: 'idle' }, value: s.idle }] },
  { name: 'requests_waiting', type: 'gauge', help: 'Requests waiting for a socket (maxSockets reached).', rows: (s) => [{ value: s.queued }] },
  { name: 'connections_created_total', type: 'counter', help: 'Connections opened.', rows: (s) => [{ value: s.created }] },
  { name: 'connections_closed_total', type: 'counter', help: 'Connections closed, by reason.', labels: ['reason'],
    rows: (s) => Object.entries(s.closed.byReason).map(([reason, n]) => ({ labels: { reason }, value: n ?? 0 })) },
  { name: 'requests_total', type: 'counter', help: 'Requests handed a socket (a stale-socket retry counts again).', rows: (s) => [{ value: s.requests }] },
  { name: 'requests_reused_total', type: 'counter', help: 'Requests sent on a socket that had already served one.', rows: (s) => [{ value: s.reused }] },
  { name: 'stale_socket_retries_total', type: 'counter', help: 'Requests re-sent on a new socket after a reused socket failed before any response byte.', rows: (s) => [{ value: s.retries }] },
  { name: 'timeouts_total', type: 'counter', help: 'Calls that timed out, by phase.', labels: ['phase'],
    rows: (s) => Object.entries(s.timeouts).map(([phase, n]) => ({ labels: { phase }, value: n ?? 0 })) },
];

function loadPromClient(): PromClient {
  return requireOptionalPeer<PromClient>('prom-client', 'metrics');
}

interface Member {
  handle: ObservableHandle;
  /** Origins this client has histogram series for, to remove them on unregister. */
  origins: Set<string>;
}

/** The collectors of one registry and prefix, and the clients they read. */
class MetricSet {
  readonly members = new Map<string, Member>();
  readonly names: string[] = [];
  readonly socketWait: Histogram<string>;
  readonly socketIdle: Histogram<string>;
  private cached: Array<{ client: string; stats: PoolStats }> | undefined;

  constructor(prom: PromClient, readonly registry: Registry, prefix: string, readonly buckets: Required<NonNullable<MetricsOptions['buckets']>>) {
    for (const def of FROM_STATS) {
      const name = prefix + def.name;
      const labelNames = ['client', 'origin', ...(def.labels ?? [])];
      const rows = (): Array<{ labels: Record<string, string>; value: number }> => this.rows(def.rows);
      if (def.type === 'gauge') {
        const gauge: Gauge<string> = new prom.Gauge({
          name, help: def.help, labelNames, registers: [registry],
          collect: () => { gauge.reset(); for (const r of rows()) gauge.set(r.labels, r.value); },
        });
      } else {
        const counter: Counter<string> = new prom.Counter({
          name, help: def.help, labelNames, registers: [registry],
          collect: () => { counter.reset(); for (const r of rows()) counter.inc(r.labels, r.value); },
        });
      }
      this.names.push(name);
    }
    this.socketWait = new prom.Histogram({
      name: `${prefix}socket_wait_seconds`, help: 'Time a request waited for a socket (about 0 when one was free).',
      labelNames: ['client', 'origin'], buckets: buckets.socketWait, registers: [registry],
    });
    this.socketIdle = new prom.Histogram({
      name: `${prefix}socket_idle_seconds`, help: 'Time a reused socket sat idle in the pool before this request.',
      labelNames: ['client', 'origin'], buckets: buckets.socketIdle, registers: [registry],
    });
    this.names.push(`${prefix}socket_wait_seconds`, `${prefix}socket_idle_seconds`);
  }

  /**
   * One stats() snapshot per client per scrape, so requests_total and requests_reused_total agree:
   * prom-client's Registry.metrics() and getMetricsAsJSON() call every metric's get(), hence its
   * collect(), in one synchronous loop (lib/registry.js), so the snapshot lives until the next microtask.
   */
  private rows(rowsOf: (s: OriginStats) => Row[]): Array<{ labels: Record<string, string>; value: number }> {
    if (this.cached === undefined) {
      this.cached = [...this.members].map(([client, m]) => ({ client, stats: m.handle.stats() }));
      queueMicrotask(() => { this.cached = undefined; });
    }
    const out = [];
    for (const { client, stats } of this.cached) {
      for (const [origin, s] of Object.entries(stats.origins)) {
        for (const row of rowsOf(s)) out.push({ labels: { client, origin, ...row.labels }, value: row.value });
      }
    }
    return out;
  }

  remove(client: string): void {
    const member = this.members.get(client);
    if (member === undefined) return;
    this.members.delete(client);
    for (const origin of member.origins) {
      this.socketWait.remove({ client, origin });
      this.socketIdle.remove({ client, origin });
    }
    if (this.members.size === 0) for (const name of this.names) this.registry.removeSingleMetric(name);
  }
}

const sets = new WeakMap<Registry, Map<string, MetricSet>>();

function checkBuckets(name: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 ||
    !value.every((v, i) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (i === 0 || v > value[i - 1]))) {
    throw new TypeError(`${name} must be a non-empty array of increasing positive numbers of seconds, got ${show(value)}`);
  }
  return [...value] as number[];
}

function resolve(handle: unknown, options: MetricsOptions | undefined) {
  const h = handle as Partial<ObservableHandle> | null;
  if (typeof h !== 'object' && typeof h !== 'function' || h === null || typeof h.stats !== 'function' || typeof h.observe !== 'function') {
    const hint = typeof (h as { keepAlive?: unknown } | null)?.keepAlive === 'object' ? ' (for a client from createClient(), pass client.keepAlive)' : '';
    throw new TypeError(`registerMetrics: handle must be a KeepAliveHandle${hint}, got ${show(handle)}`);
  }
  const o = assertObject('registerMetrics options', options, ['registry', 'prefix', 'client', 'buckets']) ?? {};
  const prefix = o.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== 'string' || !METRIC_NAME.test(prefix)) {
    throw new TypeError(`registerMetrics options.prefix must be letters, digits, '_' or ':' (not starting with a digit), got ${show(prefix)}`);
  }
  const client = o.client ?? 'default';
  if (typeof client !== 'string' || client === '') {
    throw new TypeError(`registerMetrics options.client must be a non-empty string, got ${show(client)}`);
  }
  const registry = o.registry as Registry | undefined;
  if (registry !== undefined && (typeof registry !== 'object' || registry === null ||
    typeof registry.registerMetric !== 'function' || typeof registry.getSingleMetric !== 'function' || typeof registry.removeSingleMetric !== 'function')) {
    throw new TypeError(`registerMetrics options.registry must be a prom-client Registry, got ${show(registry)}`);
  }
  const b = assertObject('registerMetrics options.buckets', o.buckets, ['socketWait', 'socketIdle']);
  const buckets = b && {
    socketWait: checkBuckets('registerMetrics options.buckets.socketWait', b.socketWait),
    socketIdle: checkBuckets('registerMetrics options.buckets.socketIdle', b.socketIdle),
  };
  return { handle: h as ObservableHandle, registry, prefix, client, buckets };
}

/**
 * Adds Prometheus metrics of a keep-alive pool (`client.keepAlive`) to a prom-client registry:
 * open connections by state, connections created and closed (by reason), requests and reused
 * requests, requests waiting for a socket, stale-socket retries, timeouts by phase, and histograms
 * of the wait for a socket and of the idle time before reuse. Every series is labelled `client`
 * and `origin`. Needs `prom-client` installed.
 */
export function registerMetrics(handle: ObservableHandle, options?: MetricsOptions): MetricsRegistration {
  const r = resolve(handle, options);
  const prom = loadPromClient();
  const registry = r.registry ?? prom.register;
  let byPrefix = sets.get(registry);
  if (byPrefix === undefined) sets.set(registry, (byPrefix = new Map()));
  let set = byPrefix.get(r.prefix);
  if (set === undefined) {
    const buckets = { socketWait: r.buckets?.socketWait ?? DEFAULT_BUCKETS.socketWait, socketIdle: r.buckets?.socketIdle ?? DEFAULT_BUCKETS.socketIdle };
    const taken = [...FROM_STATS.map((d) => d.name), 'socket_wait_seconds', 'socket_idle_seconds']
      .map((n) => r.prefix + n).filter((n) => registry.getSingleMetric(n) !== undefined);
    if (taken.length > 0) {
      throw new Error(`registerMetrics: the registry already has ${taken.join(', ')}, not registered by this copy of axios-keepalive; pass another options.prefix or options.registry`);
    }
    set = new MetricSet(prom, registry, r.prefix, buckets);
    byPrefix.set(r.prefix, set);
  } else {
    for (const key of ['socketWait', 'socketIdle'] as const) {
      const given = r.buckets?.[key];
      if (given !== undefined && given.join() !== set.buckets[key].join()) {
        throw new Error(`registerMetrics: options.buckets.${key} differs from the buckets of the client registered first with prefix '${r.prefix}' in this registry; clients of one registry share their histograms`);
      }
    }
    if (set.members.has(r.client)) {
      throw new Error(`registerMetrics: a client labelled '${r.client}' is already registered in this registry with prefix '${r.prefix}'; give each client its own options.client, e.g. registerMetrics(handle, { client: 'payments' })`);
    }
    for (const [name, m] of set.members) {
      if (m.handle === r.handle) throw new Error(`registerMetrics: this handle is already registered in this registry as client '${name}'`);
    }
  }
  const member: Member = { handle: r.handle, origins: new Set() };
  const metrics = set;
  const { client } = r;
  metrics.members.set(client, member);
  const unsubscribe = r.handle.observe((event) => {
    const labels = { client, origin: event.origin };
    member.origins.add(event.origin);
    metrics.socketWait.observe(labels, event.queueMs / 1000);
    if (event.reused && event.idleMs !== null) metrics.socketIdle.observe(labels, event.idleMs / 1000);
  });
  let active = true;
  return {
    unregister() {
      if (!active) return;
      active = false;
      unsubscribe();
      metrics.remove(client);
      if (metrics.members.size === 0 && byPrefix.get(r.prefix) === metrics) byPrefix.delete(r.prefix);
    },
  };
}
