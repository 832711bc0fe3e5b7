// The closed-loop load generator: `concurrency` workers, each sending its next request when its
// last one settled, until a request count or a deadline is reached (both always set).
'use strict';
const { performance } = require('node:perf_hooks');

/** A run stops early once this many requests failed: the figures would mean nothing. */
const MAX_ERRORS = 1000;

function describeError(error) {
  if (error && typeof error === 'object') return `${error.code ?? error.name ?? 'Error'}: ${error.message}`;
  return String(error);
}

/**
 * @param {(w: object) => Promise<number | undefined>} send
 * @param {object} workload
 * @param {{ concurrency: number, maxRequests: number, maxMs: number, record: boolean }} limits
 */
async function runLoad(send, workload, { concurrency, maxRequests, maxMs, record }) {
  const latency = record ? new Float64Array(maxRequests) : null;
  const queue = record ? new Float64Array(maxRequests) : null;
  let started = 0;
  let done = 0;
  let queued = 0;
  let errors = 0;
  let firstError;
  const begin = performance.now();
  const deadline = begin + maxMs;

  async function worker() {
    while (started < maxRequests && errors < MAX_ERRORS && performance.now() < deadline) {
      started++;
      const t0 = performance.now();
      try {
        const queueMs = await send(workload);
        const i = done++;
        if (latency !== null) {
          latency[i] = performance.now() - t0;
          if (queueMs !== undefined) queue[queued++] = queueMs;
        }
      } catch (error) {
        errors++;
        firstError ??= describeError(error);
      }
    }
  }

  const workers = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
  return {
    started,
    done,
    errors,
    firstError,
    elapsedMs: performance.now() - begin,
    latency: latency === null ? null : latency.subarray(0, done),
    queue: queue === null || queued === 0 ? null : queue.subarray(0, queued),
  };
}

module.exports = { runLoad, describeError };
