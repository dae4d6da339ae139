import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../reference/tensor.js';
import { compareTensors, PROFILES } from './compare.js';

const t = (shape: number[], xs: number[]) => tensor(shape, Float64Array.from(xs));

describe('compareTensors', () => {
  it('passes exactly at the edge atol + rtol·|e| and fails just past it', () => {
    const tol = { atol: 0.5, rtol: 0.25 }; // both exact in binary: the edge of e = 4 is 1.5
    expect(compareTensors(t([1], [5.5]), t([1], [4]), tol).pass).toBe(true);
    expect(compareTensors(t([1], [5.5000001]), t([1], [4]), tol).pass).toBe(false);
  });

  it('reports the largest errors and the index of the element furthest outside its tolerance', () => {
    const r = compareTensors(t([2, 2], [1, 2, 3, 4.5]), t([2, 2], [1, 2, 3, 4]), PROFILES.float64);
    expect(r).toMatchObject({ pass: false, size: 4, maxAbsError: 0.5, maxRelError: 0.125, worstIndex: [1, 1], nonFinite: 0 });
  });

  it('fails on every non-finite actual value, naming one as the worst', () => {
    const r = compareTensors(t([3], [1, Number.NaN, Number.POSITIVE_INFINITY]), t([3], [1, 2, 3]), { atol: 1e9, rtol: 1e9 });
    expect(r).toMatchObject({ pass: false, nonFinite: 2, maxAbsError: Number.POSITIVE_INFINITY, worstIndex: [1] });
  });

  it('throws on a shape mismatch (the caller reports an error, not a failure)', () => {
    expect(() => compareTensors(t([4], [1, 2, 3, 4]), t([2, 2], [1, 2, 3, 4]), PROFILES.float64)).toThrow(
      /shape \[4\] where \[2,2\] is expected/,
    );
  });

  it('a value always passes against itself, and the pass verdict agrees with the formula', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(finite, finite), { minLength: 1, maxLength: 8 }), (pairs) => {
        const a = t(
          [pairs.length],
          pairs.map((p) => p[0]),
        );
        const e = t(
          [pairs.length],
          pairs.map((p) => p[1]),
        );
        expect(compareTensors(e, e, PROFILES.float64).pass).toBe(true);
        const tol = PROFILES.float32;
        const expected = pairs.every(([x, y]) => Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y));
        expect(compareTensors(a, e, tol).pass).toBe(expected);
      }),
    );
  });
});
