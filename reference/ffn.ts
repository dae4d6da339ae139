import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import type { LinearShape } from './linear.js';
import { mseForward } from './losses.js';
import type { LayerTensors } from './tensor.js';

/** rows inputs of nin features → hidden → nout; nin = nout = d inside a transformer block (Stage 10's exercise 1 is 2→2→1). */
export interface FFNShape {
  rows: number;
  nin: number;
  hidden: number;
  nout: number;
}

/** The biases are null where the model has none (the book's Example 5). */
export interface FFNWeights {
  /** [nin x hidden] */
  W_1: Float64Array;
  /** [hidden] */
  b_1: Float64Array | null;
  /** [hidden x nout] */
  W_2: Float64Array;
  /** [nout] */
  b_2: Float64Array | null;
}

export interface FFNActivations {
  /** [rows x hidden] X W_1 + b_1 */
  hidden: Float64Array;
  /** [rows x hidden] ReLU(hidden) */
  act: Float64Array;
  /** [rows x nout] act W_2 + b_2 */
  out: Float64Array;
}

export const allocFFNActivations = ({ rows, hidden, nout }: FFNShape): FFNActivations => ({
  hidden: new Float64Array(rows * hidden),
  act: new Float64Array(rows * hidden),
  out: new Float64Array(rows * nout),
});

const layer1 = ({ rows, nin, hidden }: FFNShape): LinearShape => ({ rows, nin, nout: hidden });
const layer2 = ({ rows, hidden, nout }: FFNShape): LinearShape => ({ rows, nin: hidden, nout });

/** hidden = X W_1 + b_1;  act = ReLU(hidden);  out = act W_2 + b_2   (X [rows x nin]) */
export function ffnForward(a: FFNActivations, X: Float64Array, w: FFNWeights, s: FFNShape, kernels: Kernels = REFERENCE_KERNELS): void {
  kernels.linearForward(a.hidden, X, { W: w.W_1, b: w.b_1 }, layer1(s));
  kernels.reluForward(a.act, a.hidden, s.rows * s.hidden);
  kernels.linearForward(a.out, a.act, { W: w.W_2, b: w.b_2 }, layer2(s));
}

export type FFNTensors<X extends Float64Array | null = Float64Array> = LayerTensors<FFNWeights, FFNActivations, X>;

/**
 * From g.a.out:  dact = dout W_2ᵀ (dW_2, db_2);  dhidden = dact·[hidden > 0];  dX += dhidden W_1ᵀ (dW_1, db_1).
 * g.x may be null (the weight gradients alone); g.w's biases are null where the weights' are.
 */
export function ffnBackward(g: FFNTensors<Float64Array | null>, f: FFNTensors, s: FFNShape, kernels: Kernels = REFERENCE_KERNELS): void {
  kernels.linearBackward({ dX: g.a.act, dW: g.w.W_2, db: g.w.b_2, dY: g.a.out }, f.a.act, f.w.W_2, layer2(s));
  kernels.reluBackward(g.a.hidden, g.a.act, f.a.hidden, s.rows * s.hidden);
  kernels.linearBackward({ dX: g.x, dW: g.w.W_1, db: g.w.b_1, dY: g.a.hidden }, f.x, f.w.W_1, layer1(s));
}

/** The target of an MSE loss on the FFN's output: L = factor · mean((out − target)²). */
export interface MseTarget {
  target: ArrayLike<number>;
  factor: number;
}

/**
 * Stage 10's exercise 1: the FFN alone on an MSE loss, one forward and one backward pass. Fills f.a, then g (its
 * gradients; g.a.out receives dL/dout) and returns L. f.x is the input X; g.x may be null.
 */
export function ffnMse(
  g: FFNTensors<Float64Array | null>,
  f: FFNTensors,
  loss: MseTarget,
  s: FFNShape,
  kernels: Kernels = REFERENCE_KERNELS,
): number {
  ffnForward(f.a, f.x, f.w, s, kernels);
  kernels.mseBackward(g.a.out, f.a.out, loss.target, { factor: loss.factor });
  ffnBackward(g, f, s, kernels);
  return mseForward(f.a.out, loss.target, loss.factor);
}
