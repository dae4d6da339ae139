import { describe, expect, it } from 'vitest';
import { ffnBackward, ffnForward } from './ffn.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

describe('the feed-forward layer', () => {
  it('dX, dW_1, db_1, dW_2, db_2 are the derivatives (a 3 → 5 → 2 layer)', () => {
    const r = numbers(7);
    const X = r.mat(4, 3);
    const [W_1, b_1, W_2, b_2] = [r.mat(3, 5), r.mat(1, 5), r.mat(5, 2), r.mat(1, 2)];
    const w = () => ({ W_1, b_1: b_1[0], W_2, b_2: b_2[0] });
    const U = r.mat(4, 2);
    const g = ffnBackward(U, { x: X, w: w(), a: ffnForward(X, w()) });
    expect(g.a.hidden.flat().some((v) => v.isZero())).toBe(true); // some ReLUs are off
    const loss = () => dotAll(U, ffnForward(X, w()).out);
    expect(mismatches(g.x, numericGrad(X, loss))).toEqual([]);
    expect(mismatches(g.w.W_1, numericGrad(W_1, loss))).toEqual([]);
    expect(mismatches([g.w.b_1!], numericGrad(b_1, loss))).toEqual([]);
    expect(mismatches(g.w.W_2, numericGrad(W_2, loss))).toEqual([]);
    expect(mismatches([g.w.b_2!], numericGrad(b_2, loss))).toEqual([]);
  });
});
