// The independence rule of harness/certify (index.ts): no file here, tests apart, imports anything from
// reference/, directly or through the modules it runs. The one reference/ file reachable at run time is
// reference/tensor.ts, through the nested-list plumbing of harness/fixtures/tensors.ts: a constructor that
// checks that a shape fits its data, no arithmetic.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const REFERENCE = join(ROOT, 'reference') + '/';
/** reference/ files the certifier may reach at run time through shared plumbing, and why. */
const REACHABLE: Record<string, string> = {
  'reference/tensor.ts': 'tensor(shape, data), used by harness/fixtures/tensors.ts: a size check, no arithmetic',
};

interface Import {
  specifier: string;
  /** `import type` / `export type`, or braces holding types only: erased, nothing runs. */
  typeOnly: boolean;
}

/** Every module specifier a TypeScript source imports or re-exports, statically or dynamically. */
function importsOf(source: string): Import[] {
  const out: Import[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(
    /\b(?:import|export)\s+(type\s+)?(?:([\w*$\s,]*\{[^}]*\}|[\w*$]+(?:\s+as\s+\w+)?|\*\s+as\s+\w+)\s+from\s+)?['"]([^'"]+)['"]/g,
  )) {
    const names = m[2] ?? '';
    const open = names.indexOf('{');
    const entries =
      open < 0
        ? []
        : names
            .slice(open + 1, names.indexOf('}'))
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    const allTypes = open >= 0 && names.slice(0, open).trim() === '' && entries.length > 0 && entries.every((s) => s.startsWith('type '));
    out.push({ specifier: m[3], typeOnly: Boolean(m[1]) || allTypes });
  }
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g))
    out.push({ specifier: m[1] ?? m[2], typeOnly: false });
  return out;
}

/** The file a relative specifier names (NodeNext: './x.js' is './x.ts' in the sources); null for packages. */
function resolveSpecifier(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const f of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')])
    if (existsSync(f) && f.endsWith('.ts')) return f;
  throw new Error(`${relative(ROOT, from)}: cannot resolve '${specifier}'`);
}

const listTs = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

const SOURCES = listTs(HERE).filter((f) => !f.endsWith('.test.ts'));

describe('the certifier is independent of reference/', () => {
  it("sees the certifier's sources", () => {
    const names = SOURCES.map((f) => relative(HERE, f));
    for (const f of ['index.ts', 'attention.ts', 'block.ts', 'model.ts', 'training.ts', 'scenario.ts']) expect(names).toContain(f);
  });

  it('no file under harness/certify (tests apart) imports from reference/, not even a type', () => {
    const offending = SOURCES.flatMap((f) =>
      importsOf(readFileSync(f, 'utf8'))
        .filter((i) => resolveSpecifier(f, i.specifier)?.startsWith(REFERENCE))
        .map((i) => `${relative(ROOT, f)} imports '${i.specifier}'`),
    );
    expect(offending).toEqual([]);
  });

  it('what the certifier runs reaches no reference/ file but the allowed plumbing', () => {
    const seen = new Set<string>();
    const reached = new Map<string, string>();
    const visit = (f: string, via: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      if (f.startsWith(REFERENCE)) {
        reached.set(relative(ROOT, f), via);
        return;
      }
      for (const i of importsOf(readFileSync(f, 'utf8'))) {
        if (i.typeOnly) continue;
        const target = resolveSpecifier(f, i.specifier);
        if (target) visit(target, relative(ROOT, f));
      }
    };
    for (const f of SOURCES) visit(f, relative(ROOT, f));
    const unexpected = [...reached].filter(([f]) => !(f in REACHABLE)).map(([f, via]) => `${f} (imported by ${via})`);
    expect(unexpected).toEqual([]);
  });

  it('the import scanner finds every form of import', () => {
    const src = [
      "import { a, b } from '../../reference/x.js';",
      "import type { T } from '../../reference/t.js';",
      "import { type U, type V } from '../../reference/u.js';",
      "import {\n  c,\n  type W,\n} from '../../reference/y.js';",
      "import * as z from '../../reference/z.js';",
      "import d from '../../reference/d.js';",
      "import f, { type F } from '../../reference/f.js';",
      "export { e } from '../../reference/e.js';",
      "import '../../reference/side.js';",
      "const m = await import('../../reference/dyn.js');",
      '// import { gone } from "../../reference/comment.js";',
    ].join('\n');
    expect(importsOf(src)).toEqual([
      { specifier: '../../reference/x.js', typeOnly: false },
      { specifier: '../../reference/t.js', typeOnly: true },
      { specifier: '../../reference/u.js', typeOnly: true },
      { specifier: '../../reference/y.js', typeOnly: false },
      { specifier: '../../reference/z.js', typeOnly: false },
      { specifier: '../../reference/d.js', typeOnly: false },
      { specifier: '../../reference/f.js', typeOnly: false },
      { specifier: '../../reference/e.js', typeOnly: false },
      { specifier: '../../reference/side.js', typeOnly: false },
      { specifier: '../../reference/dyn.js', typeOnly: false },
    ]);
  });
});
