import { describe, expect, it } from 'vitest';
import { Decimal } from '../exact.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { sum } from './tensor.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

describe('softmax', () => {
  const r = numbers(1);
  const x = r.mat(3, 4).map((row) => row.map((v) => v.times(5)));
  const causal = (i: number, j: number) => j <= i;

  it('rows sum to 1; a hidden entry weighs exactly 0; the shift by the max changes nothing', () => {
    for (const row of softmaxForward(x, causal)) expect(sum(row).minus(1).abs().lt(1e-38)).toBe(true);
    const y = softmaxForward(x, causal);
    expect(y[0].slice(1).every((v) => v.isZero()) && y[1][2].isZero() && y[1][3].isZero()).toBe(true);
    // x + 1000 keeps 37 of x's 40 digits
    const shifted = softmaxForward(x.map((row) => row.map((v) => v.plus(1000))));
    softmaxForward(x).forEach((row, i) => row.forEach((v, j) => expect(v.minus(shifted[i][j]).abs().lt(1e-35)).toBe(true)));
  });

  it.each([
    ['all keys', undefined],
    ['causal', causal],
  ] as const)('backward (%s) is the derivative of the forward', (_name, visible) => {
    const U = r.mat(3, 4);
    const dx = softmaxBackward(U, softmaxForward(x, visible));
    expect(
      mismatches(
        dx,
        numericGrad(x, () => dotAll(U, softmaxForward(x, visible))),
      ),
    ).toEqual([]);
  });

  it('the Jacobian product equals the closed form y ⊙ (dy − Σ dy·y) the reference uses', () => {
    const U = r.mat(3, 4);
    const y = softmaxForward(x);
    const dx = softmaxBackward(U, y);
    y.forEach((row, i) => {
      const dot = sum(row.map((v, k) => v.times(U[i][k])));
      row.forEach((v, j) =>
        expect(
          dx[i][j]
            .minus(v.times(U[i][j].minus(dot)))
            .abs()
            .lt(new Decimal('1e-38')),
        ).toBe(true),
      );
    });
  });
});
