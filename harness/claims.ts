// A claim's certified expected value, read from the frozen golden file (never recomputed here).
import { D } from './audit/expr.js';
import type { Claim, LoadedFixture, Operand } from './fixture.js';
import { asTensor, type Golden } from './golden.js';
import { select, toNested } from './tensors.js';
import type { Tensor } from '../reference/tensor.js';
import type { Nested } from './scenario.js';

/** The expected tensor of a value reference (a claim or a relation operand), or null if the golden lacks it. */
export function expectedTensor(ref: Claim | Operand, golden: Golden | null): Tensor | null {
  if (ref.expr !== undefined) {
    const v = golden?.exprs[ref.expr];
    return v === undefined ? null : { shape: [], data: Float64Array.of(new D(v).toNumber()) };
  }
  if (!ref.path || !golden?.values[ref.path]) return null;
  const t = asTensor(golden.values[ref.path]);
  return ref.at ? select(t, ref.at) : t;
}

export interface ClaimListing {
  id: string;
  fixture: string;
  file: string;
  line: number;
  seed: string | null;
  section: string | null;
  document: boolean;
  kind: Claim['kind'];
  quote: string;
  path: string | null;
  printed: Claim['printed'] | null;
  expected: Nested | Nested[] | null;
  expected_verdict: Claim['verdict'];
}

/** One row per claim, as `tconf list` prints them. */
export function listClaims(fixtures: LoadedFixture[], goldenOf: (id: string) => Golden | null): ClaimListing[] {
  return fixtures.flatMap((lf) => {
    const f = lf.fixture;
    const g = goldenOf(f.id);
    return f.claims.map((c) => {
      const refs = c.kind === 'relation' ? (c.of ?? []) : [c];
      const values = refs.map((r) => expectedTensor(r, g));
      const expected = values.every((v) => v !== null) && refs.length ? (c.kind === 'relation' ? values.map((v) => toNested(v!)) : toNested(values[0]!)) : null;
      return {
        id: `${f.id}/${c.id}`, fixture: f.id, file: lf.file, line: lf.claimLines[c.id], seed: f.seed ?? null,
        section: c.section ?? f.section ?? null, document: f.document, kind: c.kind, quote: c.quote,
        path: c.path ?? c.expr ?? null, printed: c.printed ?? null, expected, expected_verdict: c.verdict,
      };
    });
  });
}
