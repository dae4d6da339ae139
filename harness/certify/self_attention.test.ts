import { describe, expect, it } from 'vitest';
import { selfAttentionBackward, selfAttentionForward } from './self_attention.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

describe('self-attention', () => {
  it.each([true, false])('with W_O %s: dX and every weight gradient are the derivatives', (projection) => {
    const r = numbers(projection ? 5 : 6);
    const s = { T: 3, d: 4, heads: 2, causal: true };
    const X = r.mat(3, 4);
    const w = { W_Q: r.mat(4, 4), W_K: r.mat(4, 4), W_V: r.mat(4, 4), W_O: projection ? r.mat(4, 4) : null };
    const U = r.mat(3, 4);
    const g = selfAttentionBackward(U, { x: X, w, a: selfAttentionForward(X, w, s) }, s);
    const loss = () => dotAll(U, selfAttentionForward(X, w, s).out);
    expect(mismatches(g.x, numericGrad(X, loss))).toEqual([]);
    for (const name of ['W_Q', 'W_K', 'W_V', 'W_O'] as const)
      if (w[name]) expect(mismatches(g.w[name]!, numericGrad(w[name]!, loss)), name).toEqual([]);
    expect(g.w.W_O === null).toBe(!projection);
  });
});
