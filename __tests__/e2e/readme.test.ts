// The README's TypeScript examples compile under strict, against the real public API. A block named
// by its first line (`// orders.ts`) is written under that name, so the README's test files can
// import its modules; readme-run.test.ts runs those tests.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readmeBlocks } from '../helpers/readme-blocks';

const root = path.join(__dirname, '..', '..');
const dir = path.join(root, '.readme-check');

test('every ```ts block of the README type-checks', async () => {
  const blocks = readmeBlocks('ts');
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  blocks.forEach(({ name, code }, i) => fs.writeFileSync(path.join(dir, name ?? `example${i + 1}.ts`), code));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022',
        esModuleInterop: true, skipLibCheck: true, types: ['node', 'jest'],
        paths: { 'axios-keepalive': ['../src/index.ts'], 'axios-keepalive/metrics': ['../src/metrics.ts'], 'axios-keepalive/otel': ['../src/otel.ts'] },
      },
      include: ['*.ts'],
    }),
  );
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', dir], { cwd: root });
  } catch (error) {
    throw new Error(`README examples do not compile:\n${(error as { stdout: string }).stdout}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
