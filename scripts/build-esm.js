// Writes the ESM entry beside the CommonJS build: dist/index.mjs re-exports dist/index.js, and
// dist/index.d.mts carries the types, with the axios augmentation resolved for `import` users
// (axios has separate declaration files for import and require; see src/augment.ts).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');

function writeEsmEntry(name) {
  const cjs = require(path.join(dist, `${name}.js`));
  const names = Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default');
  fs.writeFileSync(
    path.join(dist, `${name}.mjs`),
    `import cjs from './${name}.js';\nexport const { ${names.join(', ')} } = cjs;\n`,
  );
}

writeEsmEntry('index');
fs.writeFileSync(
  path.join(dist, 'index.d.mts'),
  `export * from './index.js';
import type { KeepAliveRequestOptions, ResponseFacts } from './index.js';
declare module 'axios' {
  interface AxiosRequestConfig {
    /** axios-keepalive per-request overrides. */
    keepAlive?: KeepAliveRequestOptions;
  }
  interface AxiosResponse {
    /** axios-keepalive: the socket this response came on. */
    keepAlive?: ResponseFacts;
  }
}
`,
);
if (fs.existsSync(path.join(dist, 'metrics.js'))) {
  writeEsmEntry('metrics');
  fs.writeFileSync(path.join(dist, 'metrics.d.mts'), `export * from './metrics.js';\n`);
}
fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
