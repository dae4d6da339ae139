// Mirrors reference/linear.ts.
import { matmulBackward, matmulForward } from './matmul.js';
import { addRow, columnSums, type Mat, type Vec } from './tensor.js';

export interface LinearWeights {
  /** [nin x nout] */
  W: Mat;
  /** [nout], or null: no bias */
  b: Vec | null;
}

/** Y = X · W + b   (b added to every row) */
export function linearForward(X: Mat, w: LinearWeights): Mat {
  const Y = matmulForward(X, w.W);
  return w.b ? addRow(Y, w.b) : Y;
}

/** dX, dW and db (the caller ignores db where there is no bias). */
export interface LinearGrads {
  dX: Mat;
  dW: Mat;
  db: Vec;
}

/** dX = dY · Wᵀ;  dW = Xᵀ · dY;  db = Σ_rows dY */
export function linearBackward(dY: Mat, X: Mat, W: Mat): LinearGrads {
  const { dA, dB } = matmulBackward(dY, X, W);
  return { dX: dA, dW: dB, db: columnSums(dY) };
}
