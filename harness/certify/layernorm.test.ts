import { describe, expect, it } from 'vitest';
import { Decimal } from '../exact.js';
import { layerNormBackward, layerNormForward } from './layernorm.js';
import { sum } from './tensor.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

describe('layer norm', () => {
  const r = numbers(2);
  const x = r.mat(3, 5).map((row) => row.map((v) => v.times(3)));
  const gamma = r.mat(1, 5);
  const beta = r.mat(1, 5);
  const eps = new Decimal('1e-5');
  const w = () => ({ gamma: gamma[0], beta: beta[0] });
  const saved = () => {
    const a = layerNormForward(x, w(), eps);
    return { x, gamma: gamma[0], mean: a.mean, rstd: a.rstd };
  };

  it('with γ = 1, β = 0 each row has mean 0 and variance σ²/(σ² + ε)', () => {
    const ones = Array.from({ length: 5 }, () => new Decimal(1));
    const zeros = Array.from({ length: 5 }, () => new Decimal(0));
    const n = layerNormForward(x, { gamma: ones, beta: zeros }, eps);
    n.y.forEach((row, i) => {
      expect(sum(row).abs().lt(1e-37)).toBe(true);
      const variance = sum(row.map((v) => v.pow(2))).div(5);
      const s2 = n.rstd[i].pow(-2).minus(eps);
      expect(
        variance
          .minus(s2.div(s2.plus(eps)))
          .abs()
          .lt(1e-37),
      ).toBe(true);
    });
  });

  it('backward (dx, dγ, dβ) is the derivative of the forward', () => {
    const U = r.mat(3, 5);
    const g = layerNormBackward(U, saved());
    const loss = () => dotAll(U, layerNormForward(x, w(), eps).y);
    expect(mismatches(g.dx, numericGrad(x, loss))).toEqual([]);
    expect(mismatches([g.dgamma], numericGrad(gamma, loss))).toEqual([]);
    expect(mismatches([g.dbeta], numericGrad(beta, loss))).toEqual([]);
  });

  it('the graph-by-graph backward equals the closed form rstd·(g − mean g − x̂·mean(g x̂)) the reference uses', () => {
    const U = r.mat(3, 5);
    const f = saved();
    const { dx } = layerNormBackward(U, f);
    f.x.forEach((row, i) => {
      const xhat = row.map((v) => v.minus(f.mean[i]).times(f.rstd[i]));
      const g = U[i].map((u, j) => u.times(gamma[0][j]));
      const gMean = sum(g).div(5);
      const gxMean = sum(g.map((v, j) => v.times(xhat[j]))).div(5);
      g.forEach((v, j) =>
        expect(
          dx[i][j]
            .minus(v.minus(gMean).minus(xhat[j].times(gxMean)).times(f.rstd[i]))
            .abs()
            .lt(1e-36),
        ).toBe(true),
      );
    });
  });
});
