/** Layer norm over each of `rows` rows of n features. */
export interface LayerNormShape {
  rows: number;
  n: number;
  eps: number;
}

export interface LayerNormWeights {
  /** [n] */
  gamma: Float64Array;
  /** [n] */
  beta: Float64Array;
}

export interface LayerNormActivations {
  /** [rows x n] the output */
  y: Float64Array;
  /** [rows] each row's mean μ */
  mean: Float64Array;
  /** [rows] each row's 1 / sqrt(σ² + ε) */
  rstd: Float64Array;
}

export const allocLayerNormActivations = ({ rows, n }: Omit<LayerNormShape, 'eps'>): LayerNormActivations => ({
  y: new Float64Array(rows * n),
  mean: new Float64Array(rows),
  rstd: new Float64Array(rows),
});

/**
 * y = γ ⊙ (x − μ) / sqrt(σ² + ε) + β  over each row, σ² the biased variance. Keeps the row means and reciprocal
 * standard deviations in a.mean, a.rstd for the backward pass.
 */
export function layerNormForward(a: LayerNormActivations, x: Float64Array, w: LayerNormWeights, s: LayerNormShape): void {
  const { rows, n, eps } = s;
  const { gamma, beta } = w;
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
    const sd = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < n; j++) a.y[o + j] = gamma[j] * (x[o + j] - mu) * sd + beta[j];
    a.mean[r] = mu;
    a.rstd[r] = sd;
  }
}

/** dx [rows x n], dgamma and dbeta [n] (these two may be null), accumulated; dy [rows x n] read. */
export interface LayerNormGrads {
  dx: Float64Array;
  dgamma: Float64Array | null;
  dbeta: Float64Array | null;
  dy: Float64Array;
}

/** What the backward pass reads of the forward: its input, γ, and the row statistics it kept. */
export interface LayerNormSaved {
  x: Float64Array;
  gamma: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

/**
 * x̂ = (x − μ)·rstd;  dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂))  with g = dy ⊙ γ
 * (the mean term and the variance term of the full backward);  dγ += dy ⊙ x̂;  dβ += dy.
 */
export function layerNormBackward(g: LayerNormGrads, f: LayerNormSaved, s: Omit<LayerNormShape, 'eps'>): void {
  const { rows, n } = s;
  const { dx, dgamma, dbeta, dy } = g;
  const { x, gamma, mean, rstd } = f;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const mu = mean[r];
    const sd = rstd[r];
    let gMean = 0;
    let gxMean = 0;
    for (let j = 0; j < n; j++) {
      const gj = dy[o + j] * gamma[j];
      gMean += gj;
      gxMean += gj * (x[o + j] - mu) * sd;
    }
    gMean /= n;
    gxMean /= n;
    for (let j = 0; j < n; j++) {
      const xhat = (x[o + j] - mu) * sd;
      const gj = dy[o + j] * gamma[j];
      dx[o + j] += sd * (gj - gMean - xhat * gxMean);
      if (dgamma) dgamma[j] += dy[o + j] * xhat;
      if (dbeta) dbeta[j] += dy[o + j];
    }
  }
}
