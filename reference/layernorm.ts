/**
 * y = γ ⊙ (x − μ) / sqrt(σ² + ε) + β  over each row of n features, σ² the biased variance.
 * Writes the row means and reciprocal standard deviations into mean/rstd for the backward pass.
 */
export function layerNormForward(
  y: Float64Array, mean: Float64Array, rstd: Float64Array,
  x: Float64Array, gamma: Float64Array, beta: Float64Array,
  rows: number, n: number, eps: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mu = 0;
    for (let j = 0; j < n; j++) mu += x[o + j];
    mu /= n;
    let v = 0;
    for (let j = 0; j < n; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    v /= n;
    const s = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < n; j++) y[o + j] = gamma[j] * (x[o + j] - mu) * s + beta[j];
    mean[r] = mu;
    rstd[r] = s;
  }
}

/**
 * x̂ = (x − μ)·rstd;  dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂))  with g = dy ⊙ γ
 * (the mean term and the variance term of the full backward);  dγ += dy ⊙ x̂;  dβ += dy.
 */
export function layerNormBackward(
  dx: Float64Array, dgamma: Float64Array | null, dbeta: Float64Array | null,
  dy: Float64Array, x: Float64Array, gamma: Float64Array, mean: Float64Array, rstd: Float64Array,
  rows: number, n: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const mu = mean[r];
    const s = rstd[r];
    let gMean = 0;
    let gxMean = 0;
    for (let j = 0; j < n; j++) {
      const g = dy[o + j] * gamma[j];
      gMean += g;
      gxMean += g * (x[o + j] - mu) * s;
    }
    gMean /= n;
    gxMean /= n;
    for (let j = 0; j < n; j++) {
      const xhat = (x[o + j] - mu) * s;
      const g = dy[o + j] * gamma[j];
      dx[o + j] += s * (g - gMean - xhat * gxMean);
      if (dgamma) dgamma[j] += dy[o + j] * xhat;
      if (dbeta) dbeta[j] += dy[o + j];
    }
  }
}
