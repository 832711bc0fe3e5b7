// @opentelemetry/api, loaded on first use only: it is an optional peer dependency, and the main
// entry (which never imports this file) must work without it. Type imports are erased from the build.
import { requireOptionalPeer } from './optional-peer';

type OtelApi = typeof import('@opentelemetry/api');

let api: OtelApi | undefined;

export function loadOtelApi(): OtelApi {
  api ??= requireOptionalPeer<OtelApi>('@opentelemetry/api', 'otel');
  return api;
}
