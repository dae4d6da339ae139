import { linearBackward, linearForward } from './linear.js';
import { reluBackward, reluForward } from './relu.js';

/** The formulas of the feed-forward layer a kernel table can replace (see reference/kernels.ts). */
export interface FFNKernels {
  linearForward: typeof linearForward;
  linearBackward: typeof linearBackward;
  reluForward: typeof reluForward;
  reluBackward: typeof reluBackward;
}

export const FFN_KERNELS: FFNKernels = Object.freeze({ linearForward, linearBackward, reluForward, reluBackward });

/**
 * W_1 [d×dff], b_1 [dff], W_2 [dff×dOut], b_2 [dOut]; dOut = d inside a transformer block (Stage 10's exercise 1
 * is a 2→2→1 network). The biases are null where the model has none (the book's Example 5).
 */
export interface FFNWeights {
  W_1: Float64Array;
  b_1: Float64Array | null;
  W_2: Float64Array;
  b_2: Float64Array | null;
}

export interface FFNCache {
  hidden: Float64Array;
  act: Float64Array;
  out: Float64Array;
}

/** hidden = X W_1 + b_1;  act = ReLU(hidden);  out = act W_2 + b_2 */
export function ffnForward(
  X: Float64Array, w: FFNWeights, rows: number, d: number, dff: number, dOut = d, k: FFNKernels = FFN_KERNELS,
): FFNCache {
  const hidden = new Float64Array(rows * dff);
  const act = new Float64Array(rows * dff);
  const out = new Float64Array(rows * dOut);
  k.linearForward(hidden, X, w.W_1, w.b_1, rows, d, dff);
  k.reluForward(act, hidden, rows * dff);
  k.linearForward(out, act, w.W_2, w.b_2, rows, dff, dOut);
  return { hidden, act, out };
}

export type FFNGrads = FFNWeights;

/** Optional buffers that receive dL/dact and dL/dhidden for the trace. */
export interface FFNGradTrace {
  act?: Float64Array;
  hidden?: Float64Array;
}

/** dact = dout W_2ᵀ (dW_2, db_2);  dhidden = dact·[hidden > 0];  dX += dhidden W_1ᵀ (dW_1, db_1) */
export function ffnBackward(
  dX: Float64Array | null, g: FFNGrads, dout: Float64Array,
  X: Float64Array, w: FFNWeights, c: FFNCache, rows: number, d: number, dff: number,
  trace: FFNGradTrace = {}, dOut = d, k: FFNKernels = FFN_KERNELS,
): void {
  const dact = new Float64Array(rows * dff);
  k.linearBackward(dact, g.W_2, g.b_2, dout, c.act, w.W_2, rows, dff, dOut);
  const dhidden = new Float64Array(rows * dff);
  k.reluBackward(dhidden, dact, c.hidden, rows * dff);
  k.linearBackward(dX, g.W_1, g.b_1, dhidden, X, w.W_1, rows, d, dff);
  trace.act?.set(dact);
  trace.hidden?.set(dhidden);
}
