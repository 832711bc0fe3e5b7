// The optional entry `axios-keepalive/otel`: OpenTelemetry metrics of a keep-alive pool, and the
// HTTP client span's ids on its per-call log lines. `@opentelemetry/api` is an optional peer
// dependency, loaded on first use (otel-api.ts); the main entry never imports this file.
export { registerOtelMetrics, type OtelMetricsOptions, type OtelMetricsRegistration } from './observability/otel-metrics';
export { addSpanContextToLogs, type SpanLogOptions, type SpanLogKeys, type SpanLogRegistration } from './observability/otel-logs';
