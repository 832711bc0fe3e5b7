#!/usr/bin/env node
// Finds test files that leave a handle or timer alive after their suite: the cause of jest's "A
// worker process has failed to exit gracefully" (a worker gets 500 ms to exit) and of "Jest did not
// exit one second after the test run has completed". Runs jest in band with this repository's
// config and ./environment.js as every project's test environment; the arguments go to jest.
//
//   node scripts/lingering-handles/run.js --selectProjects 'lean path' -- __tests__/compat
//
// Prints, for each file that left something ref'd 450 ms after its teardown, what it was and
// where it was created; exits 1 if any did. One file at a time: no worker pool, no parallel load.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lingering-handles-'));
const out = path.join(dir, 'report.jsonl');
const configFile = path.join(dir, 'jest.config.js');
fs.writeFileSync(configFile, `
const base = require(${JSON.stringify(path.join(root, 'jest.config.js'))});
const testEnvironment = ${JSON.stringify(path.join(__dirname, 'environment.js'))};
const rootDir = ${JSON.stringify(root)};
module.exports = { ...base, rootDir, projects: base.projects.map((p) => ({ ...p, rootDir, testEnvironment })) };
`);

const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const run = spawnSync(process.execPath, [jest, '--config', configFile, '--runInBand', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LINGERING_HANDLES_OUT: out },
});

const rows = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
fs.rmSync(dir, { recursive: true, force: true });
const bad = rows.filter((r) => r.lingering.length > 0);
console.log(`\nlingering handles: ${rows.length} suites checked, ${bad.length} left something ref'd 450 ms after teardown`);
for (const r of bad) {
  const when = r.closedAfterMs === null ? 'still open after 8 s' : `closed ${r.closedAfterMs} ms after teardown`;
  console.log(`\n${path.relative(root, r.file)}: ${r.lingering.map((h) => h.type).join(', ')} (${when})`);
  for (const h of r.lingering) console.log(`  ${h.type}\n${h.stack.split('\n').map((l) => `    ${l.trim()}`).join('\n')}`);
}
process.exitCode = bad.length > 0 || rows.length === 0 ? 1 : (run.status ?? 1);
