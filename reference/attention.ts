import { matmulAddABt, matmulAddAtB, matmulForward } from './matmul.js';
import { softmaxBackward, softmaxForward } from './softmax.js';

/** Shapes of one sequence: T positions, d = heads·dk features; head h owns columns [h·dk, (h+1)·dk). */
export interface AttentionShape {
  T: number;
  d: number;
  heads: number;
  causal: boolean;
}

/**
 * The formulas of attention a kernel table can replace (reference/kernels.ts gathers every such table; each of
 * the suite's mutant implementations swaps one entry for a classic mistake).
 */
export interface AttentionKernels {
  /** The temperature of the scores: 1/sqrt(d_k). */
  attentionScale(dk: number): number;
  softmaxForward: typeof softmaxForward;
  softmaxBackward: typeof softmaxBackward;
  /** C_h = A_h V_h  ⇒  dV_h += A_hᵀ dC_h   (A [T×T]; V, dC, dV [T×dk]) */
  attentionValueGrad(dV: Float64Array, A: Float64Array, dC: Float64Array, T: number, dk: number): void;
  /** S_h = Q_h K_hᵀ  ⇒  dK_h += dS_hᵀ Q_h   (dS [T×T]; Q, K, dK [T×dk]) */
  attentionKeyGrad(dK: Float64Array, dS: Float64Array, Q: Float64Array, K: Float64Array, T: number, dk: number): void;
}

export const ATTENTION_KERNELS: AttentionKernels = Object.freeze({
  attentionScale: (dk: number) => 1 / Math.sqrt(dk),
  softmaxForward,
  softmaxBackward,
  attentionValueGrad: (dV: Float64Array, A: Float64Array, dC: Float64Array, T: number, dk: number) => matmulAddAtB(dV, A, dC, T, T, dk),
  attentionKeyGrad: (dK: Float64Array, dS: Float64Array, Q: Float64Array, _K: Float64Array, T: number, dk: number) => matmulAddAtB(dK, dS, Q, T, T, dk),
});

/** What the forward pass keeps: per head [heads×T×T] raw scores Q Kᵀ, scaled scores, softmax weights. */
export interface AttentionCache {
  scores: Float64Array;
  scaled: Float64Array;
  weights: Float64Array;
}

/** Head columns [c0, c0 + dk) of a [T×d] matrix, as a [T×dk] matrix. */
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
 * Per head h:  S_h = Q_h K_hᵀ;  scaled_h = S_h / sqrt(dk);  A_h = softmax(scaled_h + mask) row-wise;  C_h = A_h V_h;
 * the heads' C_h side by side form context [T×d]. The causal mask hides keys j > i (weight exactly 0); raw and
 * scaled scores are kept unmasked.
 */
export function attentionForward(
  context: Float64Array, Q: Float64Array, K: Float64Array, V: Float64Array, s: AttentionShape,
  k: AttentionKernels = ATTENTION_KERNELS,
): AttentionCache {
  const { T, d, heads, causal } = s;
  const dk = d / heads;
  const TT = T * T;
  const scale = k.attentionScale(dk);
  const scores = new Float64Array(heads * TT);
  const scaled = new Float64Array(heads * TT);
  const weights = new Float64Array(heads * TT);
  context.fill(0, 0, T * d);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    const [Qh, Kh, Vh] = [Q, K, V].map((M) => headColumns(M, T, d, c0, dk));
    const S = scores.subarray(h * TT, (h + 1) * TT);
    const Sc = scaled.subarray(h * TT, (h + 1) * TT);
    matmulAddABt(S, Qh, Kh, T, T, dk);
    for (let o = 0; o < TT; o++) Sc[o] = S[o] * scale;
    const masked = Sc.map((x, o) => (causal && o % T > Math.floor(o / T) ? -Infinity : x));
    const A = weights.subarray(h * TT, (h + 1) * TT);
    k.softmaxForward(A, masked, T, T);
    const Ch = new Float64Array(T * dk);
    matmulForward(Ch, A, Vh, T, T, dk);
    addHeadColumns(context, Ch, T, d, c0, dk);
  }
  return { scores, scaled, weights };
}

/** Optional buffers [heads×T×T] that receive dL/dweights, dL/dscaled and dL/dscores for the trace. */
export interface AttentionGradTrace {
  weights?: Float64Array;
  scaled?: Float64Array;
  scores?: Float64Array;
}

/**
 * Per head, the forward in reverse:  C_h = A_h V_h ⇒ dA_h = dC_h V_hᵀ, dV_h += A_hᵀ dC_h;
 * A_h = softmax(scaled_h) ⇒ dscaled_h = softmax backward (the full Jacobian);  dS_h = dscaled_h / sqrt(dk);
 * S_h = Q_h K_hᵀ ⇒ dQ_h += dS_h K_h, dK_h += dS_hᵀ Q_h.
 */
export function attentionBackward(
  dQ: Float64Array, dK: Float64Array, dV: Float64Array, dcontext: Float64Array,
  Q: Float64Array, K: Float64Array, V: Float64Array, cache: AttentionCache, s: AttentionShape,
  out: AttentionGradTrace = {}, k: AttentionKernels = ATTENTION_KERNELS,
): void {
  const { T, d, heads } = s;
  const dk = d / heads;
  const TT = T * T;
  const scale = k.attentionScale(dk);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    const [Qh, Kh, Vh, dCh] = [Q, K, V, dcontext].map((M) => headColumns(M, T, d, c0, dk));
    const A = cache.weights.subarray(h * TT, (h + 1) * TT);
    const dA = new Float64Array(TT);
    matmulAddABt(dA, dCh, Vh, T, T, dk);
    const dVh = new Float64Array(T * dk);
    k.attentionValueGrad(dVh, A, dCh, T, dk);
    const dScaled = new Float64Array(TT);
    k.softmaxBackward(dScaled, dA, A, T, T);
    const dS = dScaled.map((g) => g * scale);
    const dQh = new Float64Array(T * dk);
    matmulForward(dQh, dS, Kh, T, T, dk);
    const dKh = new Float64Array(T * dk);
    k.attentionKeyGrad(dKh, dS, Qh, Kh, T, dk);
    addHeadColumns(dQ, dQh, T, d, c0, dk);
    addHeadColumns(dK, dKh, T, d, c0, dk);
    addHeadColumns(dV, dVh, T, d, c0, dk);
    out.weights?.set(dA, h * TT);
    out.scaled?.set(dScaled, h * TT);
    out.scores?.set(dS, h * TT);
  }
}
