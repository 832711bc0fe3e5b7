// Writes the ESM entries beside the CommonJS build. dist/<entry>.mjs re-exports dist/<entry>.js at
// run time. For types, every dist/*.d.ts gets a dist/*.d.mts twin whose relative imports point at
// the twins ('./options' -> './options.mjs', which TypeScript resolves to options.d.mts): inside a
// .d.mts, `from 'axios'` resolves to axios's import-side declarations (index.d.ts), so the types an
// `import` user sees (AxiosInstance, the AxiosRequestConfig augmentation of augment.d.mts) are the
// same ones their own `import axios from 'axios'` gets. Re-exporting the CommonJS .d.ts instead mixes
// axios's index.d.cts types into ESM code: `applyKeepAlive(axios.create())` then fails to type-check
// ("Two different types with this name exist") in a .mts file.
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

// `from './x'`, `import './x'` and `import('./x')` with a relative specifier without extension.
const RELATIVE = /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]+?)\2/g;

function writeEsmTypes() {
  for (const file of fs.readdirSync(dist).filter((f) => f.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(dist, file), 'utf8');
    const esm = text.replace(RELATIVE, (_, head, quote, spec) => `${head}${quote}${spec}.mjs${quote}`);
    fs.writeFileSync(path.join(dist, file.replace(/\.d\.ts$/, '.d.mts')), esm);
  }
}

writeEsmEntry('index');
for (const entry of ['metrics', 'otel']) if (fs.existsSync(path.join(dist, `${entry}.js`))) writeEsmEntry(entry);
writeEsmTypes();
fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
