// The targets of issues 6 and 13, checked on the measured numbers and printed as PASS/FAIL with them.
// Nothing here is tuned to make a target pass: a miss is a FAIL line with the numbers.
'use strict';
const { BASELINE, sameRoundRatio } = require('./summary');

const TARGETS = {
  rpsVsBaseline: 1.15, // contender 1 >= 1.15x requests/s of contender 3
  cpuVsBaseline: 0.9, // contender 1 <= 0.9x client CPU per request of contender 3
  loggingCost: 0.05, // log line on costs <= 5 % vs logger: false, in CPU per request and in requests/s (two lines)
  soakHeapGrowthBytes: 1024 * 1024, // heap after GC: at most 1 MiB more at the end than after the first batch
};

/** Issue 13, read on #10 (createClient with the lean path, log line on). */
const LEAN_TARGETS = {
  rpsVsBaseline: 1.5, // >= 1.5x requests/s of the hand-rolled baseline (#3)
  cpuVsBaseline: 0.65, // <= 0.65x its client CPU per request
  rpsVsReference: 1.25, // >= 1.25x bare axios with the same options (#8)
  rpsVsRawHttp: 0.45, // >= 0.45x raw http.request (#6)
  sweepVsReference: 1.0, // at 1, 10, 100 and 1,000 in flight, never below #8
  loggingCost: 0.03, // the log line <= 3 % of CPU per request (#10 / #11)
  bigGetVsBaseline: 1.3, // 64 KiB GET >= 1.3x the baseline's requests/s
};
const LEAN = 10;
const LEAN_NOLOG = 11;
const LEAN_ASYNC_LOG = 14;
const LEAN_NOWRITE_LOG = 15;
const LEAN_SYNC4K_LOG = 16;
const LEAN_DIRECT = 9;
const REFERENCE = 8;
const RAW_HTTP = 6;

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/**
 * @param {{ runs: object[], soak: object | null, smoke: boolean }} input
 * @returns {{ name: string, measured: string, pass: boolean, enforced: boolean }[]}
 */
