// The README's "Testing code that uses the client" project runs: its files (the blocks named by
// their first line, `// orders.ts`, `// orders.nock.test.ts`, ..., and its `// jest.config.js`) are
// written into .readme-run/, and a child jest runs the tests there with the README's own jest
// config, `axios-keepalive` mapped to src/. No request leaves the process: nock and msw answer
// them, and the client's baseURL is on loopback anyway.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readmeBlocks } from '../helpers/readme-blocks';

const root = path.join(__dirname, '..', '..');
const dir = path.join(root, '.readme-run');
/** Generous: the child compiles the sources with ts-jest on a shared 2-core machine. */
const CHILD_LIMIT_MS = 120_000;

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the README\'s test files pass under jest with the README\'s jest config, and jest exits by itself', async () => {
  const files = [...readmeBlocks('ts'), ...readmeBlocks('js')].filter((b) => b.name !== undefined);
  const names = files.map((f) => f.name);
  expect(names).toEqual(expect.arrayContaining(['orders.ts', 'orders.nock.test.ts', 'orders.msw.test.ts', 'orders.mock-adapter.test.ts', 'orders.fake-timers.test.ts', 'jest.config.js']));
  expect(new Set(names).size).toBe(names.length);

  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  for (const { name, code } of files) {
    // The README's config is the user's; the wrapper below only points it at this folder and src/.
    fs.writeFileSync(path.join(dir, name === 'jest.config.js' ? 'readme.jest.config.js' : name!), code);
  }
  fs.writeFileSync(path.join(dir, 'jest.config.js'), [
    "const base = require('./readme.jest.config.js');",
    `module.exports = { ...base, rootDir: __dirname, moduleNameMapper: { '^axios-keepalive$': ${JSON.stringify(path.join(root, 'src', 'index.ts'))} } };`,
    '',
  ].join('\n'));
  // What the README's plain 'ts-jest' transform reads (it looks for <rootDir>/tsconfig.json).
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true, isolatedModules: true, skipLibCheck: true, types: ['node', 'jest'] },
  }));
  const tests = files.filter((f) => f.name!.endsWith('.test.ts')).reduce((n, f) => n + (f.code.match(/^test\(/gm)?.length ?? 0), 0);

  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'JEST_WORKER_ID' && !k.startsWith('npm_')));
  const run = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    const child = execFile(process.execPath, [
      path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', path.join(dir, 'jest.config.js'), '--ci', '--colors=false', '--detectOpenHandles',
    ], { cwd: root, env, timeout: CHILD_LIMIT_MS, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, signal: child.signalCode, output: `${stdout}${stderr}` });
    });
  });
  expect(run.signal).toBeNull();
  // The child's whole output on failure: which README test failed, and why.
  if (run.code !== 0) throw new Error(`the README's tests failed (jest exit ${run.code}):\n${run.output}`);
  expect(run.output).toContain(`Tests:       ${tests} passed, ${tests} total`);
  // --detectOpenHandles lists every async resource not yet destroyed. After a deadline aborts a
  // request that nock or msw is still "delaying", their MockHttpSocket's parser resource
  // (HTTPINCOMINGMESSAGE, created in @mswjs/interceptors' MockHttpSocket constructor) stays listed
  // until the mock's own delay ends: plain axios's `timeout` leaves exactly the same one (checked: one
  // plain `axios.get(url, { timeout: 300 })` against `nock(...).delay(2000)` reports one). It keeps
  // nothing alive (jest exited above by itself). Any other kind of handle is ours and fails the test.
  const kinds = [...run.output.matchAll(/●\s+([A-Z][A-Za-z_]*)\s*\n/g)].map((m) => m[1]);
  expect(kinds.filter((k) => k !== 'HTTPINCOMINGMESSAGE')).toEqual([]);
  for (const block of run.output.split('●').filter((b) => /^\s+HTTPINCOMINGMESSAGE/.test(b))) {
    expect(block).toMatch(/MockHttpSocket/);
  }
}, CHILD_LIMIT_MS + 10_000);
