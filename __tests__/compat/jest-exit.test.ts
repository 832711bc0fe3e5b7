// A module-level client that is never closed, in a user's jest suite: jest must exit by itself and
// `--detectOpenHandles` must find nothing. A child jest runs the fixture suite in
// fixtures/module-client/ against a loopback server that this test owns (so the child's pooled
// socket is still open, idle, when its tests end: the server does not close it for it).
//
// Proves: idle pooled sockets and the library's timers never keep a jest process alive, after
// successful calls and after a call that failed on a deadline.
//
// Cannot prove: the same for sockets still busy at exit (an active request keeps a process alive
// by design, as with any HTTP client).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

const root = path.join(__dirname, '..', '..');
const fixture = path.join(__dirname, 'fixtures', 'module-client');
/** Generous: the child compiles the sources with ts-jest on a shared 2-core machine. */
const CHILD_LIMIT_MS = 90_000;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

function runChildJest(args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...args], {
      cwd: root,
      env,
      timeout: CHILD_LIMIT_MS, // a child that does not exit is killed, and the test fails on its signal
      maxBuffer: 8 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, signal: child.signalCode, output: `${stdout}${stderr}`, ms: performance.now() - t0 });
    });
  });
}

test('jest exits by itself with a module-level client never closed, and --detectOpenHandles reports nothing', async () => {
  // The child is a fresh jest: none of this worker's variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'JEST_WORKER_ID' && !k.startsWith('npm_')));
  const run = await runChildJest(['--config', path.join(fixture, 'jest.config.js'), '--detectOpenHandles', '--ci', '--colors=false'], {
    ...env,
    UPSTREAM_URL: server.url,
  });
  expect(run.signal).toBeNull();
  expect({ code: run.code, output: run.output }).toMatchObject({ code: 0 });
  expect(run.output).toMatch(/Tests:\s+2 passed, 2 total/);
  expect(run.output).not.toMatch(/open handle/i);
  expect(run.output).not.toMatch(/did not exit/i);
  expect(run.ms).toBeLessThan(CHILD_LIMIT_MS);
  // The calls really went over the pool: the timed-out call's socket was destroyed by its deadline,
  // the two good calls shared a second one, which was still open and idle when the child exited.
  expect(server.requests()).toBe(3);
  expect(server.connections()).toBe(2);
}, CHILD_LIMIT_MS + 10_000);
