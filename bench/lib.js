// Where the library under test comes from: the package's own build (../dist, made by `npm install`
// through the `prepare` script, or `npm run build`). BENCH_LIB=/abs/path/to/index.js benches another
// build instead, e.g. a copy of dist/ made before a change, to compare two builds on one machine.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist');

function libPath() {
  return process.env.BENCH_LIB ? path.resolve(process.env.BENCH_LIB) : path.join(DIST, 'index.js');
}

function loadLibrary() {
  const lib = libPath();
  if (!fs.existsSync(lib)) throw new Error(`bench: ${lib} does not exist; run \`npm run build\` first`);
  return require(lib);
}

/**
 * One build for the whole run: dist/ is copied once and every child loads the copy (through
 * BENCH_LIB), so a `npm run build` during a long run (it starts with rm -rf dist) neither breaks a
 * contender nor mixes two builds in one table. The copy sits inside the package so that its
 * require('axios') still resolves to node_modules. Returns a function that removes it.
 */
function snapshotDist() {
  if (process.env.BENCH_LIB) return () => {};
  if (!fs.existsSync(path.join(DIST, 'index.js'))) throw new Error(`bench: ${DIST}/index.js does not exist; run \`npm run build\` first`);
  const copy = path.join(__dirname, `.dist-snapshot-${process.pid}`);
  // Only the JavaScript: declaration files under bench/ would join `tsc -p tsconfig.test.json`.
  fs.cpSync(DIST, copy, { recursive: true, filter: (src) => !src.endsWith('.ts') && !src.endsWith('.mts') });
  process.env.BENCH_LIB = path.join(copy, 'index.js');
  const remove = () => fs.rmSync(copy, { recursive: true, force: true });
  process.on('exit', remove);
  return remove;
}

module.exports = { DIST, libPath, loadLibrary, snapshotDist };
