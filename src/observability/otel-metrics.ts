// OpenTelemetry metrics of a keep-alive pool, following the HTTP semantic conventions where they
// define an instrument:
// - http.client.open_connections, http.client.connection.duration: docs/http/http-metrics.md and
//   docs/dotnet/dotnet-http-metrics.md of open-telemetry/semantic-conventions (Development in the
//   general document; .NET 8 emits them);
// - http.client.request.time_in_queue: docs/dotnet/dotnet-http-metrics.md (.NET only so far).
// Bucket boundaries are the conventions' advice. `http.request.method` (Recommended on
// time_in_queue) is not reported: the pool sees sockets and queues, which every method shares.
//
// Counts mirror handle.stats() in one batch callback per collection, exactly as the Prometheus
// entry does at scrape time (prometheus.ts); histograms are fed by observe() (time in queue, idle time)
// and observePool() (connection lifetimes). open_connections is an asynchronous UpDownCounter:
// the conventions name the instrument kind, and the observable form reports the pool's own count
// instead of a running sum of +1/-1 that a missed event would skew for ever.
import type { Attributes, BatchObservableCallback, Histogram, Meter, MeterProvider, Observable } from '@opentelemetry/api';
import type { ObservableHandle } from './observable-handle';
import { loadOtelApi } from './otel-api';
import type { PoolEvent, SocketAssignedEvent } from '../core/pool-events';
import { assertObject, show } from '../core/validate';

export interface OtelMetricsOptions {
  /** The meter to create the instruments with. Default: `getMeter('axios-keepalive')` of `meterProvider`. */
  meter?: Meter;
  /** Where the meter comes from when `meter` is not given. Default: @opentelemetry/api's global MeterProvider. */
  meterProvider?: MeterProvider;
  /** Prefix of the library's own instruments (not of the semantic-convention ones). Default `'axios_keepalive.'`. */
  prefix?: string;
  /**
   * Value of the `axios_keepalive.client` attribute on every series, to tell apart several clients
   * on one meter (one per upstream, say). Default `'default'`. Two clients with one name on one meter throw.
   */
  client?: string;
}

export interface OtelMetricsRegistration {
  /** Stops recording and observing this client. Idempotent. */
  unregister(): void;
}

const DEFAULT_PREFIX = 'axios_keepalive.';
/** OpenTelemetry instrument names: a letter, then letters, digits, '_', '.', '-', '/'; 255 at most (the longest suffix is 27). */
const PREFIX = /^[A-Za-z][\w.\-/]{0,199}$/;
/** Advice of the conventions (dotnet-http-metrics.md). */
const CONNECTION_DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
const TIME_IN_QUEUE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Idle time before reuse: freeSocketTimeout is 4 s by default, a server hint rarely allows over 60 s. */
const IDLE_TIME_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** Client names taken per meter: their series would overwrite each other. */
const taken = new WeakMap<Meter, Set<string>>();

/** Attributes of one origin, built once: `http://[::1]:8080` -> server.address '::1', server.port 8080, url.scheme 'http'. */
interface OriginAttributes {
  base: Attributes;
  active: Attributes;
  idle: Attributes;
}

function originAttributes(origin: string, client: string): OriginAttributes {
  const sep = origin.indexOf('://');
  const scheme = sep === -1 ? 'http' : origin.slice(0, sep);
  const hostPort = sep === -1 ? origin : origin.slice(sep + 3);
  const colon = hostPort.lastIndexOf(':');
  let host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = colon === -1 ? (scheme === 'https' ? 443 : 80) : Number(hostPort.slice(colon + 1));
  const base: Attributes = {
    'server.address': host,
    'server.port': port,
    'url.scheme': scheme,
    // The pool speaks HTTP/1.1 only (agents; axios's http2 transport bypasses them).
    'network.protocol.version': '1.1',
    'axios_keepalive.client': client,
  };
  return { base, active: { ...base, 'http.connection.state': 'active' }, idle: { ...base, 'http.connection.state': 'idle' } };
}

