// Matrix products over flat row-major Float64Array buffers.
// Backward functions in reference/ ACCUMULATE (+=) into gradient buffers, as in llm.c, so that a tensor used by
// several consumers (Q/K/V, residuals) sums its gradients without extra bookkeeping. Pass null for a gradient you
// do not need.

/** Every product here: the result C is [m x n], the inner (summed) dimension is k. */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

/** C = A · B   (A [m x k], B [k x n]); overwrites C */
export function matmulForward(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
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

/** C += A · Bᵀ   (A [m x k], B [n x k]) */
export function matmulAddABt(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * B[j * k + p];
      C[i * n + j] += sum;
    }
  }
}

/** C += Aᵀ · B   (A [k x m], B [k x n]) */
export function matmulAddAtB(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < m; i++) {
      const a = A[p * m + i];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[p * n + j];
    }
  }
}

/** The gradients of C = A · B: dA [m x k] and dB [k x n] (either may be null), accumulated; dC [m x n] read. */
export interface MatmulGrads {
  dA: Float64Array | null;
  dB: Float64Array | null;
  dC: Float64Array;
}

/** C = A · B  ⇒  dA += dC · Bᵀ;  dB += Aᵀ · dC   (s: the forward's shape) */
export function matmulBackward(g: MatmulGrads, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  if (g.dA) matmulAddABt(g.dA, g.dC, B, { m, k: n, n: k });
  if (g.dB) matmulAddAtB(g.dB, A, g.dC, { m: k, k: m, n });
}
