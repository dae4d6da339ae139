// The transformer of the seeds, composed from the operations beside this file.
// One example at a time (T positions); the batch lives in training.ts.
import type { ModelConfig } from './config.js';
import { embeddingForward, sinusoidalPositions } from './embedding.js';
import { ffnBackward, ffnForward, type FFNCache, type FFNWeights } from './ffn.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import { layerNormForward } from './layernorm.js';
import { crossEntropyForward, mseForward } from './losses.js';
import type { Params } from './params.js';
import { selfAttentionBackward, selfAttentionForward, type SelfAttentionCache, type SelfAttentionWeights } from './self_attention.js';
import { scalar, tensor, type Tensor } from './tensor.js';

/** One training example: token ids (or continuous inputs [T×inDim]) and a class index (or regression target). */
export interface Example {
  tokens?: number[];
  inputs?: number[][];
  target?: number | number[];
}

export type Trace = Record<string, Tensor>;

interface LayerNormCache {
  x: Float64Array;
  y: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

interface BlockCache {
  x: Float64Array;
  attn: SelfAttentionCache;
  res1: Float64Array;
  ln1: LayerNormCache | null;
  h1: Float64Array;
  ffn: FFNCache | null;
  res2: Float64Array | null;
  ln2: LayerNormCache | null;
  out: Float64Array;
}

/** The forward pass of one example: the named trace and what the backward pass needs. */
export interface Forward {
  T: number;
  /** Mean-free loss of this example (NaN when the head is 'none' or the example has no target). */
  loss: number;
  trace: Trace;
  example: Example;
  inputX: Float64Array | null;
  X: Float64Array;
  blocks: BlockCache[];
  final: Float64Array;
  head: Float64Array | null;
  probs: Float64Array | null;
}

const attnWeights = (p: Params, b: string, c: ModelConfig): SelfAttentionWeights => ({
  W_Q: p[`${b}.attn.W_Q`],
  W_K: p[`${b}.attn.W_K`],
  W_V: p[`${b}.attn.W_V`],
  W_O: c.attnProjection ? p[`${b}.attn.W_O`] : null,
});

const ffnWeights = (p: Params, b: string, c: ModelConfig): FFNWeights => ({
  W_1: p[`${b}.ffn.W_1`],
  b_1: c.ffnBias ? p[`${b}.ffn.b_1`] : null,
  W_2: p[`${b}.ffn.W_2`],
  b_2: c.ffnBias ? p[`${b}.ffn.b_2`] : null,
});

function layerNorm(x: Float64Array, p: Params, name: string, T: number, d: number, eps: number): LayerNormCache {
  const y = new Float64Array(T * d);
  const mean = new Float64Array(T);
  const rstd = new Float64Array(T);
  layerNormForward(y, mean, rstd, x, p[`${name}.gamma`], p[`${name}.beta`], T, d, eps);
  return { x, y, mean, rstd };
}

function sequenceLength(c: ModelConfig, ex: Example): number {
  const T = c.input === 'tokens' ? ex.tokens?.length : ex.inputs?.length;
  if (!T) throw new Error(`example needs a non-empty ${c.input === 'tokens' ? 'tokens' : 'inputs'} list`);
  if (T > c.seqLen) throw new Error(`sequence of ${T} positions exceeds seqLen ${c.seqLen}`);
  return T;
}

/** Runs the model on one example and records every intermediate the worksheets print (`kernels`: reference/kernels.ts). */
export function forward(c: ModelConfig, p: Params, ex: Example, kernels: Kernels = REFERENCE_KERNELS): Forward {
  const T = sequenceLength(c, ex);
  const d = c.dModel;
  const trace: Trace = {};
  const pe = c.positional === 'sinusoidal' ? sinusoidalPositions(T, d) : null;
  const X = new Float64Array(T * d);
  let inputX: Float64Array | null = null;
  if (c.input === 'tokens') {
    const tokens = ex.tokens!;
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= c.vocab) throw new Error(`token ${t} outside vocab 0..${c.vocab - 1}`);
    embeddingForward(X, tokens, p['embedding.E'], pe, d);
  } else {
    inputX = Float64Array.from(ex.inputs!.flat());
    if (inputX.length !== T * c.inDim) throw new Error(`inputs must be ${T}×${c.inDim}`);
    kernels.linearForward(X, inputX, p['input.W_in'], p['input.b_in'], T, c.inDim, d);
    if (pe) for (let i = 0; i < X.length; i++) X[i] += pe[i];
  }
  trace['X'] = tensor([T, d], X);

