// Each verdict kind on small synthetic claims: the audit's rules in miniature.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { parseFixture } from '../fixtures/load.js';
import { formatProblem } from '../fixtures/types.js';
import { auditSuite, type ClaimAudit } from './verdict.js';

const CLAIMS = `id: v
title: verdicts
document: false
scenario:
  kind: ops
  calls: [{ id: p, op: matmul, args: { A: [[1, 2]], B: [[3], [4]] } }, { id: s, op: softmax, args: { x: [0.0, 1.0, 2.0] } }]
claims:
  - { id: ok-value, kind: value, quote: q, expr: "1 / 3", printed: "0.333", verdict: ok }
  - { id: ok-path, kind: value, quote: q, path: p/C, printed: [["11"]], verdict: ok }
  - { id: rounding, kind: value, quote: q, expr: "2 / 3", printed: "0.66", worksheet: "2 × 0.33", verdict: rounding, reason: r }
  - { id: erratum-arith, kind: value, quote: q, expr: "2 / 3", printed: "0.70", worksheet: "2 × 0.33", verdict: erratum, reason: r }
  - { id: erratum-value, kind: value, quote: q, path: p/C, printed: [["12"]], verdict: erratum, reason: r }
  - { id: shape-ok, kind: shape, quote: q, path: p/C, printed: "1×1", verdict: ok }
  - { id: shape-wrong, kind: shape, quote: q, path: p/C, printed: "2×2", verdict: erratum, reason: r }
  - { id: sums, kind: relation, relation: sums-to-one, quote: q, of: [{ path: s/y, printed: ["0.090", "0.245", "0.665"] }], verdict: ok }
  - { id: printed-breaks, kind: relation, relation: increased, quote: q,
      of: [{ expr: "0.2501", printed: "0.251" }, { expr: "0.2506", printed: "0.2506" }], verdict: erratum, reason: r }
  - { id: truth-breaks, kind: relation, relation: decreased, quote: q, of: [{ expr: "1" }, { expr: "2" }], verdict: erratum, reason: r }
  - { id: chain, kind: relation, relation: decreased, quote: q, of: [{ expr: "3" }, { expr: "2" }, { expr: "1" }], verdict: ok }
  - { id: chain-broken, kind: relation, relation: decreased, quote: q,
      of: [{ expr: "3" }, { expr: "1" }, { expr: "2" }], verdict: erratum, reason: r }
  - { id: at-least, kind: relation, relation: at-least, quote: q, of: [{ path: s/y }, { expr: "0.09" }], verdict: ok }
  - { id: close-all, kind: relation, relation: close, within: 0.5, quote: q,
      of: [{ path: s/y }, { expr: "0.1" }], verdict: erratum, reason: r }
  - { id: unverifiable, kind: unverifiable, quote: q, printed: "1.85", missing: "a training run", verdict: unverifiable, reason: r }
  - { id: derived, kind: derived, quote: q, path: s/y, derived_from: test, verdict: derived }
`;

