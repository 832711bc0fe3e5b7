// Heap after a full garbage collection (helpers/gc.ts: no --expose-gc needed on the command line).
import { fullGc as gc } from '../../helpers/gc';

/** heapUsed after two full collections, in bytes. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface HeapVerdict {
  ok: boolean;
  note: string;
}

/**
 * Flat: the mean of the last third of the samples is within `slackBytes` (or 10 %) of the mean of
 * the middle third (the first third warms up: JIT, pools, caches). Fewer than 6 samples: not judged.
 */
export function judgeHeap(samples: number[], slackBytes = 6 * 1024 * 1024): HeapVerdict {
  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
  if (samples.length < 6) return { ok: true, note: `${samples.length} samples: too few to judge (${samples.map(mb).join(', ')} MB)` };
  const third = Math.floor(samples.length / 3);
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const middle = mean(samples.slice(third, 2 * third));
  const last = mean(samples.slice(samples.length - third));
  const growth = last - middle;
  const ok = growth <= Math.max(slackBytes, middle * 0.1);
  return { ok, note: `${samples.length} samples, ${mb(Math.min(...samples))}-${mb(Math.max(...samples))} MB; last third ${growth >= 0 ? '+' : ''}${mb(growth)} MB on the middle third` };
}
