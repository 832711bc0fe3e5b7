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

/**
 * The start of the child script these tests run in the copy's folder: whether `peer` resolves from
 * there (`resolvable`), the main entry loaded from dist/ (`createClient`), `loaded()` (a module whose
 * path contains `loadedMark` is in require.cache) and `afterMain` (whether loading the main entry did).
 */
export function peerProbe(root: string, dir: string, peer: string, loadedMark: string): string {
  return `
      let resolvable = true;
      try { require.resolve(${JSON.stringify(peer)}, { paths: [${JSON.stringify(dir)}] }); } catch { resolvable = false; }
      const { createClient } = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
      const loaded = () => Object.keys(require.cache).some((k) => k.includes(${JSON.stringify(loadedMark)}));
      const afterMain = loaded();`;
}
