// Extra fields for the per-call log line, taken when the native request is created: inside
// http.request(), and so inside agent.addRequest(), in the caller's async context. That is the one
// moment an HTTP client span exists and is active: @opentelemetry/instrumentation-http starts it
// and calls the original http.request() inside context.with(client span)
// (instrumentation-http 0.223 build/src/http.js, outgoingRequest()). The log line itself is written
// later, in a promise continuation of the caller's context, where only the caller's span is active.
// axios-keepalive/otel uses this for the client span's ids; it has no OpenTelemetry code itself.
import type { Log } from './log';

/** Returns fields for the line of the call whose request is being created, or undefined for none. */
export type LogFieldsProvider = () => Readonly<Record<string, unknown>> | undefined;

interface FieldsSource {
  readonly logFieldProviders: LogFieldsProvider[];
  readonly log: Log;
}

/** Only plain values reach a log line: a provider cannot smuggle an object (a span, a request) into it. */
function isPlainValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The providers' fields for one request; undefined when there are no providers (the usual case). */
export function collectLogFields(pool: FieldsSource): Record<string, string | number | boolean> | undefined {
  const providers = pool.logFieldProviders;
  if (providers.length === 0) return undefined;
  let out: Record<string, string | number | boolean> | undefined;
  for (const provider of providers) {
    let fields: Readonly<Record<string, unknown>> | undefined;
    try {
      fields = provider();
    } catch (error) {
      // Called inside http.request(): a throw here would fail the request.
      pool.log.write('warn', { evt: 'observer-error', error: (error as Error)?.name ?? typeof error }, 'an addLogFields() provider threw');
      continue;
    }
    if (fields === undefined || fields === null || typeof fields !== 'object') continue;
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (isPlainValue(value)) (out ??= {})[key] = value;
    }
  }
  return out;
}

/** Adds the fields to a line; the line's own fields win. */
export function addLogFields(line: Record<string, unknown>, fields: Readonly<Record<string, unknown>> | undefined): void {
  if (fields === undefined) return;
  for (const key of Object.keys(fields)) if (!(key in line)) line[key] = fields[key];
}
