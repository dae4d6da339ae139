// Mirrors reference/self_attention.ts: the projections around attention.
import { attentionBackward, attentionForward, type AttentionActivations, type AttentionShape } from './attention.js';
import { linearBackward, linearForward } from './linear.js';
import { add, type LayerTensors, type Mat } from './tensor.js';

/** The weights of one self-attention layer, each [d x d]; W_O is null where the model has no output projection. */
export interface SelfAttentionWeights {
  W_Q: Mat;
  W_K: Mat;
  W_V: Mat;
  W_O: Mat | null;
}

/** Attention's activations (Q, K, V, scores, scaled, weights, context) and the layer's output. */
export interface SelfAttentionActivations extends AttentionActivations {
  /** [T x d] context · W_O; the context itself without W_O */
  out: Mat;
}

export type SelfAttentionTensors = LayerTensors<SelfAttentionWeights, SelfAttentionActivations>;

/** Q = X W_Q, K = X W_K, V = X W_V;  context = Attention(Q, K, V);  out = context W_O */
export function selfAttentionForward(X: Mat, w: SelfAttentionWeights, s: AttentionShape): SelfAttentionActivations {
  const project = (W: Mat) => linearForward(X, { W, b: null });
  const a = attentionForward(project(w.W_Q), project(w.W_K), project(w.W_V), s);
  return { ...a, out: w.W_O ? linearForward(a.context, { W: w.W_O, b: null }) : a.context };
}

/**
 * From dout:  dcontext = dout W_Oᵀ (dW_O = contextᵀ dout);  attention backward to dQ, dK, dV;  dW_Q = Xᵀ dQ
 * (likewise K, V);  dX = dQ W_Qᵀ + dK W_Kᵀ + dV W_Vᵀ   (Q, K and V all read X: the three paths sum).
 */
export function selfAttentionBackward(dout: Mat, f: SelfAttentionTensors, s: AttentionShape): SelfAttentionTensors {
  const { x: X, w, a } = f;
  const o = w.W_O ? linearBackward(dout, a.context, w.W_O) : null;
  const g = attentionBackward(o ? o.dX : dout, a, s);
  const [q, k, v] = (
    [
      [g.Q, w.W_Q],
      [g.K, w.W_K],
      [g.V, w.W_V],
    ] as const
  ).map(([dP, W]) => linearBackward(dP, X, W));
  return {
    x: add(add(q.dX, k.dX), v.dX),
    w: { W_Q: q.dW, W_K: k.dW, W_V: v.dW, W_O: o ? o.dW : null },
    a: { ...g, out: dout },
  };
}
