// A consumer's project, as a user gets the package: `npm pack` of the built repo, installed with
// npm into a new project under os.tmpdir(). Shared by the consumer suites (types, runtime).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const root = path.join(__dirname, '..', '..');
export const INSTALL_TIMEOUT = 180_000;
export const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** The environment without what an enclosing `npm test` exports (npm_config_*, npm_package_*): the inner npm must see only the temp project. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.has(k.toLowerCase())));
}

export async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await exec('npm', args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024, timeout: INSTALL_TIMEOUT });
  return stdout;
}

export interface ConsumerProject {
  /** The temp folder holding the tarball and the project. */
  tmp: string;
  /** The project folder (a CommonJS package: no "type"). */
  app: string;
  /** Paths inside the tarball. */
  packedFiles: string[];
  /** Runs node in `cwd` (the project by default) and parses the JSON it printed. */
  node(args: string[], cwd?: string): Promise<unknown>;
  remove(): void;
}

/** Packs the repository's dist/ and installs it, with `dependencies`, into a new project. */
export async function createConsumerProject(dependencies: string[]): Promise<ConsumerProject> {
  for (const f of ['index.js', 'index.mjs', 'index.d.mts', 'metrics.js', 'metrics.mjs', 'metrics.d.mts', 'otel.js', 'otel.mjs', 'otel.d.mts']) {
    if (!fs.existsSync(path.join(root, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` (npm test does it first)`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'axios-keepalive-consumer-'));
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  // --ignore-scripts: pack the dist/ that is there; `prepare` would rebuild it under the feet of
  // the other test files running in parallel.
  const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  await npm(['install', path.join(tmp, packed[0].filename), ...dependencies, ...NPM_FLAGS], app);
  return {
    tmp,
    app,
    packedFiles: packed[0].files.map((f) => f.path),
    async node(args, cwd = app) {
      const { stdout } = await exec(process.execPath, args, { cwd, env: { ...cleanEnv(), NODE_PATH: '' }, timeout: 60_000 });
      return JSON.parse(stdout);
    },
    remove() {
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
