// Proxy variables set for one test only: every name the library or axios could read is saved and
// put back afterwards, set or unset as it was.
export const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'] as const;

export type ProxyEnv = Partial<Record<(typeof PROXY_VARIABLES)[number], string>>;

/** Sets exactly `vars` among the proxy variables (the others unset) until the returned function is called. */
export function setProxyEnv(vars: ProxyEnv): () => void {
  const saved = new Map(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) {
    const value = vars[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Runs `fn` with `vars` set, and restores the environment even when it throws. */
export function withProxyEnv<T>(vars: ProxyEnv, fn: () => T): T {
  const restore = setProxyEnv(vars);
  try {
    return fn();
  } finally {
    restore();
  }
}