function resolveOptions(handle: unknown, options: OtelMetricsOptions | undefined) {
  const h = handle as Partial<ObservableHandle> | null;
  if ((typeof h !== 'object' && typeof h !== 'function') || h === null ||
    typeof h.stats !== 'function' || typeof h.observe !== 'function' || typeof h.observePool !== 'function') {
    const hint = typeof (h as { keepAlive?: unknown } | null)?.keepAlive === 'object' ? ' (for a client from createClient(), pass client.keepAlive)' : '';
    throw new TypeError(`registerOtelMetrics: handle must be a KeepAliveHandle${hint}, got ${show(handle)}`);
  }
  const o = assertObject('registerOtelMetrics options', options, ['meter', 'meterProvider', 'prefix', 'client']) ?? {};
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TypeError(`registerOtelMetrics options.prefix must start with a letter and hold only letters, digits, '_', '.', '-', '/' (200 at most), got ${show(prefix)}`);
  }
  const client = o.client ?? 'default';
  if (typeof client !== 'string' || client === '') {
    throw new TypeError(`registerOtelMetrics options.client must be a non-empty string, got ${show(client)}`);
  }
  const meter = o.meter as Meter | undefined;
  if (meter !== undefined && (typeof meter !== 'object' || meter === null ||
    typeof meter.createHistogram !== 'function' || typeof meter.addBatchObservableCallback !== 'function')) {
    throw new TypeError(`registerOtelMetrics options.meter must be an OpenTelemetry Meter, got ${show(meter)}`);
  }
  const provider = o.meterProvider as MeterProvider | undefined;
  if (provider !== undefined && (typeof provider !== 'object' || provider === null || typeof provider.getMeter !== 'function')) {
    throw new TypeError(`registerOtelMetrics options.meterProvider must be an OpenTelemetry MeterProvider, got ${show(provider)}`);
  }
  if (meter !== undefined && provider !== undefined) {
    throw new TypeError('registerOtelMetrics: pass options.meter or options.meterProvider, not both');
  }
  return { handle: h as ObservableHandle, prefix, client, meter, provider };
}

/**
 * Reports a keep-alive pool (`client.keepAlive`) to OpenTelemetry: `http.client.open_connections`,
 * `http.client.connection.duration`, `http.client.request.time_in_queue`, and the library's own
 * counters under `axios_keepalive.` (requests by reuse, connections created and closed by reason,
 * requests queued, stale-socket retries, timeouts by phase, idle time before reuse). Needs
 * `@opentelemetry/api` unless a `meter` or `meterProvider` is passed.
 */
