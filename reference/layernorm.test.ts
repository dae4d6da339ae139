import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocLayerNormActivations, layerNormBackward, layerNormForward } from './layernorm.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

function run(x: Float64Array, gamma: Float64Array, beta: Float64Array, rows: number, n: number, eps = 1e-5) {
  const a = allocLayerNormActivations({ rows, n });
  layerNormForward(a, x, { gamma, beta }, { rows, n, eps });
  return a;
}

describe('layer norm', () => {
  it('normalises each row to mean 0 and biased variance 1 (γ = 1, β = 0, ε = 0)', () => {
    fc.assert(
      fc.property(dims(3), fc.integer({ min: 2, max: 9 }), fc.integer(), (rows, n, seed) => {
        const { y } = run(randomArray(rows * n, seed, 5), new Float64Array(n).fill(1), new Float64Array(n), rows, n, 0);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(y.subarray(r * n, (r + 1) * n));
          const mu = row.reduce((a, b) => a + b, 0) / n;
          const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / n;
          expect(mu).toBeCloseTo(0, 12);
          expect(v).toBeCloseTo(1, 10);
        }
      }),
      PROPERTY,
    );
  });

  it('uses the biased variance and ε inside the square root', () => {
    const { y, rstd } = run(Float64Array.of(1, 3), Float64Array.of(1, 1), Float64Array.of(0, 0), 1, 2, 1e-5);
    expect(rstd[0]).toBe(1 / Math.sqrt(1 + 1e-5));
    expect(y[1]).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 15);
  });

  it('full backward (mean and variance terms) agrees with central differences for x, γ and β', () => {
    fc.assert(
      fc.property(dims(3), fc.integer({ min: 2, max: 8 }), fc.integer(), (rows, n, seed) => {
        const rep = checkOp(
          { x: randomArray(rows * n, seed, 2), gamma: randomArray(n, seed + 1), beta: randomArray(n, seed + 2) },
          ({ x, gamma, beta }) => run(x, gamma, beta, rows, n).y,
          ({ x, gamma, beta }, dy) => {
            const { mean, rstd } = run(x, gamma, beta, rows, n);
            const g = { x: new Float64Array(rows * n), gamma: new Float64Array(n), beta: new Float64Array(n) };
            layerNormBackward({ dx: g.x, dgamma: g.gamma, dbeta: g.beta, dy }, { x, gamma, mean, rstd }, { rows, n });
            return g;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});

describe('layer norm backward without parameter gradients', () => {
  it('gives the same dx when dgamma and dbeta are not asked for', () => {
    const [rows, n] = [2, 3];
    const x = Float64Array.of(1, -2, 0.5, 3, 3.5, -1);
    const gamma = Float64Array.of(1.5, -0.5, 2);
    const dy = Float64Array.of(0.3, -0.1, 0.7, -1, 0.2, 0.4);
    const { mean, rstd } = run(x, gamma, new Float64Array(n), rows, n);
    const dxFull = new Float64Array(rows * n);
    layerNormBackward({ dx: dxFull, dgamma: new Float64Array(n), dbeta: new Float64Array(n), dy }, { x, gamma, mean, rstd }, { rows, n });
    const dx = new Float64Array(rows * n);
    layerNormBackward({ dx, dgamma: null, dbeta: null, dy }, { x, gamma, mean, rstd }, { rows, n });
    expect(Array.from(dx)).toEqual(Array.from(dxFull));
  });
});
