// Implementation-defined claims: the synthetic cases (fixtures/synthetic/audit-implementation-defined.yaml) and
// the Stage 10 activation memory.
import { describe, expect, it } from 'vitest';
import { audited, reaudited } from './convention-testing.js';

describe('implementation-defined', () => {
  const byId = audited('synthetic/audit-implementation-defined');

  it('computes every verdict the synthetic claims record, the edge of the range inside it', () => {
    for (const a of Object.values(byId)) expect(a.verdict, `${a.id}: ${a.reason}`).toBe(a.expected_verdict);
    expect(byId['on-the-edge'].verdict).toBe('implementation-defined');
  });

  it('gives the range and why, and corrects a figure outside it to the nearest end', () => {
    expect(byId['inside'].reason).toBe(
      'depends on what the implementation caches: from 10 (the least) to 25 (the most); the printed 15 lies in the range',
    );
    expect(byId['above']).toMatchObject({ error_kind: 'outside-range', correct: '~25', suggestion: 'about ~25 numbers' });
    expect(byId['below']).toMatchObject({ correct: '10.0', suggestion: 'it keeps 10.0 numbers' });
    expect(byId['reference-range'].reason).toMatch(/\(the block's input only\) to 60 \(every tensor of the block\)/);
  });

  it('Stage 10: the page keeps fewer activations than any backward pass needs', () => {
    const a = audited('stage10/practical-insights')['activations-model'];
    expect(a).toMatchObject({ verdict: 'erratum', error_kind: 'outside-range', correct: '~40' });
    expect(a.reason).toMatch(/no implementation gives the printed ~20$/);
  });

  it('every correction audits as right when printed in place of the erratum', () => {
    const again = [...reaudited('synthetic/audit-implementation-defined'), ...reaudited('stage10/practical-insights')].filter((a) =>
      a.id.match(/implementation-defined|model$/),
    );
    expect(again.length).toBeGreaterThan(0);
    for (const a of again) expect([a.id, a.verdict]).toEqual([a.id, expect.stringMatching(/^(ok|implementation-defined)$/)]);
  });
});
