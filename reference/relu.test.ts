import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reluBackward, reluForward } from './relu.js';
import { residualBackward, residualForward } from './residual.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

describe('ReLU', () => {
  it("zeroes the gradient where z ≤ 0, including z = 0 exactly (ReLU'(0) = 0)", () => {
    const z = Float64Array.of(-1.5, 2.3, 0.0, -0.7, 1.8);
    const y = new Float64Array(5);
    reluForward(y, z, 5);
    expect(Array.from(y)).toEqual([0, 2.3, 0, 0, 1.8]);
    const dz = new Float64Array(5);
    reluBackward(dz, Float64Array.of(0.5, -0.3, 0.2, -0.4, 0.6), z, 5);
    expect(Array.from(dz)).toEqual([0, -0.3, 0, 0, 0.6]);
  });

  it('backward agrees with central differences away from the kink', () => {
    fc.assert(
      fc.property(dims(12), fc.integer(), (n, seed) => {
        const z = randomArray(n, seed).map((v) => (Math.abs(v) < 0.01 ? v + 0.05 : v));
        const rep = checkOp(
          { z },
          ({ z }) => {
            const y = new Float64Array(n);
            reluForward(y, z, n);
            return y;
          },
          ({ z }, dy) => {
            const dz = new Float64Array(n);
            reluBackward(dz, dy, z, n);
            return { z: dz };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});

describe('residual', () => {
  it('adds, and passes the gradient unchanged to both paths', () => {
    fc.assert(
      fc.property(dims(10), fc.integer(), (n, seed) => {
        const rep = checkOp(
          { x: randomArray(n, seed), f: randomArray(n, seed + 1) },
          ({ x, f }) => {
            const y = new Float64Array(n);
            residualForward(y, x, f, n);
            return y;
          },
          (_, dy) => {
            const dx = new Float64Array(n);
            const df = new Float64Array(n);
            residualBackward(dx, df, dy, n);
            expect(Array.from(dx)).toEqual(Array.from(dy));
            return { x: dx, f: df };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});
