// One monotonic clock for every duration the library measures or logs.
import { performance } from 'node:perf_hooks';

export function now(): number {
  return performance.now();
}

/** Milliseconds to two decimals: precise enough for logs, short in JSON. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
