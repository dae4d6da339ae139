import {
  allocAttentionActivations,
  attentionBackward,
  attentionForward,
  type AttentionActivations,
  type AttentionShape,
} from './attention.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import type { LinearShape } from './linear.js';
import type { LayerTensors } from './tensor.js';

/**
 * The weights of one self-attention layer, each [d x d]; W_O is null where the model has no output projection
 * (the book's 2×2 examples).
 */
export interface SelfAttentionWeights {
  W_Q: Float64Array;
  W_K: Float64Array;
  W_V: Float64Array;
  W_O: Float64Array | null;
}

/** Attention's activations (Q, K, V, scores, scaled, weights, context) and the layer's output. */
export interface SelfAttentionActivations extends AttentionActivations {
  /** [T x d] context · W_O; the context itself without W_O */
  out: Float64Array;
}

/** `projection`: whether the layer has W_O (else out is the context, the same buffer). */
export function allocSelfAttentionActivations(s: AttentionShape & { projection: boolean }): SelfAttentionActivations {
  const a = allocAttentionActivations(s);
  return { ...a, out: s.projection ? new Float64Array((s.B ?? 1) * s.T * s.d) : a.context };
}

/** Every position of every sequence of the batch at once: the projections treat each row alike. */
const projectionShape = ({ T, d, B = 1 }: AttentionShape): LinearShape => ({ rows: B * T, nin: d, nout: d });

/** Q = X W_Q, K = X W_K, V = X W_V;  context = Attention(Q, K, V);  out = context W_O   (X [T x d]) */
export function selfAttentionForward(
  a: SelfAttentionActivations,
  X: Float64Array,
  w: SelfAttentionWeights,
  s: AttentionShape,
  kernels: Kernels = REFERENCE_KERNELS,
): void {
  const p = projectionShape(s);
  kernels.linearForward(a.Q, X, { W: w.W_Q, b: null }, p);
  kernels.linearForward(a.K, X, { W: w.W_K, b: null }, p);
  kernels.linearForward(a.V, X, { W: w.W_V, b: null }, p);
  attentionForward(a, s, kernels);
  if (w.W_O) kernels.linearForward(a.out, a.context, { W: w.W_O, b: null }, p);
}

export type SelfAttentionTensors<X extends Float64Array | null = Float64Array> = LayerTensors<
  SelfAttentionWeights,
  SelfAttentionActivations,
  X
>;

/**
 * From g.a.out:  dcontext = dout W_Oᵀ (dW_O);  attention backward to dQ, dK, dV;  dW_Q = Xᵀ dQ (likewise K, V);
 * dX += dQ W_Qᵀ + dK W_Kᵀ + dV W_Vᵀ   (Q, K and V all come from X, so the three paths are summed).
 * g.x may be null (the weight gradients alone).
 */
export function selfAttentionBackward(
  g: SelfAttentionTensors<Float64Array | null>,
  f: SelfAttentionTensors,
  s: AttentionShape,
  kernels: Kernels = REFERENCE_KERNELS,
): void {
  const p = projectionShape(s);
  const { w, a } = f;
  if (w.W_O) kernels.linearBackward({ dX: g.a.context, dW: g.w.W_O, db: null, dY: g.a.out }, a.context, w.W_O, p);
  attentionBackward(g.a, a, s, kernels);
  const paths = (
    [
      [g.a.Q, w.W_Q, g.w.W_Q],
      [g.a.K, w.W_K, g.w.W_K],
      [g.a.V, w.W_V, g.w.W_V],
    ] as const
  ).map(([dP, W, dW]) => {
    const dXp = new Float64Array(p.rows * p.nin);
    kernels.linearBackward({ dX: g.x ? dXp : null, dW, db: null, dY: dP }, f.x, W, p);
    return dXp;
  });
  if (g.x) kernels.sumPaths(g.x, paths);
}