// The document's computation graph: references, carried errata and their roots, long rounding chains, precision.
const GRAPH = `id: g
title: the graph of printed values
document: false
scenario:
  kind: ops
  calls: [{ id: m, op: matmul, args: { A: [[0.5, 0.02]], B: [[1, 0], [0, 1]] } }]
claims:
  - { id: third, kind: value, quote: q, expr: "1 / 3", printed: "0.333", verdict: ok }
  - { id: wrong, kind: value, quote: q, expr: "1 / 3", printed: "0.35", verdict: erratum, reason: r }
  - { id: carried, kind: value, quote: q, expr: "2 / 3", printed: "0.70", worksheet: "{wrong} × exact(2)", verdict: erratum, reason: r }
  - { id: carried-2, kind: value, quote: q, expr: "2 / 3 + 1", printed: "1.70", worksheet: "{carried} + exact(1)", verdict: erratum, reason: r }
  - { id: formula, kind: value, quote: q, expr: "2 / 3", printed: "0.999", worksheet: "{third} × exact(3)", verdict: erratum, reason: r }
  - { id: arith, kind: value, quote: q, expr: "2 / 3", printed: "0.60", worksheet: "{third} × exact(2)", verdict: erratum, reason: r }
  - { id: x0, kind: value, quote: q, expr: "0.1234567", printed: "0.123", verdict: ok }
  - { id: x1, kind: value, quote: q, expr: "0.1234567 × 1.5", printed: "0.1845", worksheet: "{x0} × exact(1.5)", verdict: rounding, reason: r }
  - { id: x2, kind: value, quote: q, expr: "0.1234567 × 1.5 ^ 2", printed: "0.2768", worksheet: "{x1} × exact(1.5)", verdict: rounding, reason: r }
  - { id: x3, kind: value, quote: q, expr: "0.1234567 × 1.5 ^ 3", printed: "0.4152", worksheet: "{x2} × exact(1.5)", verdict: rounding, reason: r }
  - { id: x4, kind: value, quote: q, expr: "0.1234567 × 1.5 ^ 4", printed: "0.6228", worksheet: "{x3} × exact(1.5)", verdict: rounding, reason: r }
  - { id: x5, kind: value, quote: q, expr: "0.1234567 × 1.5 ^ 5", printed: "0.9342", worksheet: "{x4} × exact(1.5)", verdict: rounding, reason: r }
  - { id: x5-retyped, kind: value, quote: q, expr: "0.1234567 × 1.5 ^ 5", printed: "0.9342", worksheet: "0.6228 × exact(1.5)", verdict: erratum, reason: r }
  - { id: zero-at-5, kind: value, quote: q, path: m/C, printed: [["0.50000", "0.0"]], verdict: erratum, reason: r }
  - { id: zero-at-1, kind: value, quote: q, path: m/C, precision: 1, printed: [["0.50000", "0.0"]], verdict: ok }
  - { id: flipped, kind: relation, relation: decreased, quote: q,
      of: [{ path: m/C, at: [0, 1], printed: "0.0" }, { expr: "0.01", printed: "0.01" }], verdict: erratum, reason: r }
  - { id: row-ref, kind: value, quote: q, expr: "0.02 × 0.1", printed: "0.000", worksheet: "{zero-at-1[0,1]} × exact(0.1)", verdict: rounding, reason: r }
`;

let suite: TestSuite;
let byId: Record<string, ClaimAudit>;
beforeAll(async () => {
  suite = await makeTestSuite({ 'v.yaml': CLAIMS, 'g.yaml': GRAPH });
  byId = Object.fromEntries(auditSuite(suite).map((a) => [a.id.split('/')[1], a]));
});

describe('the audit on small synthetic claims', () => {
  it('computes every verdict the claims expect', () => {
    for (const a of Object.values(byId)) expect(a.verdict, `${a.id}: ${a.reason}`).toBe(a.expected_verdict);
  });

  it('says why: rounding by the worksheet interval, the correct value and a suggestion for an erratum', () => {
    expect(byId['rounding'].reason).toMatch(/interval|worksheet/i);
    expect(byId['erratum-arith'].correct).toBe('0.67');
    expect(byId['erratum-value'].correct).toEqual([['11']]);
    expect(byId['shape-wrong'].error_kind).toBe('impossible-shape');
  });

  it('says which side breaks a relation', () => {
    expect(byId['printed-breaks'].error_kind).toBe('printed-contradicts-relation');
    expect(byId['truth-breaks'].error_kind).toBe('false-relation');
    expect(byId['chain-broken'].reason).toMatch(/3 → 1 → 2/);
    expect(byId['close-all'].reason).toMatch(/0\.66\d* − 0\.1/);
  });

  it('reports unverifiable and derived claims without judging them', () => {
    expect(byId['unverifiable'].reason).toMatch(/never gives: a training run/);
    expect(byId['derived'].certified).toHaveLength(3);
  });
});