export function registerOtelMetrics(handle: ObservableHandle, options?: OtelMetricsOptions): OtelMetricsRegistration {
  const r = resolveOptions(handle, options);
  const meter = r.meter ?? (r.provider ?? loadOtelApi().metrics.getMeterProvider()).getMeter('axios-keepalive');
  let names = taken.get(meter);
  if (names === undefined) taken.set(meter, (names = new Set()));
  if (names.has(r.client)) {
    throw new Error(`registerOtelMetrics: a client named '${r.client}' is already registered on this meter; give each client its own options.client, e.g. registerOtelMetrics(handle, { client: 'payments' })`);
  }
  names.add(r.client);

  const p = r.prefix;
  const openConnections = meter.createObservableUpDownCounter('http.client.open_connections', {
    unit: '{connection}', description: 'Number of outbound HTTP connections that are currently active or idle on the client.',
  });
  const connectionDuration = meter.createHistogram('http.client.connection.duration', {
    unit: 's', description: 'The duration of the successfully established outbound HTTP connections.',
    advice: { explicitBucketBoundaries: CONNECTION_DURATION_BUCKETS },
  });
  const timeInQueue = meter.createHistogram('http.client.request.time_in_queue', {
    unit: 's', description: 'The amount of time requests spent on a queue waiting for an available connection.',
    advice: { explicitBucketBoundaries: TIME_IN_QUEUE_BUCKETS },
  });
  const idleTime: Histogram = meter.createHistogram(`${p}connection.idle_time`, {
    unit: 's', description: 'Time a reused connection sat idle in the pool before the request it was handed to.',
    advice: { explicitBucketBoundaries: IDLE_TIME_BUCKETS },
  });
  const requests = meter.createObservableCounter(`${p}requests`, {
    unit: '{request}', description: 'Requests handed a connection, by whether it had served a request before (axios_keepalive.socket.reused).',
  });
  const queued = meter.createObservableUpDownCounter(`${p}requests.queued`, {
    unit: '{request}', description: 'Requests waiting for a connection (maxSockets reached).',
  });
  const created = meter.createObservableCounter(`${p}connections.created`, { unit: '{connection}', description: 'Connections opened.' });
  const closed = meter.createObservableCounter(`${p}connections.closed`, {
    unit: '{connection}', description: 'Connections closed, by reason (axios_keepalive.connection.close_reason).',
  });
  const retries = meter.createObservableCounter(`${p}stale_socket.retries`, {
    unit: '{request}', description: 'Requests re-sent on a new connection after a reused one failed before any response byte.',
  });
  const timeouts = meter.createObservableCounter(`${p}timeouts`, {
    unit: '{timeout}', description: 'Calls that timed out, by phase (axios_keepalive.timeout.phase).',
  });
  const observables: Observable[] = [openConnections, requests, queued, created, closed, retries, timeouts];

  const byOrigin = new Map<string, OriginAttributes>();
  const attrs = (origin: string): OriginAttributes => {
    let a = byOrigin.get(origin);
    if (a === undefined) byOrigin.set(origin, (a = originAttributes(origin, r.client)));
    return a;
  };

  const collect: BatchObservableCallback = (result) => {
    for (const [origin, s] of Object.entries(r.handle.stats().origins)) {
      const a = attrs(origin);
      result.observe(openConnections, s.active, a.active);
      result.observe(openConnections, s.idle, a.idle);
      result.observe(queued, s.queued, a.base);
      result.observe(requests, s.reused, { ...a.base, 'axios_keepalive.socket.reused': true });
      result.observe(requests, s.requests - s.reused, { ...a.base, 'axios_keepalive.socket.reused': false });
      result.observe(created, s.created, a.base);
      result.observe(retries, s.retries, a.base);
      for (const [reason, n] of Object.entries(s.closed.byReason)) {
        result.observe(closed, n ?? 0, { ...a.base, 'axios_keepalive.connection.close_reason': reason });
      }
      for (const [phase, n] of Object.entries(s.timeouts)) {
        result.observe(timeouts, n ?? 0, { ...a.base, 'axios_keepalive.timeout.phase': phase });
      }
    }
  };
  meter.addBatchObservableCallback(collect, observables);

  const stopObserve = r.handle.observe((event: SocketAssignedEvent) => {
    const a = attrs(event.origin);
    timeInQueue.record(event.queueMs / 1000, a.base);
    if (event.reused && event.idleMs !== null) idleTime.record(event.idleMs / 1000, a.base);
  });
  const stopPool = r.handle.observePool((event: PoolEvent) => {
    // Only connections that were established have a duration, as the convention defines it.
    if (event.type !== 'socket-close' || !event.connected) return;
    const a = attrs(event.origin);
    connectionDuration.record(event.ageMs / 1000, event.remoteAddress === null ? a.base : { ...a.base, 'network.peer.address': event.remoteAddress });
  });

  let active = true;
  return {
    unregister() {
      if (!active) return;
      active = false;
      stopObserve();
      stopPool();
      meter.removeBatchObservableCallback(collect, observables);
      names.delete(r.client);
    },
  };
}
