// What a run measures and for how long. The full plan takes about 17 minutes on a 2-core machine
// (issue 13 added four sections' worth of contenders); --smoke sends a few hundred requests per run.
'use strict';

const ALL = [1, 2, 3, 4, 5, 6, 7];
/**
 * The JSON POST also runs the reference contender 8 (the preset's axios settings without the
 * library) and issue 13's lean-path contenders: 9 (the lean adapter wired directly), 10 and 11
 * (createClient with the lean path, log line on and off), and #10's line with other pino destinations:
 * 14 (asynchronous), 15 (a destination that writes nothing), 16 (synchronous, minLength 4096).
 */
const JSON_POST = [...ALL, 8, 9, 10, 11, 14, 15, 16];
/** The user-like harness (baseURL + axios timeout): the axios contenders that the targets compare, and the floor. */
const JSON_POST_USER = [1, 2, 3, 6, 8, 9, 10, 11, 14, 15, 16];
const GET_64K = [...ALL, 9, 10];
/**
 * The sweep's contenders: those with a pool limited to 50 (the preset, the baseline given
 * maxSockets: 50, Node's agent, undici, the preset's settings without the library, the preset with
 * the lean path with its log line, without it (11) and with pino's asynchronous destination (14)).
 * Contender 2 is contender 1 without its log line; 4 and 5 have no socket limit (5 has no pool), so
 * 1000 in flight would be 1000 connections.
 */
const SWEEP = [1, 3, 6, 7, 8, 10, 11, 14];
const SWEEP_LEVELS = [1, 10, 100, 1000];
/** Issue 14: the preset and plain axios, both through a CONNECT proxy; ratios against plain axios (13). */
const PROXIED = [12, 13];
/** The classic case: 50 requests in flight, as many as the preset's default maxSockets. */
const CONCURRENCY = 50;

const FULL = {
  name: 'full',
  // The targets are read from the JSON POST: seven rounds there keep one noisy round from
  // moving the median of the same-round ratios; five for the user-like harness and the 64 KiB GET.
  jsonPostRounds: 7,
  rounds: 5,
  sweepRounds: 3,
  // Long enough for the optimizing compilers to settle on the library's extra code as well.
  warmupMs: 1000,
  warmupRequests: 100_000,
  maxMs: 2000,
  sweepMaxMs: 1500,
  maxRequests: 200_000,
  soak: { batches: 10, batchSize: 10_000, concurrency: CONCURRENCY, maxMs: 180_000 },
  // The log line in one process (log-in-context.js): 6 clients x (3,000 warm-up + 9 slots of 4,000).
  logInContext: { rounds: 9, warmupRequests: 3000, slotRequests: 4000, slotMaxMs: 5000, concurrency: CONCURRENCY, guardMs: 240_000 },
};

const SMOKE = {
  name: 'smoke',
  jsonPostRounds: 1,
  rounds: 1,
  sweepRounds: 1,
  warmupMs: 5000,
  warmupRequests: 50,
  maxMs: 10_000,
  sweepMaxMs: 10_000,
  maxRequests: 300,
  soak: { batches: 5, batchSize: 1000, concurrency: CONCURRENCY, maxMs: 30_000 },
  logInContext: { rounds: 1, warmupRequests: 50, slotRequests: 300, slotMaxMs: 10_000, concurrency: CONCURRENCY, guardMs: 60_000 },
};

/** One table of the report: a workload at one concurrency, its contenders, its rounds. */
function sections(mode, options) {
  const list = [];
  if (!options.soakOnly) {
    const base = { warmupMs: mode.warmupMs, warmupRequests: mode.warmupRequests, maxMs: mode.maxMs, maxRequests: mode.maxRequests };
    list.push({ key: 'json-post', workload: 'json-post', harness: 'lean', concurrency: CONCURRENCY, sweep: false, contenders: JSON_POST, rounds: mode.jsonPostRounds, ...base });
    list.push({ key: 'json-post-user', workload: 'json-post', harness: 'user', concurrency: CONCURRENCY, sweep: false, contenders: JSON_POST_USER, rounds: mode.rounds, ...base });
    list.push({ key: 'get-64k', workload: 'get-64k', harness: 'lean', concurrency: CONCURRENCY, sweep: false, contenders: GET_64K, rounds: mode.rounds, ...base });
    list.push({
      key: 'proxied-https',
      workload: 'json-post',
      concurrency: CONCURRENCY,
      sweep: false,
      proxied: true,
      baseline: 13,
      contenders: PROXIED,
      rounds: mode.rounds,
      ...base,
    });
    for (const concurrency of SWEEP_LEVELS) {
      list.push({
        key: `sweep-${concurrency}`,
        workload: 'json-post',
        harness: 'lean',
        concurrency,
        sweep: true,
        contenders: SWEEP,
        rounds: mode.sweepRounds,
        ...base,
        maxMs: mode.sweepMaxMs,
        // A smoke run still has to put `concurrency` requests in flight at once.
        maxRequests: Math.max(mode.maxRequests, 2 * concurrency),
        warmupRequests: Math.max(mode.warmupRequests, concurrency),
      });
    }
  }
  return list;
}

module.exports = { FULL, SMOKE, CONCURRENCY, SWEEP_LEVELS, sections };
