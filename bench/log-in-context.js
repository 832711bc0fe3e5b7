// The per-call log line's cost inside real calls, measured in ONE process (issue 13: "the log line
// <= 3 % of CPU per request"; "show pino's asynchronous destination too ... let the README
// recommend with figures").
//
// Why a separate measurement: #10 / #11 compares two processes that run seconds apart, and this
// machine's noise moves one of them by more than the line costs (one full run printed 1.65x for a
// line that a tight loop puts at 6 µs). Here every variant is a createClient() client in the same
// process, against the same server, and they take turns in short slots (a few thousand requests,
// under a second each), the order rotated every round; a ratio is taken between slots of the same
// round, and the median of those is reported. A noisy second then hits neighbouring slots alike.
//
// The variants, all createClient() with the lean path, the JSON POST at 50 in flight:
//   none        logger: false                                            (#11)
//   fields      a logger object that is not pino, whose methods do nothing: the library's own work
//               for the line (level check, fields, URL) and nothing of pino's
//   no write    pino, a destination whose write() keeps nothing: serialisation, no I/O   (#15)
//   sync        pino.destination({ sync: true })                         (#10)
//   sync 4 KiB  pino.destination({ sync: true, minLength: 4096 })        (#16)
//   async       pino.destination({ sync: false })                        (#14)
// Every destination writes to /dev/null; at the end of each slot, inside the measured time, the
// gathering and the asynchronous ones are waited for until everything is written (pino-dest.js), so
// their deferred writes are counted in their own slot.
'use strict';
const { once } = require('node:events');
const pino = require('pino');
const { loadLibrary } = require('./lib');
const { written } = require('./pino-dest');
const { median } = require('./stats');
const { LEAN_PATH_OPTIONS } = require('./contenders');
const { guardChild, sendAndExit } = require('./ipc');
const { runLoad } = require('./load');
const { WORKLOADS } = require('./workloads');

const cfg = JSON.parse(process.env.BENCH_CONFIG);
guardChild(cfg.guardMs);

const noop = () => {};
/** Not pino: what the library does for a line before any logger runs. */
const fieldsOnly = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop, isLevelEnabled: () => true };
fieldsOnly.child = () => fieldsOnly;

/** Each variant: its label in the report, and a maker of its logger (or none) and of how to flush it at the end of a slot. */
const VARIANTS = {
  none: { label: '`logger: false` (#11)', make: () => ({ logger: false }) },
  fields: { label: "an object with no-op level methods, not pino: the library's own work for the line", make: () => ({ logger: fieldsOnly }) },
  'no write': {
    label: 'pino, a destination whose `write()` keeps nothing: serialisation only (#15)',
    make: () => ({ logger: pino({ level: 'info' }, { write: noop }) }),
  },
  sync: {
    label: '`pino.destination({ sync: true })` (#10)',
    make: () => ({ logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true })) }),
  },
  'sync 4 KiB': {
    label: '`pino.destination({ sync: true, minLength: 4096 })` (#16)',
    make: () => {
      const dest = pino.destination({ dest: '/dev/null', sync: true, minLength: 4096 });
      return { logger: pino({ level: 'info' }, dest), flush: () => written(dest) };
    },
  },
  async: {
    label: '`pino.destination({ sync: false })` (#14)',
    make: () => {
      const dest = pino.destination({ dest: '/dev/null', sync: false });
      return { logger: pino({ level: 'info' }, dest), ready: once(dest, 'ready'), flush: () => written(dest) };
    },
  },
};

async function main() {
  const { createClient } = loadLibrary();
  const workload = WORKLOADS['json-post'];
  const names = Object.keys(VARIANTS);
  const variants = [];
  for (const name of names) {
    const v = VARIANTS[name].make();
    if (v.ready) await v.ready;
    const client = createClient({ ...LEAN_PATH_OPTIONS, logger: v.logger });
    const send = async (w) => {
      await client.request({ method: w.method, url: cfg.origin + w.path, data: w.body, responseType: w.responseType });
      return undefined;
    };
    variants.push({ name, client, send, flush: v.flush ?? (async () => {}), cpu: [], errors: 0 });
  }
  const limits = { concurrency: cfg.concurrency, maxMs: cfg.slotMaxMs, record: false };
  const slot = async (v, maxRequests) => {
    const cpu0 = process.cpuUsage();
    const r = await runLoad(v.send, workload, { ...limits, maxRequests });
    await v.flush();
    const cpu = process.cpuUsage(cpu0);
    v.errors += r.errors;
    if (r.errors > 0 && v.firstError === undefined) v.firstError = r.firstError;
    return { cpuPerReq: (cpu.user + cpu.system) / Math.max(1, r.done), done: r.done };
  };
  try {
    // Warm-up: JIT, inline caches and each client's pool filled to its steady size.
    for (const v of variants) await slot(v, cfg.warmupRequests);
    for (let round = 0; round < cfg.rounds; round++) {
      // Rotated each round, so no variant always follows the same one.
      for (let i = 0; i < variants.length; i++) {
        const v = variants[(i + round) % variants.length];
        v.cpu.push((await slot(v, cfg.slotRequests)).cpuPerReq);
      }
    }
  } finally {
    await Promise.all(variants.map((v) => v.client.keepAlive.close()));
  }
  const none = variants[0];
  sendAndExit({
    type: 'result',
    rounds: cfg.rounds,
    slotRequests: cfg.slotRequests,
    concurrency: cfg.concurrency,
    variants: variants.map((v) => ({
      name: v.name,
      label: VARIANTS[v.name].label,
      cpuPerReq: median(v.cpu),
      vsNone: median(v.cpu.map((c, i) => c / none.cpu[i])),
      errors: v.errors,
      firstError: v.firstError,
    })),
  });
}

main().catch((error) => {
  process.stderr.write(`bench log-in-context: ${error && error.stack ? error.stack : error}\n`);
  sendAndExit({ type: 'error', error: String(error && error.message ? error.message : error) }, 1);
});
