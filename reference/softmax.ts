/** Softmax over each of `rows` rows of n entries. */
export interface SoftmaxShape {
  rows: number;
  n: number;
}

/** y = softmax(x) row-wise: y_j = exp(x_j − max x) / Σ_k exp(x_k − max x). −Infinity entries (masked) get 0. */
export function softmaxForward(y: Float64Array, x: Float64Array, s: SoftmaxShape): void {
  const { rows, n } = s;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > max) max = x[o + j];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[o + j] - max);
      y[o + j] = e;
      sum += e;
    }
    for (let j = 0; j < n; j++) y[o + j] /= sum;
  }
}

/** dx_j += y_j · (dy_j − Σ_k dy_k y_k)   (the full Jacobian-vector product, not only its diagonal) */
export function softmaxBackward(dx: Float64Array, dy: Float64Array, y: Float64Array, s: SoftmaxShape): void {
  const { rows, n } = s;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += dy[o + i] * y[o + i];
    for (let j = 0; j < n; j++) dx[o + j] += y[o + j] * (dy[o + j] - dot);
  }
}

/** The worksheet's intermediate values of a softmax, row by row. */
export interface SoftmaxSteps {
  /** [rows] max x */
  max: Float64Array;
  /** [rows x n] x − max */
  shifted: Float64Array;
  /** [rows x n] exp(x − max) */
  exps: Float64Array;
  /** [rows] Σ exp(x − max) */
  sum: Float64Array;
}

export const allocSoftmaxSteps = (s: SoftmaxShape): SoftmaxSteps => ({
  max: new Float64Array(s.rows),
  shifted: new Float64Array(s.rows * s.n),
  exps: new Float64Array(s.rows * s.n),
  sum: new Float64Array(s.rows),
});

/**
 * The steps the worksheets print on the way to softmax(x): max, x − max, exp(x − max) and their sum (the division
 * is softmaxForward's). Written as the worksheets compute them, apart from softmaxForward, so that a wrong softmax
 * does not change them. Overwrites `out`.
 */
export function softmaxSteps(out: SoftmaxSteps, x: Float64Array, s: SoftmaxShape): void {
  const { rows, n } = s;
  for (let r = 0; r < rows; r++) {
    out.max[r] = Math.max(...x.subarray(r * n, (r + 1) * n));
    for (let j = 0; j < n; j++) out.shifted[r * n + j] = x[r * n + j] - out.max[r];
  }
  for (let i = 0; i < rows * n; i++) out.exps[i] = Math.exp(out.shifted[i]);
  out.sum.fill(0);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out.sum[r] += out.exps[r * n + j];
}
