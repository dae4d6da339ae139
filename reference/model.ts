// The transformer of the seeds: embedding → blocks → head, one example at a time (T positions); the batch lives
// in training.ts. forward and backward are straight lists of calls over the buffers of one Activations struct,
// filled by forwardInto and backwardInto, which take B examples of the same length at once (the B·T positions as
// the rows of one matrix; batch.ts trains that way).
import {
  allocBlockActivations,
  blockBackward,
  blockForward,
  blockGradTrace,
  blockTrace,
  blockWeights,
  type BlockActivations,
  type BlockShape,
} from './block.js';
import type { ModelConfig } from './config.js';
import { embeddingForward, sinusoidalPositions } from './embedding.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import { crossEntropyForward, mseForward } from './losses.js';
import type { Params } from './params.js';
import { scalar, tensor, type Trace } from './tensor.js';

export type { Trace } from './tensor.js';

/** One training example: token ids (or continuous inputs [T x inDim]) and a class index (or regression target). */
export interface Example {
  tokens?: number[];
  inputs?: number[][];
  target?: number | number[];
}

/**
 * Every activation of one example of T positions (d = dModel, V = outDim); the gradients have the same shape. For
 * B examples at once, each buffer holds B of these one after the other ([B·T x d], [B x V], …).
 */
export interface Activations {
  /** [T x inDim] the continuous inputs; null for token input */
  inputs: Float64Array | null;
  /** [T x d] the embedded input: E[token] + PE, or inputs W_in + b_in + PE */
  X: Float64Array;
  /** one per block; block l reads X (l = 0) or blocks[l − 1].out */
  blocks: BlockActivations[];
  /** [d] the representation of the prediction position: the head's input */
  final: Float64Array;
  /** [V] final W_out + b_out: the logits or the regression prediction; null without a head */
  head: Float64Array | null;
  /** [V] softmax of the logits; null unless the head is classification */
  probs: Float64Array | null;
}

/** Zeroed activations (or gradients) of B examples (1 by default) of T positions each. */
export function allocActivations(c: ModelConfig, T: number, B = 1): Activations {
  const s: BlockShape = { T, B, config: c };
  return {
    inputs: c.input === 'continuous' ? new Float64Array(B * T * c.inDim) : null,
    X: new Float64Array(B * T * c.dModel),
    blocks: Array.from({ length: c.layers }, () => allocBlockActivations(s)),
    final: new Float64Array(B * c.dModel),
    head: c.head === 'none' ? null : new Float64Array(B * c.outDim),
    probs: c.head === 'classification' ? new Float64Array(B * c.outDim) : null,
  };
}

/** B examples of T positions each, as forwardInto and backwardInto take them. */
export interface Rows {
  examples: Example[];
  T: number;
}

/** Row b of a [B x n] buffer. */
const row = (M: Float64Array, b: number, n: number): Float64Array => M.subarray(b * n, (b + 1) * n);

/** The forward pass of one example: its activations, the trace naming them, and its loss. */
export interface Forward extends Activations {
  T: number;
  /** The example's loss (NaN when the head is 'none' or the example has no target). */
  loss: number;
  trace: Trace;
  example: Example;
}

/** Block l's input: the embedded input, or the previous block's output (of the activations or of their gradients). */
const blockInput = (a: Activations, l: number): Float64Array => (l === 0 ? a.X : a.blocks[l - 1].out);

/** The sequence length T of an example, after checking its tokens or inputs and (when given) its target. */
export function checkExample(c: ModelConfig, ex: Example): number {
  const T = c.input === 'tokens' ? ex.tokens?.length : ex.inputs?.length;
  if (!T) throw new Error(`example needs a non-empty ${c.input === 'tokens' ? 'tokens' : 'inputs'} list`);
  if (T > c.seqLen) throw new Error(`sequence of ${T} positions exceeds seqLen ${c.seqLen}`);
  if (c.input === 'tokens') {
    for (const t of ex.tokens!)
      if (!Number.isInteger(t) || t < 0 || t >= c.vocab) throw new Error(`token ${t} outside vocab 0..${c.vocab - 1}`);
  } else if (ex.inputs!.flat().length !== T * c.inDim) throw new Error(`inputs must be ${T}×${c.inDim}`);
  if (c.head === 'classification' && typeof ex.target === 'number') checkTarget(c, ex);
  if (c.head === 'regression' && Array.isArray(ex.target)) checkTarget(c, ex);
  return T;
}

