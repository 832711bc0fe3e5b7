#!/usr/bin/env node
// `npm run bench`: the loopback server in one process, each contender run in its own process,
// contenders in alternating rounds (1 2 3 ... 7, 1 2 3 ... 7, ...), medians and same-round ratios,
// the targets as PASS/FAIL, and the Markdown table in bench/results/latest.md.
//
//   node bench/run.js            full run (about 17 minutes on 2 cores), exits 1 if a target FAILs
//   node bench/run.js --smoke    a few hundred requests per run, 1 round: for CI; exits 1 on errors
//                                or wrong connection counts (speed targets are shown, not enforced)
//   node bench/run.js --soak     only the soak (100,000 requests through one client)
//   node bench/run.js --only=log-in-context   only the log line's cost by destination, in one process
//   node bench/run.js --profile  CPU profile of contender 1 on the JSON POST (see profile.js);
//                                --profile=3 profiles the baseline; --profile=1:1000 at 1000 in flight
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { byId } = require('./contenders');
const { libPath, loadLibrary, snapshotDist } = require('./lib');
const { spawn, nextMessage, call, waitExit, killAll } = require('./ipc');
const { FULL, SMOKE, sections: planSections } = require('./plan');
const { render } = require('./report');
const { runFigures, summarize } = require('./summary');
const { checkTargets } = require('./targets');

/** The whole bench must end within this, whatever happens (a full run takes about 17 minutes). */
const WALL_LIMIT_MS = 25 * 60_000;
const RESULTS = path.join(__dirname, 'results');