function checkTargets({ runs, soak, logInContext, smoke }) {
  const out = [];
  // Speed targets need real runs; in a smoke run they are shown but do not decide the exit code.
  const speed = !smoke;
  const ran = (id) => runs.some((r) => r.section === 'json-post' && r.contender === id);

  if (ran(1) && ran(BASELINE)) {
    const rps = sameRoundRatio(runs, 'json-post', 1, BASELINE, 'rps');
    const cpu = sameRoundRatio(runs, 'json-post', 1, BASELINE, 'cpuPerReq');
    out.push({ name: `json-post: #1 requests/s >= ${TARGETS.rpsVsBaseline}x #3`, measured: `${fmt(rps)}x`, pass: rps >= TARGETS.rpsVsBaseline, enforced: speed });
    out.push({ name: `json-post: #1 CPU per request <= ${TARGETS.cpuVsBaseline}x #3`, measured: `${fmt(cpu)}x`, pass: cpu <= TARGETS.cpuVsBaseline, enforced: speed });
  }
  if (ran(1) && ran(2)) {
    // Two lines, both enforced: the issue counts a log line's cost in client CPU ("a pino line per
    // request cost about 7 % of client CPU"); requests/s is what a user sees. On two shared cores they
    // differ by a few points from run to run, so each is shown on its own.
    const logRps = sameRoundRatio(runs, 'json-post', 1, 2, 'rps');
    const logCpu = sameRoundRatio(runs, 'json-post', 1, 2, 'cpuPerReq');
    const limit = TARGETS.loggingCost;
    out.push({
      name: `json-post: log line on costs <= ${limit * 100} % of CPU per request vs off (#1 / #2)`,
      measured: `CPU/request ${fmt(logCpu, 3)}x`,
      pass: logCpu <= 1 + limit,
      enforced: speed,
    });
    out.push({
      name: `json-post: log line on costs <= ${limit * 100} % of requests/s vs off (#1 / #2)`,
      measured: `requests/s ${fmt(logRps, 3)}x`,
      pass: logRps >= 1 - limit,
      enforced: speed,
    });
  }

  if (ran(2) && ran(8)) {
    // Not a target: what the library itself costs, against the same axios settings without it.
    const rps = sameRoundRatio(runs, 'json-post', 2, 8, 'rps');
    const cpu = sameRoundRatio(runs, 'json-post', 2, 8, 'cpuPerReq');
    out.push({ name: 'info: the library\'s own cost, #2 / #8 (same axios settings without the library)', measured: `requests/s ${fmt(rps, 3)}x, CPU/request ${fmt(cpu, 3)}x`, pass: true, enforced: false, info: true });
  }

  out.push(...leanTargets(runs, speed));

  const presetRuns = runs.filter((r) => r.expected !== null && r.preset);
  if (presetRuns.length > 0) {
    const wrong = presetRuns.filter((r) => r.accepted !== r.expected);
    out.push({
      name: 'connections = min(concurrency, maxSockets) in every preset run (#1, #2, #10, #11, #14, #15, #16)',
      measured: wrong.length === 0
        ? `${presetRuns.length} runs, all as expected`
        : wrong.map((r) => `${r.section} #${r.contender} round ${r.round + 1}: ${r.accepted} (expected ${r.expected})`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
  }
  const perRequest = runs.filter((r) => r.expected !== null && !r.preset);
  if (perRequest.length > 0) {
    const wrong = perRequest.filter((r) => r.accepted !== r.expected);
    out.push({
      name: 'one connection per request: keepAlive: false (#5), axios through HTTPS_PROXY (#13)',
      measured: wrong.length === 0
        ? `${perRequest.length} runs, all as expected`
        : wrong.map((r) => `${r.section} round ${r.round + 1}: ${r.accepted} connections for ${r.expected} requests`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
  }
  const proxied = runs.filter((r) => r.tunnels !== undefined);
  if (proxied.length > 0) {
    // Issue 14: through the proxy, each connection carries one tunnel; the preset keeps them (#12 opens
    // min(concurrency, maxSockets) for the whole run), plain axios opens one per request (#13).
    const wrong = proxied.filter((r) => r.tunnels !== r.accepted);
    out.push({
      name: 'proxied https: one CONNECT tunnel per proxy connection (#12 pooled, #13 one per request)',
      measured: wrong.length === 0
        ? proxied.map((r) => `#${r.contender}: ${r.tunnels}`).filter((x, i, a) => a.indexOf(x) === i).join(', ') + ' tunnels'
        : wrong.map((r) => `#${r.contender} round ${r.round + 1}: ${r.tunnels} tunnels on ${r.accepted} connections`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
    if (runs.some((r) => r.section === 'proxied-https' && r.contender === 12) && runs.some((r) => r.section === 'proxied-https' && r.contender === 13)) {
      const rps = sameRoundRatio(runs, 'proxied-https', 12, 13, 'rps');
      const cpu = sameRoundRatio(runs, 'proxied-https', 12, 13, 'cpuPerReq');
      out.push({ name: 'info: through HTTPS_PROXY, the preset vs plain axios (#12 / #13)', measured: `requests/s ${fmt(rps, 2)}x, CPU/request ${fmt(cpu, 2)}x`, pass: true, enforced: false, info: true });
    }
  }
  if (runs.length > 0) {
    const failed = runs.filter((r) => r.errors > 0);
    out.push({
      name: 'no errors in any contender run',
      measured: failed.length === 0 ? `${runs.length} runs, 0 errors` : failed.map((r) => `${r.section} #${r.contender}: ${r.errors} (${r.firstError})`).join('; '),
      pass: failed.length === 0,
      enforced: true,
    });
  }
  const logged = runs.filter((r) => r.logLines !== null && r.logLines !== undefined);
  if (logged.length > 0) {
    const wrong = logged.filter((r) => r.logLines !== r.sent);
    out.push({
      name: '#1, #10, #14, #15 and #16 write one request log line per request',
      measured: wrong.length === 0 ? `${logged.length} runs checked` : wrong.map((r) => `${r.section}: ${r.logLines} lines for ${r.sent} requests`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
  }

  if (logInContext) out.push(...logInContextTargets(logInContext, speed));
  if (soak !== null) out.push(...soakTargets(soak, smoke));
  return out;
}

/** Issue 13's targets, on #10, in both harnesses of the JSON POST where both ran. */
function leanTargets(runs, speed) {
  const out = [];
  const ran = (section, id) => runs.some((r) => r.section === section && r.contender === id);
  const ratio = (section, a, b, metric) => sameRoundRatio(runs, section, a, b, metric);
  const T = LEAN_TARGETS;
  for (const section of ['json-post', 'json-post-user']) {
    if (!ran(section, LEAN)) continue;
    if (ran(section, BASELINE)) {
      const rps = ratio(section, LEAN, BASELINE, 'rps');
      const cpu = ratio(section, LEAN, BASELINE, 'cpuPerReq');
      out.push({ name: `${section}: #10 requests/s >= ${T.rpsVsBaseline}x #3`, measured: `${fmt(rps)}x`, pass: rps >= T.rpsVsBaseline, enforced: speed });
      out.push({ name: `${section}: #10 CPU per request <= ${T.cpuVsBaseline}x #3`, measured: `${fmt(cpu)}x`, pass: cpu <= T.cpuVsBaseline, enforced: speed });
    }
    if (ran(section, REFERENCE)) {
      const rps = ratio(section, LEAN, REFERENCE, 'rps');
      out.push({ name: `${section}: #10 requests/s >= ${T.rpsVsReference}x #8 (bare axios, same options)`, measured: `${fmt(rps)}x`, pass: rps >= T.rpsVsReference, enforced: speed });
    }
    if (ran(section, RAW_HTTP)) {
      const rps = ratio(section, LEAN, RAW_HTTP, 'rps');
      out.push({ name: `${section}: #10 requests/s >= ${T.rpsVsRawHttp}x #6 (raw http.request)`, measured: `${fmt(rps)}x`, pass: rps >= T.rpsVsRawHttp, enforced: speed });
    }
    if (ran(section, LEAN_NOLOG)) {
      const cpu = ratio(section, LEAN, LEAN_NOLOG, 'cpuPerReq');
      const rps = ratio(section, LEAN, LEAN_NOLOG, 'rps');
      out.push({ name: `${section}: log line on costs <= ${T.loggingCost * 100} % of CPU per request (#10 / #11)`, measured: `CPU/request ${fmt(cpu, 3)}x (requests/s ${fmt(rps, 3)}x)`, pass: cpu <= 1 + T.loggingCost, enforced: speed });
    }
    if (ran(section, LEAN_ASYNC_LOG) && ran(section, LEAN_NOLOG)) {
      // The same target with pino's asynchronous destination (the issue: show it too where a
      // synchronous one cannot reach 3 %), and where that leaves #10's other targets.
      const cpu = ratio(section, LEAN_ASYNC_LOG, LEAN_NOLOG, 'cpuPerReq');
      const rps = ratio(section, LEAN_ASYNC_LOG, LEAN_NOLOG, 'rps');
      out.push({ name: `${section}: log line on costs <= ${T.loggingCost * 100} % of CPU per request, asynchronous destination (#14 / #11)`, measured: `CPU/request ${fmt(cpu, 3)}x (requests/s ${fmt(rps, 3)}x)`, pass: cpu <= 1 + T.loggingCost, enforced: speed });
      const vs = [[BASELINE, '#3'], [REFERENCE, '#8'], [RAW_HTTP, '#6']].filter(([id]) => ran(section, id))
        .map(([id, name]) => `${name} ${fmt(ratio(section, LEAN_ASYNC_LOG, id, 'rps'))}x`);
      if (vs.length > 0) out.push({ name: `info: ${section}: #14 (asynchronous destination) requests/s against`, measured: vs.join(', '), pass: true, enforced: false, info: true });
    }
    if (ran(section, LEAN_NOLOG)) {
      // Not a target: the same line through each destination, against no line, in the same rounds.
      // #15 writes nothing, so it is the floor any pino destination starts from.
      const rows = [[LEAN_NOWRITE_LOG, 'no write'], [LEAN, 'sync'], [LEAN_SYNC4K_LOG, 'sync 4 KiB'], [LEAN_ASYNC_LOG, 'async']]
        .filter(([id]) => ran(section, id))
        .map(([id, name]) => `${name} (#${id}) ${fmt(ratio(section, id, LEAN_NOLOG, 'cpuPerReq'), 3)}x`);
      if (rows.length > 1) out.push({ name: `info: ${section}: the log line's CPU per request by pino destination, against #11 (no line)`, measured: rows.join(', '), pass: true, enforced: false, info: true });
    }
    if (ran(section, LEAN_DIRECT) && ran(section, REFERENCE)) {
      // Not a target: the transport's own effect, before the library wraps it.
      const rps = ratio(section, LEAN_DIRECT, REFERENCE, 'rps');
      const cpu = ratio(section, LEAN_DIRECT, REFERENCE, 'cpuPerReq');
      out.push({ name: `info: ${section}: the lean adapter alone, #9 / #8`, measured: `requests/s ${fmt(rps, 3)}x, CPU/request ${fmt(cpu, 3)}x`, pass: true, enforced: false, info: true });
    }
  }
  const levels = runs.filter((r) => r.section.startsWith('sweep-') && r.contender === LEAN).map((r) => r.section);
  const sweepSections = [...new Set(levels)];
  if (sweepSections.length > 0) {
    const worst = [];
    let pass = true;
    for (const section of sweepSections) {
      if (!ran(section, REFERENCE)) continue;
      const rps = ratio(section, LEAN, REFERENCE, 'rps');
      worst.push(`${section.slice('sweep-'.length)}: ${fmt(rps)}x`);
      if (!(rps >= T.sweepVsReference)) pass = false;
    }
    if (worst.length > 0) out.push({ name: 'sweep: #10 requests/s never below #8 at 1, 10, 100, 1000 in flight', measured: worst.join(', '), pass, enforced: speed });
    // Where the sweep's misses come from: the same client without its line (#11), and with pino's
    // asynchronous destination (#14), against #8 at each level.
    for (const [id, what] of [[LEAN_NOLOG, 'no log line'], [LEAN_ASYNC_LOG, 'asynchronous destination']]) {
      const levels = sweepSections.filter((section) => ran(section, id) && ran(section, REFERENCE))
        .map((section) => `${section.slice('sweep-'.length)}: ${fmt(ratio(section, id, REFERENCE, 'rps'))}x`);
      if (levels.length > 0) out.push({ name: `info: sweep: #${id} (${what}) / #8`, measured: levels.join(', '), pass: true, enforced: false, info: true });
    }
  }
  if (ran('get-64k', LEAN) && ran('get-64k', BASELINE)) {
    const rps = ratio('get-64k', LEAN, BASELINE, 'rps');
    out.push({ name: `get-64k: #10 requests/s >= ${T.bigGetVsBaseline}x #3`, measured: `${fmt(rps)}x`, pass: rps >= T.bigGetVsBaseline, enforced: speed });
  }
  return out;
}

/** Issue 13's log-line target read in one process (log-in-context.js), where machine noise cancels best. */
function logInContextTargets(r, speed) {
  const by = Object.fromEntries(r.variants.map((v) => [v.name, v]));
  const out = [];
  const limit = LEAN_TARGETS.loggingCost;
  for (const name of ['sync', 'async']) {
    if (!by[name]) continue;
    out.push({ name: `log-in-context: the log line <= ${limit * 100} % of CPU per request, ${name === 'sync' ? 'synchronous' : 'asynchronous'} destination, one process`, measured: `${fmt(by[name].vsNone, 3)}x`, pass: by[name].vsNone <= 1 + limit, enforced: speed });
  }
  const rows = r.variants.filter((v) => v.name !== 'none').map((v) => `${v.name} ${fmt(v.vsNone, 3)}x`);
  out.push({ name: 'info: log-in-context: CPU per request against no line, by logger', measured: rows.join(', '), pass: true, enforced: false, info: true });
  const failed = r.variants.filter((v) => v.errors > 0);
  out.push({
    name: 'log-in-context: no errors',
    measured: failed.length === 0 ? `${r.variants.length} clients, 0 errors` : failed.map((v) => `${v.name}: ${v.errors} (${v.firstError})`).join('; '),
    pass: failed.length === 0,
    enforced: true,
  });
  return out;
}

function soakTargets(soak, smoke) {
  const s = soak.samples;
  const out = [];
  out.push({
    name: `soak: ${soak.planned.toLocaleString('en-US')} requests through one client, zero errors`,
    measured: `${soak.requests.toLocaleString('en-US')} requests, ${soak.errors} errors${soak.firstError ? ` (${soak.firstError})` : ''}`,
    pass: soak.errors === 0 && soak.requests === soak.planned,
    enforced: true,
  });
  // The first batch warms up (JIT code, inline caches, the pool): growth is measured after it.
  const base = s.length > 1 ? s[1] : s[0];
  const last = s[s.length - 1];
  const growth = base && last ? last.heapUsed - base.heapUsed : NaN;
  out.push({
    name: `soak: heap after GC flat (growth <= ${TARGETS.soakHeapGrowthBytes / 1024} KiB after the first batch)`,
    measured: `${fmt(growth / 1024, 0)} KiB (${fmt(base?.heapUsed / 1048576)} -> ${fmt(last?.heapUsed / 1048576)} MiB)`,
    pass: growth <= TARGETS.soakHeapGrowthBytes,
    // A smoke soak (a few thousand requests) still sees JIT and inline-cache warm-up in the heap.
    enforced: !smoke,
  });
  const handleCounts = s.slice(s.length > 1 ? 1 : 0).map((x) => x.handles);
  const flat = handleCounts.length > 0 && Math.max(...handleCounts) === Math.min(...handleCounts);
  out.push({
    name: 'soak: active handles flat (every libuv handle, unref\'d included)',
    measured: `${s.map((x) => x.handles).join(', ')}`,
    pass: flat,
    enforced: true,
  });
  return out;
}

module.exports = { TARGETS, LEAN_TARGETS, checkTargets };