function checkTarget(c: ModelConfig, ex: Example): void {
  if (c.head === 'none') throw new Error('a model without a head has no loss to differentiate');
  if (c.head === 'classification') {
    const t = ex.target;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= c.outDim)
      throw new Error(`classification target must be a class index 0..${c.outDim - 1}`);
  } else if (!Array.isArray(ex.target) || ex.target.length !== c.outDim) {
    throw new Error(`regression target must be a list of ${c.outDim} numbers`);
  }
}

/** Runs the model on one example and records every intermediate the worksheets print. */
export function forward(c: ModelConfig, p: Params, ex: Example, kernels: Kernels = REFERENCE_KERNELS): Forward {
  const T = checkExample(c, ex);
  const a = allocActivations(c, T);
  forwardInto(a, c, p, { examples: [ex], T }, kernels);
  const loss = exampleLoss(c, a, 0, ex);
  return { ...a, T, loss, trace: forwardTrace(c, T, a, loss), example: ex };
}

/** Fills `a` (allocated for r.examples.length examples of r.T positions) from examples checked by checkExample. */
export function forwardInto(a: Activations, c: ModelConfig, p: Params, r: Rows, kernels: Kernels = REFERENCE_KERNELS): void {
  const { examples, T } = r;
  const [B, d] = [examples.length, c.dModel];
  const s: BlockShape = { T, B, config: c };
  const pe = c.positional === 'sinusoidal' ? new Float64Array(T * d) : null; // [T x d], a constant: not kept
  if (pe) sinusoidalPositions(pe, T, d);

  // embedding
  if (c.input === 'tokens') examples.forEach((ex, b) => embeddingForward(row(a.X, b, T * d), ex.tokens!, { E: p['embedding.E'], pe }, d));
  else {
    examples.forEach((ex, b) => a.inputs!.set(ex.inputs!.flat(), b * T * c.inDim));
    kernels.linearForward(a.X, a.inputs!, { W: p['input.W_in'], b: p['input.b_in'] }, { rows: B * T, nin: c.inDim, nout: d });
    if (pe) for (let i = 0; i < a.X.length; i++) a.X[i] += pe[i % (T * d)];
  }
  // blocks
  for (let l = 0; l < c.layers; l++) blockForward(a.blocks[l], blockInput(a, l), blockWeights(p, c, l), s, kernels);
  // head: the prediction position's representation → logits (→ probabilities) or the prediction
  const last = kernels.predictionPosition(T);
  for (let b = 0; b < B; b++) a.final.set(row(a.blocks[c.layers - 1].out, b * T + last, d), b * d);
  if (a.head)
    kernels.linearForward(
      a.head,
      a.final,
      { W: p['head.W_out'], b: c.headBias ? p['head.b_out'] : null },
      { rows: B, nin: d, nout: c.outDim },
    );
  if (a.probs) kernels.softmaxForward(a.probs, a.head!, { rows: B, n: c.outDim });
}

/** The loss of example b of `a` (NaN when the head is 'none' or the example has no target). */
export function exampleLoss(c: ModelConfig, a: Activations, b: number, ex: Example): number {
  if (a.probs) return typeof ex.target === 'number' ? crossEntropyForward(row(a.probs, b, c.outDim), ex.target) : NaN;
  if (a.head && Array.isArray(ex.target)) return mseForward(row(a.head, b, c.outDim), ex.target, c.mseFactor);
  return NaN;
}

/** The forward trace: X, each block's values, final_repr, the head's output and the loss. */
function forwardTrace(c: ModelConfig, T: number, a: Activations, loss: number): Trace {
  const s: BlockShape = { T, config: c };
  const trace: Trace = { X: tensor([T, c.dModel], a.X) };
  a.blocks.forEach((b, l) => Object.assign(trace, blockTrace(`blocks.${l}`, b, s)));
  trace['final_repr'] = tensor([c.dModel], a.final);
  if (c.head === 'classification') {
    trace['logits'] = tensor([c.outDim], a.head!);
    trace['probs'] = tensor([c.outDim], a.probs!);
  } else if (c.head === 'regression') trace['prediction'] = tensor([c.outDim], a.head!);
  if (!Number.isNaN(loss)) trace['loss'] = scalar(loss);
  return trace;
}

