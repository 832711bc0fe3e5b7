// The HTTP client span's ids on each per-call log line (handle.addLogFields, log-fields.ts).
//
// Without this, a pino logger set up for OpenTelemetry (@opentelemetry/instrumentation-pino, or a
// pino `mixin` reading the active span) stamps the per-call line with the span active when the line
// is written: the caller's span (the inbound request's server span, or one of the app's), because
// the line is written in a promise continuation of the caller's context. Same trace_id, but the
// span_id is the parent of the call's own HTTP client span. With this, the line carries the ids of
// the span active when the request was created: instrumentation-http's client span for that call
// (the last attempt's, after a stale-socket retry). They are the ids in the upstream's
// `traceparent`. pino merges a line's own fields over its mixin's (pino 10 lib/proto.js,
// defaultMixinMergeStrategy), so these win over instrumentation-pino's for this line.
import type { ObservableHandle } from './observable-handle';
import { loadOtelApi } from './otel-api';
import { assertObject, show } from '../core/validate';

export interface SpanLogKeys {
  /** Default `'trace_id'`, as instrumentation-pino. */
  traceId?: string;
  /** Default `'span_id'`. */
  spanId?: string;
  /** Default `'trace_flags'` (`'01'` when sampled). */
  traceFlags?: string;
}

export interface SpanLogOptions {
  /** Field names; set them to instrumentation-pino's `logKeys` if you changed those. */
  logKeys?: SpanLogKeys;
}

export interface SpanLogRegistration {
  /** Stops adding the fields. Idempotent. */
  unregister(): void;
}

const KEY = /^[A-Za-z_][\w.-]{0,63}$/;

/**
 * Puts `trace_id`, `span_id` and `trace_flags` of the call's HTTP client span (OpenTelemetry's
 * instrumentation-http; without it, the span active where the call was made) on each per-call log
 * line of this pool. Needs `@opentelemetry/api` installed.
 */
export function addSpanContextToLogs(handle: ObservableHandle, options?: SpanLogOptions): SpanLogRegistration {
  const h = handle as Partial<ObservableHandle> | null;
  if (typeof h !== 'object' || h === null || typeof h.addLogFields !== 'function') {
    throw new TypeError(`addSpanContextToLogs: handle must be a KeepAliveHandle (client.keepAlive), got ${show(handle)}`);
  }
  const o = assertObject('addSpanContextToLogs options', options, ['logKeys']) ?? {};
  const k = assertObject('addSpanContextToLogs options.logKeys', o.logKeys, ['traceId', 'spanId', 'traceFlags']) ?? {};
  const keys = { traceId: 'trace_id', spanId: 'span_id', traceFlags: 'trace_flags' };
  for (const name of ['traceId', 'spanId', 'traceFlags'] as const) {
    const v = k[name];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !KEY.test(v)) {
      throw new TypeError(`addSpanContextToLogs options.logKeys.${name} must be a field name (letters, digits, '_', '.', '-'), got ${show(v)}`);
    }
    keys[name] = v;
  }
  const { trace, context, isSpanContextValid } = loadOtelApi();
  const remove = h.addLogFields(() => {
    const span = trace.getSpan(context.active());
    if (span === undefined) return undefined;
    const sc = span.spanContext();
    if (!isSpanContextValid(sc)) return undefined;
    return { [keys.traceId]: sc.traceId, [keys.spanId]: sc.spanId, [keys.traceFlags]: `0${sc.traceFlags.toString(16)}` };
  });
  return { unregister: remove };
}
