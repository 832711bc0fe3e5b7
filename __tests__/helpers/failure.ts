import type { KeepAliveAxiosError } from '../../src';

/**
 * The rejection of a call that must fail, and how long it took from here: called right after the
 * call was started (its adapter runs later, in a microtask), so `ms` never undercounts a deadline.
 */
export async function failure(p: Promise<unknown>): Promise<{ error: KeepAliveAxiosError; ms: number }> {
  const t0 = performance.now();
  const error = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: KeepAliveAxiosError) => e,
  );
  return { error, ms: performance.now() - t0 };
}
