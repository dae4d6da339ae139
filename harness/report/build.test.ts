import { describe, expect, it } from 'vitest';
import { INLINE_LIMIT, summarise } from './build.js';

describe('summarise', () => {
  it('lists a small tensor nested by its shape, non-finite values as strings', () => {
    expect(summarise(Float64Array.of(1, Number.NaN, 3, Number.POSITIVE_INFINITY, -0, 6), [2, 3])).toEqual({
      values: [
        [1, 'NaN', 3],
        ['Infinity', -0, 6],
      ],
    });
    expect(summarise([7], [])).toEqual({ values: 7 });
    expect(summarise([], [0, 2])).toEqual({ values: [] });
  });

  it('summarises a large tensor by its shape, size and extremes (NaN if any value is)', () => {
    const n = INLINE_LIMIT + 1;
    const data = Float64Array.from({ length: n }, (_, i) => i - 10);
    expect(summarise(data, [n])).toEqual({ shape: [n], size: n, min: -10, max: n - 11 });
    data[5] = Number.NaN;
    expect(summarise(data, [n])).toEqual({ shape: [n], size: n, min: Number.NaN, max: Number.NaN });
  });
});
