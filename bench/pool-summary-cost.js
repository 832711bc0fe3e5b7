#!/usr/bin/env node
// What options.summary costs per request: a small in-process A/B, not part of `npm run bench` (the
// machine is shared; this takes about 30 s). `npm run build` first.
//
//   node bench/pool-summary-cost.js [rounds=9] [requests=4000]
//
// 1. End to end: two clients on one loopback server in this process, the same load in alternating
//    rounds, one with `summary: { interval: 60000 }` and one without; both log per call at `debug`
//    into an `info` logger (so no per-call line is written, as in the setup the summary is for).
//    Reports CPU microseconds per request (process.cpuUsage, server included, the same for both) and
//    the median of the same-round ratios.
// 2. The feed alone: what the summary adds to each request handed a socket (the observe() event
//    object and its listener), a million times, in nanoseconds per request. On a shared machine
//    this is the number to trust; the end-to-end ratio is within the noise of the rounds.
'use strict';
const http = require('node:http');
const path = require('node:path');
const pino = require('pino');

const dist = path.join(__dirname, '..', 'dist');
const { createClient } = require(path.join(dist, 'index.js'));
const { PoolSummary } = require(path.join(dist, 'observability', 'pool-summary.js'));

const ROUNDS = Number(process.argv[2] ?? 9);
const REQUESTS = Number(process.argv[3] ?? 4000);
const IN_FLIGHT = 20;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function load(client, url, n) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await client.get(url);
    }
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

async function endToEnd() {
  const server = http.createServer((req, res) => res.end('{"ok":true}'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/x`;
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  const off = createClient({ logger, logLevel: 'debug' });
  const on = createClient({ logger, logLevel: 'debug', summary: { interval: 60_000 } });
  await load(off, url, 500); // warm up both
  await load(on, url, 500);
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always runs on a warmer process.
    const first = r % 2 === 0 ? off : on;
    const a = await load(first, url, REQUESTS);
    const b = await load(first === off ? on : off, url, REQUESTS);
    const [offUs, onUs] = first === off ? [a, b] : [b, a];
    rows.push({ offUs, onUs, ratio: onUs / offUs });
  }
  await off.keepAlive.close();
  await on.keepAlive.close();
  server.close();
  return rows;
}

function feedAlone() {
  const source = { snapshot: () => ({ total: {}, origins: {} }), log: { write() {} }, pool: { observers: [] } };
  const summary = new PoolSummary(source, { interval: 3_600_000, level: 'info' });
  const listener = source.pool.observers[0];
  const facts = Array.from({ length: 16 }, (_, i) => ({ reused: true, socketRequests: 2, idleMs: 1, queueMs: i * 0.37, localPort: 1, remoteAddress: '127.0.0.1' }));
  const origins = ['http://127.0.0.1:8000', 'http://127.0.0.1:8001'];
  // As request-binding.ts does once per request when any observe() listener exists: the event
  // object (one literal), then the listener.
  const feed = (i) => {
    const f = facts[i & 15];
    listener({ reused: f.reused, socketRequests: f.socketRequests, idleMs: f.idleMs, queueMs: f.queueMs, localPort: f.localPort, remoteAddress: f.remoteAddress, origin: origins[i & 1] });
  };
  const N = 1_000_000;
  for (let i = 0; i < N; i++) feed(i); // warm
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) feed(i);
  const ns = Number(process.hrtime.bigint() - start) / N;
  summary.stop();
  return ns;
}

(async () => {
  const rows = await endToEnd();
  console.log(`options.summary cost, ${ROUNDS} alternating rounds of ${REQUESTS} GETs at ${IN_FLIGHT} in flight (Node ${process.versions.node})`);
  console.log('');
  console.log('| round | summary off, CPU µs/req | summary on, CPU µs/req | on / off |');
  console.log('|---:|---:|---:|---:|');
  rows.forEach((r, i) => console.log(`| ${i + 1} | ${r.offUs.toFixed(1)} | ${r.onUs.toFixed(1)} | ${r.ratio.toFixed(3)} |`));
  console.log(`| median | ${median(rows.map((r) => r.offUs)).toFixed(1)} | ${median(rows.map((r) => r.onUs)).toFixed(1)} | ${median(rows.map((r) => r.ratio)).toFixed(3)} |`);
  console.log('');
  console.log(`the summary's feed alone (the observe() event object and the listener): ${feedAlone().toFixed(1)} ns per request`);
})();
