// Training a batch as one matrix: consecutive examples of the same length go through forwardInto and backwardInto
// together (their B·T positions as the rows of every linear layer's product), in buffers allocated once per shape
// and reused from step to step. Every parameter gradient receives the examples' terms in the order batchGradients
// adds them (example by example, row by row), so the gradients are bit-identical to batchGradients' (batch.test.ts).
import type { ModelConfig } from './config.js';
import { FAST_KERNELS } from './fast-kernels.js';
import type { Kernels } from './kernels.js';
import { allocActivations, backwardInto, checkExample, exampleLoss, forwardInto, type Activations, type Example } from './model.js';
import { globalNorm } from './optim.js';
import { paramSpecs, zerosLike, type Params } from './params.js';
import type { Optimizer } from './training.js';

/** Sequences per matrix at most: a whole evaluation set would otherwise need activations for all of it at once. */
export const MAX_SEQUENCES = 32;

/** Activations and their gradients for B examples of T positions, kept between steps. */
interface Buffers {
  f: Activations;
  g: Activations | null;
  /** every distinct buffer of g, to zero before each backward pass */
  zero: Float64Array[];
}

/** The buffers of one model configuration, by shape (B examples of T positions), made when first needed. */
export interface BatchWorkspace {
  config: ModelConfig;
  kernels: Kernels;
  shapes: Map<string, Buffers>;
}

/** A workspace for config c; its products are FAST_KERNELS' (bit-identical to the reference's) by default. */
export function createBatchWorkspace(c: ModelConfig, kernels: Kernels = FAST_KERNELS): BatchWorkspace {
  return { config: c, kernels, shapes: new Map() };
}

/** Every Float64Array reachable from v, once each. */
function buffersOf(v: unknown, out = new Set<Float64Array>()): Float64Array[] {
  if (v instanceof Float64Array) out.add(v);
  else if (Array.isArray(v)) for (const x of v) buffersOf(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) buffersOf(x, out);
  return [...out];
}

function buffers(ws: BatchWorkspace, B: number, T: number, backward: boolean): Buffers {
  const key = `${B}x${T}`;
  let b = ws.shapes.get(key);
  if (!b) ws.shapes.set(key, (b = { f: allocActivations(ws.config, T, B), g: null, zero: [] }));
  if (backward && !b.g) {
    b.g = allocActivations(ws.config, T, B);
    b.zero = buffersOf(b.g);
  }
  return b;
}

/** What a batch's forward (and backward) pass gives besides the gradients. */
export interface BatchSums {
  /** Σ L_i over the examples, added in order. */
  lossSum: number;
  /** How many examples' most probable class is the target. */
  correct: number;
}

/** Index of the largest of n entries from `at` (the first one on ties). */
function argmax(xs: Float64Array, at: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (xs[at + i] > xs[at + best]) best = i;
  return best;
}

/**
 * Forward over `examples` and, when `grads` is given, backward: grads += scale · Σ_i ∂L_i/∂θ, the examples taken
 * in order, runs of the same length (up to MAX_SEQUENCES) as one matrix.
 */
export function batchInto(ws: BatchWorkspace, p: Params, examples: Example[], o: { grads: Params | null; scale: number }): BatchSums {
  const c = ws.config;
  const sums: BatchSums = { lossSum: 0, correct: 0 };
  for (let i = 0; i < examples.length; ) {
    const T = checkExample(c, examples[i]);
    let j = i + 1;
    while (j < examples.length && j - i < MAX_SEQUENCES && checkExample(c, examples[j]) === T) j++;
    const run = { examples: examples.slice(i, j), T };
    const b = buffers(ws, j - i, T, o.grads !== null);
    forwardInto(b.f, c, p, run, ws.kernels);
    run.examples.forEach((ex, k) => {
      sums.lossSum += exampleLoss(c, b.f, k, ex);
      if (b.f.probs && argmax(b.f.probs, k * c.outDim, c.outDim) === ex.target) sums.correct++;
    });
    if (o.grads) {
      for (const z of b.zero) z.fill(0);
      backwardInto({ g: b.g!, f: b.f }, c, { p, grads: o.grads }, run, { scale: o.scale, kernels: ws.kernels });
    }
    i = j;
  }
  return sums;
}

/** A training loop's step over one workspace: forward, backward, (clip), the optimizer's update. */
export interface BatchTrainer {
  readonly params: Params;
  /** The last step's gradients of the mean loss. */
  readonly grads: Params;
  /** One step on `examples`; returns the mean loss and the gradient norm before clipping. */
  step(examples: Example[]): { loss: number; gradNorm: number };
}

/**
 * trainStep's forward → mean loss → backward → (clip) → update on `params` in place, over a workspace: the same
 * numbers as trainStep (without its traces), every parameter trained.
 */
export function batchTrainer(ws: BatchWorkspace, params: Params, opt: Optimizer, o: { clip?: number } = {}): BatchTrainer {
  const c = ws.config;
  const names = paramSpecs(c).map((s) => s.name);
  const grads = zerosLike(c);
  return {
    params,
    grads,
    step(examples) {
      if (examples.length === 0) throw new Error('a batch needs at least one example');
      for (const g of Object.values(grads)) g.fill(0);
      const { lossSum } = batchInto(ws, params, examples, { grads, scale: 1 / ws.kernels.batchDivisor(examples.length) });
      const gradNorm = o.clip !== undefined ? ws.kernels.clipGradNorm(grads, o.clip, names) : globalNorm(grads, names);
      opt.step(params, grads, names);
      return { loss: lossSum / examples.length, gradNorm };
    },
  };
}
