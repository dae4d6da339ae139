// One batch's forward and backward, split into shards that may run on different threads. A shard adds
// scale · ∂L_i/∂θ for its examples into its own gradient buffer; the shards' buffers are then summed in a fixed
// order, so a batch's mean gradient is the same (to rounding) however it was split.
import type { ModelConfig } from '../reference/config.js';
import { backward, forward, type Example } from '../reference/model.js';
import { paramSpecs, sizeOf, type Params } from '../reference/params.js';

export interface ShardResult {
  /** Σ L_i over the shard's examples. */
  lossSum: number;
  /** How many examples' most probable class is the target. */
  correct: number;
}

/** Index of the largest entry (the first one on ties). */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * Forward over `examples` and, when `grads` is given, backward: grads += scale · Σ_i ∂L_i/∂θ.
 * Returns Σ L_i and the hits (without `grads`: an evaluation).
 */
export function accumulateShard(c: ModelConfig, p: Params, examples: Example[], grads: Params | null, scale = 0): ShardResult {
  let lossSum = 0;
  let correct = 0;
  for (const ex of examples) {
    const f = forward(c, p, ex);
    lossSum += f.loss;
    if (f.probs && argmax(f.probs) === ex.target) correct++;
    if (grads) backward(c, p, f, grads, { scale });
  }
  return { lossSum, correct };
}

/** Total number of parameter values: the length of one flat buffer holding them all. */
export function flatSize(c: ModelConfig): number {
  return paramSpecs(c).reduce((n, s) => n + sizeOf(s.shape), 0);
}

/** Parameter-shaped views over one flat buffer (a SharedArrayBuffer lets threads see the same values). */
export function viewsOver(c: ModelConfig, buffer: ArrayBufferLike): Params {
  const views: Params = {};
  let offset = 0;
  for (const s of paramSpecs(c)) {
    const n = sizeOf(s.shape);
    views[s.name] = new Float64Array(buffer, offset * 8, n);
    offset += n;
  }
  return views;
}

/** Contiguous shards of `examples`, as equal as possible, in order. */
export function splitEven<T>(xs: T[], parts: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < parts; k++) out.push(xs.slice(Math.floor((k * xs.length) / parts), Math.floor(((k + 1) * xs.length) / parts)));
  return out;
}
