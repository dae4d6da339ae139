// Mirrors reference/model.ts: embedding → blocks → head, one example at a time (T positions); the batch lives in
// training.ts. It accepts and rejects exactly the examples the reference does (the same checks, the same messages).
import type { Decimal } from '../exact.js';
import {
  blockBackward,
  blockForward,
  blockGradTrace,
  blockParams,
  blockTrace,
  blockWeights,
  type BlockActivations,
  type BlockShape,
} from './block.js';
import type { ModelConfig } from './config.js';
import { embeddingBackward, embeddingForward, sinusoidalPositions } from './embedding.js';
import { linearBackward, linearForward } from './linear.js';
import { crossEntropyBackward, crossEntropyForward, mseBackward, mseForward } from './losses.js';
import { matShape, paramSpecs, type Params } from './params.js';
import { softmaxForward } from './softmax.js';
import { add, matrix, reshape, scalar, vector, zeros, type DecimalTrace, type Mat, type ReadNumber, type Vec } from './tensor.js';

/** One example: token ids (or continuous inputs [T x inDim]) and a class index (or regression target). */
export interface Example {
  tokens?: number[];
  inputs?: number[][];
  target?: number | number[];
}

/** Every activation of one example of T positions; the gradients have the same shape. */
export interface Activations {
  /** [T x inDim] the continuous inputs; null for token input */
  inputs: Mat | null;
  /** [T x d] the embedded input: E[token] + PE, or inputs W_in + b_in + PE */
  X: Mat;
  /** one per block; block l reads X (l = 0) or blocks[l − 1].out */
  blocks: BlockActivations[];
  /** [d] the representation of the prediction position: the head's input */
  final: Vec;
  /** [V] final W_out + b_out: the logits or the regression prediction; null without a head */
  head: Vec | null;
  /** [V] softmax of the logits; null unless the head is classification */
  probs: Vec | null;
}

/** The forward pass of one example: its activations, the trace naming them, and its loss. */
export interface Forward extends Activations {
  T: number;
  /** The example's loss; null when the head is 'none' or the example has no target. */
  loss: Decimal | null;
  trace: DecimalTrace;
  example: Example;
}

/** The position whose representation feeds the head: the last one (the book predicts from it). */
const predictionPosition = (T: number): number => T - 1;

