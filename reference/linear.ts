import { matmulBackward, matmulForward } from './matmul.js';

/** Y [rows x nout] = X [rows x nin] · W [nin x nout] + b */
export interface LinearShape {
  rows: number;
  nin: number;
  nout: number;
}

export interface LinearWeights {
  /** [nin x nout] */
  W: Float64Array;
  /** [nout], or null: no bias */
  b: Float64Array | null;
}

/** Y = X · W + b   (b added to every row); overwrites Y */
export function linearForward(Y: Float64Array, X: Float64Array, w: LinearWeights, s: LinearShape): void {
  const { rows, nin, nout } = s;
  matmulForward(Y, X, w.W, { m: rows, k: nin, n: nout });
  if (!w.b) return;
  for (let r = 0; r < rows; r++) for (let j = 0; j < nout; j++) Y[r * nout + j] += w.b[j];
}

/** dX [rows x nin], dW [nin x nout], db [nout] (each may be null), accumulated; dY [rows x nout] read. */
export interface LinearGrads {
  dX: Float64Array | null;
  dW: Float64Array | null;
  db: Float64Array | null;
  dY: Float64Array;
}

/** dX += dY · Wᵀ;  dW += Xᵀ · dY;  db += Σ_rows dY */
export function linearBackward(g: LinearGrads, X: Float64Array, W: Float64Array, s: LinearShape): void {
  const { rows, nin, nout } = s;
  matmulBackward({ dA: g.dX, dB: g.dW, dC: g.dY }, X, W, { m: rows, k: nin, n: nout });
  if (!g.db) return;
  for (let r = 0; r < rows; r++) for (let j = 0; j < nout; j++) g.db[j] += g.dY[r * nout + j];
}
