// @opentelemetry/api, loaded on first use only: it is an optional peer dependency, and the main
// entry (which never imports this file) must work without it. Type imports are erased from the build.
type OtelApi = typeof import('@opentelemetry/api');

let api: OtelApi | undefined;

export function loadOtelApi(): OtelApi {
  if (api !== undefined) return api;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: optional peer dependency
    api = require('@opentelemetry/api') as OtelApi;
    return api;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes("'@opentelemetry/api'")) {
      throw new Error(
        "axios-keepalive/otel needs the package '@opentelemetry/api' (an optional peer dependency), which is not installed: npm install @opentelemetry/api",
        { cause: err },
      );
    }
    throw err;
  }
}
