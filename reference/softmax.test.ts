import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocSoftmaxSteps, softmaxBackward, softmaxForward, softmaxSteps } from './softmax.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

const softmax = (x: number[]) => {
  const y = new Float64Array(x.length);
  softmaxForward(y, Float64Array.from(x), { rows: 1, n: x.length });
  return y;
};

describe('softmax', () => {
  it('gives positive weights that sum to 1 on every row, for any scale of input', () => {
    fc.assert(
      fc.property(dims(4), dims(6), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.integer(), (rows, n, scale, seed) => {
        const x = randomArray(rows * n, seed, scale);
        const y = new Float64Array(rows * n);
        softmaxForward(y, x, { rows, n });
        for (let r = 0; r < rows; r++) {
          const row = y.subarray(r * n, (r + 1) * n);
          expect(row.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        }
      }),
      PROPERTY,
    );
  });

  it('subtracts the max first, so huge logits do not overflow', () => {
    const y = softmax([1000, 1001, 999]);
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
    const ref = softmax([1, 2, 0]);
    for (let i = 0; i < 3; i++) expect(y[i]).toBeCloseTo(ref[i], 14);
  });

  it('gives exactly 0 to −Infinity (masked) entries', () => {
    expect(Array.from(softmax([0, -Infinity]))).toEqual([1, 0]);
  });

  it('backward is the full Jacobian-vector product (agrees with central differences)', () => {
    fc.assert(
      fc.property(dims(3), fc.integer({ min: 2, max: 6 }), fc.integer(), (rows, n, seed) => {
        const rep = checkOp(
          { x: randomArray(rows * n, seed, 3) },
          ({ x }) => {
            const y = new Float64Array(rows * n);
            softmaxForward(y, x, { rows, n });
            return y;
          },
          ({ x }, dy) => {
            const y = new Float64Array(rows * n);
            softmaxForward(y, x, { rows, n });
            const dx = new Float64Array(rows * n);
            softmaxBackward(dx, dy, y, { rows, n });
            return { x: dx };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('differs from the diagonal-only shortcut y(1 − y)·dy', () => {
    const y = softmax([0.3, -0.2, 0.5]);
    const dy = Float64Array.of(1, -2, 0.5);
    const dx = new Float64Array(3);
    softmaxBackward(dx, dy, y, { rows: 1, n: 3 });
    const diagonal = Array.from(y, (v, i) => v * (1 - v) * dy[i]);
    expect(Math.max(...Array.from(dx, (v, i) => Math.abs(v - diagonal[i])))).toBeGreaterThan(0.1);
  });
});

describe('the softmax worksheet steps', () => {
  it('are max, x − max, exp(x − max) and their sum, row by row, and the sum divides the exps into softmax', () => {
    fc.assert(
      fc.property(dims(3), dims(5), fc.integer(), (rows, n, seed) => {
        const x = randomArray(rows * n, seed, 20);
        const st = allocSoftmaxSteps({ rows, n });
        softmaxSteps(st, x, { rows, n });
        const y = new Float64Array(rows * n);
        softmaxForward(y, x, { rows, n });
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * n, (r + 1) * n));
          expect(st.max[r]).toBe(Math.max(...row));
          let sum = 0;
          for (let j = 0; j < n; j++) {
            expect(st.shifted[r * n + j]).toBe(row[j] - st.max[r]);
            expect(st.exps[r * n + j]).toBe(Math.exp(row[j] - st.max[r]));
            sum += st.exps[r * n + j];
            expect(st.exps[r * n + j]).toBeLessThanOrEqual(1);
          }
          expect(st.sum[r]).toBe(sum);
          expect(st.sum[r]).toBeGreaterThanOrEqual(1); // the max's own term is exp(0) = 1
          for (let j = 0; j < n; j++) expect(st.exps[r * n + j] / st.sum[r]).toBe(y[r * n + j]);
        }
      }),
      PROPERTY,
    );
  });

  it('overwrites what its buffers held (x = [1, 2, 3])', () => {
    const st = allocSoftmaxSteps({ rows: 1, n: 3 });
    for (const b of Object.values(st)) b.fill(7);
    softmaxSteps(st, Float64Array.of(1, 2, 3), { rows: 1, n: 3 });
    expect(Array.from(st.max)).toEqual([3]);
    expect(Array.from(st.shifted)).toEqual([-2, -1, 0]);
    expect(Array.from(st.exps)).toEqual([Math.exp(-2), Math.exp(-1), 1]);
    expect(st.sum[0]).toBe(Math.exp(-2) + Math.exp(-1) + 1);
  });
});
