import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import { matmulAddABt, matmulForward } from './matmul.js';

/** Shapes of one sequence: T positions, d = heads·dk features; head h owns columns [h·dk, (h+1)·dk). */
export interface AttentionShape {
  T: number;
  d: number;
  heads: number;
  causal: boolean;
}

/** Attention's inputs Q, K, V and what it computes from them (H = heads). */
export interface AttentionActivations {
  /** [T x d] queries */
  Q: Float64Array;
  /** [T x d] keys */
  K: Float64Array;
  /** [T x d] values */
  V: Float64Array;
  /** [H x T x T] raw scores Q_h K_hᵀ, unmasked */
  scores: Float64Array;
  /** [H x T x T] scores / sqrt(dk), unmasked */
  scaled: Float64Array;
  /** [H x T x T] softmax of the (masked) scaled scores: each row sums to 1 */
  weights: Float64Array;
  /** [T x d] the heads' weights·V side by side */
  context: Float64Array;
}

export function allocAttentionActivations(s: AttentionShape): AttentionActivations {
  const { T, d, heads } = s;
  return {
    Q: new Float64Array(T * d),
    K: new Float64Array(T * d),
    V: new Float64Array(T * d),
    scores: new Float64Array(heads * T * T),
    scaled: new Float64Array(heads * T * T),
    weights: new Float64Array(heads * T * T),
    context: new Float64Array(T * d),
  };
}

/** Head columns [c0, c0 + dk) of a [T x d] matrix, as a [T x dk] matrix. */
function headColumns(M: Float64Array, T: number, d: number, c0: number, dk: number): Float64Array {
  const out = new Float64Array(T * dk);
  for (let i = 0; i < T; i++) out.set(M.subarray(i * d + c0, i * d + c0 + dk), i * dk);
  return out;
}

/** M[:, c0 : c0 + dk] += part */
function addHeadColumns(M: Float64Array, part: Float64Array, T: number, d: number, c0: number, dk: number): void {
  for (let i = 0; i < T; i++) for (let c = 0; c < dk; c++) M[i * d + c0 + c] += part[i * dk + c];
}

/**
 * Reads a.Q, a.K, a.V; per head h:  S_h = Q_h K_hᵀ;  scaled_h = S_h / sqrt(dk);  A_h = softmax(scaled_h + mask)
 * row-wise;  C_h = A_h V_h;  the heads' C_h side by side form a.context. The causal mask hides keys j > i
 * (weight exactly 0). Overwrites scores, scaled, weights and context.
 */
export function attentionForward(a: AttentionActivations, s: AttentionShape, kernels: Kernels = REFERENCE_KERNELS): void {
  const { T, d, heads, causal } = s;
  const dk = d / heads;
  const TT = T * T;
  const scale = kernels.attentionScale(dk);
  a.scores.fill(0, 0, heads * TT);
  a.context.fill(0, 0, T * d);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    const [Qh, Kh, Vh] = [a.Q, a.K, a.V].map((M) => headColumns(M, T, d, c0, dk));
    const S = a.scores.subarray(h * TT, (h + 1) * TT);
    const Sc = a.scaled.subarray(h * TT, (h + 1) * TT);
    matmulAddABt(S, Qh, Kh, { m: T, k: dk, n: T });
    for (let o = 0; o < TT; o++) Sc[o] = S[o] * scale;
    const masked = Sc.map((x, o) => (causal && o % T > Math.floor(o / T) ? -Infinity : x));
    const A = a.weights.subarray(h * TT, (h + 1) * TT);
    kernels.softmaxForward(A, masked, { rows: T, n: T });
    const Ch = new Float64Array(T * dk);
    matmulForward(Ch, A, Vh, { m: T, k: T, n: dk });
    addHeadColumns(a.context, Ch, T, d, c0, dk);
  }
}

/**
 * Per head, the forward in reverse, from g.context:  C_h = A_h V_h ⇒ dA_h = dC_h V_hᵀ, dV_h += A_hᵀ dC_h;
 * A_h = softmax(scaled_h) ⇒ dscaled_h = softmax backward (the full Jacobian);  dS_h = dscaled_h / sqrt(dk);
 * S_h = Q_h K_hᵀ ⇒ dQ_h += dS_h K_h, dK_h += dS_hᵀ Q_h.  g holds the gradients of f's fields: g.context is read,
 * g.Q, g.K, g.V are accumulated, g.weights, g.scaled, g.scores are written (they arrive zero from the allocator).
 */
export function attentionBackward(
  g: AttentionActivations,
  f: AttentionActivations,
  s: AttentionShape,
  kernels: Kernels = REFERENCE_KERNELS,
): void {
  const { T, d, heads } = s;
  const dk = d / heads;
  const TT = T * T;
  const scale = kernels.attentionScale(dk);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    const [Qh, Kh, Vh, dCh] = [f.Q, f.K, f.V, g.context].map((M) => headColumns(M, T, d, c0, dk));
    const A = f.weights.subarray(h * TT, (h + 1) * TT);
    const dA = g.weights.subarray(h * TT, (h + 1) * TT);
    matmulAddABt(dA, dCh, Vh, { m: T, k: dk, n: T });
    const dVh = new Float64Array(T * dk);
    kernels.attentionValueGrad(dVh, A, dCh, { T, dk });
    const dScaled = g.scaled.subarray(h * TT, (h + 1) * TT);
    kernels.softmaxBackward(dScaled, dA, A, { rows: T, n: T });
    const dS = g.scores.subarray(h * TT, (h + 1) * TT);
    for (let o = 0; o < TT; o++) dS[o] = dScaled[o] * scale;
    const dQh = new Float64Array(T * dk);
    matmulForward(dQh, dS, Kh, { m: T, k: T, n: dk });
    const dKh = new Float64Array(T * dk);
    kernels.attentionKeyGrad(dKh, dS, { Q: Qh, K: Kh }, { T, dk });
    addHeadColumns(g.Q, dQh, T, d, c0, dk);
    addHeadColumns(g.K, dKh, T, d, c0, dk);
    addHeadColumns(g.V, dVh, T, d, c0, dk);
  }
}