/** The sequence length T of an example, after checking its tokens or inputs and (when given) its target. */
function checkExample(c: ModelConfig, ex: Example): number {
  const T = c.input === 'tokens' ? ex.tokens?.length : ex.inputs?.length;
  if (!T) throw new Error(`example needs a non-empty ${c.input === 'tokens' ? 'tokens' : 'inputs'} list`);
  if (T > c.seqLen) throw new Error(`sequence of ${T} positions exceeds seqLen ${c.seqLen}`);
  if (c.input === 'tokens') {
    for (const t of ex.tokens!)
      if (!Number.isInteger(t) || t < 0 || t >= c.vocab) throw new Error(`token ${t} outside vocab 0..${c.vocab - 1}`);
  } else if (ex.inputs!.flat().length !== T * c.inDim) throw new Error(`inputs must be ${T}×${c.inDim}`);
  // a target of the head's kind must fit it: a regression target of another length is an error, never cut to outDim
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
export function forward(c: ModelConfig, p: Params, ex: Example, read: ReadNumber): Forward {
  const T = checkExample(c, ex);
  const d = c.dModel;
  const s: BlockShape = { T, config: c };
  const pe = c.positional === 'sinusoidal' ? sinusoidalPositions(T, d) : null;
  let inputs: Mat | null = null;
  let X: Mat;
  if (c.input === 'tokens') X = embeddingForward(ex.tokens!, { E: p['embedding.E'], pe });
  else {
    inputs = reshape(ex.inputs!.flat().map(read), T, c.inDim);
    X = linearForward(inputs, { W: p['input.W_in'], b: p['input.b_in'][0] });
    if (pe) X = add(X, pe);
  }
  const blocks: BlockActivations[] = [];
  for (let l = 0; l < c.layers; l++) blocks.push(blockForward(l === 0 ? X : blocks[l - 1].out, blockWeights(p, c, l), s, read));
  const final = blocks[c.layers - 1].out[predictionPosition(T)];
  const a: Activations = { inputs, X, blocks, final, head: null, probs: null };
  let loss: Decimal | null = null;
  if (c.head !== 'none') a.head = linearForward([final], { W: p['head.W_out'], b: c.headBias ? p['head.b_out'][0] : null })[0];
  if (c.head === 'classification') {
    a.probs = softmaxForward([a.head!])[0];
    if (typeof ex.target === 'number') loss = crossEntropyForward(a.probs, ex.target);
  } else if (a.head && Array.isArray(ex.target)) loss = mseForward(a.head, ex.target.map(read), read(c.mseFactor));
  return { ...a, T, loss, trace: forwardTrace(c, T, a, loss), example: ex };
}

/** The forward trace: X, each block's values, final_repr, the head's output and the loss. */
function forwardTrace(c: ModelConfig, T: number, a: Activations, loss: Decimal | null): DecimalTrace {
  const s: BlockShape = { T, config: c };
  const trace: DecimalTrace = { X: matrix(a.X) };
  a.blocks.forEach((b, l) => Object.assign(trace, blockTrace(`blocks.${l}`, b, s)));
  trace['final_repr'] = vector(a.final);
  if (c.head === 'classification') {
    trace['logits'] = vector(a.head!);
    trace['probs'] = vector(a.probs!);
  } else if (c.head === 'regression') trace['prediction'] = vector(a.head!);
  if (loss) trace['loss'] = scalar(loss);
  return trace;
}

/**
 * dL/d(everything) of one example's own loss (not scaled by 1/N): every parameter's gradient (zero where the
 * example does not reach it) and the trace of the activations' gradients, under the forward trace's names
 * prefixed 'grad.'.
 */
export function backward(c: ModelConfig, p: Params, f: Forward, read: ReadNumber): { grads: Params; trace: DecimalTrace } {
  checkTarget(c, f.example);
  const { T } = f;
  const s: BlockShape = { T, config: c };
  const grads: Params = Object.fromEntries(paramSpecs(c).map((sp) => [sp.name, zeros(...matShape(sp.shape))]));
  const dHead =
    c.head === 'classification'
      ? crossEntropyBackward(f.probs!, f.example.target as number)
      : mseBackward(f.head!, (f.example.target as number[]).map(read), read(c.mseFactor));
  const h = linearBackward([dHead], [f.final], p['head.W_out']);
  grads['head.W_out'] = h.dW;
  if (c.headBias) grads['head.b_out'] = [h.db];
  const g: Activations = { inputs: null, X: [], blocks: [], final: h.dX[0], head: dHead, probs: null };
  // only the prediction position reaches the head
  let dOut = zeros(T, c.dModel).map((row, i) => (i === predictionPosition(T) ? g.final : row));
  for (let l = c.layers - 1; l >= 0; l--) {
    const b = blockBackward(dOut, { x: l === 0 ? f.X : f.blocks[l - 1].out, w: blockWeights(p, c, l), a: f.blocks[l] }, s);
    g.blocks[l] = b.a;
    Object.assign(grads, blockParams(b.w, l));
    dOut = b.x;
  }
  g.X = dOut;
  if (c.input === 'tokens') grads['embedding.E'] = embeddingBackward(g.X, f.example.tokens!, c.vocab);
  else {
    const i = linearBackward(g.X, f.inputs!, p['input.W_in']);
    grads['input.W_in'] = i.dW;
    grads['input.b_in'] = [i.db];
  }
  return { grads, trace: gradTrace(c, T, g) };
}

/** The gradient trace: the head's output, final_repr, each block from the last, X. */
function gradTrace(c: ModelConfig, T: number, g: Activations): DecimalTrace {
  const s: BlockShape = { T, config: c };
  const trace: DecimalTrace = {
    [c.head === 'classification' ? 'grad.logits' : 'grad.prediction']: vector(g.head!),
    'grad.final_repr': vector(g.final),
  };
  for (let l = c.layers - 1; l >= 0; l--) Object.assign(trace, blockGradTrace(`blocks.${l}`, g.blocks[l], s));
  trace['grad.X'] = matrix(g.X);
  return trace;
}