function parseArgs(argv) {
  const args = { smoke: false, soakOnly: false, profile: false, only: null, contenders: null, rounds: null, duration: null, noSoak: false };
  for (const a of argv) {
    const [flag, value] = a.split('=');
    if (flag === '--smoke') args.smoke = true;
    else if (flag === '--soak') args.soakOnly = true;
    else if (flag === '--no-soak') args.noSoak = true;
    else if (flag === '--profile') args.profile = value ?? '1';
    else if (flag === '--only' && value) args.only = value.split(',');
    else if (flag === '--contenders' && value) args.contenders = value.split(',').map(Number);
    else if (flag === '--rounds' && Number(value) >= 1) args.rounds = Math.min(50, Math.floor(Number(value)));
    else if (flag === '--duration' && Number(value) >= 100) args.duration = Math.min(60_000, Math.floor(Number(value)));
    else throw new Error(`bench: unknown argument ${a} (known: --smoke, --soak, --no-soak, --profile[=contender[:in-flight]], --only=json-post,get-64k,sweep-1,...,log-in-context, --contenders=1,3, --rounds=N, --duration=ms)`);
  }
  return args;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

async function startServer() {
  const server = spawn(path.join(__dirname, 'server.js'), { env: { BENCH_GUARD_MS: String(WALL_LIMIT_MS) } });
  const { port, tlsPort, proxyPort } = await nextMessage(server, 'listening', 10_000);
  return { server, origin: `http://127.0.0.1:${port}`, tlsOrigin: `https://127.0.0.1:${tlsPort}`, proxyUrl: `http://127.0.0.1:${proxyPort}` };
}

/** The preset's expected connection count comes from the library's own DEFAULTS. */
function expectedConnections(contender, section, result) {
  if (contender.preset) {
    const { DEFAULTS } = loadLibrary();
    return Math.min(section.concurrency, DEFAULTS.agent.maxSockets);
  }
  if (contender.perRequestConnections) return result.sent;
  return null;
}

async function runContender(ctx, section, id, round) {
  const contender = byId(id);
  const budget = section.warmupMs + section.maxMs + 20_000;
  const logFile = [1, 10, 14, 16].includes(id) ? (ctx.smoke ? path.join(os.tmpdir(), `axios-keepalive-bench-${process.pid}-${section.key}.log`) : '/dev/null') : undefined;
  await call(ctx.server, 'reset');
  const config = {
    contender: id,
    origin: section.proxied ? ctx.tlsOrigin : ctx.origin,
    workload: section.workload,
    sweep: section.sweep,
    harness: section.harness,
    concurrency: section.concurrency,
    warmupMs: section.warmupMs,
    warmupRequests: section.warmupRequests,
    maxMs: section.maxMs,
    maxRequests: section.maxRequests,
    logFile,
    guardMs: budget,
  };
  // The proxied section: the proxy comes from the environment, as in production (read once by the
  // preset, on every request by axios).
  const env = section.proxied ? { BENCH_CONFIG: JSON.stringify(config), HTTPS_PROXY: ctx.proxyUrl } : { BENCH_CONFIG: JSON.stringify(config) };
  const child = spawn(path.join(__dirname, 'contender.js'), { env });
  try {
    const result = await nextMessage(child, 'result', budget);
    await waitExit(child, 5000);
    // The contender has exited: every connection it opened has been accepted by now.
    const server = await call(ctx.server, 'count');
    const figures = runFigures(result);
    const run = {
      section: section.key,
      contender: id,
      round,
      preset: Boolean(contender.preset),
      figures,
      // Through the proxy, the connections that count are the client's: those the proxy accepted.
      accepted: section.proxied ? server.proxyAccepted : server.accepted,
      tunnels: section.proxied ? server.tunnels : undefined,
      expected: expectedConnections(contender, section, result),
      errors: result.errors,
      firstError: result.firstError,
      sent: result.sent,
      requests: result.requests,
      logLines: result.logLines,
    };
    log(
      `[${section.key} round ${round + 1}/${section.rounds}] #${id} ${contender.key}: ${figures.rps.toFixed(0)} req/s, ` +
        `${figures.cpuPerReq.toFixed(0)} µs CPU/req, p50 ${figures.p50.toFixed(2)} ms, ${run.accepted} conns` +
        `${section.proxied ? ` (${server.tunnels} tunnels)` : ''}, ${result.errors} errors`,
    );
    return run;
  } finally {
    if (logFile !== undefined && logFile !== '/dev/null') fs.rmSync(logFile, { force: true });
    await waitExit(child, 5000);
  }
}

async function runSoak(ctx, mode) {
  const s = mode.soak;
  const planned = s.batches * s.batchSize;
  const config = { origin: ctx.origin, batches: s.batches, batchSize: s.batchSize, concurrency: s.concurrency, maxMs: s.maxMs, guardMs: s.maxMs + 30_000 };
  log(`[soak] ${planned} requests through one client, ${s.concurrency} in flight ...`);
  const t0 = Date.now();
  const child = spawn(path.join(__dirname, 'soak.js'), { execArgv: ['--expose-gc'], env: { BENCH_CONFIG: JSON.stringify(config) } });
  try {
    const result = await nextMessage(child, 'result', config.guardMs);
    const soak = { ...result, planned, batchSize: s.batchSize, concurrency: s.concurrency, wallMs: Date.now() - t0 };
    for (const x of soak.samples) log(`[soak] ${x.requests}: heap ${(x.heapUsed / 1024).toFixed(0)} KiB, ${x.handles} handles, ${x.created} sockets created`);
    return soak;
  } finally {
    await waitExit(child, 5000);
  }
}

/** The log line's cost by destination, in one process (log-in-context.js). */
async function runLogInContext(ctx, mode) {
  const config = { origin: ctx.origin, ...mode.logInContext };
  log(`[log-in-context] six clients in one process, ${config.rounds} round${config.rounds === 1 ? '' : 's'} of ${config.slotRequests} requests each ...`);
  await call(ctx.server, 'reset');
  const child = spawn(path.join(__dirname, 'log-in-context.js'), { env: { BENCH_CONFIG: JSON.stringify(config) } });
  try {
    const result = await nextMessage(child, 'result', config.guardMs);
    for (const v of result.variants) log(`[log-in-context] ${v.name}: ${v.cpuPerReq.toFixed(0)} µs CPU/req, ${v.vsNone.toFixed(3)}x none, ${v.errors} errors`);
    return result;
  } finally {
    await waitExit(child, 5000);
  }
}

function machine(argv, args, mode, wallMs, lib) {
  const cpus = os.cpus();
  const v = (name) => require(`${name}/package.json`).version;
  const rounds = mode.rounds === mode.sweepRounds && mode.jsonPostRounds === mode.rounds
    ? `${mode.rounds} round${mode.rounds === 1 ? '' : 's'}`
    : `${mode.jsonPostRounds} rounds for the JSON POST, ${mode.rounds} for the 64 KiB GET, ${mode.sweepRounds} for the sweep`;
  return {
    command: `node bench/run.js${argv.length ? ' ' + argv.join(' ') : ''}`,
    mode: mode.name,
    cpu: cpus[0]?.model ?? 'unknown CPU',
    cores: cpus.length,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    versions: `axios ${v('axios')}, agentkeepalive ${v('agentkeepalive')}, undici ${v('undici')}, pino ${v('pino')}, axios-keepalive ${require('../package.json').version} (${lib})`,
    date: new Date().toISOString(),
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    wallMs,
    method: args.soakOnly ? 'server and soak client in their own processes on 127.0.0.1.' :
      `server and every contender run in their own processes on 127.0.0.1; ${rounds}, contenders in alternating order; ` +
      (mode.name === 'smoke'
        ? `each run: ${mode.warmupRequests} warm-up requests, then ${mode.maxRequests} measured (more in the sweep).`
        : `each run: ${mode.warmupMs} ms warm-up at the same concurrency, then ${mode.maxMs} ms measured (sweep: ${mode.sweepMaxMs} ms).`),
  };
}

async function main() {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.profile) {
    const [id, concurrency] = args.profile.split(':').map(Number);
    return require('./profile').main(id || 1, concurrency || 50);
  }
  let mode = args.smoke ? SMOKE : FULL;
  // Partial runs for development; the report names the command, so the numbers stay attributable.
  if (args.rounds !== null) mode = { ...mode, jsonPostRounds: args.rounds, rounds: args.rounds, sweepRounds: args.rounds };
  if (args.duration !== null) mode = { ...mode, maxMs: args.duration, sweepMaxMs: args.duration };
  const t0 = Date.now();
  const wallGuard = setTimeout(() => {
    log(`bench: still running after ${WALL_LIMIT_MS / 60_000} minutes: giving up`);
    killAll();
    process.exit(2);
  }, WALL_LIMIT_MS);
  wallGuard.unref();

  const libLabel = process.env.BENCH_LIB ? path.resolve(process.env.BENCH_LIB) : 'dist/, copied at start';
  const removeSnapshot = snapshotDist();
  loadLibrary(); // fails now, with a clear message, when the build is missing or broken
  const sections = planSections(mode, args)
    .filter((s) => args.only === null || args.only.includes(s.key))
    .map((s) => (args.contenders === null ? s : { ...s, contenders: s.contenders.filter((id) => args.contenders.includes(id)) }));
  const ctx = { ...(await startServer()), smoke: args.smoke };
  const runs = [];
  let soak = null;
  let logInContext = null;
  try {
    for (const section of sections) {
      for (let round = 0; round < section.rounds; round++) {
        for (const id of section.contenders) runs.push(await runContender(ctx, section, id, round));
      }
    }
    // Part of a full or smoke run; in a partial one only when named (--only=log-in-context).
    const logLineToo = args.only === null ? args.contenders === null : args.only.includes('log-in-context');
    if (!args.soakOnly && logLineToo) logInContext = await runLogInContext(ctx, mode);
    if (!args.noSoak && (args.only === null || args.soakOnly)) soak = await runSoak(ctx, mode);
  } finally {
    ctx.server.disconnect();
    await waitExit(ctx.server, 5000);
    removeSnapshot();
  }

  const summaries = sections.map((section) => ({ section, rows: summarize(runs, section) }));
  const targets = checkTargets({ runs, soak, logInContext, smoke: args.smoke });
  const markdown = render({ meta: machine(argv, args, mode, Date.now() - t0, libLabel), summaries, soak, logInContext, targets });
  process.stdout.write(`${markdown}\n`);
  // A smoke run (CI) or a partial run leaves no file behind; the full run is the one worth keeping.
  const partial = args.only !== null || args.contenders !== null || args.rounds !== null || args.duration !== null || args.noSoak;
  const file = args.smoke || partial ? null : path.join(RESULTS, args.soakOnly ? 'soak.md' : 'latest.md');
  if (file !== null) {
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(file, markdown);
  }
  for (const t of targets) process.stdout.write(`${t.info ? 'INFO' : t.pass ? 'PASS' : 'FAIL'} ${t.name}: ${t.measured}${!t.pass && !t.enforced ? ' (not enforced in a smoke run)' : ''}\n`);
  const where = file === null ? '' : `, written to ${path.relative(process.cwd(), file)}`;
  process.stdout.write(`bench ${mode.name}${args.soakOnly ? ' (soak only)' : ''} done in ${((Date.now() - t0) / 1000).toFixed(1)} s${where}\n`);
  clearTimeout(wallGuard);
  if (targets.some((t) => !t.pass && t.enforced)) process.exitCode = 1;
}

main().catch((error) => {
  log(`bench failed: ${error && error.stack ? error.stack : error}`);
  killAll();
  process.exitCode = 1;
});
