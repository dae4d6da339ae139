import { attentionBackward, attentionForward, type AttentionCache, type AttentionGradTrace, type AttentionShape } from './attention.js';
import { linearBackward, linearForward } from './linear.js';

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
export function selfAttentionForward(X: Float64Array, w: SelfAttentionWeights, s: AttentionShape): SelfAttentionCache {
  const { T, d } = s;
  const Q = new Float64Array(T * d);
  const K = new Float64Array(T * d);
  const V = new Float64Array(T * d);
  linearForward(Q, X, w.W_Q, null, T, d, d);
  linearForward(K, X, w.W_K, null, T, d, d);
  linearForward(V, X, w.W_V, null, T, d, d);
  const context = new Float64Array(T * d);
  const a = attentionForward(context, Q, K, V, s);
  let out = context;
  if (w.W_O) {
    out = new Float64Array(T * d);
    linearForward(out, context, w.W_O, null, T, d, d);
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
  trace: SelfAttentionGradTrace = {},
): void {
  const { T, d } = s;
  let dcontext = dout;
  if (w.W_O) {
    dcontext = new Float64Array(T * d);
    linearBackward(dcontext, g.W_O, null, dout, c.context, w.W_O, T, d, d);
  }
  const dQ = new Float64Array(T * d);
  const dK = new Float64Array(T * d);
  const dV = new Float64Array(T * d);
  attentionBackward(dQ, dK, dV, dcontext, c.Q, c.K, c.V, c, s, trace);
  linearBackward(dX, g.W_Q, null, dQ, X, w.W_Q, T, d, d);
  linearBackward(dX, g.W_K, null, dK, X, w.W_K, T, d, d);
  linearBackward(dX, g.W_V, null, dV, X, w.W_V, T, d, d);
  trace.Q?.set(dQ);
  trace.K?.set(dK);
  trace.V?.set(dV);
  trace.context?.set(dcontext);
}
