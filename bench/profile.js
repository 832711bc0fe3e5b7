// `node bench/run.js --profile[=N]`: contender N (default 1: createClient, log line on) on the small JSON POST,
// 50 in flight, under `node --cpu-prof`; then where its CPU went: by package, the top functions by
// self time, the library's own functions (dist/*.js) by self and inclusive time.
// The .cpuprofile stays in the OS temp dir (open it in Chrome DevTools); the summary goes to
// bench/results/profile-N.md.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, nextMessage, call, waitExit } = require('./ipc');

const { libPath, snapshotDist } = require('./lib');
const BENCH = __dirname + path.sep;
const PINO_FAMILY = new Set(['pino', 'sonic-boom', 'fast-redact', 'quick-format-unescaped', 'pino-std-serializers', 'atomic-sleep', 'on-exit-leak-free', 'thread-stream', 'safe-stable-stringify', '@pinojs/redact']);

/** Which package a frame belongs to. */
function category(frame) {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(program)') return 'program (V8/native, no JS frame)';
  if (fn === '(idle)') return 'idle';
  if (fn === '(root)') return 'root';
  if (!url) return 'native';
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  if (file.startsWith(path.dirname(libPath()) + path.sep)) return 'axios-keepalive (dist)';
  if (file.startsWith(BENCH)) return 'bench';
  if (file.startsWith('node:')) return 'node core';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (m) return PINO_FAMILY.has(m[1]) ? 'pino (+ sonic-boom ...)' : m[1];
  return 'other';
}

function shortUrl(url) {
  const file = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const nm = file.lastIndexOf('node_modules/');
  if (nm !== -1) return file.slice(nm + 13);
  const dist = path.dirname(libPath()) + path.sep;
  if (file.startsWith(dist)) return 'dist/' + file.slice(dist.length);
  return file;
}

function frameKey(frame) {
  return `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
}

/**
 * Frames that do no work of their own for a caller: event emission, timers, the clock, natives.
 * Time under them (until the next other frame) is charged to whoever called them ("own" time);
 * Node's HTTP stack, axios, pino, ... are owners themselves.
 */
function transparent(frame) {
  const { url, functionName: fn } = frame;
  if (!url) return fn !== '(garbage collector)' && fn !== '(program)' && fn !== '(root)';
  return /^node:(events|timers|internal\/timers|perf_hooks|internal\/perf\/|internal\/util|internal\/validators|internal\/async_hooks)/.test(url);
}

/** Self, own (self + transparent callees) and inclusive time (µs) per function, self time per category. */
function analyze(profile) {
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map();
  const own = new Map();
  const inclusive = new Map();
  const categories = new Map();
  let total = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the gap before sample i: the time up to the next sample belongs to sample i.
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    const node = byId.get(samples[i]);
    const cat = category(node.callFrame);
    if (cat === 'idle' || dt <= 0) continue;
    total += dt;
    categories.set(cat, (categories.get(cat) ?? 0) + dt);
    const key = frameKey(node.callFrame);
    const entry = self.get(key) ?? { key, cat, us: 0 };
    entry.us += dt;
    self.set(key, entry);
    let owner = node;
    while (transparent(owner.callFrame) && parent.has(owner.id)) owner = byId.get(parent.get(owner.id));
    const ownKey = frameKey(owner.callFrame);
    const ownEntry = own.get(ownKey) ?? { key: ownKey, cat: category(owner.callFrame), us: 0 };
    ownEntry.us += dt;
    own.set(ownKey, ownEntry);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id).callFrame;
      const k = frameKey(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      const e = inclusive.get(k) ?? { key: k, cat: category(frame), us: 0 };
      e.us += dt;
      inclusive.set(k, e);
    }
  }
  return { total, self: [...self.values()], own: [...own.values()], inclusive: [...inclusive.values()], categories: [...categories.entries()] };
}

function render(a, requests, seconds, contender, concurrency) {
  const pct = (us) => `${((100 * us) / a.total).toFixed(1)} %`;
  const perReq = (us) => (requests > 0 ? (us / requests).toFixed(1) : 'n/a');
  const table = (rows, n) =>
    rows
      .sort((x, y) => y.us - x.us)
      .slice(0, n)
      .map((r) => `| ${pct(r.us)} | ${perReq(r.us)} | \`${r.key}\` | ${r.cat} |`);
  const head = ['| % of CPU | µs/request | function | package |', '|---:|---:|---|---|'];
  const lib = (rows) => rows.filter((r) => r.cat === 'axios-keepalive (dist)');
  return [
    `# CPU profile: contender ${contender.id} (${contender.label}), small JSON POST, ${concurrency} in flight`,
    '',
    `- Command: \`node bench/run.js --profile=${contender.id}${concurrency === 50 ? '' : `:${concurrency}`}\` (node --cpu-prof --cpu-prof-interval 100 on the contender process)`,
    `- Library: ${process.env.BENCH_LIB_LABEL ?? libPath()}`,
    '- Times are sampled wall time of the main thread while not idle: a syscall that wakes the server (writev) also carries the time the client waited for the CPU.',
    `- ${requests.toLocaleString('en-US')} requests in ${seconds.toFixed(1)} s measured; profiled CPU ${(a.total / 1e6).toFixed(2)} s over the whole process (start-up and warm-up included); µs/request divides by the measured+warm-up requests.`,
    '',
    '## Self time by package',
    '',
    '| % of CPU | µs/request | package |',
    '|---:|---:|---|',
    ...a.categories.sort((x, y) => y[1] - x[1]).map(([cat, us]) => `| ${pct(us)} | ${perReq(us)} | ${cat} |`),
    '',
    '## Top functions by self time',
    '',
    ...head,
    ...table(a.self.slice(), 40),
    '',
    '## axios-keepalive (dist/) functions by self time',
    '',
    ...head,
    ...table(lib(a.self), 30),
    '',
    '## axios-keepalive (dist/) functions by own time (self + the events/timers/clock/native calls they make)',
    '',
    ...head,
    ...table(lib(a.own), 30),
    '',
    `Library own time in all: ${perReq(lib(a.own).reduce((n, r) => n + r.us, 0))} µs/request (${pct(lib(a.own).reduce((n, r) => n + r.us, 0))}); pino and its writes are in the package table.`,
    '',
    '## axios-keepalive (dist/) functions by inclusive time (self + everything they call)',
    '',
    ...head,
    ...table(lib(a.inclusive), 30),
    '',
  ].join('\n');
}

