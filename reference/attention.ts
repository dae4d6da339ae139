import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import { matmulAddABt, matmulForward } from './matmul.js';

/**
 * Shapes of a sequence: T positions, d = heads·dk features; head h owns columns [h·dk, (h+1)·dk). A batch of B
 * sequences (1 if not given) lies in the buffers one after the other: rows b·T … b·T + T − 1 are sequence b, and
 * each sequence attends only to itself.
 */
export interface AttentionShape {
  T: number;
  d: number;
  heads: number;
  causal: boolean;
  B?: number;
}

/** Attention's inputs Q, K, V and what it computes from them (H = heads), for each sequence of a batch in turn. */
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
  const { T, d, heads, B = 1 } = s;
  return {
    Q: new Float64Array(B * T * d),
    K: new Float64Array(B * T * d),
    V: new Float64Array(B * T * d),
    scores: new Float64Array(B * heads * T * T),
    scaled: new Float64Array(B * heads * T * T),
    weights: new Float64Array(B * heads * T * T),
    context: new Float64Array(B * T * d),
  };
}

/** Sequence b's part of a batch's attention buffers. */
function sequence(a: AttentionActivations, b: number, s: AttentionShape): AttentionActivations {
  const rows = (M: Float64Array) => M.subarray(b * s.T * s.d, (b + 1) * s.T * s.d);
  const heads = (M: Float64Array) => M.subarray(b * s.heads * s.T * s.T, (b + 1) * s.heads * s.T * s.T);
  const { Q, K, V, scores, scaled, weights, context } = a;
  return {
    Q: rows(Q),
    K: rows(K),
    V: rows(V),
    scores: heads(scores),
    scaled: heads(scaled),
    weights: heads(weights),
    context: rows(context),
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
  for (let b = 0; b < (s.B ?? 1); b++) sequenceForward(sequence(a, b, s), s, kernels);
}

/** attentionForward of one sequence. */
function sequenceForward(a: AttentionActivations, s: AttentionShape, kernels: Kernels): void {
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
    // without the mask the scaled scores themselves (softmax only reads them): no copy per head
    const masked = causal ? Sc.map((x, o) => (o % T > Math.floor(o / T) ? -Infinity : x)) : Sc;
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
  for (let b = 0; b < (s.B ?? 1); b++) sequenceBackward(sequence(g, b, s), sequence(f, b, s), s, kernels);
}

/** attentionBackward of one sequence. */
function sequenceBackward(g: AttentionActivations, f: AttentionActivations, s: AttentionShape, kernels: Kernels): void {
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
