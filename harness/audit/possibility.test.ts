// Possibility claims: the synthetic edge cases (fixtures/synthetic/audit-possibility.yaml) and the Stage 10 Part 1
// probabilities that cannot all be right.
import { describe, expect, it } from 'vitest';
import { D } from '../fixtures/expr.js';
import { parseFixture } from '../fixtures/load.js';
import { formatProblem } from '../fixtures/types.js';
import { possible } from './possibility.js';
import { audited } from './convention-testing.js';

describe('possibility', () => {
  const byId = audited('synthetic/audit-possibility');

  it('computes every verdict the synthetic claims record', () => {
    for (const a of Object.values(byId)) expect(a.verdict, `${a.id}: ${a.reason}`).toBe(a.expected_verdict);
    for (const a of Object.values(byId).filter((x) => x.verdict === 'erratum')) expect(a.error_kind).toBe('impossible');
  });

  it('an interval that only touches the truth or the bound is possible; one that misses by a hair is not', () => {
    const i = { lo: new D('0.45'), hi: new D('0.55') };
    expect([possible(i, 0.55, 'equal'), possible(i, 0.551, 'equal'), possible(i, 0.45, 'at-most'), possible(i, 0.4499, 'at-most')]).toEqual(
      [true, false, true, false],
    );
    expect([possible(i, 0.55, 'at-least'), possible(i, 0.5501, 'at-least')]).toEqual([true, false]);
    expect(byId['edge-touches'].verdict).toBe('ok');
    expect(byId['sum-touches-one'].verdict).toBe('ok');
  });

  it('reads the printed values as one column unless the claim gives its precision', () => {
    expect(byId['column-precision'].reason).toMatch(/\[0\.34, 0\.36\]/);
    expect(byId['precision-given'].reason).toMatch(/\[0\.295, 0\.405\]/);
  });

  it('corrects none of the values: an erratum says why there is no fix', () => {
    expect(byId['sum-above-one']).toMatchObject({ correct: null, suggestion: null, no_fix: 'either probability may be the wrong one' });
    expect(byId['ratio-impossible'].no_fix).toMatch(/does not say which/);
    expect(byId['ratio-possible'].no_fix).toBeUndefined();
  });

  it('Stage 10 Part 1: the printed P(0), P(1) and P(8) cannot all be right, whatever the unlisted logits', () => {
    const part1 = audited('stage10/part1-loss-gradient');
    const p08 = part1['probs-0-8-possible'];
    expect(p08).toMatchObject({ verdict: 'erratum', error_kind: 'impossible', correct: null });
    expect(p08.reason).toMatch(/cannot all be right: 0\.0016 \/ 0\.6925 .*\[0\.002238106, 0\.002382844\].*must equal 0\.002478752/);
    expect(p08.no_fix).toMatch(/unlisted logits/);
    expect(part1['probs-1-8-possible'].verdict).toBe('erratum');
    expect(part1['probs-0-1-possible'].verdict).toBe('ok');
    expect(part1['probs-sum-possible'].verdict).toBe('ok');
  });

  it("the loader names a constraint that reads anything but the claim's own printed values, and a convention it cannot tell apart", () => {
    const fixture = (constraint: string) =>
      `id: r\ntitle: t\ndocument: false\nscenario: { kind: none }\nclaims:\n` +
      `  - { id: a, kind: possibility, quote: q, printed: ["0.1", "0.2"], constraint: "${constraint}", expr: "1", verdict: ok }\n`;
    const problems = (c: string) => parseFixture(fixture(c), 'r.yaml').problems.map(formatProblem);
    expect(problems('{printed[0]} + {printed[1]}')).toEqual([]);
    expect(problems('{printed[2]}')).toEqual([
      expect.stringMatching(/^r\.yaml:6: claims\[0\]\.constraint: reference \{printed\[2\]\}: a constraint names/),
    ]);
    expect(problems('{a[0]}')[0]).toMatch(/claims\[0\]\.constraint: reference \{a\[0\]\}/);
    expect(problems('{printed[0]} +')[0]).toMatch(/claims\[0\]\.constraint: /);
    const convention = (names: string, preferred: string) =>
      `id: r\ntitle: t\ndocument: false\nscenario: { kind: none }\nclaims:\n  - { id: a, kind: convention, quote: q, printed: "1", ` +
      `conventions: [{ name: ${names.split(',')[0]}, expr: "1" }, { name: ${names.split(',')[1]}, expr: "2" }], preferred: ${preferred}, verdict: ok }\n`;
    const conventionProblems = (names: string, preferred: string) =>
      parseFixture(convention(names, preferred), 'r.yaml').problems.map(formatProblem);
    expect(conventionProblems('x,y', 'y')).toEqual([]);
    expect(conventionProblems('x,y', 'z')).toEqual([
      expect.stringMatching(/claims\[0\]\.preferred: 'z' names none of the conventions \('x', 'y'\)/),
    ]);
    expect(conventionProblems('x,x', 'x')).toEqual([expect.stringMatching(/claims\[0\]\.conventions: two conventions have the same name/)]);
  });
});
