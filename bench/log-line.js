#!/usr/bin/env node
// What the per-call log line costs with each pino destination (issue 13: "the log line <= 3 % of CPU
// per request; if a synchronous destination cannot reach it, show the asynchronous one too").
// One process, the destinations in alternating rounds, a small count per round: the line the
// library writes per call (a child with `lib`, the same ten fields, the same message) written
//
//   off        logger at level 'silent' (the call and the level check only)
//   no write   a destination whose write() does nothing: pino's serialisation alone
//   sync       pino.destination({ sync: true })      what createClient's default logger and the bench use
//   sync 4 KiB pino.destination({ sync: true, minLength: 4096 })  lines gathered, one writeSync per ~4 KiB
//   async      pino.destination({ sync: false })     sonic-boom buffers and writes from the event loop
//   async 4 KiB the same with minLength: 4096         one write per ~4 KiB of lines
//   transport  pino.transport({ target: 'pino/file' }) serialised here, written by a worker thread
//
// to /dev/null and to a file on disk (a pipe to a log collector costs like the file or more).
// Figures: µs per line in the calling thread (wall time of the loop: nothing else runs) and CPU of
// the whole process (all threads: the worker's writes and libuv's included), each the median over
// rounds, minus the 'off' variant. Async variants are waited for inside the timed window until their
// last deferred write completes (pino-dest.js: sonic-boom's flush(cb) alone does not wait for it),
// so their writes are counted.
//
//   node bench/log-line.js [--lines=20000] [--rounds=7]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const pino = require('pino');
const { written } = require('./pino-dest');
const { median } = require('./stats');

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const LINES = Math.min(200_000, Number(args.lines) || 20_000);
const ROUNDS = Math.min(21, Number(args.rounds) || 7);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axios-keepalive-logline-'));

/** The per-call line of src/call/call.ts (names and kinds of its fields), varied per line. */
function fields(i) {
  return {
    evt: 'request', method: 'POST', url: 'http://127.0.0.1:8080/orders', status: 200, reused: true,
    socketRequests: 2 + (i % 100), idleMs: 1.1 + (i % 7), queueMs: 0.21, durationMs: 1.37 + (i % 13) / 10, retries: 0,
  };
}

function variants(target) {
  const file = target === 'file' ? path.join(dir, 'lines.log') : '/dev/null';
  return {
    off: () => ({ logger: pino({ level: 'silent' }), flush: async () => {}, close: async () => {} }),
    // Serialisation only: a destination whose write() does nothing (what every variant pays first).
    'no write': () => ({ logger: pino({ level: 'info' }, { write() {} }), flush: async () => {}, close: async () => {} }),
    sync: () => {
      const dest = pino.destination({ dest: file, sync: true });
      return { logger: pino({ level: 'info' }, dest), flush: async () => {}, close: async () => dest.end() };
    },
    'sync 4 KiB': () => {
      // Lines gathered in memory until 4 KiB are pending, then one synchronous write on the calling
      // thread: no libuv thread, no worker; what is gathered is lost on a hard kill.
      const dest = pino.destination({ dest: file, sync: true, minLength: 4096 });
      return { logger: pino({ level: 'info' }, dest), flush: () => written(dest), close: async () => { await written(dest); dest.end(); } };
    },
    async: () => {
      const dest = pino.destination({ dest: file, sync: false });
      const ready = new Promise((resolve) => dest.once('ready', resolve));
      return {
        logger: pino({ level: 'info' }, dest),
        ready,
        flush: () => written(dest),
        close: async () => dest.end(),
      };
    },
    'async 4 KiB': () => {
      // Lines gathered until 4 KiB are pending (about 20 here), then one write: fewer syscalls, more to lose.
      const dest = pino.destination({ dest: file, sync: false, minLength: 4096 });
      const ready = new Promise((resolve) => dest.once('ready', resolve));
      return {
        logger: pino({ level: 'info' }, dest),
        ready,
        flush: () => written(dest),
        close: async () => dest.end(),
      };
    },
    transport: () => {
      const transport = pino.transport({ target: 'pino/file', options: { destination: file } });
      const ready = new Promise((resolve) => transport.once('ready', resolve));
      const logger = pino({ level: 'info' }, transport);
      return {
        logger,
        ready,
        flush: () => new Promise((resolve, reject) => logger.flush((e) => (e ? reject(e) : resolve()))),
        // The worker is unref'd and its 'close' may never come to an idle loop: end it and go on.
        close: async () => transport.end(),
      };
    },
  };
}

async function measure(make) {
  const v = make();
  if (v.ready) await v.ready;
  const log = v.logger.child({ lib: 'axios-keepalive' });
  for (let i = 0; i < 2000; i++) log.info(fields(i), 'upstream request completed'); // warm-up
  await v.flush();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < LINES; i++) log.info(fields(i), 'upstream request completed');
  const callerUs = (performance.now() - t0) * 1000;
  await v.flush();
  const cpu = process.cpuUsage(cpu0);
  await v.close();
  return { caller: callerUs / LINES, cpu: (cpu.user + cpu.system) / LINES };
}


async function main() {
  const out = [];
  for (const target of ['/dev/null', 'file']) {
    const vs = variants(target === 'file' ? 'file' : 'null');
    const names = Object.keys(vs);
    const results = Object.fromEntries(names.map((n) => [n, { caller: [], cpu: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of names) {
        const r = await measure(vs[name]);
        results[name].caller.push(r.caller);
        results[name].cpu.push(r.cpu);
      }
    }
    const off = { caller: median(results.off.caller), cpu: median(results.off.cpu) };
    for (const name of names.filter((n) => n !== 'off')) {
      out.push({ target, name, caller: median(results[name].caller) - off.caller, cpu: median(results[name].cpu) - off.cpu });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const lines = [
    `pino log line, ${LINES} lines x ${ROUNDS} alternating rounds per destination (Node ${process.version}, pino ${require('pino/package.json').version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)})`,
    '',
    '| destination | written to | µs per line, calling thread | µs CPU per line, whole process |',
    '|---|---|---:|---:|',
    ...out.map((r) => `| ${r.name} | ${r.target} | ${r.caller.toFixed(2)} | ${r.cpu.toFixed(2)} |`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`log-line: ${error && error.stack ? error.stack : error}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = 1;
});
