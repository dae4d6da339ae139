import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linearBackward, linearForward } from './linear.js';
import { matmulAddABt, matmulAddAtB, matmulBackward, matmulForward } from './matmul.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

describe('matmul', () => {
  it("computes the book's Chapter 2 product: identity × B = B", () => {
    const C = new Float64Array(4);
    matmulForward(C, Float64Array.of(1, 0, 0, 1), Float64Array.of(0.5, 0.5, 0.5, 0.5), { m: 2, k: 2, n: 2 });
    expect(Array.from(C)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('C = A B row by column on a non-square case', () => {
    const C = new Float64Array(2 * 2);
    matmulForward(C, Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(7, 8, 9, 10, 11, 12), { m: 2, k: 3, n: 2 });
    expect(Array.from(C)).toEqual([58, 64, 139, 154]);
  });

  it('backward to both operands agrees with central differences', () => {
    fc.assert(
      fc.property(dims(5), dims(5), dims(5), fc.integer(), (m, k, n, seed) => {
        const rep = checkOp(
          { A: randomArray(m * k, seed), B: randomArray(k * n, seed + 1) },
          ({ A, B }) => {
            const C = new Float64Array(m * n);
            matmulForward(C, A, B, { m, k, n });
            return C;
          },
          ({ A, B }, dC) => {
            const dA = new Float64Array(m * k);
            const dB = new Float64Array(k * n);
            matmulBackward({ dA, dB, dC }, A, B, { m, k, n });
            return { A: dA, B: dB };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('overwrites C: a second product into the same buffer forgets the first', () => {
    const C = Float64Array.of(7, 7, 7, 7, 99);
    matmulForward(C, Float64Array.of(1, 2), Float64Array.of(3, 4), { m: 2, k: 1, n: 2 });
    expect(Array.from(C)).toEqual([3, 4, 6, 8, 99]); // only the m×n entries are written
    matmulForward(C, Float64Array.of(0, 1), Float64Array.of(3, 4), { m: 2, k: 1, n: 2 });
    expect(Array.from(C)).toEqual([0, 0, 3, 4, 99]);
  });

  it('C += A·Bᵀ and C += Aᵀ·B equal the products with explicitly transposed operands, added to C', () => {
    const T = (M: Float64Array, r: number, c: number) => Float64Array.from({ length: r * c }, (_, i) => M[(i % r) * c + Math.floor(i / r)]);
    fc.assert(
      fc.property(dims(4), dims(4), dims(4), fc.integer(), (m, k, n, seed) => {
        const A = randomArray(m * k, seed);
        const B = randomArray(n * k, seed + 1);
        const C0 = randomArray(m * n, seed + 2);
        const C = Float64Array.from(C0);
        matmulAddABt(C, A, B, { m, k, n });
        const want = new Float64Array(m * n);
        matmulForward(want, A, T(B, n, k), { m, k, n });
        C.forEach((x, i) => expect(x).toBeCloseTo(C0[i] + want[i], 13));
        const A2 = randomArray(k * m, seed + 3);
        const B2 = randomArray(k * n, seed + 4);
        const D0 = randomArray(m * n, seed + 5);
        const D = Float64Array.from(D0);
        matmulAddAtB(D, A2, B2, { m, k, n });
        const want2 = new Float64Array(m * n);
        matmulForward(want2, T(A2, k, m), B2, { m, k, n });
        D.forEach((x, i) => expect(x).toBeCloseTo(D0[i] + want2[i], 13));
      }),
      PROPERTY,
    );
  });

  it('backward accumulates into existing gradients', () => {
    const dA = Float64Array.of(1, 1);
    matmulBackward({ dA, dB: null, dC: Float64Array.of(2) }, Float64Array.of(3, 4), Float64Array.of(5, 6), { m: 1, k: 2, n: 1 });
    expect(Array.from(dA)).toEqual([1 + 2 * 5, 1 + 2 * 6]);
    const dB = Float64Array.of(1, 1);
    matmulBackward({ dA: null, dB, dC: Float64Array.of(2) }, Float64Array.of(3, 4), Float64Array.of(5, 6), { m: 1, k: 2, n: 1 });
    expect(Array.from(dB)).toEqual([1 + 3 * 2, 1 + 4 * 2]);
  });
});

describe('linear', () => {
  it('backward (with and without bias) agrees with central differences', () => {
    fc.assert(
      fc.property(dims(4), dims(5), dims(5), fc.boolean(), fc.integer(), (rows, nin, nout, withBias, seed) => {
        const inputs: Record<string, Float64Array> = { X: randomArray(rows * nin, seed), W: randomArray(nin * nout, seed + 1) };
        if (withBias) inputs.b = randomArray(nout, seed + 2);
        const rep = checkOp(
          inputs,
          ({ X, W, b }) => {
            const Y = new Float64Array(rows * nout);
            linearForward(Y, X, { W, b: b ?? null }, { rows, nin, nout });
            return Y;
          },
          ({ X, W, b }, dY) => {
            const g: Record<string, Float64Array> = { X: new Float64Array(rows * nin), W: new Float64Array(nin * nout) };
            if (b) g.b = new Float64Array(nout);
            linearBackward({ dX: g.X, dW: g.W, db: g.b ?? null, dY }, X, W, { rows, nin, nout });
            return g;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('adds the bias to every row', () => {
    const Y = new Float64Array(4);
    linearForward(
      Y,
      Float64Array.of(1, 0, 0, 1),
      { W: Float64Array.of(2, 3, 4, 5), b: Float64Array.of(10, 20) },
      { rows: 2, nin: 2, nout: 2 },
    );
    expect(Array.from(Y)).toEqual([12, 23, 14, 25]);
  });
});
