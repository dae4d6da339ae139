// Convention claims: the synthetic cases (fixtures/synthetic/audit-convention.yaml), the book's rotation and the
// Stage 10 FLOP figures against the model's FLOPs.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestSuite } from '../testing/suite.js';
import { likePrinted } from './convention.js';
import { readPrinted } from '../fixtures/printed.js';
import { audited, reaudited } from './convention-testing.js';
import { auditSuite } from './verdict.js';

// Vectors from a trace: the rotation of the book's 2.4, as a column and as a row vector.
const VECTORS = `id: vectors
title: a rotation under two conventions
document: false
scenario:
  kind: ops
  calls:
    - { id: column, op: matvec, args: { M: [[0, -1], [1, 0]], x: [1, 0] } }
    - { id: row, op: matmul, args: { A: [[1, 0]], B: [[0, -1], [1, 0]] } }
claims:
  - id: rotation-column
    quote: "rotating [1, 0] gives [0, 1]"
    kind: convention
    printed: ["0", "1"]
    conventions: [{ name: "column vector", path: column/y }, { name: "row vector", path: row/C }]
    preferred: "column vector"
    verdict: ok
  - id: rotation-none
    quote: "rotating [1, 0] gives [1, 1]"
    kind: convention
    printed: ["1", "1"]
    conventions: [{ name: "column vector", path: column/y }, { name: "row vector", path: row/C }]
    preferred: "row vector"
    verdict: erratum
    reason: r
`;

describe('convention', () => {
  const byId = audited('synthetic/audit-convention');
  beforeAll(async () => {
    for (const a of auditSuite(await makeTestSuite({ 'vectors.yaml': VECTORS }))) byId[a.id.split('/')[1]] = a;
  });

  it('computes every verdict the synthetic claims record', () => {
    for (const a of Object.values(byId)) expect(a.verdict, `${a.id}: ${a.reason}`).toBe(a.expected_verdict);
  });

  it('names the convention(s) a figure matches, and the others with their values', () => {
    expect(byId['flops-as-macs'].reason).toBe("matches 'multiply-adds' (the others: '2 FLOPs per multiply-add' 48)");
    expect(byId['flops-both'].reason).toMatch(/^matches '2 FLOPs per multiply-add' and '2 FLOPs per multiply-add, bias adds too'$/);
    expect(byId['rotation-column'].reason).toMatch(/^matches 'column vector' \(the others: 'row vector' \[0, -1\]\)/);
  });

  it("corrects an erratum to the preferred convention's value, keeping the page's '~'", () => {
    const none = byId['flops-none'];
    expect(none).toMatchObject({ error_kind: 'no-convention', correct: '~48', suggestion: 'the product costs ~48 FLOPs' });
    expect(none.reason).toMatch(/'2 FLOPs per multiply-add' 48, 'multiply-adds' 24/);
    expect(byId['rotation-none']).toMatchObject({ correct: ['0', '-1'], suggestion: 'rotating [1, 0] gives [0, -1]' });
    expect(byId['rotation-none'].elements.map((e) => e.verdict)).toEqual(['erratum', 'erratum']);
    // The correction stands for an interval that holds the value it corrects to.
    expect(likePrinted(1608192, readPrinted('~300,000'))).toBe('~1,600,000');
    expect(Math.abs(readPrinted('~1,600,000').value - 1608192)).toBeLessThanOrEqual(readPrinted('~1,600,000').half);
  });

  it("the book's rotation matches the column-vector reading; Stage 10's FLOPs match no convention but its output term", () => {
    expect(audited('book/2-matrix-core')['rotation'].reason).toMatch(/^matches 'column vector, y = M·x'/);
    const insights = audited('stage10/practical-insights');
    expect(insights['forward-flops-model']).toMatchObject({ verdict: 'erratum', error_kind: 'no-convention', correct: '~1,600,000' });
    expect(insights['backward-flops-model'].correct).toBe('~3,200,000');
    expect(insights['output-flops-model'].reason).toMatch(/^matches 'multiply-adds, head on all positions'/);
  });

  it('every correction audits as right when printed in place of the erratum', () => {
    const again = [...reaudited('synthetic/audit-convention'), ...reaudited('stage10/practical-insights')].filter((a) =>
      a.id.match(/convention|model$/),
    );
    expect(again.length).toBeGreaterThan(0);
    for (const a of again) expect([a.id, a.verdict]).toEqual([a.id, expect.stringMatching(/^(ok|implementation-defined)$/)]);
  });
});
