// Formula claims on the book's 2×2 model: a right formula, a shape error, a value error, the corrected formula
// auditing ok, and the loader's problems for a formula that is malformed, unbound or bound to no trace path.
import { beforeAll, describe, expect, it } from 'vitest';
import { readGolden } from '../fixtures/golden.js';
import { loadFixtures, parseFixture } from '../fixtures/load.js';
import { formatProblem, type Claim } from '../fixtures/types.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { auditClaim, auditSuite, type ClaimAudit } from './verdict.js';

const BIND = '{ f: train/0/final_repr, p: train/0/probs, k: 2 }';
const fixture = (claims: string) => `id: fm
title: formulas
document: false
scenario:
  kind: model
  config: { vocab: 4, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 2, positional: none, attnProjection: false, attnResidual: false, layerNorm: false, outDim: 4, headBias: false }
  init: { seed: 5 }
  examples: [{ tokens: [0, 1], target: 2 }]
  steps: [{ id: train, do: train }]
claims:
${claims}`;

const CLAIMS = `  - { id: right, kind: formula, quote: "dW = f.T (p - y)", path: train/0/grad.head.W_out, printed: "f.T × (p - one_hot(k))", bind: ${BIND}, verdict: ok }
  - { id: undefined-product, kind: formula, quote: "dW = (p - y) f.T", path: train/0/grad.head.W_out, printed: "(p - one_hot(k)) × f.T",
      bind: ${BIND}, corrected: "f.T × (p - one_hot(k))", verdict: erratum, reason: r }
  - { id: transposed, kind: formula, quote: "dW = (p - y).T f", path: train/0/grad.head.W_out, printed: "(p - one_hot(k)).T × f",
      bind: ${BIND}, corrected: "f.T × (p - one_hot(k))", verdict: erratum, reason: r }
  - { id: wrong-value, kind: formula, quote: "dW = f.T p", path: train/0/grad.head.W_out, printed: "f.T × p",
      bind: { f: train/0/final_repr, p: train/0/probs }, corrected: "f.T × (p - one_hot(2))", verdict: erratum, reason: r }
`;

let suite: TestSuite;
let byId: Record<string, ClaimAudit>;
beforeAll(async () => {
  suite = await makeTestSuite({ 'fm.yaml': fixture(CLAIMS) });
  byId = Object.fromEntries(auditSuite(suite).map((a) => [a.id.split('/')[1], a]));
});

describe('the audit of formula claims', () => {
  it('finds a right formula ok, an undefined product or a transposed result a shape error, other values a value error', () => {
    for (const a of Object.values(byId)) expect(a.verdict, `${a.id}: ${a.reason}`).toBe(a.expected_verdict);
    expect(byId['right'].reason).toMatch(/within 1e-12/);
    expect(byId['undefined-product'].error_kind).toBe('formula-shape');
    expect(byId['undefined-product'].reason).toMatch(/\[1×4\] × \[2×1\] is undefined/);
    expect(byId['transposed'].error_kind).toBe('formula-shape');
    expect(byId['transposed'].reason).toMatch(/gives \[4×2\], but train\/0\/grad.head.W_out is \[2×4\]/);
    expect(byId['wrong-value'].error_kind).toBe('formula-value');
  });

  it("gives the corrected formula as the erratum's correct and suggestion, and it audits ok in the claim's place", () => {
    const lf = suite.fixtures[0];
    for (const id of ['undefined-product', 'transposed', 'wrong-value']) {
      const a = byId[id];
      const c = lf.fixture.claims.find((x) => x.id === id)!;
      expect(a.correct).toBe(c.corrected);
      expect(a.suggestion).toContain(c.corrected);
      const fixed = auditClaim(lf, { ...c, printed: a.correct! }, suite.goldenOf('fm'));
      expect(fixed.verdict, fixed.reason).toBe('ok');
    }
  });

  it('refuses a corrected formula that does not audit ok, naming the field', () => {
    const lf = suite.fixtures[0];
    const c: Claim = { ...lf.fixture.claims[1], corrected: 'f.T × p' };
    expect(() => auditClaim(lf, c, suite.goldenOf('fm'))).toThrow(
      /fm\.yaml:\d+: claims\(undefined-product\): corrected: .*does not audit ok/,
    );
  });

  it('reports a malformed, unbound or misbound formula by file, line and field', () => {
    const text = fixture(`  - id: c
    kind: formula
    quote: q
    path: train/0/grad.head.W_out
    printed: "f.T × (p -"
    bind: { f: train/0/final_repr, p: train/0/probs }
    verdict: ok
  - id: d
    kind: formula
    quote: q
    path: train/0/grad.head.W_out
    printed: "f.T × g"
    bind: { f: nostep/0/final_repr, p: train/0/probs }
    verdict: ok
`);
    const { problems } = parseFixture(text, 'fm.yaml');
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^fm\.yaml:15: claims\[0\]\.printed: formula: expected a value, found the end at column 11/),
      expect.stringMatching(/^fm\.yaml:\d+: claims\[1\]\.printed: formula: 'g' is not bound/),
      expect.stringMatching(/^fm\.yaml:\d+: claims\[1\]\.bind\.p: 'p' is bound but no formula uses it/),
      expect.stringMatching(/^fm\.yaml:\d+: claims\[1\]\.bind\.f: .*nostep/),
    ]);
  });

  it("of the suite's fixtures give the recorded error kind, and each erratum's corrected formula audits ok in its place", () => {
    const fixtures = ['stage10/formulas', 'matrix-calculus'].flatMap((only) => loadFixtures(undefined, only).fixtures);
    const formulas = fixtures.flatMap((lf) => lf.fixture.claims.filter((c) => c.kind === 'formula').map((c) => ({ lf, c })));
    expect(formulas.length).toBeGreaterThan(0);
    for (const { lf, c } of formulas) {
      const g = readGolden(lf.fixture.id);
      const a = auditClaim(lf, c, g);
      expect([a.verdict, a.error_kind], `${a.id}: ${a.reason}`).toEqual([c.verdict, c.error_kind ?? null]);
      if (a.verdict === 'erratum') expect(auditClaim(lf, { ...c, printed: a.correct! }, g).verdict).toBe('ok');
    }
  });
});
