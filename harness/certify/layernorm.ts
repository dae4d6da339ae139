// Mirrors reference/layernorm.ts. The reference's backward is the closed form rstd·(g − mean g − x̂·mean(g x̂));
// the certifier goes back through the graph x → μ → σ² → x̂ → y one node at a time.
import type { Decimal } from '../exact.js';
import { columnSums, ONE, sum, type Mat, type Vec } from './tensor.js';

export interface LayerNormWeights {
  /** [n] */
  gamma: Vec;
  /** [n] */
  beta: Vec;
}

export interface LayerNormActivations {
  /** [rows x n] the output */
  y: Mat;
  /** [rows] each row's mean μ */
  mean: Vec;
  /** [rows] each row's 1 / sqrt(σ² + ε) */
  rstd: Vec;
}

/** μ = mean x;  σ² = mean (x − μ)² (biased);  rstd = 1 / sqrt(σ² + ε);  y = γ ⊙ (x − μ)·rstd + β, row by row */
export function layerNormForward(x: Mat, w: LayerNormWeights, eps: Decimal): LayerNormActivations {
  const mean = x.map((row) => sum(row).div(row.length));
  const rstd = x.map((row, i) =>
    ONE.div(
      sum(row.map((v) => v.minus(mean[i]).pow(2)))
        .div(row.length)
        .plus(eps)
        .sqrt(),
    ),
  );
  const y = x.map((row, i) => row.map((v, j) => w.gamma[j].times(v.minus(mean[i]).times(rstd[i])).plus(w.beta[j])));
  return { y, mean, rstd };
}

/** What the backward pass reads of the forward: its input, γ, and the row statistics it kept. */
export interface LayerNormSaved {
  x: Mat;
  gamma: Vec;
  mean: Vec;
  rstd: Vec;
}

export interface LayerNormGrads {
  dx: Mat;
  dgamma: Vec;
  dbeta: Vec;
}

/**
 * One row, back through x → μ → σ² → x̂ → y (σ = 1/rstd):  dx̂ = dy ⊙ γ;  dσ² = Σ dx̂ (x − μ) · (−½)σ⁻³;
 * dμ = −Σ dx̂ / σ + dσ² · (−2/n) Σ (x − μ);  dx = dx̂/σ + dσ² · 2(x − μ)/n + dμ/n
 */
function rowBackward(dy: Vec, x: Vec, gamma: Vec, mu: Decimal, rstd: Decimal): Vec {
  const n = x.length;
  const centered = x.map((v) => v.minus(mu));
  const dxhat = dy.map((g, j) => g.times(gamma[j]));
  const dvar = sum(dxhat.map((g, j) => g.times(centered[j])))
    .times(-0.5)
    .times(rstd.pow(3));
  const dmu = sum(dxhat)
    .neg()
    .times(rstd)
    .plus(dvar.times(-2).div(n).times(sum(centered)));
  return dxhat.map((g, j) => g.times(rstd).plus(dvar.times(2).times(centered[j]).div(n)).plus(dmu.div(n)));
}

/** dx row by row;  dγ = Σ_rows dy ⊙ x̂;  dβ = Σ_rows dy */
export function layerNormBackward(dy: Mat, f: LayerNormSaved): LayerNormGrads {
  const xhat = f.x.map((row, i) => row.map((v) => v.minus(f.mean[i]).times(f.rstd[i])));
  return {
    dx: dy.map((d, i) => rowBackward(d, f.x[i], f.gamma, f.mean[i], f.rstd[i])),
    dgamma: columnSums(dy.map((d, i) => d.map((g, j) => g.times(xhat[i][j])))),
    dbeta: columnSums(dy),
  };
}
