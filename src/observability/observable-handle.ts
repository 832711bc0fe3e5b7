// Layer observability/ (ARCHITECTURE.md): what reads the pool from outside - the pool-summary line,
// Prometheus and OpenTelemetry metrics, span ids on log lines, the Fastify inbound hook. May import
// core/, lean/, pool/ and call/, never axios/: the handle it reads is declared here.
//
// What the observability layer reads of a keep-alive client: the read-only side of its handle.
// Declared here so that metrics, OpenTelemetry and the log fields never import the axios layer;
// KeepAliveHandle (axios/install.ts) extends it with the agents, eject() and close().
import type { LogFieldsProvider } from '../core/log-fields';
import type { PoolListener, SocketAssignedEvent } from '../core/pool-events';
import type { PoolStats } from '../core/stats';

export interface ObservableHandle {
  /** Sockets and requests per origin and in total. Reading them resets nothing. */
  stats(): PoolStats;
  /**
   * Calls `listener` each time a request is handed a socket (origin, reused, idleMs, queueMs, ...):
   * the feed for metrics such as histograms of queue wait and idle time. Returns an unsubscribe function.
   */
  observe(listener: (event: SocketAssignedEvent) => void): () => void;
  /**
   * Calls `listener` on the pool's other events: a connection opened (`socket-open`) or closed
   * (`socket-close`, with `reason` and `ageMs`), a stale-socket `retry`, a `timeout` (with its
   * `phase`). The feed for connection-lifetime metrics. Returns an unsubscribe function.
   */
  observePool(listener: PoolListener): () => void;
  /**
   * Adds fields to each per-call log line: `provider` is called when the call's request is handed
   * to the pool (inside `http.request()`, in the caller's async context, where an HTTP client span of
   * OpenTelemetry's instrumentation-http is active) and its string, number and boolean values go
   * on that call's line. The line's own fields win. Returns a function that removes the provider.
   */
  addLogFields(provider: LogFieldsProvider): () => void;
}
