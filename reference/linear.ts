import { matmulBackward, matmulForward } from './matmul.js';

/** Y[rows×nout] = X[rows×nin] · W[nin×nout] + b  (b may be null: no bias) */
export function linearForward(
  Y: Float64Array, X: Float64Array, W: Float64Array, b: Float64Array | null,
  rows: number, nin: number, nout: number,
): void {
  matmulForward(Y, X, W, rows, nin, nout);
  if (!b) return;
  for (let r = 0; r < rows; r++) for (let j = 0; j < nout; j++) Y[r * nout + j] += b[j];
}

/** dX += dY·Wᵀ ;  dW += Xᵀ·dY ;  db += Σ_rows dY */
export function linearBackward(
  dX: Float64Array | null, dW: Float64Array | null, db: Float64Array | null,
  dY: Float64Array, X: Float64Array, W: Float64Array,
  rows: number, nin: number, nout: number,
): void {
  matmulBackward(dX, dW, dY, X, W, rows, nin, nout);
  if (!db) return;
  for (let r = 0; r < rows; r++) for (let j = 0; j < nout; j++) db[j] += dY[r * nout + j];
}
