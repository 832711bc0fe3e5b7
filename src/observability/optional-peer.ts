// The optional peer dependencies of the metrics entries (prom-client for axios-keepalive/metrics,
// @opentelemetry/api for axios-keepalive/otel), required on first use only so that the main entry,
// which never imports them, works without them; when one is missing, the error names the package
// and the command that installs it.

/** require(pkg), or an Error that says `axios-keepalive/${entry}` needs `pkg` (the original as its cause). */
export function requireOptionalPeer<T>(pkg: string, entry: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: optional peer dependency
    return require(pkg) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only the package itself missing: an error inside it, or in one of its own dependencies, is its own.
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`)) {
      throw new Error(
        `axios-keepalive/${entry} needs the package '${pkg}' (an optional peer dependency), which is not installed: npm install ${pkg}`,
        { cause: err },
      );
    }
    throw err;
  }
}
