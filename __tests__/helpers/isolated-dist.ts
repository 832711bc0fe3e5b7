// For the "without an optional peer installed" tests: the built .js files of dist/ (with its layer
// folders) copied to a folder under os.tmpdir(), where Node's resolver finds no node_modules above
// (the tests check it), so an optional peer dependency cannot be found from there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Copies dist/ before the suite's tests and removes the copy after them; returns the copy's folder. */
export function isolatedDist(root: string, entry: string, prefix: string): () => string {
  let dir = '';
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist', entry))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.cpSync(path.join(root, 'dist'), dir, { recursive: true, filter: (p) => fs.statSync(p).isDirectory() || p.endsWith('.js') });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
