// Decimal counterparts of reference/tensor.ts, and the small vector and matrix arithmetic every certify file
// uses. Where the reference keeps flat row-major Float64Arrays with their sizes as arguments, the certifier
// keeps nested arrays (a matrix is Decimal[][], a vector Decimal[]): the sizes travel with the values.
import { Decimal, exactBinary } from '../exact.js';

export type Vec = Decimal[];
export type Mat = Decimal[][];

/** A named value of a trace: flat row-major data with an explicit shape ([] for a scalar), as in reference/tensor.ts. */
export interface DecimalTensor {
  shape: number[];
  data: Decimal[];
}
export type DecimalTrace = Record<string, DecimalTensor>;

/**
 * A layer's tensors as its backward pass sees them (reference/tensor.ts's LayerTensors): the input x, the weights
 * w and the activations a of the forward pass; or, with the same fields, their gradients, which a certify
 * backward returns.
 */
export interface LayerTensors<W, A, X = Mat> {
  x: X;
  w: W;
  a: A;
}

/**
 * How a number given by a scenario (a literal, a config field, a hyper-parameter) becomes a Decimal; passed to
 * every function that reads one. See readDecimal and readBinary.
 */
export type ReadNumber = (x: number) => Decimal;
/** A given number as the decimal literal it is written as: 0.1 is one tenth (the value a document means). */
export const readDecimal: ReadNumber = (x) => new Decimal(x);
/** A given number as the exact value of the float64 it parses to: the value the reference computes on. */
export const readBinary: ReadNumber = exactBinary;

export const ZERO = new Decimal(0);
export const ONE = new Decimal(1);

export function tensor(shape: number[], data: Decimal[]): DecimalTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  return { shape, data };
}
export const scalar = (x: Decimal): DecimalTensor => ({ shape: [], data: [x] });
export const vector = (v: Vec): DecimalTensor => tensor([v.length], v);
export const matrix = (A: Mat): DecimalTensor => tensor([A.length, A[0].length], A.flat());
/** [heads×T×T] from one T×T matrix per head */
export const stacked = (Ms: Mat[]): DecimalTensor =>
  tensor(
    [Ms.length, Ms[0].length, Ms[0][0].length],
    Ms.flatMap((M) => M.flat()),
  );

/** Σ xs */
export const sum = (xs: readonly Decimal[]): Decimal => xs.reduce((s, x) => s.plus(x), ZERO);
/** r×c zeros */
export const zeros = (r: number, c: number): Mat => Array.from({ length: r }, () => Array.from({ length: c }, () => ZERO));
/** A + B */
export const add = (A: Mat, B: Mat): Mat => A.map((row, i) => row.map((a, j) => a.plus(B[i][j])));
/** s · A */
export const scale = (A: Mat, s: Decimal): Mat => A.map((row) => row.map((a) => a.times(s)));
/** A / s */
export const divide = (A: Mat, s: Decimal): Mat => A.map((row) => row.map((a) => a.div(s)));
/** A + 1·bᵀ (b added to every row) */
export const addRow = (A: Mat, b: Vec): Mat => A.map((row) => row.map((a, j) => a.plus(b[j])));
/** Σ_i A_i (the rows summed: a bias gradient) */
export const columnSums = (A: Mat): Vec => A[0].map((_, j) => sum(A.map((row) => row[j])));
/** row-major r×c from a flat list */
export const reshape = (flat: Vec, r: number, c: number): Mat => Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
/** columns [c0, c0 + w) */
export const sliceCols = (A: Mat, c0: number, w: number): Mat => A.map((row) => row.slice(c0, c0 + w));
/** [A₀ | A₁ | …] side by side */
export const hconcat = (parts: Mat[]): Mat => parts[0].map((_, i) => parts.flatMap((P) => P[i]));
