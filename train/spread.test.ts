import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spread } from './spread.js';

describe('spread over runs', () => {
  it('brackets every run: min ≤ each value ≤ max, and both bounds are values of some run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (runs) => {
          const s = spread(runs.map((r) => ({ epochs: r.map((x) => ({ loss: x })) }))) as { epochs: { loss: [number, number] }[] };
          expect(s.epochs).toHaveLength(3);
          s.epochs.forEach(({ loss: [lo, hi] }, i) => {
            const column = runs.map((r) => r[i]);
            for (const x of column) expect(lo <= x && x <= hi).toBe(true);
            expect(column).toContain(lo);
            expect(column).toContain(hi);
          });
        },
      ),
    );
  });

  it('keeps nested lists, and gives null where a run lacks the figure', () => {
    const a = { final: { acc: 0.9, zeros: [0.5, 0.4] }, reached: { epoch: 3 }, grad: NaN, note: 'x', only: 1, epochs: [1, 2, 3] };
    const b = { final: { acc: 0.8, zeros: [0.6, 0.3] }, reached: null, grad: 2, note: 'y', epochs: [4, 5] };
    expect(spread([a, b])).toEqual({
      final: {
        acc: [0.8, 0.9],
        zeros: [
          [0.5, 0.6],
          [0.3, 0.4],
        ],
      },
      reached: null,
      grad: null,
      note: null,
      epochs: [
        [1, 4],
        [2, 5],
      ],
    });
    expect(spread([7])).toEqual([7, 7]);
    expect(spread([])).toBeNull();
  });
});
