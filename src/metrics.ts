// The optional entry `axios-keepalive/metrics`: Prometheus metrics of one or more keep-alive pools
// (observability/prometheus.ts). prom-client is an optional peer dependency, required there on first
// use only; the main entry never imports this file.
export { registerMetrics, type MetricsOptions, type MetricsRegistration } from './observability/prometheus';