describe("the document's computation graph", () => {
  it('a carried erratum names its root, through a chain', () => {
    expect(byId['wrong'].erratum_source).toBe('origin');
    expect(byId['wrong'].roots).toEqual([{ claim: 'g/wrong', index: [] }]);
    expect(byId['carried'].erratum_source).toBe('carried');
    expect(byId['carried'].error_kind).toBe('carried');
    expect(byId['carried'].roots).toEqual([{ claim: 'g/wrong', index: [] }]);
    expect(byId['carried-2'].roots).toEqual([{ claim: 'g/wrong', index: [] }]);
    expect(byId['carried-2'].reason).toMatch(/carries the erratum of g\/wrong/);
  });

  it('tells a wrong formula and a wrong product from a carried error (both origins)', () => {
    expect(byId['formula'].error_kind).toBe('wrong-operand');
    expect(byId['formula'].erratum_source).toBe('origin');
    expect(byId['arith'].error_kind).toBe('arithmetic');
    expect(byId['arith'].roots).toEqual([{ claim: 'g/arith', index: [] }]);
  });

  it('a chain of rounding stays rounding over 5 lines (a retyped operand cannot tell)', () => {
    for (const id of ['x1', 'x2', 'x3', 'x4', 'x5']) expect(byId[id].verdict, byId[id].reason).toBe('rounding');
    expect(byId['x5'].erratum_source).toBeNull();
    expect(byId['x5-retyped'].error_kind).toBe('wrong-operand');
  });

  it('judges a "0.0" among 5-decimal values at 5 decimals, unless the claim gives its precision', () => {
    expect(byId['zero-at-5'].elements[1].verdict).toBe('erratum');
    expect(byId['zero-at-5'].correct).toEqual([['0.50000', '0.02000']]);
    expect(byId['zero-at-1'].verdict).toBe('ok');
    expect(byId['row-ref'].verdict).toBe('rounding');
  });

  it('the loader checks references: unknown claim, index outside the printed shape, cycles, none in an expr', () => {
    const fixture = (claims: string) => `id: r\ntitle: t\ndocument: false\nscenario: { kind: none }\nclaims:\n${claims}`;
    const problems = (claims: string) => parseFixture(fixture(claims), 'r.yaml').problems.map(formatProblem);
    const a = '  - { id: a, kind: value, quote: q, expr: "1", printed: ["1", "2"], verdict: ok }\n';
    expect(problems(`${a}  - { id: b, kind: value, quote: q, expr: "1", printed: "1", worksheet: "{nope}", verdict: ok }\n`)).toEqual([
      expect.stringMatching(/^r\.yaml:7: claims\[1\]\.worksheet: reference \{nope\}: no claim 'nope'/),
    ]);
    expect(problems(`${a}  - { id: b, kind: value, quote: q, expr: "1", printed: "1", worksheet: "{a[2]}", verdict: ok }\n`)[0]).toMatch(
      /outside the printed shape \[2\]/,
    );
    expect(problems(`${a}  - { id: b, kind: value, quote: q, expr: "1", printed: "1", worksheet: "{a}", verdict: ok }\n`)[0]).toMatch(
      /needs 1 index/,
    );
    const cycle =
      '  - { id: a, kind: value, quote: q, expr: "1", printed: "1", worksheet: "{b}", verdict: ok }\n' +
      '  - { id: b, kind: value, quote: q, expr: "1", printed: "1", worksheet: "{a} + 1", verdict: ok }\n';
    expect(problems(cycle)[0]).toMatch(
      /claims\[0\]\.worksheet: worksheet references form a cycle: a element 0 → b element 0 → a element 0/,
    );
    expect(problems('  - { id: a, kind: value, quote: q, expr: "{a}", printed: "1", verdict: ok }\n')[0]).toMatch(
      /an expr is exact arithmetic/,
    );
  });

  it('marks a decision error: an erratum that flips the conclusion a relation draws from it', () => {
    expect(byId['flipped'].error_kind).toBe('printed-contradicts-relation');
    expect(byId['flipped'].decision).toBe(true);
    expect(byId['flipped'].decided_by).toEqual(['g/zero-at-5']);
    expect(byId['zero-at-5'].decision).toBe(true);
    expect(byId['zero-at-5'].decided_by).toEqual(['g/flipped']);
    expect(byId['zero-at-1'].decision).toBeUndefined();
    expect(byId['wrong'].decision).toBeUndefined();
  });
});
