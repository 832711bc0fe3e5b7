// The built package loads both ways, and the CLI measures against a loopback server.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from '../helpers/server';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
});

const EXPECTED = ['applyKeepAlive', 'createClient', 'isTimeoutError', 'ErrorCodes', 'DEFAULTS'];

test('require() loads the CommonJS build through the exports map', async () => {
  const { stdout } = await run(process.execPath, ['-e', `
    const m = require('axios-keepalive');
    const c = m.createClient({ logger: false });
    console.log(JSON.stringify({ names: Object.keys(m), agent: typeof c.keepAlive.httpAgent.addRequest }));
    c.keepAlive.close();
  `], { cwd: root });
  const out = JSON.parse(stdout);
  expect(out.names).toEqual(expect.arrayContaining(EXPECTED));
  expect(out.agent).toBe('function');
});

test('import loads the ESM entry through the exports map', async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `
    import { createClient, applyKeepAlive, isTimeoutError, ErrorCodes } from 'axios-keepalive';
    import * as m from 'axios-keepalive';
    const c = createClient({ logger: false });
    console.log(JSON.stringify({ names: Object.keys(m), ok: typeof applyKeepAlive === 'function' && typeof isTimeoutError === 'function', code: ErrorCodes.TIMEOUT }));
    await c.keepAlive.close();
  `], { cwd: root });
  const out = JSON.parse(stdout);
  expect(out.names).toEqual(expect.arrayContaining(EXPECTED));
  expect(out).toMatchObject({ ok: true, code: 'ETIMEDOUT' });
});

test('the exports map lists types first for both conditions, and the files exist', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  for (const condition of ['import', 'require']) {
    const entry = pkg.exports['.'][condition];
    expect(Object.keys(entry)[0]).toBe('types');
    expect(fs.existsSync(path.join(root, entry.types))).toBe(true);
    expect(fs.existsSync(path.join(root, entry.default))).toBe(true);
  }
  expect(pkg.peerDependencies.axios).toBe('>=1.20.0 <2');
  expect(pkg.engines.node).toBe('>=20');
});

test('axios-keepalive probe measures a loopback URL: one connection per request without keep-alive, few with it', async () => {
  const server = await startServer();
  try {
    const { stdout } = await run(process.execPath, [path.join(root, 'dist', 'cli', 'cli.js'), 'probe', `${server.url}/json`, '-n', '60', '-c', '4'], { cwd: root });
    const rows = stdout.split('\n').filter((l) => l.startsWith('| axios'));
    expect(rows).toHaveLength(2);
    const connections = rows.map((r) => Number(r.split('|')[4].trim()));
    expect(connections[0]).toBe(60);
    expect(connections[1]).toBeLessThanOrEqual(4);
    expect(server.connections()).toBe(60 + connections[1]);
  } finally {
    await server.close();
  }
});

test('the CLI rejects bad arguments with a message naming the flag', async () => {
  const err = await run(process.execPath, [path.join(root, 'dist', 'cli', 'cli.js'), 'probe', '-n', '-5'], { cwd: root }).catch((e: { stderr: string; code: number }) => e);
  expect((err as { code: number }).code).toBe(2);
  expect((err as { stderr: string }).stderr).toMatch(/-n must be a whole number from 1 to 1000000, got "-5"/);
});
