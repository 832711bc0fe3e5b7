// The targets of issue 6, checked on the measured numbers and printed as PASS/FAIL with them.
// Nothing here is tuned to make a target pass: a miss is a FAIL line with the numbers.
'use strict';
const { BASELINE, sameRoundRatio } = require('./summary');

const TARGETS = {
  rpsVsBaseline: 1.15, // contender 1 >= 1.15x requests/s of contender 3
  cpuVsBaseline: 0.9, // contender 1 <= 0.9x client CPU per request of contender 3
  loggingCost: 0.05, // log line on costs <= 5 % vs logger: false, in CPU per request and in requests/s (two lines)
  soakHeapGrowthBytes: 1024 * 1024, // heap after GC: at most 1 MiB more at the end than after the first batch
};

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

/**
 * @param {{ runs: object[], soak: object | null, smoke: boolean }} input
 * @returns {{ name: string, measured: string, pass: boolean, enforced: boolean }[]}
 */
function checkTargets({ runs, soak, smoke }) {
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

  const presetRuns = runs.filter((r) => r.expected !== null && r.preset);
  if (presetRuns.length > 0) {
    const wrong = presetRuns.filter((r) => r.accepted !== r.expected);
    out.push({
      name: 'connections = min(concurrency, maxSockets) in every preset run (#1, #2)',
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
      name: 'one connection per request: keepAlive: false (#5), axios through HTTPS_PROXY (#10)',
      measured: wrong.length === 0
        ? `${perRequest.length} runs, all as expected`
        : wrong.map((r) => `${r.section} round ${r.round + 1}: ${r.accepted} connections for ${r.expected} requests`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
  }
  const proxied = runs.filter((r) => r.tunnels !== undefined);
  if (proxied.length > 0) {
    // Issue 14: through the proxy, each connection carries one tunnel; the preset keeps them (#9 opens
    // min(concurrency, maxSockets) for the whole run), plain axios opens one per request (#10).
    const wrong = proxied.filter((r) => r.tunnels !== r.accepted);
    out.push({
      name: 'proxied https: one CONNECT tunnel per proxy connection (#9 pooled, #10 one per request)',
      measured: wrong.length === 0
        ? proxied.map((r) => `#${r.contender}: ${r.tunnels}`).filter((x, i, a) => a.indexOf(x) === i).join(', ') + ' tunnels'
        : wrong.map((r) => `#${r.contender} round ${r.round + 1}: ${r.tunnels} tunnels on ${r.accepted} connections`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
    if (runs.some((r) => r.section === 'proxied-https' && r.contender === 9) && runs.some((r) => r.section === 'proxied-https' && r.contender === 10)) {
      const rps = sameRoundRatio(runs, 'proxied-https', 9, 10, 'rps');
      const cpu = sameRoundRatio(runs, 'proxied-https', 9, 10, 'cpuPerReq');
      out.push({ name: 'info: through HTTPS_PROXY, the preset vs plain axios (#9 / #10)', measured: `requests/s ${fmt(rps, 2)}x, CPU/request ${fmt(cpu, 2)}x`, pass: true, enforced: false, info: true });
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
      name: '#1 writes one request log line per request',
      measured: wrong.length === 0 ? `${logged.length} runs checked` : wrong.map((r) => `${r.section}: ${r.logLines} lines for ${r.sent} requests`).join('; '),
      pass: wrong.length === 0,
      enforced: true,
    });
  }

  if (soak !== null) out.push(...soakTargets(soak, smoke));
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

module.exports = { TARGETS, checkTargets };
