import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dot, subtract } from './vector.js';
import { dims, PROPERTY, randomArray } from './testing/fd.js';

describe('vector operations', () => {
  it('dot: Σ a_i b_i, summed in order from i = 0', () => {
    expect(dot(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6))).toBe(32);
    expect(dot(Float64Array.of(1e16, 1, -1e16), Float64Array.of(1, 1, 1))).toBe(0); // (1e16 + 1) rounds to 1e16 first
    expect(dot(new Float64Array(0), new Float64Array(0))).toBe(0);
    fc.assert(
      fc.property(dims(8), fc.integer(), (n, seed) => {
        const a = randomArray(n, seed);
        const b = randomArray(n, seed + 1);
        let s = 0;
        for (let i = 0; i < n; i++) s += a[i] * b[i];
        expect(dot(a, b)).toBe(s);
        expect(dot(a, b)).toBe(dot(b, a));
        expect(dot(a, a)).toBeGreaterThanOrEqual(0);
      }),
      PROPERTY,
    );
  });

  it('dot keeps what a product gives even where a factor is 0 (0·∞ is NaN, unlike a matrix product that skips zeros)', () => {
    expect(dot(Float64Array.of(0, 1), Float64Array.of(Infinity, 2))).toBeNaN();
    expect(Object.is(dot(Float64Array.of(-0), Float64Array.of(1)), 0)).toBe(true); // 0 + (−0) = +0
  });

  it('subtract: y = a − b entry by entry, overwriting y', () => {
    fc.assert(
      fc.property(dims(8), fc.integer(), (n, seed) => {
        const a = randomArray(n, seed);
        const b = randomArray(n, seed + 1);
        const y = new Float64Array(n).fill(Number.NaN);
        subtract(y, a, b);
        y.forEach((v, i) => expect(v).toBe(a[i] - b[i]));
        subtract(y, a, a);
        expect(Array.from(y)).toEqual(new Array(n).fill(0));
      }),
      PROPERTY,
    );
  });
});
