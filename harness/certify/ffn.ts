// Mirrors reference/ffn.ts: the position-wise feed-forward layer (and, alone on an MSE loss, Stage 10's exercise 1).
import type { Decimal } from '../exact.js';
import { linearBackward, linearForward } from './linear.js';
import { mseBackward, mseForward } from './losses.js';
import { reluBackward, reluForward } from './relu.js';
import { reshape, type LayerTensors, type Mat, type Vec } from './tensor.js';

/** The biases are null where the model has none. */
export interface FFNWeights {
  /** [nin x hidden] */
  W_1: Mat;
  /** [hidden] */
  b_1: Vec | null;
  /** [hidden x nout] */
  W_2: Mat;
  /** [nout] */
  b_2: Vec | null;
}

export interface FFNActivations {
  /** [rows x hidden] X W_1 + b_1 */
  hidden: Mat;
  /** [rows x hidden] ReLU(hidden) */
  act: Mat;
  /** [rows x nout] act W_2 + b_2 */
  out: Mat;
}

export type FFNTensors = LayerTensors<FFNWeights, FFNActivations>;

/** hidden = X W_1 + b_1;  act = ReLU(hidden);  out = act W_2 + b_2 */
export function ffnForward(X: Mat, w: FFNWeights): FFNActivations {
  const hidden = linearForward(X, { W: w.W_1, b: w.b_1 });
  const act = hidden.map((row) => reluForward(row));
  return { hidden, act, out: linearForward(act, { W: w.W_2, b: w.b_2 }) };
}

/** From dout:  dact = dout W_2ᵀ (dW_2, db_2);  dhidden = dact · [hidden > 0];  dX = dhidden W_1ᵀ (dW_1, db_1) */
export function ffnBackward(dout: Mat, f: FFNTensors): FFNTensors {
  const second = linearBackward(dout, f.a.act, f.w.W_2);
  const dhidden = second.dX.map((row, i) => reluBackward(row, f.a.hidden[i]));
  const first = linearBackward(dhidden, f.x, f.w.W_1);
  return {
    x: first.dX,
    w: { W_1: first.dW, b_1: f.w.b_1 ? first.db : null, W_2: second.dW, b_2: f.w.b_2 ? second.db : null },
    a: { hidden: dhidden, act: second.dX, out: dout },
  };
}

/** The target of an MSE loss on the FFN's output: L = factor · mean((out − target)²). */
export interface MseTarget {
  target: Vec;
  factor: Decimal;
}

/** Stage 10's exercise 1: the FFN alone on an MSE loss, one forward and one backward pass. */
export function ffnMse(X: Mat, w: FFNWeights, loss: MseTarget): { f: FFNTensors; g: FFNTensors; loss: Decimal } {
  const a = ffnForward(X, w);
  const out = a.out.flat();
  const dout = reshape(mseBackward(out, loss.target, loss.factor), a.out.length, a.out[0].length);
  const f = { x: X, w, a };
  return { f, g: ffnBackward(dout, f), loss: mseForward(out, loss.target, loss.factor) };
}
