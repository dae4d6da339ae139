import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward, type AttentionShape } from './attention.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

describe('attention', () => {
  it.each([false, true])('causal %s, 2 heads: the weights of hidden keys are 0, and dQ, dK, dV are the derivatives', (causal) => {
    const r = numbers(causal ? 3 : 4);
    const s: AttentionShape = { T: 3, d: 4, heads: 2, causal };
    const [Q, K, V, U] = [r.mat(3, 4), r.mat(3, 4), r.mat(3, 4), r.mat(3, 4)];
    const fwd = attentionForward(Q, K, V, s);
    if (causal) for (const A of fwd.weights) expect([A[0][1], A[0][2], A[1][2]].every((w) => w.isZero())).toBe(true);
    const g = attentionBackward(U, fwd, s);
    expect(g.context).toBe(U);
    const loss = () => dotAll(U, attentionForward(Q, K, V, s).context);
    expect(mismatches(g.Q, numericGrad(Q, loss))).toEqual([]);
    expect(mismatches(g.K, numericGrad(K, loss))).toEqual([]);
    expect(mismatches(g.V, numericGrad(V, loss))).toEqual([]);
  });
});
