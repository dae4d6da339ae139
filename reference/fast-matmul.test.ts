import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulAddABtFast, matmulAddAtBFast, matmulBiasForwardFast, matmulForwardFast } from './fast-matmul.js';
import { matmulAddABtWasm, matmulAddAtBWasm, matmulBiasForwardWasm, matmulForwardWasm, wasmSimd } from './wasm-matmul.js';
import { linearForward } from './linear.js';
import { matmulAddABt, matmulAddAtB, matmulForward, type MatmulShape } from './matmul.js';
import { dims, PROPERTY } from './testing/fd.js';

// Entries as the products meet them in training: mostly ordinary numbers, many exact zeros (ReLU outputs), and now
// and then −0 or a non-finite value (which send the fast products to the readable ones).
const ordinary = [
  { weight: 12, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 4, arbitrary: fc.constant(0) },
];
const special = {
  weight: 1,
  arbitrary: fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300, -1e300),
};
const matrix = (n: number, specials: boolean) =>
  fc.array(fc.oneof(...ordinary, ...(specials ? [special] : [])), { minLength: n, maxLength: n }).map((xs) => Float64Array.from(xs));
// Shapes up to 11 reach every remainder of the 4×2, 2×4 and 4×4 blocks.
const shapeAnd = (sizes: (s: MatmulShape) => number[]) =>
  fc
    .record({ m: dims(11), k: dims(11), n: dims(11), specials: fc.boolean() })
    .chain(({ specials, ...s }) => fc.tuple(fc.constant(s), ...sizes(s).map((n) => matrix(n, specials))));

/** Bit for bit: the same doubles, −0 and NaN included. */
const same = (x: Float64Array, y: Float64Array) =>
  expect(Array.from(x).map((v, i) => Object.is(v, y[i]) || [i, v, y[i]])).toEqual(Array.from(x, () => true));

// Cheap (a few milliseconds a run), so more runs than the finite-difference checks.
const RUNS = { ...PROPERTY, numRuns: 150 };

const IMPLEMENTATIONS = [
  {
    name: 'JavaScript, blocked',
    forward: matmulForwardFast,
    biasForward: matmulBiasForwardFast,
    addABt: matmulAddABtFast,
    addAtB: matmulAddAtBFast,
  },
  {
    name: 'WebAssembly SIMD',
    forward: matmulForwardWasm,
    biasForward: matmulBiasForwardWasm,
    addABt: matmulAddABtWasm,
    addAtB: matmulAddAtBWasm,
  },
];

it('this Node runs WebAssembly SIMD (else the second set below tests the JavaScript products again)', () => {
  expect(wasmSimd()).toBe(true);
});

type Product = (C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape) => void;
/** Each product: its readable form, the implementation's, and the sizes of A and B. */
const PRODUCTS: [string, Product, (x: (typeof IMPLEMENTATIONS)[number]) => Product, (s: MatmulShape) => number[]][] = [
  ['C = A · B', matmulForward, (x) => x.forward, (s) => [s.m * s.k, s.k * s.n]],
  ['C += A · Bᵀ', matmulAddABt, (x) => x.addABt, (s) => [s.m * s.k, s.n * s.k]],
  ['C += Aᵀ · B', matmulAddAtB, (x) => x.addAtB, (s) => [s.k * s.m, s.k * s.n]],
];

describe.each(IMPLEMENTATIONS)('$name products equal the readable ones bit for bit', (x) => {
  it.each(PRODUCTS)('%s', (_, readable, fastOf, sizes) => {
    fc.assert(
      fc.property(
        shapeAnd((s) => [...sizes(s), s.m * s.n]),
        ([s, A, B, C0]) => {
          const [slow, fast] = [Float64Array.from(C0), Float64Array.from(C0)];
          readable(slow, A, B, s);
          fastOf(x)(fast, A, B, s);
          same(fast, slow);
        },
      ),
      RUNS,
    );
  });

  it('Y = X · W + b, as linearForward computes it', () => {
    fc.assert(
      fc.property(
        shapeAnd((s) => [s.m * s.k, s.k * s.n, s.n]),
        ([s, X, W, b]) => {
          const [slow, fast] = [new Float64Array(s.m * s.n), new Float64Array(s.m * s.n)];
          linearForward(slow, X, { W, b }, { rows: s.m, nin: s.k, nout: s.n });
          x.biasForward(fast, X, W, s, b);
          same(fast, slow);
        },
      ),
      RUNS,
    );
  });
});
