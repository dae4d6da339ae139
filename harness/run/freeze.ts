// Freezing expected values: run a fixture's scenario on an implementation (the reference, for `tconf golden`)
// and keep every value its claims name, with the exact value of every expression. Regenerating reports each
// value that moved and by how much, so a change to the reference cannot silently move its own expected values.
import { claimReads } from '../fixtures/claim-kinds.js';
import { exactValue } from '../fixtures/expr.js';
import { GOLDEN_VERSION, goldenTensor, type Golden } from '../fixtures/golden.js';
import type { Claim, LoadedFixture, Problem } from '../fixtures/types.js';
import type { Implementation, TraceValues } from './implementation.js';
import { scenarioKind } from './scenario-run.js';

/** Every trace path and expression the claims of a fixture refer to. */
export function references(claims: Claim[]): { paths: string[]; exprs: string[] } {
  const paths = new Set<string>();
  const exprs = new Set<string>();
  for (const c of claims) {
    for (const r of claimReads(c)) {
      if (r.path) paths.add(r.path);
      if (r.expr) exprs.add(r.expr);
    }
  }
  return { paths: [...paths].sort(), exprs: [...exprs].sort() };
}

/** Runs a fixture's scenario and keeps what its claims need; a path the scenario does not produce is a problem. */
export async function computeGolden(lf: LoadedFixture, impl: Implementation): Promise<{ golden?: Golden; problems: Problem[] }> {
  const f = lf.fixture;
  const { paths, exprs } = references(f.claims);
  const problems: Problem[] = [];
  const golden: Golden = { version: GOLDEN_VERSION, fixture: f.id, generated_by: `${impl.name} ${impl.version}`, values: {}, exprs: {} };
  const lineOfPath = (p: string) => {
    const c = f.claims.find((c) => c.path === p || c.of?.some((o) => o.path === p));
    return { line: c ? lf.claimLines[c.id] : 1, field: c ? `claims(${c.id}).path` : 'path' };
  };
  if (paths.length) {
    let trace: TraceValues;
    try {
      trace = await scenarioKind(f.scenario).trace(impl, f.scenario, paths);
    } catch (e) {
      return {
        problems: [
          {
            file: lf.file,
            line: 1,
            field: 'scenario',
            message: `the ${impl.name} implementation failed on this scenario: ${(e as Error).message}`,
          },
        ],
      };
    }
    for (const p of paths) {
      const t = trace[p];
      if (!t) {
        const near = Object.keys(trace)
          .filter((k) => k.split('/')[0] === p.split('/')[0])
          .slice(0, 6);
        problems.push({
          file: lf.file,
          ...lineOfPath(p),
          message: `unresolvable trace path '${p}' (the scenario produces e.g. ${near.join(', ')})`,
        });
        continue;
      }
      golden.values[p] = { shape: t.shape, data: Array.from(t.data) };
    }
  }
  for (const e of exprs) golden.exprs[e] = exactValue(e).toSignificantDigits(40).toString();
  for (const c of f.claims) {
    for (const r of claimReads(c)) {
      if (!r.path || !r.at || !golden.values[r.path]) continue;
      try {
        goldenTensor(golden.values[r.path], r.at);
      } catch (e) {
        problems.push({ file: lf.file, line: lf.claimLines[c.id], field: `claims(${c.id}).at`, message: (e as Error).message });
      }
    }
  }
  return problems.length ? { problems } : { golden, problems };
}
