/** y = softmax(x) row-wise: y_j = exp(x_j − max x) / Σ_k exp(x_k − max x). −Infinity entries (masked) get 0. */
export function softmaxForward(y: Float64Array, x: Float64Array, rows: number, n: number): void {
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
export function softmaxBackward(dx: Float64Array, dy: Float64Array, y: Float64Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let dot = 0;
    for (let k = 0; k < n; k++) dot += dy[o + k] * y[o + k];
    for (let j = 0; j < n; j++) dx[o + j] += y[o + j] * (dy[o + j] - dot);
  }
}
