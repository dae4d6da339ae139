/** y = max(0, z) */
export function reluForward(y: Float64Array, z: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] = z[i] > 0 ? z[i] : 0;
}

/** dz += dy · [z > 0]   (ReLU'(0) = 0, as Stage 10 states: "1 if z > 0, 0 if z ≤ 0") */
export function reluBackward(dz: Float64Array, dy: Float64Array, z: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) if (z[i] > 0) dz[i] += dy[i];
}
