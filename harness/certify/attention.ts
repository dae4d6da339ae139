// Mirrors reference/attention.ts: multi-head scaled dot-product attention on given Q, K, V.
import { Decimal } from '../exact.js';
import { matmulForward, transpose } from './matmul.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { divide, hconcat, sliceCols, type Mat } from './tensor.js';

/** Shapes of one sequence: T positions, d = heads·dk features; head h owns columns [h·dk, (h+1)·dk). */
export interface AttentionShape {
  T: number;
  d: number;
  heads: number;
  causal: boolean;
}

/** Attention's inputs Q, K, V and what it computes from them; the per-head values are one T×T matrix per head. */
export interface AttentionActivations {
  /** [T x d] queries */
  Q: Mat;
  /** [T x d] keys */
  K: Mat;
  /** [T x d] values */
  V: Mat;
  /** [H][T x T] raw scores Q_h K_hᵀ, unmasked */
  scores: Mat[];
  /** [H][T x T] scores / sqrt(dk), unmasked */
  scaled: Mat[];
  /** [H][T x T] softmax of the scaled scores over the visible keys: each row sums to 1 */
  weights: Mat[];
  /** [T x d] the heads' weights·V side by side */
  context: Mat;
}

/** Head columns [h·dk, (h+1)·dk) of each matrix. */
const headColumns = (Ms: Mat[], h: number, dk: number): Mat[] => Ms.map((M) => sliceCols(M, h * dk, dk));

/**
 * Per head h:  S_h = Q_h K_hᵀ;  scaled_h = S_h / sqrt(dk);  A_h = softmax(scaled_h) row-wise over the visible keys
 * (causal: j ≤ i; the hidden ones weigh exactly 0);  C_h = A_h V_h;  context = [C_0 | C_1 | …].
 */
export function attentionForward(Q: Mat, K: Mat, V: Mat, s: AttentionShape): AttentionActivations {
  const dk = s.d / s.heads;
  const root = new Decimal(dk).sqrt();
  const a: AttentionActivations = { Q, K, V, scores: [], scaled: [], weights: [], context: [] };
  const parts: Mat[] = [];
  for (let h = 0; h < s.heads; h++) {
    const [Qh, Kh, Vh] = headColumns([Q, K, V], h, dk);
    const S = matmulForward(Qh, transpose(Kh));
    const scaled = divide(S, root);
    const A = softmaxForward(scaled, (i, j) => !s.causal || j <= i);
    a.scores.push(S);
    a.scaled.push(scaled);
    a.weights.push(A);
    parts.push(matmulForward(A, Vh));
  }
  a.context = hconcat(parts);
  return a;
}

/**
 * Per head, the forward in reverse, from dcontext:  dA_h = dC_h V_hᵀ;  dV_h = A_hᵀ dC_h;  dscaled_h = the
 * softmax's vector-Jacobian product per row;  dS_h = dscaled_h / sqrt(dk);  dQ_h = dS_h K_h;  dK_h = dS_hᵀ Q_h.
 * Returns the gradients of f's fields (context: dcontext itself).
 */
export function attentionBackward(dcontext: Mat, f: AttentionActivations, s: AttentionShape): AttentionActivations {
  const dk = s.d / s.heads;
  const root = new Decimal(dk).sqrt();
  const g: AttentionActivations = { Q: [], K: [], V: [], scores: [], scaled: [], weights: [], context: dcontext };
  const [dQs, dKs, dVs]: Mat[][] = [[], [], []];
  for (let h = 0; h < s.heads; h++) {
    const [Qh, Kh, Vh, dCh] = headColumns([f.Q, f.K, f.V, dcontext], h, dk);
    const A = f.weights[h];
    const dA = matmulForward(dCh, transpose(Vh));
    const dScaled = softmaxBackward(dA, A);
    const dS = divide(dScaled, root);
    g.weights.push(dA);
    g.scaled.push(dScaled);
    g.scores.push(dS);
    dQs.push(matmulForward(dS, Kh));
    dKs.push(matmulForward(transpose(dS), Qh));
    dVs.push(matmulForward(transpose(A), dCh));
  }
  return { ...g, Q: hconcat(dQs), K: hconcat(dKs), V: hconcat(dVs) };
}
