// One batch's forward and backward, split into shards that may run on different threads. A shard adds
// scale · ∂L_i/∂θ for its examples into its own gradient buffer; the shards' buffers are then summed in a fixed
// order, so a batch's mean gradient is the same (to rounding) however it was split.
import { batchInto, createBatchWorkspace, type BatchSums, type BatchWorkspace } from '../reference/batch.js';
import type { ModelConfig } from '../reference/config.js';
import type { Example } from '../reference/model.js';
import { paramSpecs, sizeOf, type Params } from '../reference/params.js';

/** Σ L_i over the shard's examples, and how many examples' most probable class is the target. */
export type ShardResult = BatchSums;

/** One workspace per configuration in this thread, its buffers reused from batch to batch. */
const workspaces = new WeakMap<ModelConfig, BatchWorkspace>();

/**
 * Forward over `examples` and, when `grads` is given, backward: grads += scale · Σ_i ∂L_i/∂θ, the examples of
 * equal length as one matrix (reference/batch.ts; the gradients bit-identical to the reference's batchGradients).
 * Returns Σ L_i and the hits (without `grads`: an evaluation).
 */
export function accumulateShard(c: ModelConfig, p: Params, examples: Example[], grads: Params | null, scale = 0): ShardResult {
  let ws = workspaces.get(c);
  if (!ws) workspaces.set(c, (ws = createBatchWorkspace(c)));
  return batchInto(ws, p, examples, { grads, scale });
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
