// Small statistics: percentiles of one run, medians over rounds.
'use strict';

/** Nearest-rank percentile of a numeric array (sorted in place); NaN when empty. */
function percentile(values, p) {
  if (values === null || values.length === 0) return NaN;
  const sorted = values instanceof Float64Array ? values.sort() : values.slice().sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function median(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const s = finite.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

module.exports = { percentile, median };
