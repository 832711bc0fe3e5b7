// The Markdown report (bench/results/latest.md, also printed).
'use strict';
const { CONTENDERS, HARNESSES } = require('./contenders');
const { WORKLOADS } = require('./workloads');

const label = (id) => CONTENDERS.find((c) => c.id === id).label;
const num = (x, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const ratio = (x, id, baseline = 3) => (id === baseline ? '1.00' : Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const range = (min, max) => (min === max ? num(min) : `${num(min)}-${num(max)}`);
const conns = (row) => {
  const c = range(row.connsMin, row.connsMax);
  return row.tunnels === undefined ? c : `${c} (tunnels ${range(Math.min(...row.tunnels), Math.max(...row.tunnels))})`;
};
const errors = (row) => (row.errors === 0 ? '0' : `**${row.errors}** (${row.firstError})`);

function mainTable(section, rows) {
  const b = section.baseline ?? 3;
  const lines = [
    section.proxied
      ? `### ${WORKLOADS[section.workload].title} to an https upstream through a CONNECT proxy (HTTPS_PROXY), ${section.concurrency} in flight`
      : `### ${WORKLOADS[section.workload].title}, ${section.concurrency} in flight; axios contenders: ${HARNESSES[section.harness ?? 'lean'].label}`,
    '',
    ...(section.proxied ? ['TCP conns are the connections the proxy accepted (and the CONNECT tunnels it opened); ratios are to #13.', ''] : []),
    `| # | Contender | req/s | x #${b} | CPU µs/req | x #${b} | p50 ms | p99 ms | TCP conns | peak RSS MiB | errors |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.contender} | ${label(r.contender)} | ${num(r.rps)} | ${ratio(r.rpsRatio, r.contender, b)} | ${num(r.cpuPerReq)} | ${ratio(r.cpuRatio, r.contender, b)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${conns(r)} | ${num(r.rssMiB, 1)} | ${errors(r)} |`);
  }
  return lines.join('\n');
}

function sweepTable(summaries) {
  const lines = [
    '### Concurrency sweep: small JSON POST, maxSockets 50 for every pooled contender',
    '',
    'Queue wait is `response.keepAlive.queueMs` (preset only); for the others it shows in the latency.',
    '',
    '| in flight | # | Contender | req/s | x #3 | CPU µs/req | p50 ms | p99 ms | queue p50 / p99 ms | TCP conns | errors |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { section, rows } of summaries) {
    for (const r of rows) {
      const queue = Number.isFinite(r.queueP50) ? `${num(r.queueP50, 2)} / ${num(r.queueP99, 2)}` : '';
      lines.push(`| ${section.concurrency} | ${r.contender} | ${label(r.contender)} | ${num(r.rps)} | ${ratio(r.rpsRatio, r.contender)} | ${num(r.cpuPerReq)} | ${num(r.p50, 2)} | ${num(r.p99, 2)} | ${queue} | ${conns(r)} | ${errors(r)} |`);
    }
  }
  return lines.join('\n');
}

function soakTable(soak) {
  const lines = [
    `### Soak: ${soak.planned.toLocaleString('en-US')} requests through one createClient client (lean path and log line on), ${soak.concurrency} in flight`,
    '',
    `Sampled after every ${soak.batchSize.toLocaleString('en-US')} requests, with the loop quiet and after two \`gc()\` (--expose-gc). Wall time ${num(soak.wallMs / 1000, 1)} s, peak RSS ${num(soak.maxRssKiB / 1024, 1)} MiB.`,
    '',
    '| requests | heap used after GC KiB | libuv handles (unref\'d included) | sockets created | idle sockets |',
    '|---:|---:|---:|---:|---:|',
  ];
  for (const s of soak.samples) {
    lines.push(`| ${num(s.requests)} | ${num(s.heapUsed / 1024)} | ${s.handles} | ${s.created} | ${s.idle} |`);
  }
  return lines.join('\n');
}

function logInContextTable(r) {
  const lines = [
    `### The log line in one process: createClient() (lean path), the JSON POST at ${r.concurrency} in flight, by destination`,
    '',
    `Six clients in one process take turns (${r.rounds} round${r.rounds === 1 ? '' : 's'} of ${num(r.slotRequests)} requests each, order rotated per round); "x none" is the median of same-round ratios of CPU per request to \`logger: false\`. Every destination writes to /dev/null.`,
    '',
    '| logger | CPU µs/req | x none | errors |',
    '|---|---:|---:|---|',
  ];
  for (const v of r.variants) lines.push(`| ${v.label} | ${num(v.cpuPerReq)} | ${v.vsNone.toFixed(3)} | ${v.errors} |`);
  return lines.join('\n');
}

function targetLines(targets) {
  const lines = ['| Target | Measured | Result |', '|---|---|---|'];
  for (const t of targets) {
    const result = t.info ? 'info' : t.pass ? 'PASS' : t.enforced ? '**FAIL**' : 'FAIL (not enforced in a smoke run)';
    lines.push(`| ${t.name} | ${t.measured} | ${result} |`);
  }
  return lines.join('\n');
}

function render({ meta, summaries, soak, logInContext, targets }) {
  const out = [
    '# axios-keepalive benchmark',
    '',
    `- Command: \`${meta.command}\` (${meta.mode} run)`,
    `- Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.os}; Node ${meta.node}`,
    `- Versions: ${meta.versions}`,
    `- Date: ${meta.date}; wall time ${num(meta.wallMs / 1000, 1)} s; load average at start ${meta.load}`,
    `- Method: ${meta.method}`,
    '',
    '## Targets',
    '',
    targetLines(targets),
    '',
  ];
  const sweep = summaries.filter((s) => s.section.sweep);
  for (const { section, rows } of summaries.filter((s) => !s.section.sweep)) out.push(mainTable(section, rows), '');
  if (sweep.length > 0) out.push(sweepTable(sweep), '');
  if (logInContext) out.push(logInContextTable(logInContext), '');
  if (soak !== null) out.push(soakTable(soak), '');
  out.push(
    'Columns: req/s and CPU µs/req (user + system CPU of the client process during the measured phase, divided by its requests) are',
    'medians over rounds; "x #3" are medians of same-round ratios to contender 3; p50/p99 are latencies from send to the parsed',
    'response; TCP conns is what the server process accepted during the run (warm-up included; a range when rounds differ);',
    'peak RSS is the client process\'s maxRSS.',
    '',
  );
  return out.join('\n');
}

module.exports = { render };
