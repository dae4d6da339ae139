// The data flow is the import graph: each stage may import from the stages before it, never from one after
// it. Stages, first to last: the shared base (paths, bounded text, exact decimals, the cache), fixtures/ (load), run/
// (run an implementation and judge), impls/ (the implementations), audit/ (the documents' arithmetic),
// certify/ (the independent recomputation), diagnose/ (which mistake, and where it first shows), report/, cli/,
// dev/ (tooling). reference/ sits below them all and imports nothing of the harness; certify/ never imports
// reference/ (it must stay an independent check).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './paths.js';

// Folders of one stage share a rank: train/ uses only the reference; examples/ holds implementations.
const STAGES: string[][] = [
  ['reference'],
  ['train'],
  ['harness'],
  ['harness/fixtures'],
  ['harness/run'],
  ['harness/impls', 'examples'],
  ['harness/audit'],
  ['harness/certify'],
  ['harness/diagnose'],
  ['harness/report'],
  ['harness/cli'],
  ['harness/dev'],
];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The stage a file belongs to: the longest stage folder that holds it (test helpers have none). */
function stageOf(file: string): number {
  if (file.startsWith('harness/testing/') || file.includes('/testing/')) return -1;
  let best = -1;
  let length = 0;
  STAGES.forEach((folders, i) => {
    for (const s of folders)
      if ((dirname(file) === s || dirname(file).startsWith(`${s}/`)) && s.length > length) [best, length] = [i, s.length];
  });
  return best;
}

const imports = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1])).replace(/\.js$/, '.ts'),
  );

const edges = ['reference', 'train', 'harness', 'examples']
  .flatMap(sources)
  .flatMap((file) => imports(file).map((target) => ({ file, target })));

describe('the import direction', () => {
  it('finds the sources it checks', () => {
    expect(edges.length).toBeGreaterThan(100);
  });

  it('no stage imports from a later one, and nothing but tests imports the test helpers', () => {
    const upward = edges.filter(({ file, target }) => {
      const from = stageOf(file);
      const to = stageOf(target);
      if (from < 0) return false; // test helpers may use anything
      return to < 0 || to > from;
    });
    expect(upward.map(({ file, target }) => `${file} -> ${target}`)).toEqual([]);
  });

  it('reference/ imports nothing of the harness, and certify/ nothing of reference/', () => {
    expect(
      edges
        .filter(({ file, target }) => file.startsWith('reference/') && !target.startsWith('reference/'))
        .map((e) => `${e.file} -> ${e.target}`),
    ).toEqual([]);
    expect(
      edges
        .filter(({ file, target }) => file.startsWith('harness/certify/') && target.startsWith('reference/'))
        .map((e) => `${e.file} -> ${e.target}`),
    ).toEqual([]);
  });
});
