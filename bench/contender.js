// One contender run, in its own process (forked by run.js with its settings in BENCH_CONFIG):
// warm up, measure, report over IPC, close everything, exit.
'use strict';
const fs = require('node:fs');
const { build } = require('./contenders');
const { guardChild, sendAndExit } = require('./ipc');
const { runLoad } = require('./load');
const { percentile } = require('./stats');
const { WORKLOADS } = require('./workloads');

const cfg = JSON.parse(process.env.BENCH_CONFIG);
guardChild(cfg.guardMs);

/** Per-request log lines the library wrote (smoke runs log to a file to prove the line is on). */
function countRequestLines(file) {
  if (file === '/dev/null') return null;
  const text = fs.readFileSync(file, 'utf8');
  let n = 0;
  for (const line of text.split('\n')) if (line.includes('"evt":"request"')) n++;
  return n;
}

async function main() {
  const contender = build(cfg.contender, { origin: cfg.origin, sweep: cfg.sweep, logFile: cfg.logFile, harness: cfg.harness });
  const workload = WORKLOADS[cfg.workload];
  const limits = { concurrency: cfg.concurrency, maxRequests: cfg.warmupRequests, maxMs: cfg.warmupMs, record: false };
  // Warm-up at the same concurrency: JIT, and the pool filled to its steady size.
  const warm = await runLoad(contender.send, workload, limits);
  const cpuBefore = process.cpuUsage();
  const run = await runLoad(contender.send, workload, { ...limits, maxRequests: cfg.maxRequests, maxMs: cfg.maxMs, record: true });
  const cpu = process.cpuUsage(cpuBefore);
  const maxRssKiB = process.resourceUsage().maxRSS;
  await contender.close();
  sendAndExit({
    type: 'result',
    // Every request this process sent (warm-up included): what the server's connection count is checked against.
    sent: warm.started + run.started,
    warmupErrors: warm.errors,
    requests: run.done,
    errors: run.errors + warm.errors,
    firstError: run.firstError ?? warm.firstError,
    elapsedMs: run.elapsedMs,
    cpuUs: cpu.user + cpu.system,
    p50: percentile(run.latency, 50),
    p99: percentile(run.latency, 99),
    queueP50: percentile(run.queue, 50),
    queueP99: percentile(run.queue, 99),
    maxRssKiB,
    logLines: contender.countedLines ? contender.countedLines() : cfg.logFile ? countRequestLines(cfg.logFile) : null,
  });
}

main().catch((error) => {
  process.stderr.write(`bench contender ${cfg.contender}: ${error && error.stack ? error.stack : error}\n`);
  sendAndExit({ type: 'error', error: String(error && error.message ? error.message : error) }, 1);
});