  const shape = { T, d, heads: c.heads, causal: c.causal };
  const blocks: BlockCache[] = [];
  let x: Float64Array = X;
  for (let l = 0; l < c.layers; l++) {
    const b = `blocks.${l}`;
    const attn = selfAttentionForward(x, attnWeights(p, b, c), shape, kernels);
    let res1 = attn.out;
    if (c.attnResidual) {
      res1 = new Float64Array(T * d);
      kernels.residualForward(res1, x, attn.out, T * d);
    }
    const ln1 = c.layerNorm ? layerNorm(res1, p, `${b}.ln1`, T, d, c.lnEps) : null;
    const h1 = ln1 ? ln1.y : res1;
    let ffn: FFNCache | null = null;
    let res2: Float64Array | null = null;
    let ln2: LayerNormCache | null = null;
    let out = h1;
    if (c.dFF > 0) {
      ffn = ffnForward(h1, ffnWeights(p, b, c), T, d, c.dFF, d, kernels);
      res2 = ffn.out;
      if (c.ffnResidual) {
        res2 = new Float64Array(T * d);
        kernels.residualForward(res2, h1, ffn.out, T * d);
      }
      ln2 = c.layerNorm ? layerNorm(res2, p, `${b}.ln2`, T, d, c.lnEps) : null;
      out = ln2 ? ln2.y : res2;
    }
    const hT = [c.heads, T, T];
    Object.assign(trace, {
      [`${b}.attn.Q`]: tensor([T, d], attn.Q),
      [`${b}.attn.K`]: tensor([T, d], attn.K),
      [`${b}.attn.V`]: tensor([T, d], attn.V),
      [`${b}.attn.scores`]: tensor(hT, attn.scores),
      [`${b}.attn.scaled`]: tensor(hT, attn.scaled),
      [`${b}.attn.weights`]: tensor(hT, attn.weights),
      [`${b}.attn.context`]: tensor([T, d], attn.context),
      [`${b}.attn.out`]: tensor([T, d], attn.out),
    });
    if (c.attnResidual) trace[`${b}.res1`] = tensor([T, d], res1);
    if (ln1) trace[`${b}.ln1`] = tensor([T, d], ln1.y);
    if (ffn) {
      trace[`${b}.ffn.hidden`] = tensor([T, c.dFF], ffn.hidden);
      trace[`${b}.ffn.act`] = tensor([T, c.dFF], ffn.act);
      trace[`${b}.ffn.out`] = tensor([T, d], ffn.out);
      if (c.ffnResidual) trace[`${b}.res2`] = tensor([T, d], res2!);
      if (ln2) trace[`${b}.ln2`] = tensor([T, d], ln2.y);
    }
    trace[`${b}.out`] = tensor([T, d], out);
    blocks.push({ x, attn, res1, ln1, h1, ffn, res2, ln2, out });
    x = out;
  }

  const last = kernels.predictionPosition(T);
  const final = x.slice(last * d, (last + 1) * d);
  trace['final_repr'] = tensor([d], final);
  let loss = NaN;
  let head: Float64Array | null = null;
  let probs: Float64Array | null = null;
  if (c.head !== 'none') {
    head = new Float64Array(c.outDim);
    kernels.linearForward(head, final, p['head.W_out'], c.headBias ? p['head.b_out'] : null, 1, d, c.outDim);
    if (c.head === 'classification') {
      trace['logits'] = tensor([c.outDim], head);
      probs = new Float64Array(c.outDim);
      if (typeof ex.target === 'number') {
        if (!Number.isInteger(ex.target) || ex.target < 0 || ex.target >= c.outDim) throw new Error(`classification target must be a class index 0..${c.outDim - 1}`);
        loss = crossEntropyForward(probs, head, ex.target, c.outDim, kernels.softmaxForward);
      }
      else crossEntropyForward(probs, head, 0, c.outDim, kernels.softmaxForward);
      trace['probs'] = tensor([c.outDim], probs);
    } else {
      trace['prediction'] = tensor([c.outDim], head);
      if (Array.isArray(ex.target)) {
        if (ex.target.length !== c.outDim) throw new Error(`regression target must be a list of ${c.outDim} numbers`);
        loss = mseForward(head, ex.target, c.outDim, c.mseFactor);
      }
    }
    if (!Number.isNaN(loss)) trace['loss'] = scalar(loss);
  }
  return { T, loss, trace, example: ex, inputX, X, blocks, final, head, probs };
}

function checkTarget(c: ModelConfig, ex: Example): void {
  if (c.head === 'none') throw new Error('a model without a head has no loss to differentiate');
  if (c.head === 'classification') {
    const t = ex.target;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= c.outDim) throw new Error(`classification target must be a class index 0..${c.outDim - 1}`);
  } else if (!Array.isArray(ex.target) || ex.target.length !== c.outDim) {
    throw new Error(`regression target must be a list of ${c.outDim} numbers`);
  }
}

/**
 * Back-propagates scale · dL/d(everything) of one example: ADDS the parameter gradients into
 * `grads` (so a batch sums into one buffer) and, when asked, returns the trace of
 * intermediate gradients under the names of the forward trace, prefixed 'grad.'.
 */
