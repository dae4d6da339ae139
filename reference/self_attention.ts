import {
  ATTENTION_KERNELS, attentionBackward, attentionForward,
  type AttentionCache, type AttentionGradTrace, type AttentionKernels, type AttentionShape,
} from './attention.js';
import { linearBackward, linearForward } from './linear.js';

/** The formulas of a self-attention layer a kernel table can replace (see reference/kernels.ts). */
export interface SelfAttentionKernels extends AttentionKernels {
  linearForward: typeof linearForward;
  linearBackward: typeof linearBackward;
  /** A tensor read along several paths sums their gradients: dX += Σ paths (X feeds Q, K and V). */
  sumPaths(dX: Float64Array, paths: Float64Array[]): void;
}

/** dX += Σ paths, in order */
export function sumPaths(dX: Float64Array, paths: Float64Array[]): void {
  for (const p of paths) for (let i = 0; i < dX.length; i++) dX[i] += p[i];
}

export const SELF_ATTENTION_KERNELS: SelfAttentionKernels = Object.freeze({ ...ATTENTION_KERNELS, linearForward, linearBackward, sumPaths });

/** The weights of one self-attention layer; W_O is null where the model has no output projection (the book's 2×2 examples). */
export interface SelfAttentionWeights {
  W_Q: Float64Array;
  W_K: Float64Array;
  W_V: Float64Array;
  W_O: Float64Array | null;
}

export interface SelfAttentionCache extends AttentionCache {
  Q: Float64Array;
  K: Float64Array;
  V: Float64Array;
  context: Float64Array;
  out: Float64Array;
}

/** Q = X W_Q, K = X W_K, V = X W_V;  context = Attention(Q, K, V);  out = context W_O */
export function selfAttentionForward(
  X: Float64Array, w: SelfAttentionWeights, s: AttentionShape, k: SelfAttentionKernels = SELF_ATTENTION_KERNELS,
): SelfAttentionCache {
  const { T, d } = s;
  const Q = new Float64Array(T * d);
  const K = new Float64Array(T * d);
  const V = new Float64Array(T * d);
  k.linearForward(Q, X, w.W_Q, null, T, d, d);
  k.linearForward(K, X, w.W_K, null, T, d, d);
  k.linearForward(V, X, w.W_V, null, T, d, d);
  const context = new Float64Array(T * d);
  const a = attentionForward(context, Q, K, V, s, k);
  let out = context;
  if (w.W_O) {
    out = new Float64Array(T * d);
    k.linearForward(out, context, w.W_O, null, T, d, d);
  }
  return { ...a, Q, K, V, context, out };
}

export interface SelfAttentionGrads {
  W_Q: Float64Array;
  W_K: Float64Array;
  W_V: Float64Array;
  W_O: Float64Array | null;
}

/** Optional buffers that receive the intermediate gradients for the trace. */
export interface SelfAttentionGradTrace extends AttentionGradTrace {
  Q?: Float64Array;
  K?: Float64Array;
  V?: Float64Array;
  context?: Float64Array;
}

/**
 * dcontext = dout W_Oᵀ;  attention backward to dQ, dK, dV;  dW_Q = Xᵀ dQ (likewise K, V);
 * dX += dQ W_Qᵀ + dK W_Kᵀ + dV W_Vᵀ   (Q, K and V all come from X, so the three paths are summed).
 */
export function selfAttentionBackward(
  dX: Float64Array | null, g: SelfAttentionGrads, dout: Float64Array,
  X: Float64Array, w: SelfAttentionWeights, c: SelfAttentionCache, s: AttentionShape,
  trace: SelfAttentionGradTrace = {}, k: SelfAttentionKernels = SELF_ATTENTION_KERNELS,
): void {
  const { T, d } = s;
  let dcontext = dout;
  if (w.W_O) {
    dcontext = new Float64Array(T * d);
    k.linearBackward(dcontext, g.W_O, null, dout, c.context, w.W_O, T, d, d);
  }
  const dQ = new Float64Array(T * d);
  const dK = new Float64Array(T * d);
  const dV = new Float64Array(T * d);
  attentionBackward(dQ, dK, dV, dcontext, c.Q, c.K, c.V, c, s, trace, k);
  const paths = ([[dQ, w.W_Q, g.W_Q], [dK, w.W_K, g.W_K], [dV, w.W_V, g.W_V]] as const).map(([dP, W, dW]) => {
    const dXp = new Float64Array(T * d);
    k.linearBackward(dX ? dXp : null, dW, null, dP, X, W, T, d, d);
    return dXp;
  });
  if (dX) k.sumPaths(dX, paths);
  trace.Q?.set(dQ);
  trace.K?.set(dK);
  trace.V?.set(dV);
  trace.context?.set(dcontext);
}
