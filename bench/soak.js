// The soak: many requests through ONE createClient client (lean path and log line on, to /dev/null), in batches;
// after each batch the loop is quiet, GC runs twice (--expose-gc) and the heap and handles are
// sampled. A leak of even a few bytes per request shows as a climbing heap.
'use strict';
const { loadLibrary } = require('./lib');
const { LEAN_PATH_OPTIONS } = require('./contenders');
const pino = require('pino');
const { guardChild, sendAndExit } = require('./ipc');
const { runLoad } = require('./load');
const { WORKLOADS } = require('./workloads');

const { createClient } = loadLibrary();
const cfg = JSON.parse(process.env.BENCH_CONFIG);
guardChild(cfg.guardMs);

if (typeof global.gc !== 'function') throw new Error('bench soak: run with --expose-gc');

const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Every libuv handle of the process, unref'd ones included (idle pooled sockets are unref'd, and
 * process._getActiveHandles() / getActiveResourcesInfo() leave those out): a leaked socket shows.
 * JS timers share one libuv timer; a leaked Timeout object shows in the heap instead.
 */
function handles() {
  return process.report.getReport().libuv.filter((h) => h.type !== 'loop').length;
}

async function main() {
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
  // The product as issue 13 measures it: the lean path on.
  const client = createClient({ ...LEAN_PATH_OPTIONS, logger });
  const send = async (w) => {
    await client.request({ method: w.method, url: cfg.origin + w.path, data: w.body, responseType: w.responseType });
    return undefined;
  };
  const samples = [];
  let requests = 0;
  let errors = 0;
  let firstError;
  const deadline = Date.now() + cfg.maxMs;
  for (let batch = 0; batch < cfg.batches; batch++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const run = await runLoad(send, WORKLOADS['json-post'], { concurrency: cfg.concurrency, maxRequests: cfg.batchSize, maxMs: left, record: false });
    requests += run.done;
    errors += run.errors;
    firstError ??= run.firstError;
    for (let i = 0; i < 3; i++) await settle();
    global.gc();
    global.gc();
    const stats = client.keepAlive.stats().total;
    samples.push({ requests: requests + errors, heapUsed: process.memoryUsage().heapUsed, handles: handles(), created: stats.created, idle: stats.idle, active: stats.active });
  }
  await client.keepAlive.close();
  sendAndExit({ type: 'result', requests, errors, firstError, samples, maxRssKiB: process.resourceUsage().maxRSS });
}

main().catch((error) => {
  process.stderr.write(`bench soak: ${error && error.stack ? error.stack : error}\n`);
  sendAndExit({ type: 'error', error: String(error && error.message ? error.message : error) }, 1);
});