export interface BackwardOptions {
  /** What the loss's gradient is multiplied by (1/N for a batch mean); 1 by default. */
  scale?: number;
  /** Return the trace of the activations' gradients (default: an empty trace). */
  traceGrads?: boolean;
  kernels?: Kernels;
}

/**
 * Back-propagates scale · dL/d(everything) of one example: ADDS the parameter gradients into `grads` (so a batch
 * sums into one buffer) and, when asked, returns the trace of the activations' gradients under the names of the
 * forward trace, prefixed 'grad.'.
 */
export function backward(c: ModelConfig, p: Params, f: Forward, grads: Params, o: BackwardOptions = {}): Trace {
  const { scale = 1, traceGrads = false, kernels = REFERENCE_KERNELS } = o;
  const g = allocActivations(c, f.T);
  backwardInto({ g, f }, c, { p, grads }, { examples: [f.example], T: f.T }, { scale, kernels });
  return traceGrads ? gradTrace(c, f.T, g) : {};
}

/**
 * The backward pass of forwardInto's B examples: f their activations, g zeroed buffers of the same shape for the
 * activations' gradients; ADDS scale · ∂L_b/∂θ of every example b, in order, into `grads`.
 */
export function backwardInto(
  t: { g: Activations; f: Activations },
  c: ModelConfig,
  w: { p: Params; grads: Params },
  r: Rows,
  o: { scale: number; kernels: Kernels },
): void {
  const { g, f } = t;
  const { p, grads } = w;
  const { examples, T } = r;
  const { scale, kernels } = o;
  for (const ex of examples) checkTarget(c, ex);
  const [B, d, V] = [examples.length, c.dModel, c.outDim];
  const s: BlockShape = { T, B, config: c };

  // head
  examples.forEach((ex, b) => {
    if (c.head === 'classification') kernels.crossEntropyBackward(row(g.head!, b, V), row(f.probs!, b, V), ex.target as number, scale);
    else kernels.mseBackward(row(g.head!, b, V), row(f.head!, b, V), ex.target as number[], { factor: c.mseFactor, scale });
  });
  kernels.linearBackward(
    { dX: g.final, dW: grads['head.W_out'], db: c.headBias ? grads['head.b_out'] : null, dY: g.head! },
    f.final,
    p['head.W_out'],
    { rows: B, nin: d, nout: V },
  );
  const last = kernels.predictionPosition(T);
  for (let b = 0; b < B; b++) g.blocks[c.layers - 1].out.set(row(g.final, b, d), (b * T + last) * d);
  // blocks, last to first
  for (let l = c.layers - 1; l >= 0; l--) {
    blockBackward(
      { x: blockInput(g, l), w: blockWeights(grads, c, l), a: g.blocks[l] },
      { x: blockInput(f, l), w: blockWeights(p, c, l), a: f.blocks[l] },
      s,
      kernels,
    );
  }
  // embedding
  if (c.input === 'tokens') examples.forEach((ex, b) => kernels.embeddingBackward(grads['embedding.E'], row(g.X, b, T * d), ex.tokens!, d));
  else
    kernels.linearBackward({ dX: null, dW: grads['input.W_in'], db: grads['input.b_in'], dY: g.X }, f.inputs!, p['input.W_in'], {
      rows: B * T,
      nin: c.inDim,
      nout: d,
    });
}

/** The gradient trace: the head's output, final_repr, each block from the last, X. */
function gradTrace(c: ModelConfig, T: number, g: Activations): Trace {
  const s: BlockShape = { T, config: c };
  const trace: Trace = {
    [c.head === 'classification' ? 'grad.logits' : 'grad.prediction']: tensor([c.outDim], g.head!),
    'grad.final_repr': tensor([c.dModel], g.final),
  };
  for (let l = c.layers - 1; l >= 0; l--) Object.assign(trace, blockGradTrace(`blocks.${l}`, g.blocks[l], s));
  trace['grad.X'] = tensor([T, c.dModel], g.X);
  return trace;
}
