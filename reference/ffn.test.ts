import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocFFNActivations, ffnBackward, ffnForward, ffnMse, type FFNShape, type FFNWeights } from './ffn.js';
import { mseBackward, mseForward } from './losses.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

const run = (X: Float64Array, w: FFNWeights, s: FFNShape) => {
  const a = allocFFNActivations(s);
  ffnForward(a, X, w, s);
  return a;
};
const zeroGrads = (w: FFNWeights): FFNWeights => ({
  W_1: new Float64Array(w.W_1.length),
  b_1: w.b_1 && new Float64Array(w.b_1.length),
  W_2: new Float64Array(w.W_2.length),
  b_2: w.b_2 && new Float64Array(w.b_2.length),
});

describe('feed-forward network', () => {
  it('computes ReLU(X W_1 + b_1) W_2 + b_2', () => {
    const a = run(
      Float64Array.of(1, -1),
      { W_1: Float64Array.of(1, 2, 3, 4), b_1: Float64Array.of(0, 5), W_2: Float64Array.of(1, 0, 1, 0), b_2: Float64Array.of(0.5, 0) },
      { rows: 1, nin: 2, hidden: 2, nout: 2 },
    );
    expect(Array.from(a.hidden)).toEqual([-2, 3]);
    expect(Array.from(a.act)).toEqual([0, 3]);
    expect(Array.from(a.out)).toEqual([3.5, 0]);
  });

  it('backward to X, W_1, b_1, W_2, b_2 agrees with central differences (with and without biases)', () => {
    fc.assert(
      fc.property(dims(3), dims(4), dims(6), fc.boolean(), fc.integer(), (rows, d, dff, bias, seed) => {
        const s = { rows, nin: d, hidden: dff, nout: d };
        const inputs: Record<string, Float64Array> = {
          X: randomArray(rows * d, seed),
          W_1: randomArray(d * dff, seed + 1),
          W_2: randomArray(dff * d, seed + 2),
        };
        if (bias) {
          inputs.b_1 = randomArray(dff, seed + 3);
          inputs.b_2 = randomArray(d, seed + 4);
        }
        const w = (i: Record<string, Float64Array>) => ({ W_1: i.W_1, b_1: i.b_1 ?? null, W_2: i.W_2, b_2: i.b_2 ?? null });
        const rep = checkOp(
          inputs,
          (i) => run(i.X, w(i), s).out,
          (i, dout) => {
            const da = allocFFNActivations(s);
            da.out.set(dout);
            const g = { x: new Float64Array(rows * d), w: zeroGrads(w(i)), a: da };
            ffnBackward(g, { x: i.X, w: w(i), a: run(i.X, w(i), s) }, s);
            const out: Record<string, Float64Array> = { X: g.x, W_1: g.w.W_1, W_2: g.w.W_2 };
            if (g.w.b_1 && g.w.b_2) Object.assign(out, { b_1: g.w.b_1, b_2: g.w.b_2 });
            return out;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it(
    'gives dL/dact and dL/dhidden among the gradients of its activations, works without dX, ' +
      "and the 2→2→1 network of Stage 10's exercise 1 has nout 1",
    () => {
      const X = Float64Array.of(0.5, -1);
      const w = {
        W_1: Float64Array.of(1, -2, 0.5, 1),
        b_1: Float64Array.of(0.1, 0.2),
        W_2: Float64Array.of(0.3, -0.4),
        b_2: Float64Array.of(0.05),
      };
      const s = { rows: 1, nin: 2, hidden: 2, nout: 1 };
      const a = run(X, w, s);
      expect(a.out.length).toBe(1);
      const da = allocFFNActivations(s);
      da.out[0] = 2;
      const g = { x: null, w: zeroGrads(w), a: da };
      ffnBackward(g, { x: X, w, a }, s);
      expect(Array.from(da.act)).toEqual([2 * 0.3, 2 * -0.4]);
      expect(Array.from(da.hidden)).toEqual(Array.from(a.hidden, (h, j) => (h > 0 ? da.act[j] : 0)));
      expect(Array.from(g.w.b_2!)).toEqual([2]);
      expect(Array.from(g.w.b_1!)).toEqual(Array.from(da.hidden));
      const noBias = { ...w, b_1: null, b_2: null };
      const a2 = run(X, noBias, s);
      expect(a2.out[0]).toBeCloseTo(a.out[0] - 0.05 - (a.act[0] - a2.act[0]) * 0.3 - (a.act[1] - a2.act[1]) * -0.4, 15);
    },
  );
});

describe('the FFN on an MSE loss (op mlp_mse)', () => {
  it('is the forward, the MSE gradient of the output and the backward, and returns the MSE', () => {
    fc.assert(
      fc.property(dims(3), dims(3), dims(4), dims(2), fc.constantFrom(0.5, 1), fc.integer(), (rows, nin, hidden, nout, factor, seed) => {
        const s = { rows, nin, hidden, nout };
        const X = randomArray(rows * nin, seed);
        const w = {
          W_1: randomArray(nin * hidden, seed + 1),
          b_1: randomArray(hidden, seed + 2),
          W_2: randomArray(hidden * nout, seed + 3),
          b_2: randomArray(nout, seed + 4),
        };
        const target = randomArray(rows * nout, seed + 5);
        const f = { x: X, w, a: allocFFNActivations(s) };
        const g = { x: new Float64Array(rows * nin), w: zeroGrads(w), a: allocFFNActivations(s) };
        const loss = ffnMse(g, f, { target, factor }, s);
        const a = run(X, w, s);
        expect(Array.from(f.a.out)).toEqual(Array.from(a.out));
        expect(loss).toBe(mseForward(a.out, target, factor));
        const dout = new Float64Array(rows * nout);
        mseBackward(dout, a.out, target, { factor });
        expect(Array.from(g.a.out)).toEqual(Array.from(dout));
        const want = { x: new Float64Array(rows * nin), w: zeroGrads(w), a: { ...allocFFNActivations(s), out: dout } };
        ffnBackward(want, { x: X, w, a }, s);
        expect(g).toEqual(want);
      }),
      PROPERTY,
    );
  });

  it("gives Stage 10's exercise 1 gradient: dL/dy = y − t for L = 0.5·(y − t)²", () => {
    const s = { rows: 1, nin: 2, hidden: 2, nout: 1 };
    const w = { W_1: Float64Array.of(1, 0, 0, 1), b_1: Float64Array.of(0, 0), W_2: Float64Array.of(1, 1), b_2: Float64Array.of(0) };
    const f = { x: Float64Array.of(1, 2), w, a: allocFFNActivations(s) };
    const g = { x: null, w: zeroGrads(w), a: allocFFNActivations(s) };
    const loss = ffnMse(g, f, { target: [1], factor: 0.5 }, s);
    expect(f.a.out[0]).toBe(3);
    expect(loss).toBe(2);
    expect(g.a.out[0]).toBe(2);
    expect(Array.from(g.w.W_2)).toEqual([2, 4]);
  });
});
