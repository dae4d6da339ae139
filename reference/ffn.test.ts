import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ffnBackward, ffnForward } from './ffn.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

describe('feed-forward network', () => {
  it('computes ReLU(X W_1 + b_1) W_2 + b_2', () => {
    const c = ffnForward(Float64Array.of(1, -1), { W_1: Float64Array.of(1, 2, 3, 4), b_1: Float64Array.of(0, 5), W_2: Float64Array.of(1, 0, 1, 0), b_2: Float64Array.of(0.5, 0) }, 1, 2, 2);
    expect(Array.from(c.hidden)).toEqual([-2, 3]);
    expect(Array.from(c.act)).toEqual([0, 3]);
    expect(Array.from(c.out)).toEqual([3.5, 0]);
  });

  it('backward to X, W_1, b_1, W_2, b_2 agrees with central differences (with and without biases)', () => {
    fc.assert(
      fc.property(dims(3), dims(4), dims(6), fc.boolean(), fc.integer(), (rows, d, dff, bias, seed) => {
        const inputs: Record<string, Float64Array> = { X: randomArray(rows * d, seed), W_1: randomArray(d * dff, seed + 1), W_2: randomArray(dff * d, seed + 2) };
        if (bias) {
          inputs.b_1 = randomArray(dff, seed + 3);
          inputs.b_2 = randomArray(d, seed + 4);
        }
        const w = (i: Record<string, Float64Array>) => ({ W_1: i.W_1, b_1: i.b_1 ?? null, W_2: i.W_2, b_2: i.b_2 ?? null });
        const rep = checkOp(
          inputs,
          (i) => ffnForward(i.X, w(i), rows, d, dff).out,
          (i, dout) => {
            const cache = ffnForward(i.X, w(i), rows, d, dff);
            const g = { W_1: new Float64Array(d * dff), b_1: bias ? new Float64Array(dff) : null, W_2: new Float64Array(dff * d), b_2: bias ? new Float64Array(d) : null };
            const dX = new Float64Array(rows * d);
            ffnBackward(dX, g, dout, i.X, w(i), cache, rows, d, dff);
            const out: Record<string, Float64Array> = { X: dX, W_1: g.W_1, W_2: g.W_2 };
            if (g.b_1 && g.b_2) Object.assign(out, { b_1: g.b_1, b_2: g.b_2 });
            return out;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('traces dL/dact and dL/dhidden, works without dX, and the 2→2→1 network of Stage 10\'s exercise 1 has dOut 1', () => {
    const X = Float64Array.of(0.5, -1);
    const w = { W_1: Float64Array.of(1, -2, 0.5, 1), b_1: Float64Array.of(0.1, 0.2), W_2: Float64Array.of(0.3, -0.4), b_2: Float64Array.of(0.05) };
    const c = ffnForward(X, w, 1, 2, 2, 1);
    expect(c.out.length).toBe(1);
    const g = { W_1: new Float64Array(4), b_1: new Float64Array(2), W_2: new Float64Array(2), b_2: new Float64Array(1) };
    const trace = { act: new Float64Array(2), hidden: new Float64Array(2) };
    ffnBackward(null, g, Float64Array.of(2), X, w, c, 1, 2, 2, trace, 1);
    expect(Array.from(trace.act)).toEqual([2 * 0.3, 2 * -0.4]);
    expect(Array.from(trace.hidden)).toEqual(Array.from(c.hidden, (h, j) => (h > 0 ? trace.act[j] : 0)));
    expect(Array.from(g.b_2)).toEqual([2]);
    expect(Array.from(g.b_1)).toEqual(Array.from(trace.hidden));
    const noBias = { ...w, b_1: null, b_2: null };
    const c2 = ffnForward(X, noBias, 1, 2, 2, 1);
    expect(c2.out[0]).toBeCloseTo(c.out[0] - 0.05 - (c.act[0] - c2.act[0]) * 0.3 - (c.act[1] - c2.act[1]) * -0.4, 15);
  });
});
