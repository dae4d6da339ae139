/** y = x + f(x) */
export function residualForward(y: Float64Array, x: Float64Array, fx: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i] + fx[i];
}

/** dx += dy ;  dfx += dy   (the gradient splits unchanged into both paths) */
export function residualBackward(dx: Float64Array, dfx: Float64Array, dy: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    dx[i] += dy[i];
    dfx[i] += dy[i];
  }
}
