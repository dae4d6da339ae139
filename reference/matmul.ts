// Matrix product over flat row-major Float64Array buffers.
// Backward functions in reference/ ACCUMULATE (+=) into gradient buffers, as in
// llm.c, so that a tensor used by several consumers (Q/K/V, residuals) sums its
// gradients without extra bookkeeping. Pass null for a gradient you do not need.

/** C[m×n] = A[m×k] · B[k×n] */
export function matmulForward(C: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number): void {
  C.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const bp = p * n;
      for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
    }
  }
}

/** C[m×k] += A[m×n] · B[k×n]ᵀ */
export function matmulAddABt(C: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * B[p * n + j];
      C[i * k + p] += s;
    }
  }
}

/** C[k×n] += A[m×k]ᵀ · B[m×n] */
export function matmulAddAtB(C: Float64Array, A: Float64Array, B: Float64Array, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[p * n + j] += a * B[i * n + j];
    }
  }
}

/** dA[m×k] += dC · Bᵀ ;  dB[k×n] += Aᵀ · dC */
export function matmulBackward(
  dA: Float64Array | null, dB: Float64Array | null, dC: Float64Array,
  A: Float64Array, B: Float64Array, m: number, k: number, n: number,
): void {
  if (dA) matmulAddABt(dA, dC, B, m, k, n);
  if (dB) matmulAddAtB(dB, A, dC, m, k, n);
}
