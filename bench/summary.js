// From the runs to the figures: per section and contender, medians over rounds, and ratios as
// medians of same-round ratios (each round's contenders ran back to back, so they shared that
// moment's noise).
'use strict';
const { median } = require('./stats');

const BASELINE = 3;

/** The figures of one contender run, from its process's report and the server's count. */
function runFigures(result) {
  const seconds = result.elapsedMs / 1000;
  return {
    rps: result.requests / seconds,
    cpuPerReq: result.requests > 0 ? result.cpuUs / result.requests : NaN,
    p50: result.p50 ?? NaN,
    p99: result.p99 ?? NaN,
    queueP50: result.queueP50 ?? NaN,
    queueP99: result.queueP99 ?? NaN,
    rssMiB: result.maxRssKiB / 1024,
  };
}

/** Median over rounds of `metric(a) / metric(b)` where a and b ran in the same round. */
function sameRoundRatio(runs, section, a, b, metric) {
  const ratios = [];
  for (const ra of runs) {
    if (ra.section !== section || ra.contender !== a) continue;
    const rb = runs.find((r) => r.section === section && r.contender === b && r.round === ra.round);
    if (rb === undefined) continue;
    const x = ra.figures[metric];
    const y = rb.figures[metric];
    if (Number.isFinite(x) && Number.isFinite(y) && y !== 0) ratios.push(x / y);
  }
  return median(ratios);
}

/** Per contender of a section: medians, same-round ratios to the baseline, connections, errors. */
function summarize(runs, section) {
  const baseline = section.baseline ?? BASELINE;
  const rows = [];
  for (const id of section.contenders) {
    const mine = runs.filter((r) => r.section === section.key && r.contender === id);
    if (mine.length === 0) continue;
    const pick = (m) => median(mine.map((r) => r.figures[m]));
    const conns = mine.map((r) => r.accepted);
    rows.push({
      contender: id,
      rounds: mine.length,
      rps: pick('rps'),
      cpuPerReq: pick('cpuPerReq'),
      p50: pick('p50'),
      p99: pick('p99'),
      queueP50: pick('queueP50'),
      queueP99: pick('queueP99'),
      rssMiB: Math.max(...mine.map((r) => r.figures.rssMiB)),
      connsMin: Math.min(...conns),
      connsMax: Math.max(...conns),
      tunnels: section.proxied ? mine.map((r) => r.tunnels) : undefined,
      errors: mine.reduce((n, r) => n + r.errors, 0),
      firstError: mine.find((r) => r.firstError)?.firstError,
      baseline,
      rpsRatio: sameRoundRatio(runs, section.key, id, baseline, 'rps'),
      cpuRatio: sameRoundRatio(runs, section.key, id, baseline, 'cpuPerReq'),
    });
  }
  return rows;
}

module.exports = { BASELINE, runFigures, sameRoundRatio, summarize };
