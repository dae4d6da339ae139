import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossEntropyBackward, crossEntropyForward, mseBackward, mseForward } from './losses.js';
import { softmaxForward } from './softmax.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

/** p = softmax(logits) into probs; returns −ln p[target] */
function crossEntropy(probs: Float64Array, logits: Float64Array, target: number): number {
  softmaxForward(probs, logits, { rows: 1, n: logits.length });
  return crossEntropyForward(probs, target);
}

describe('cross-entropy', () => {
  it('is −ln p[target] (natural log) and its gradient is p − onehot', () => {
    const probs = new Float64Array(4);
    const loss = crossEntropy(probs, Float64Array.of(0, 0, 0, 0), 2);
    expect(loss).toBeCloseTo(Math.log(4), 15);
    expect(crossEntropyForward(Float64Array.of(0.5, 0.25, 0.25), 1)).toBe(-Math.log(0.25));
    const g = new Float64Array(4);
    crossEntropyBackward(g, probs, 2);
    expect(Array.from(g)).toEqual([0.25, 0.25, -0.75, 0.25]);
  });

  it('gradient agrees with central differences, and sums to zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer(), (n, seed) => {
        const target = Math.abs(seed) % n;
        const logits = randomArray(n, seed, 3);
        const probs = new Float64Array(n);
        const g = new Float64Array(n);
        crossEntropy(probs, logits, target);
        crossEntropyBackward(g, probs, target);
        expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 14);
        expect(g[target]).toBeLessThan(0);
        const rep = checkOp(
          { logits },
          ({ logits }) => Float64Array.of(crossEntropy(new Float64Array(n), logits, target)),
          ({ logits }, dL) => {
            const p = new Float64Array(n);
            crossEntropy(p, logits, target);
            const d = new Float64Array(n);
            crossEntropyBackward(d, p, target, dL[0]);
            return { logits: d };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});

describe('MSE', () => {
  it('states its factor: 0.5·(y − t)² gives the error signal y − t', () => {
    const y = Float64Array.of(5);
    expect(mseForward(y, [3], 0.5)).toBe(2);
    const g = new Float64Array(1);
    mseBackward(g, y, [3], { factor: 0.5 });
    expect(g[0]).toBe(2);
    const g1 = new Float64Array(1);
    mseBackward(g1, y, [3], { factor: 1 });
    expect(g1[0]).toBe(4);
  });

  it('gradient agrees with central differences for any factor and width', () => {
    fc.assert(
      fc.property(dims(5), fc.constantFrom(0.5, 1, 2), fc.integer(), (n, factor, seed) => {
        const t = Array.from(randomArray(n, seed + 9));
        const rep = checkOp(
          { y: randomArray(n, seed) },
          ({ y }) => Float64Array.of(mseForward(y, t, factor)),
          ({ y }, dL) => {
            const d = new Float64Array(n);
            mseBackward(d, y, t, { factor, scale: dL[0] });
            return { y: d };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});
