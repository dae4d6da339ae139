// The matrix products of matmul.ts, register-blocked for V8: each result entry is summed in the same order as
// the readable product (p = 0, 1, …, k − 1, one multiply and one add per term), several entries at a time in local
// variables instead of one at a time through memory, so the results are bit-identical (fast-matmul.test.ts).
// The readable products skip a term whose A entry is 0; adding a*b = ±0 instead changes nothing as long as b is
// finite and the sum is not −0, so a call that breaks either condition goes to the readable product.
import { matmulAddAtB, matmulForward, type MatmulShape } from './matmul.js';

/** No NaN or ±Infinity among the first n entries. */
export function allFinite(x: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (x[i] - x[i] !== 0) return false;
  return true;
}

/** No −0 among the first n entries (a running sum that starts there would become +0 on adding a +0 term). */
export function noNegativeZero(x: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (x[i] === 0 && 1 / x[i] < 0) return false;
  return true;
}

/** C = A · B + bias (bias [n] or null, added once to each finished sum, as linearForward does); overwrites C */
export function matmulBiasForwardFast(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape, bias: Float64Array | null): void {
  const { m, k, n } = s;
  if (!allFinite(B, k * n)) {
    matmulForward(C, A, B, s);
    if (bias) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] += bias[j];
    return;
  }
  let i = 0;
  // four rows by two columns: eight running sums
  for (; i + 4 <= m; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      let c00 = 0;
      let c01 = 0;
      let c10 = 0;
      let c11 = 0;
      let c20 = 0;
      let c21 = 0;
      let c30 = 0;
      let c31 = 0;
      for (let p = 0, bp = j; p < k; p++, bp += n) {
        const b0 = B[bp];
        const b1 = B[bp + 1];
        const x0 = A[a0 + p];
        const x1 = A[a1 + p];
        const x2 = A[a2 + p];
        const x3 = A[a3 + p];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c30 += x3 * b0;
        c31 += x3 * b1;
      }
      const b0 = bias ? bias[j] : 0;
      const b1 = bias ? bias[j + 1] : 0;
      const o = i * n + j;
      C[o] = bias ? c00 + b0 : c00;
      C[o + 1] = bias ? c01 + b1 : c01;
      C[o + n] = bias ? c10 + b0 : c10;
      C[o + n + 1] = bias ? c11 + b1 : c11;
      C[o + 2 * n] = bias ? c20 + b0 : c20;
      C[o + 2 * n + 1] = bias ? c21 + b1 : c21;
      C[o + 3 * n] = bias ? c30 + b0 : c30;
      C[o + 3 * n + 1] = bias ? c31 + b1 : c31;
    }
    for (; j < n; j++) for (let r = i; r < i + 4; r++) C[r * n + j] = rowColumn(A, B, s, r, j, bias);
  }
  for (; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] = rowColumn(A, B, s, i, j, bias);
}

/** One entry of A · B (+ bias), summed from p = 0. */
export function rowColumn(A: Float64Array, B: Float64Array, s: MatmulShape, i: number, j: number, bias: Float64Array | null): number {
  const { k, n } = s;
  let c = 0;
  for (let p = 0; p < k; p++) c += A[i * k + p] * B[p * n + j];
  return bias ? c + bias[j] : c;
}

/** C = A · B   (A [m x k], B [k x n]); overwrites C. Bit-identical to matmulForward. */
export function matmulForwardFast(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  matmulBiasForwardFast(C, A, B, s, null);
}

/** C += A · Bᵀ   (A [m x k], B [n x k]). Bit-identical to matmulAddABt (which has no skip: no condition here). */
export function matmulAddABtFast(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  let i = 0;
  // two rows of A by four rows of B: eight dot products
  for (; i + 2 <= m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0;
      let c01 = 0;
      let c02 = 0;
      let c03 = 0;
      let c10 = 0;
      let c11 = 0;
      let c12 = 0;
      let c13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p];
        const x1 = A[a1 + p];
        const y0 = B[b0 + p];
        const y1 = B[b1 + p];
        const y2 = B[b2 + p];
        const y3 = B[b3 + p];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
      }
      const o = i * n + j;
      C[o] += c00;
      C[o + 1] += c01;
      C[o + 2] += c02;
      C[o + 3] += c03;
      C[o + n] += c10;
      C[o + n + 1] += c11;
      C[o + n + 2] += c12;
      C[o + n + 3] += c13;
    }
    for (; j < n; j++) for (let r = i; r < i + 2; r++) C[r * n + j] += rowDotRow(A, B, k, r, j);
  }
  for (; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] += rowDotRow(A, B, k, i, j);
}

/** Σ_p A[i, p] B[j, p], summed from p = 0. */
export function rowDotRow(A: Float64Array, B: Float64Array, k: number, i: number, j: number): number {
  let sum = 0;
  for (let p = 0; p < k; p++) sum += A[i * k + p] * B[j * k + p];
  return sum;
}

/** C += Aᵀ · B   (A [k x m], B [k x n]), each entry of C a running sum over p. Bit-identical to matmulAddAtB. */
export function matmulAddAtBFast(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  if (!allFinite(B, k * n) || !noNegativeZero(C, m * n)) return matmulAddAtB(C, A, B, s);
  let i = 0;
  // two columns of A by four columns of B: eight running sums, started from C's own entries
  for (; i + 2 <= m; i += 2) {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = i * n + j;
      let c00 = C[o];
      let c01 = C[o + 1];
      let c02 = C[o + 2];
      let c03 = C[o + 3];
      let c10 = C[o + n];
      let c11 = C[o + n + 1];
      let c12 = C[o + n + 2];
      let c13 = C[o + n + 3];
      for (let p = 0, ap = i, bp = j; p < k; p++, ap += m, bp += n) {
        const x0 = A[ap];
        const x1 = A[ap + 1];
        const y0 = B[bp];
        const y1 = B[bp + 1];
        const y2 = B[bp + 2];
        const y3 = B[bp + 3];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
      }
      C[o] = c00;
      C[o + 1] = c01;
      C[o + 2] = c02;
      C[o + 3] = c03;
      C[o + n] = c10;
      C[o + n + 1] = c11;
      C[o + n + 2] = c12;
      C[o + n + 3] = c13;
    }
    for (; j < n; j++) for (let r = i; r < i + 2; r++) C[r * n + j] = columnDotColumn(C[r * n + j], A, B, s, r, j);
  }
  for (; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] = columnDotColumn(C[i * n + j], A, B, s, i, j);
}

/** c + Σ_p A[p, i] B[p, j], added to c term by term from p = 0. */
export function columnDotColumn(c: number, A: Float64Array, B: Float64Array, s: MatmulShape, i: number, j: number): number {
  const { m, k, n } = s;
  for (let p = 0; p < k; p++) c += A[p * m + i] * B[p * n + j];
  return c;
}
