// Mirrors reference/matmul.ts.
//
// The certifier's conventions, in every file: where a reference function fills output buffers, its certify
// namesake returns them (a reference `xxxForward(a, x, w, s)` becomes `xxxForward(x, w, s)` returning the
// activations a, with the same field names); size arguments disappear (nested arrays carry their sizes); and a
// backward, which in the reference ACCUMULATES (+=) into gradient buffers, returns the gradients instead: a
// reference `xxxBackward(g, f, s)` that reads the incoming gradient from g becomes `xxxBackward(dOut, f, s)`
// returning g, the gradients of f's fields under the same names. Callers add up what several consumers contribute.
import type { Mat } from './tensor.js';
import { sum } from './tensor.js';

/** C_ij = Σ_k A_ik B_kj */
export function matmulForward(A: Mat, B: Mat): Mat {
  return A.map((row) => B[0].map((_, j) => sum(row.map((a, k) => a.times(B[k][j])))));
}

/** (Aᵀ)_ij = A_ji   (the reference fuses transposes into matmulAddABt / matmulAddAtB; here they are explicit) */
export function transpose(A: Mat): Mat {
  return A[0].map((_, j) => A.map((row) => row[j]));
}

/** The gradients of C = A · B. */
export interface MatmulGrads {
  dA: Mat;
  dB: Mat;
}

/** C = A · B  ⇒  dA = dC · Bᵀ;  dB = Aᵀ · dC */
export function matmulBackward(dC: Mat, A: Mat, B: Mat): MatmulGrads {
  return { dA: matmulForward(dC, transpose(B)), dB: matmulForward(transpose(A), dC) };
}