async function main(contenderId = 1, concurrency = 50) {
  const { byId } = require('./contenders');
  const contender = byId(contenderId);
  process.env.BENCH_LIB_LABEL = process.env.BENCH_LIB ? path.resolve(process.env.BENCH_LIB) : 'dist/ (copied at start)';
  const removeSnapshot = snapshotDist();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axios-keepalive-profile-'));
  const server = spawn(path.join(__dirname, 'server.js'), { env: { BENCH_GUARD_MS: '120000' } });
  try {
    const { port } = await nextMessage(server, 'listening', 10_000);
    await call(server, 'reset');
    const config = {
      contender: contenderId, origin: `http://127.0.0.1:${port}`, workload: 'json-post', sweep: concurrency !== 50, concurrency,
      warmupMs: 1000, warmupRequests: 100_000, maxMs: 6000, maxRequests: 200_000, logFile: [1, 10, 14, 16].includes(contenderId) ? '/dev/null' : undefined, guardMs: 60_000,
    };
    const child = spawn(path.join(__dirname, 'contender.js'), {
      execArgv: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100'],
      env: { BENCH_CONFIG: JSON.stringify(config) },
    });
    const result = await nextMessage(child, 'result', 60_000);
    await waitExit(child, 20_000);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`bench profile: no .cpuprofile written in ${dir}`);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const markdown = render(analyze(profile), result.sent, result.elapsedMs / 1000, contender, concurrency);
    const out = path.join(__dirname, 'results', `profile-${contenderId}${concurrency === 50 ? '' : `-${concurrency}`}.md`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, markdown);
    process.stdout.write(`${markdown}\nprofile: ${path.join(dir, file)}\nsummary: ${path.relative(process.cwd(), out)}\n`);
  } finally {
    server.disconnect();
    await waitExit(server, 5000);
    removeSnapshot();
  }
}

module.exports = { main, analyze };

if (require.main === module) {
  main(Number(process.argv[2] ?? 1)).catch((error) => {
    process.stderr.write(`bench profile failed: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  });
}
