// Mirrors reference/softmax.ts. Where the reference masks with −Infinity, the certifier says which entries are
// visible; where the reference's backward uses the closed form y ⊙ (dy − dy·y), the certifier multiplies by the
// Jacobian it writes out.
import { Decimal } from '../exact.js';
import { matmulForward } from './matmul.js';
import { ONE, sum, ZERO, type Mat, type Vec } from './tensor.js';

/** Which entries of row i take part (a causal mask: j ≤ i); the others get weight exactly 0. */
export type Visible = (i: number, j: number) => boolean;
const all: Visible = () => true;

/** One row: y_j = exp(x_j − m) / Σ_k exp(x_k − m), m the largest visible x */
export function softmaxRow(x: Vec, visible: (j: number) => boolean = () => true): Vec {
  const m = Decimal.max(...x.filter((_, j) => visible(j)));
  const e = x.map((v, j) => (visible(j) ? v.minus(m).exp() : ZERO));
  const z = sum(e);
  return e.map((v) => v.div(z));
}

/** y = softmax(x) row by row */
export function softmaxForward(x: Mat, visible: Visible = all): Mat {
  return x.map((row, i) => softmaxRow(row, (j) => visible(i, j)));
}

/** J_jk = ∂y_j/∂x_k = y_j (δ_jk − y_k) */
export function softmaxJacobian(y: Vec): Mat {
  return y.map((yj, j) => y.map((yk, k) => yj.times((j === k ? ONE : ZERO).minus(yk))));
}

/** dx_k = Σ_j dy_j J_jk per row (the vector-Jacobian product, the full Jacobian) */
export function softmaxBackward(dy: Mat, y: Mat): Mat {
  return dy.map((row, i) => matmulForward([row], softmaxJacobian(y[i]))[0]);
}

/** The worksheet's intermediate values of a softmax, row by row. */
export interface SoftmaxSteps {
  /** [rows] max x */
  max: Vec;
  /** [rows x n] x − max */
  shifted: Mat;
  /** [rows x n] exp(x − max) */
  exps: Mat;
  /** [rows] Σ exp(x − max) */
  sum: Vec;
}

/** The steps the worksheets print on the way to softmax(x): max, x − max, exp(x − max) and their sum. */
export function softmaxSteps(x: Mat): SoftmaxSteps {
  const max = x.map((row) => Decimal.max(...row));
  const shifted = x.map((row, i) => row.map((v) => v.minus(max[i])));
  const exps = shifted.map((row) => row.map((v) => v.exp()));
  return { max, shifted, exps, sum: exps.map(sum) };
}
