'use strict';
// Before/after in one run: two builds of the library (e.g. a checkout of the previous release's
// dist/index.js and this one's), each contender in its own process, in alternating rounds (as
// bench/run.js does), against one loopback server process. JSON POST, 50 in flight, 1 s warm-up and
// 2 s measured per run; prints B / A as the median of same-round ratios (the machines are noisy).
//   node bench/before-after.js <libA> <libB> [rounds=7] [lean|user] [log|nolog]
//   user: baseURL + timeout 10000, as users configure axios; LEAN_OFF=B (or A) passes lean: false to that
//   build (one that knows the option).
const { fork } = require('child_process');
const role = process.argv[2];
if (role === 'server') {
  const http = require('http');
  const srv = http.createServer((req, res) => { let n = 0; req.on('data', (c) => (n += c.length)); req.on('end', () => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ ok: true, n })); }); });
  srv.listen(0, '127.0.0.1', () => process.send(srv.address().port));
  process.on('disconnect', () => process.exit(0));
  return;
}
if (role === 'client') {
  const [, , , lib, port, user, log, which] = process.argv;
  const base = `http://127.0.0.1:${port}`;
  const pino = require('pino');
  const logger = log === '1' ? pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true })) : false;
  const c = require(lib).createClient({ logger, ...(process.env.LEAN_OFF === which ? { lean: false } : {}), axios: user === '1' ? { baseURL: base, timeout: 10000 } : {} });
  const url = user === '1' ? '/orders' : base + '/orders';
  const body = { orderId: 'A-1029384756', customer: { id: 'c-5521', tier: 'gold' }, items: [{ sku: 'SKU-100', qty: 2, price: 19.99 }, { sku: 'SKU-200', qty: 1, price: 5.5 }], currency: 'EUR', notes: 'leave at the door' };
  const loop = async (ms) => { let n = 0; const end = Date.now() + ms; await Promise.all(Array.from({ length: 50 }, async () => { while (Date.now() < end && n < 1e6) { n++; await c.post(url, body); } })); return n; };
  (async () => { await loop(1000); const cpu0 = process.cpuUsage(); const t0 = process.hrtime.bigint(); const n = await loop(2000);
    const cpu = process.cpuUsage(cpu0); const s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.send({ rps: n / s, cpu: (cpu.user + cpu.system) / n }); await c.keepAlive.close(); process.exit(0); })();
  return;
}
const path = require('path');
// Relative paths are the caller's, not this file's.
const [libA, libB] = [process.argv[2], process.argv[3]].map((p) => (p.startsWith('.') ? path.resolve(p) : p));
const rounds = Math.min(50, Math.max(1, Number(process.argv[4] || 7))); const user = process.argv[5] === 'user' ? '1' : '0'; const log = process.argv[6] === 'nolog' ? '0' : '1';
(async () => {
  const server = fork(__filename, ['server']);
  const port = await new Promise((r) => server.once('message', r));
  // A client that dies before reporting (a library path that does not load) ends the run with its exit code.
  const one = (lib) => new Promise((resolve) => { const c = fork(__filename, ['client', lib, String(port), user, log, lib === libA ? 'A' : 'B']); c.once('message', resolve); c.once('exit', (code) => { if (code !== 0) { console.error(`client for ${lib} exited with ${code}`); server.kill(); process.exit(1); } }); });
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [libB, libA] : [libA, libB];
    const res = {}; for (const lib of order) res[lib] = await one(lib);
    const a = res[libA], b = res[libB];
    ratios.push({ rps: b.rps / a.rps, cpu: b.cpu / a.cpu });
    console.log(`round ${r + 1}: A ${a.rps.toFixed(0)} req/s ${a.cpu.toFixed(1)} µs | B ${b.rps.toFixed(0)} req/s ${b.cpu.toFixed(1)} µs`);
  }
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  console.log(`B / A (median of same-round ratios): requests/s ${med(ratios.map((x) => x.rps)).toFixed(3)}x, CPU/request ${med(ratios.map((x) => x.cpu)).toFixed(3)}x`);
  server.kill();
})();
