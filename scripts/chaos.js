#!/usr/bin/env node
// The long chaos run (issue 17): `npm run chaos -- --seed N --calls 20000`. It drives the built
// library (dist/, as its users get it) with the same engine as the jest suite
// (__tests__/chaos/engine, TypeScript compiled here on load, transpile only: `npm run typecheck`
// checks its types), prints one line per life, the invariants table and what happened, and exits
// with 1 when an invariant failed. A failing seed replays its plan exactly; `--lives 3,7` runs only
// those lives of it (the calls keep their numbers).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const testsDir = path.join(root, '__tests__') + path.sep;

// Only the test tree is compiled; dist/ and node_modules are plain JavaScript.
require.extensions['.ts'] = function compileTs(module, filename) {
  if (!filename.startsWith(testsDir)) throw new Error(`chaos runner: no TypeScript outside __tests__/: ${filename}`);
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  module._compile(outputText, filename);
};

function parseArgs(argv) {
  const args = { seed: Math.floor(Math.random() * 2 ** 31), calls: 2000, margin: undefined, lives: undefined, resources: true, proxied: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seed') args.seed = Number(value());
    else if (a === '--calls') args.calls = Number(value());
    else if (a === '--margin') args.margin = Number(value());
    else if (a === '--lives') args.lives = value().split(',').map(Number);
    else if (a === '--proxied') args.proxied = Number(value());
    else if (a === '--no-resources') args.resources = false;
    else if (a === '--help') {
      console.log('usage: npm run chaos -- [--seed N] [--calls N] [--margin ms] [--lives i,j] [--proxied 0..1] [--no-resources]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const [k, v] of Object.entries({ seed: args.seed, calls: args.calls })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a non-negative integer, got ${v}`);
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const lib = require(path.join(root, 'dist', 'index.js'));
  const axios = require('axios');
  const { runChaos } = require(path.join(root, '__tests__', 'chaos', 'engine', 'run.ts'));
  console.log(`chaos: seed ${args.seed}, ${args.calls} calls, Node ${process.version}, axios ${axios.VERSION} (replay: npm run chaos -- --seed ${args.seed} --calls ${args.calls})`);
  const report = await runChaos({
    lib: { createClient: lib.createClient, applyKeepAlive: lib.applyKeepAlive, axios },
    seed: args.seed,
    calls: args.calls,
    marginMs: args.margin,
    lives: args.lives,
    proxied: args.proxied,
    trackResources: args.resources,
    progress: (line) => console.log(line),
  });
  const s = report.summary;
  console.log(`\nseed ${report.seed}: ${report.calls} calls in ${report.lives} lives, ${(report.wallMs / 1000).toFixed(1)} s; event loop late by ${Math.round(report.maxLagMs)} ms at most\n`);
  console.log(report.table);
  console.log('\nwhat happened:');
  for (const key of Object.keys(s).sort()) console.log(`  ${key}: ${s[key]}`);
  console.log(report.ok ? '\nall invariants hold' : `\n${report.invariants.count()} violations`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
