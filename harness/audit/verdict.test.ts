// Each verdict kind on small synthetic claims: the audit's rules in miniature.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
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

let suite: TestSuite;
let byId: Record<string, ClaimAudit>;
beforeAll(async () => {
  suite = await makeTestSuite({ 'v.yaml': CLAIMS });
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
