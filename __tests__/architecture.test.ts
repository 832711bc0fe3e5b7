// The architecture of src/, checked: one folder per layer, imports only to the same layer or a lower
// one, and no import cycle anywhere (type imports included). LAYERS below is the one place the
// allowed order is written; ARCHITECTURE.md describes it and points here.
//
// Imports are read with TypeScript's own scanner (ts.preProcessFile: `import`, `import type`,
// `export ... from`, `import('...')`, `require('...')`; comments and strings are not imports), so
// a type-only import counts like any other: a cycle through types still ties two files together.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Bottom to top: a file may import from its own layer and the ones before it, never after. */
const LAYERS = ['core', 'lean', 'pool', 'call', 'observability', 'axios', 'cli'] as const;
/** The public entry points, at the top of src/: they may import any layer; no layer imports them. */
const ENTRY_POINTS = ['index.ts', 'api.ts', 'metrics.ts', 'otel.ts'] as const;

const SRC = path.join(__dirname, '..', 'src');
const ENTRY = 'entry';
const RANK: ReadonlyMap<string, number> = new Map([...LAYERS.map((l, i) => [l, i] as const), [ENTRY, LAYERS.length]]);

interface Graph {
  /** src-relative path ('pool/agent.ts') -> the src-relative files it imports. */
  edges: Map<string, string[]>;
  unresolved: string[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The file a relative specifier names, as TypeScript resolves it here (no extension, or a folder's index). */
function resolveImport(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

function importGraph(root: string): Graph {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(root)) {
    const rel = path.relative(root, file);
    const targets: string[] = [];
    for (const { fileName } of ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue; // a package
      const target = resolveImport(file, fileName);
      if (target === undefined) unresolved.push(`${rel}: '${fileName}'`);
      else targets.push(path.relative(root, target));
    }
    edges.set(rel, targets);
  }
  return { edges, unresolved };
}

/** The layer of a src-relative file: its first folder, or the entry points at the top. */
function layerOf(rel: string): string {
  const parts = rel.split(path.sep);
  return parts.length === 1 ? ENTRY : parts[0];
}

/** Every file outside the layer folders and the entry points: each must be placed. */
function unplaced(graph: Graph): string[] {
  return [...graph.edges.keys()].filter((f) => (layerOf(f) === ENTRY ? !(ENTRY_POINTS as readonly string[]).includes(f) : !RANK.has(layerOf(f))));
}

/** Imports to a higher layer (or to an entry point), as `file -> target (layer -> layer)`. */
function upwardImports(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph.edges) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      const isEntryImport = to === ENTRY && from !== ENTRY;
      if (isEntryImport || (RANK.get(to) ?? Infinity) > (RANK.get(from) ?? -1)) out.push(`${file} -> ${target} (${from} may not import ${to})`);
    }
  }
  return out;
}

/** One cycle per back edge of a depth-first walk, each printed as `a -> b -> ... -> a`. */
function importCycles(graph: Graph): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.edges.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

const graph = importGraph(SRC);

test('every relative import in src/ resolves to a file (so none escapes the checks below)', () => {
  expect(graph.unresolved).toEqual([]);
  expect(graph.edges.size).toBeGreaterThan(50);
});

test('every file of src/ is in a layer folder, or is one of the entry points', () => {
  expect(unplaced(graph)).toEqual([]);
});

test(`imports run downward only: ${LAYERS.join(' < ')} < entry points`, () => {
  expect(upwardImports(graph)).toEqual([]);
});

test('no import cycle in src/, type imports included', () => {
  expect(importCycles(graph)).toEqual([]);
});