export function backward(
  c: ModelConfig, p: Params, f: Forward, grads: Params, scale = 1, traceGrads = false, kernels: Kernels = REFERENCE_KERNELS,
): Trace {
  checkTarget(c, f.example);
  const { T } = f;
  const d = c.dModel;
  const gt: Trace = {};
  const dHead = new Float64Array(c.outDim);
  if (c.head === 'classification') kernels.crossEntropyBackward(dHead, f.probs!, f.example.target as number, c.outDim, scale);
  else kernels.mseBackward(dHead, f.head!, f.example.target as number[], c.outDim, c.mseFactor, scale);
  const dFinal = new Float64Array(d);
  kernels.linearBackward(dFinal, grads['head.W_out'], c.headBias ? grads['head.b_out'] : null, dHead, f.final, p['head.W_out'], 1, d, c.outDim);
  if (traceGrads) {
    gt[c.head === 'classification' ? 'grad.logits' : 'grad.prediction'] = tensor([c.outDim], dHead);
    gt['grad.final_repr'] = tensor([d], dFinal);
  }

  let dOut: Float64Array = new Float64Array(T * d);
  dOut.set(dFinal, kernels.predictionPosition(T) * d);
  const shape = { T, d, heads: c.heads, causal: c.causal };
  for (let l = c.layers - 1; l >= 0; l--) {
    const b = `blocks.${l}`;
    const k = f.blocks[l];
    if (traceGrads) {
      gt[`grad.${b}.out`] = tensor([T, d], dOut);
      if (k.ln2) gt[`grad.${b}.ln2`] = tensor([T, d], dOut); // the block's output is LN₂'s output
    }
    let dh1 = dOut;
    if (k.ffn) {
      let dres2 = dOut;
      if (k.ln2) {
        dres2 = new Float64Array(T * d);
        kernels.layerNormBackward(dres2, grads[`${b}.ln2.gamma`], grads[`${b}.ln2.beta`], dOut, k.ln2.x, p[`${b}.ln2.gamma`], k.ln2.mean, k.ln2.rstd, T, d);
      }
      if (traceGrads && c.ffnResidual) gt[`grad.${b}.res2`] = tensor([T, d], dres2); // the residual sum, whenever it exists
      dh1 = new Float64Array(T * d);
      let dffn = dres2;
      if (c.ffnResidual) {
        dffn = new Float64Array(T * d);
        kernels.residualBackward(dh1, dffn, dres2, T * d);
      }
      const ft = traceGrads ? { act: new Float64Array(T * c.dFF), hidden: new Float64Array(T * c.dFF) } : {};
      ffnBackward(dh1, ffnWeights(grads, b, c), dffn, k.h1, ffnWeights(p, b, c), k.ffn, T, d, c.dFF, ft, d, kernels);
      if (traceGrads) {
        gt[`grad.${b}.ffn.out`] = tensor([T, d], dffn);
        gt[`grad.${b}.ffn.act`] = tensor([T, c.dFF], ft.act!);
        gt[`grad.${b}.ffn.hidden`] = tensor([T, c.dFF], ft.hidden!);
      }
    }
    if (traceGrads && k.ln1) gt[`grad.${b}.ln1`] = tensor([T, d], dh1);
    let dres1 = dh1;
    if (k.ln1) {
      dres1 = new Float64Array(T * d);
      kernels.layerNormBackward(dres1, grads[`${b}.ln1.gamma`], grads[`${b}.ln1.beta`], dh1, k.ln1.x, p[`${b}.ln1.gamma`], k.ln1.mean, k.ln1.rstd, T, d);
    }
    if (traceGrads && c.attnResidual) gt[`grad.${b}.res1`] = tensor([T, d], dres1);
    const dx = new Float64Array(T * d);
    let dattn = dres1;
    if (c.attnResidual) {
      dattn = new Float64Array(T * d);
      kernels.residualBackward(dx, dattn, dres1, T * d);
    }
    const hT = c.heads * T * T;
    const at = traceGrads
      ? { weights: new Float64Array(hT), scaled: new Float64Array(hT), scores: new Float64Array(hT), Q: new Float64Array(T * d), K: new Float64Array(T * d), V: new Float64Array(T * d), context: new Float64Array(T * d) }
      : {};
    selfAttentionBackward(dx, attnWeights(grads, b, c), dattn, k.x, attnWeights(p, b, c), k.attn, shape, at, kernels);
    if (traceGrads) {
      gt[`grad.${b}.attn.out`] = tensor([T, d], dattn);
      for (const [name, buf] of Object.entries(at)) {
        const s = name === 'weights' || name === 'scaled' || name === 'scores' ? [c.heads, T, T] : [T, d];
        gt[`grad.${b}.attn.${name}`] = tensor(s, buf);
      }
    }
    dOut = dx;
  }
  if (traceGrads) gt['grad.X'] = tensor([T, d], dOut);
  if (c.input === 'tokens') kernels.embeddingBackward(grads['embedding.E'], dOut, f.example.tokens!, d);
  else kernels.linearBackward(null, grads['input.W_in'], grads['input.b_in'], dOut, f.inputX!, p['input.W_in'], T, c.inDim, d);
  return gt;
}
