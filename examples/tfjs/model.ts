// An independent engine: the reference transformer re-implemented with TensorFlow.js (float32, CPU backend).
// The backward pass is TF.js's own autodiff (tf.grads / tf.valueAndGrads / optimizer.minimize);
// from reference/ only types and the pure config/parameter-layout helpers are imported.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { require as tsxRequire } from 'tsx/cjs/api';
import type { ModelConfig } from '../../reference/config.js';
import type { Example } from '../../reference/model.js';
import { paramSpecs, type Params } from '../../reference/params.js';

// ---------------------------------------------------------------------------------------------
// Backend and conversions
// ---------------------------------------------------------------------------------------------

/**
 * Registers TF.js's own gradient functions. tfjs-core's Node bundle (dist/tf-core.node.js) ships the kernels'
 * forward ops but not their gradients: the @tensorflow/tfjs union package normally imports
 * '@tensorflow/tfjs-core/dist/register_all_gradients', an ES-module file tree with extensionless imports that
 * Node's ESM loader refuses. tsx's namespaced CommonJS require (a devDependency already) loads it by the
 * CommonJS resolution rules; the gradients land in tfjs's global registry, which every copy of tfjs-core shares.
 */
function registerTfjsGradients(): void {
  if (tf.getGradient(tf.RealDiv)) return; // already registered (by an earlier call, or by @tensorflow/tfjs)
  tsxRequire('@tensorflow/tfjs-core/dist/register_all_gradients.js', import.meta.url);
  if (!tf.getGradient(tf.RealDiv)) throw new Error('TF.js gradients did not register');
}

/**
 * Selects the pure-JS CPU backend and registers the gradients (the only global state of this module; idempotent);
 * prod mode silences the tfjs-node hint.
 */
export async function initTfjs(): Promise<void> {
  tf.enableProdMode();
  registerTfjsGradients();
  await tf.setBackend('cpu');
}
await initTfjs();

export type TfParams = Record<string, tf.Tensor>;

/** A float32 tensor from any numbers (float64 values are rounded to float32). */
const f32 = (x: ArrayLike<number>, shape: number[]): tf.Tensor => tf.tensor(Float32Array.from(x), shape, 'float32');

/** A tensor's values widened to float64 for comparison with the reference. */
const f64 = (t: tf.Tensor): Float64Array => Float64Array.from(t.dataSync());

/** Runs fn in an engine scope: every tensor created inside is disposed on the way out, so fn must return plain data. */
function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** The reference's float64 parameters as float32 tensors with the shapes of paramSpecs. */
export function paramsToTensors(c: ModelConfig, params: Params): TfParams {
  const out: TfParams = {};
  for (const s of paramSpecs(c)) {
    const w = params[s.name];
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== size) throw new Error(`parameter ${s.name} must hold ${size} values`);
    out[s.name] = f32(w, s.shape);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building blocks (tensors in, tensors out; the batch is the leading axis)
// ---------------------------------------------------------------------------------------------

/** The size of axis i of t (negative i counts from the end). */
function dim(t: tf.Tensor, i: number): number {
  const n = t.shape[i < 0 ? t.rank + i : i];
  if (n === undefined) throw new Error(`tensor of rank ${t.rank} has no axis ${i}`);
  return n;
}

/** Y = X W + b over the last axis of X [..., nin] (b may be null). */
function dense(x: tf.Tensor, W: tf.Tensor, b: tf.Tensor | null): tf.Tensor {
  const nin = dim(W, 0);
  const nout = dim(W, 1);
  const lead = x.shape.slice(0, -1);
  const y = tf.matMul(tf.reshape(x, [-1, nin]) as tf.Tensor2D, W as tf.Tensor2D);
  return tf.reshape(b ? tf.add(y, b) : y, [...lead, nout]);
}

/** PE[pos, j] = sin(pos / 10000^(i2/d)) for even j, cos(same angle) for odd j, with i2 = j − j%2. */
export function sinusoidalTensor(T: number, d: number): tf.Tensor2D {
  const pos = tf.reshape(tf.range(0, T, 1, 'float32'), [T, 1]);
  const j = tf.range(0, d, 1, 'int32');
  const odd = tf.cast(tf.mod(j, 2), 'float32');
  const i2 = tf.sub(tf.cast(j, 'float32'), odd);
  const angle = tf.div(pos, tf.reshape(tf.pow(tf.scalar(10000), tf.div(i2, d)), [1, d]));
  // even columns take the sine, odd columns the cosine
  return tf.add(tf.mul(tf.sin(angle), tf.sub(1, odd)), tf.mul(tf.cos(angle), odd)) as tf.Tensor2D;
}

/**
 * X = E[tokens] + PE, computed as onehot(tokens) · E (tokens int32 [...] → [..., d]). Same values; the gradient
 * onehotᵀ · dX sums repeated tokens by a matmul. (tf.gather's gradient, UnsortedSegmentSum, is ~8× slower
 * on the CPU backend: 129 ms against 15 ms for 256 tokens, vocab 20, d 64.)
 */
function embedTokens(E: tf.Tensor, tokens: tf.Tensor, pe: tf.Tensor | null): tf.Tensor {
  const onehot = tf.oneHot(tf.reshape(tokens, [-1]) as tf.Tensor1D, dim(E, 0));
  const x = tf.reshape(tf.matMul(onehot, E as tf.Tensor2D), [...tokens.shape, dim(E, 1)]);
  return pe ? tf.add(x, pe) : x;
}

/** y = γ ⊙ (x − μ) / sqrt(σ² + ε) + β over the last axis, σ² the biased variance. */
export function layerNormTensor(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const mu = tf.mean(x, -1, true);
  const xc = tf.sub(x, mu);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** [B,T,d] → [B,h,T,dk]: head h owns the contiguous columns [h·dk, (h+1)·dk). */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [B, T, d] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, heads, d / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B,h,T,dk] → [B,T,h·dk]: the heads concatenated back along the columns. */
function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [B, h, T, dk] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, h * dk]) as tf.Tensor3D;
}

/** Additive causal mask [T,T]: 0 where key j ≤ query i, −∞ where j > i (a constant, not differentiated). */
function causalMask(T: number): tf.Tensor2D {
  const i = tf.reshape(tf.range(0, T, 1, 'int32'), [T, 1]);
  const j = tf.reshape(tf.range(0, T, 1, 'int32'), [1, T]);
  const hidden = tf.greater(j, i); // [T,T] by broadcasting
  return tf.where(hidden, tf.fill([T, T], -Infinity), tf.zeros([T, T])) as tf.Tensor2D;
}

export interface AttentionTensors {
  /** Raw Q_h K_hᵀ [B,h,T,T] (unmasked). */
  scores: tf.Tensor;
  /** scores / sqrt(dk) (unmasked). */
  scaled: tf.Tensor;
  /** softmax(scaled + mask) [B,h,T,T]. */
  weights: tf.Tensor;
  /** Heads concatenated [B,T,d]. */
  context: tf.Tensor;
}

/** context_h = softmax(Q_h K_hᵀ / sqrt(dk) + mask) V_h   (Q, K, V [B,T,d]) */
export function attentionTensors(Q: tf.Tensor, K: tf.Tensor, V: tf.Tensor, heads: number, causal: boolean): AttentionTensors {
  const T = dim(Q, 1);
  const dk = dim(Q, 2) / heads;
  const scores = tf.matMul(splitHeads(Q, heads), splitHeads(K, heads), false, true);
  const scaled = tf.mul(scores, 1 / Math.sqrt(dk));
  const weights = tf.softmax(causal ? tf.add(scaled, causalMask(T)) : scaled);
  const context = mergeHeads(tf.matMul(weights, splitHeads(V, heads)));
  return { scores, scaled, weights, context };
}

/** A named record of intermediates, filled when the caller asks for a trace. */
type TensorTrace = Record<string, tf.Tensor>;

/** One post-LN block: h1 = LN1(x + Attn(x));  out = LN2(h1 + FFN(h1)), with the config's parts switched off as asked. */
function block(c: ModelConfig, p: TfParams, l: number, x: tf.Tensor, trace: TensorTrace | null): tf.Tensor {
  const b = `blocks.${l}`;
  const rec = (name: string, t: tf.Tensor): tf.Tensor => {
    if (trace) trace[`${b}.${name}`] = t;
    return t;
  };
  // Q = X W_Q, K = X W_K, V = X W_V
  const Q = rec('attn.Q', dense(x, p[`${b}.attn.W_Q`], null));
  const K = rec('attn.K', dense(x, p[`${b}.attn.W_K`], null));
  const V = rec('attn.V', dense(x, p[`${b}.attn.W_V`], null));
  const a = attentionTensors(Q, K, V, c.heads, c.causal);
  rec('attn.scores', a.scores);
  rec('attn.scaled', a.scaled);
  rec('attn.weights', a.weights);
  rec('attn.context', a.context);
  // out = context W_O
  const attnOut = rec('attn.out', c.attnProjection ? dense(a.context, p[`${b}.attn.W_O`], null) : a.context);
  const res1 = c.attnResidual ? rec('res1', tf.add(x, attnOut)) : attnOut;
  const h1 = c.layerNorm ? rec('ln1', layerNormTensor(res1, p[`${b}.ln1.gamma`], p[`${b}.ln1.beta`], c.lnEps)) : res1;
  let out = h1;
  if (c.dFF > 0) {
    // hidden = h1 W_1 + b_1;  act = ReLU(hidden);  ffn = act W_2 + b_2
    const hidden = rec('ffn.hidden', dense(h1, p[`${b}.ffn.W_1`], c.ffnBias ? p[`${b}.ffn.b_1`] : null));
    const act = rec('ffn.act', tf.relu(hidden));
    const ffn = rec('ffn.out', dense(act, p[`${b}.ffn.W_2`], c.ffnBias ? p[`${b}.ffn.b_2`] : null));
    const res2 = c.ffnResidual ? rec('res2', tf.add(h1, ffn)) : ffn;
    out = c.layerNorm ? rec('ln2', layerNormTensor(res2, p[`${b}.ln2.gamma`], p[`${b}.ln2.beta`], c.lnEps)) : res2;
  }
  return rec('out', out);
}

/** The input layer: E[tokens] + PE, or inputs W_in + b_in + PE for continuous inputs [B,T,inDim]. */
function embed(c: ModelConfig, p: TfParams, input: tf.Tensor): tf.Tensor {
  const T = dim(input, 1);
  const pe = c.positional === 'sinusoidal' ? sinusoidalTensor(T, c.dModel) : null;
  if (c.input === 'tokens') return embedTokens(p['embedding.E'], input, pe);
  const x = dense(input, p['input.W_in'], p['input.b_in']);
  return pe ? tf.add(x, pe) : x;
}

/**
 * The model over a batch of equal-length sequences: returns the last position's representation [B,d]
 * and the head output [B,outDim] (null for head 'none'), recording intermediates into `trace` if given.
 */
function modelTensors(
  c: ModelConfig,
  p: TfParams,
  input: tf.Tensor,
  trace: TensorTrace | null,
): { final: tf.Tensor2D; head: tf.Tensor2D | null } {
  const [B, T] = input.shape;
  let x = embed(c, p, input);
  if (trace) trace['X'] = x;
  for (let l = 0; l < c.layers; l++) x = block(c, p, l, x, trace);
  // the head reads only the last position
  const final = tf.reshape(tf.slice(x, [0, T - 1, 0], [B, 1, c.dModel]), [B, c.dModel]) as tf.Tensor2D;
  if (trace) trace['final_repr'] = final;
  if (c.head === 'none') return { final, head: null };
  const head = dense(final, p['head.W_out'], c.headBias ? p['head.b_out'] : null) as tf.Tensor2D;
  return { final, head };
}

/** L_b = −ln softmax(logits_b)[target_b]  (natural log; logits [B,n], targets int32 [B]) → [B] */
function crossEntropyTensor(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor1D {
  const onehot = tf.oneHot(targets as tf.Tensor1D, dim(logits, 1));
  return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1)) as tf.Tensor1D;
}

/** L_b = factor · mean_j (y_bj − t_bj)²  (y, t [B,n]) → [B] */
function mseTensor(y: tf.Tensor, t: tf.Tensor, factor: number): tf.Tensor1D {
  return tf.mul(tf.mean(tf.square(tf.sub(y, t)), -1), factor) as tf.Tensor1D;
}

/** Per-example losses [B] of the config's head. */
function exampleLosses(c: ModelConfig, head: tf.Tensor2D, targets: tf.Tensor): tf.Tensor1D {
  return c.head === 'classification' ? crossEntropyTensor(head, targets) : mseTensor(head, targets, c.mseFactor);
}

// ---------------------------------------------------------------------------------------------
// Examples → tensors
// ---------------------------------------------------------------------------------------------

function sequenceLength(c: ModelConfig, ex: Example): number {
  const T = c.input === 'tokens' ? ex.tokens?.length : ex.inputs?.length;
  if (!T) throw new Error(`example needs a non-empty ${c.input === 'tokens' ? 'tokens' : 'inputs'} list`);
  if (T > c.seqLen) throw new Error(`sequence of ${T} positions exceeds seqLen ${c.seqLen}`);
  return T;
}

/** Token ids int32 [B,T], or continuous inputs float32 [B,T,inDim]; all examples must have length T. */
function inputTensor(c: ModelConfig, exs: Example[], T: number): tf.Tensor {
  if (c.input === 'tokens') {
    const ids = exs.flatMap((e) => e.tokens!);
    for (const t of ids) if (!Number.isInteger(t) || t < 0 || t >= c.vocab) throw new Error(`token ${t} outside vocab 0..${c.vocab - 1}`);
    return tf.tensor(Int32Array.from(ids), [exs.length, T], 'int32');
  }
  const flat = exs.flatMap((e) => e.inputs!.flat());
  if (flat.length !== exs.length * T * c.inDim) throw new Error(`inputs must be ${T}×${c.inDim}`);
  return f32(flat, [exs.length, T, c.inDim]);
}

/** Class indices int32 [B], or regression targets float32 [B,outDim]. */
function targetTensor(c: ModelConfig, exs: Example[]): tf.Tensor {
  if (c.head === 'none') throw new Error('a model without a head has no loss');
  if (c.head === 'classification') {
    const t = exs.map((e) => e.target);
    for (const k of t)
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= c.outDim)
        throw new Error(`classification target must be a class index 0..${c.outDim - 1}`);
    return tf.tensor(Int32Array.from(t as number[]), [exs.length], 'int32');
  }
  for (const e of exs)
    if (!Array.isArray(e.target) || e.target.length !== c.outDim)
      throw new Error(`regression target must be a list of ${c.outDim} numbers`);
  return f32(
    exs.flatMap((e) => e.target as number[]),
    [exs.length, c.outDim],
  );
}

/** Examples grouped by sequence length, so each group runs as one batched graph. */
function groupByLength(c: ModelConfig, exs: Example[]): Map<number, Example[]> {
  const groups = new Map<number, Example[]>();
  for (const ex of exs) {
    const T = sequenceLength(c, ex);
    const g = groups.get(T);
    if (g) g.push(ex);
    else groups.set(T, [ex]);
  }
  return groups;
}

/** L = (1/N) Σ_i L_i over the batch (one batched graph per distinct sequence length). */
export function batchLossTensor(c: ModelConfig, p: TfParams, exs: Example[]): tf.Scalar {
  if (exs.length === 0) throw new Error('a batch needs at least one example');
  const sums: tf.Tensor[] = [];
  for (const [T, group] of groupByLength(c, exs)) {
    const { head } = modelTensors(c, p, inputTensor(c, group, T), null);
    sums.push(tf.sum(exampleLosses(c, head!, targetTensor(c, group))));
  }
  return tf.div(tf.addN(sums), exs.length) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------
// Public entry points for the comparison with the reference
// ---------------------------------------------------------------------------------------------

export interface TfjsForward {
  /** Loss of the example (NaN without a head or a target). */
  loss: number;
  /**
   * Named intermediates with the reference trace's names: X, blocks.l.attn.{Q,K,V,scores,scaled,weights,context,out},
   * blocks.l.{res1,ln1,ffn.*,res2,ln2,out}, final_repr, logits/probs or prediction.
   */
  trace: Record<string, Float64Array>;
}

/** One example through the model, every intermediate copied out as float64. */
export function tfjsForward(c: ModelConfig, params: Params, ex: Example): TfjsForward {
  return scoped(() => {
    const p = paramsToTensors(c, params);
    const T = sequenceLength(c, ex);
    const trace: TensorTrace = {};
    const { head } = modelTensors(c, p, inputTensor(c, [ex], T), trace);
    let loss = NaN;
    if (head) {
      if (c.head === 'classification') {
        trace['logits'] = head;
        trace['probs'] = tf.softmax(head);
      } else trace['prediction'] = head;
      const hasTarget = c.head === 'classification' ? typeof ex.target === 'number' : Array.isArray(ex.target);
      if (hasTarget) loss = exampleLosses(c, head, targetTensor(c, [ex])).dataSync()[0];
    }
    const out: Record<string, Float64Array> = {};
    for (const [name, t] of Object.entries(trace)) out[name] = f64(t);
    return { loss, trace: out };
  });
}

/** The batch's mean loss and its gradient w.r.t. every parameter of paramSpecs(c), by tf.valueAndGrads. */
export function tfjsLossAndGrads(c: ModelConfig, params: Params, exs: Example[]): { loss: number; grads: Params } {
  return scoped(() => {
    const names = paramSpecs(c).map((s) => s.name);
    const p = paramsToTensors(c, params);
    const lossOf = (...ws: tf.Tensor[]): tf.Scalar => batchLossTensor(c, Object.fromEntries(names.map((n, i) => [n, ws[i]])), exs);
    const { value, grads } = tf.valueAndGrads(lossOf)(names.map((n) => p[n]));
    const out: Params = {};
    names.forEach((n, i) => (out[n] = f64(grads[i])));
    return { loss: value.dataSync()[0], grads: out };
  });
}

// ---------------------------------------------------------------------------------------------
// Op-level helpers: forward output and input gradients for an upstream gradient dOut
// ---------------------------------------------------------------------------------------------

interface Input {
  data: ArrayLike<number>;
  shape: number[];
}

/** out = f(inputs) and d/d(inputs) of L = Σ dOut ⊙ f(inputs), by tf.grads. */
function withGrads(
  inputs: Input[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  dOut: ArrayLike<number>,
): { out: Float64Array; grads: Float64Array[] } {
  return scoped(() => {
    const xs = inputs.map((i) => f32(i.data, i.shape));
    const out = f(...xs);
    const up = f32(dOut, out.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(up, f(...a))))(xs);
    return { out: f64(out), grads: grads.map(f64) };
  });
}

/** C[m×n] = A[m×k] · B[k×n] */
export function tfjsMatmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, dC: Float64Array) {
  const r = withGrads(
    [
      { data: A, shape: [m, k] },
      { data: B, shape: [k, n] },
    ],
    (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    dC,
  );
  return { C: r.out, dA: r.grads[0], dB: r.grads[1] };
}

/** Y[rows×nout] = X W + b   (b may be null) */
export function tfjsLinear(
  X: Float64Array,
  W: Float64Array,
  b: Float64Array | null,
  rows: number,
  nin: number,
  nout: number,
  dY: Float64Array,
) {
  const inputs: Input[] = [
    { data: X, shape: [rows, nin] },
    { data: W, shape: [nin, nout] },
  ];
  if (b) inputs.push({ data: b, shape: [nout] });
  const r = withGrads(inputs, (x, w, bias) => dense(x, w, bias ?? null), dY);
  return { Y: r.out, dX: r.grads[0], dW: r.grads[1], db: b ? r.grads[2] : null };
}

/** y = softmax(x) row-wise */
export function tfjsSoftmax(x: Float64Array, rows: number, n: number, dy: Float64Array) {
  const r = withGrads([{ data: x, shape: [rows, n] }], (t) => tf.softmax(t), dy);
  return { y: r.out, dx: r.grads[0] };
}

/** y = γ ⊙ (x − μ)/sqrt(σ² + ε) + β row-wise */
export function tfjsLayerNorm(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  rows: number,
  n: number,
  eps: number,
  dy: Float64Array,
) {
  const r = withGrads(
    [
      { data: x, shape: [rows, n] },
      { data: gamma, shape: [n] },
      { data: beta, shape: [n] },
    ],
    (t, g, b) => layerNormTensor(t, g, b, eps),
    dy,
  );
  return { y: r.out, dx: r.grads[0], dgamma: r.grads[1], dbeta: r.grads[2] };
}

/** y = max(0, z) */
export function tfjsRelu(z: Float64Array, dy: Float64Array) {
  const r = withGrads([{ data: z, shape: [z.length] }], (t) => tf.relu(t), dy);
  return { y: r.out, dz: r.grads[0] };
}

/** Multi-head attention core on one sequence: Q, K, V [T×d] → context [T×d] and weights [heads×T×T]. */
export function tfjsAttention(
  Q: Float64Array,
  K: Float64Array,
  V: Float64Array,
  s: { T: number; d: number; heads: number; causal: boolean },
  dcontext: Float64Array,
) {
  const shape = [1, s.T, s.d];
  const ctx = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => attentionTensors(q, k, v, s.heads, s.causal).context;
  const r = withGrads(
    [
      { data: Q, shape },
      { data: K, shape },
      { data: V, shape },
    ],
    ctx,
    dcontext,
  );
  const weights = scoped(() => f64(attentionTensors(f32(Q, shape), f32(K, shape), f32(V, shape), s.heads, s.causal).weights));
  return { context: r.out, weights, dQ: r.grads[0], dK: r.grads[1], dV: r.grads[2] };
}

/** PE [T×d] as computed by TF.js. */
export function tfjsPositions(T: number, d: number): Float64Array {
  return scoped(() => f64(sinusoidalTensor(T, d)));
}

/** X = E[tokens] + PE (PE when `positional`); the gradient dE sums the rows of repeated tokens. */
export function tfjsEmbedding(tokens: number[], E: Float64Array, vocab: number, d: number, positional: boolean, dX: Float64Array) {
  const r = withGrads(
    [{ data: E, shape: [vocab, d] }],
    (e) =>
      embedTokens(e, tf.tensor(Int32Array.from(tokens), [tokens.length], 'int32'), positional ? sinusoidalTensor(tokens.length, d) : null),
    dX,
  );
  return { X: r.out, dE: r.grads[0] };
}

/** L = −ln softmax(logits)[target];  dlogits = scale · dL/dlogits */
export function tfjsCrossEntropy(logits: Float64Array, target: number, n: number, scale = 1) {
  const loss = (x: tf.Tensor) => crossEntropyTensor(x, tf.tensor(Int32Array.of(target), [1], 'int32'));
  const r = withGrads([{ data: logits, shape: [1, n] }], loss, [scale]);
  const probs = scoped(() => f64(tf.softmax(f32(logits, [1, n]))));
  return { loss: r.out[0], probs, dlogits: r.grads[0] };
}

/** L = factor · mean((y − t)²);  dy = scale · dL/dy */
export function tfjsMse(y: Float64Array, target: ArrayLike<number>, n: number, factor: number, scale = 1) {
  const r = withGrads([{ data: y, shape: [1, n] }], (x) => mseTensor(x, f32(target, [1, n]), factor), [scale]);
  return { loss: r.out[0], dy: r.grads[0] };
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export interface TfjsTrainer {
  /** Forward + backward + Adam on the batch; returns the batch's mean loss before the update. */
  step(examples: Example[]): number;
  /** The current weights, copied out as float64. */
  params(): Params;
  /** Frees the variables and the optimizer's moments. */
  dispose(): void;
}

/** Keeps the weights in tf.Variables and updates them with tf.train.adam(lr, 0.9, 0.999, 1e-8). */
export function createTfjsTrainer(c: ModelConfig, params: Params, o: { lr: number }): TfjsTrainer {
  const names = paramSpecs(c).map((s) => s.name);
  const init = paramsToTensors(c, params);
  const vars: Record<string, tf.Variable> = {};
  for (const n of names) vars[n] = tf.variable(init[n], true);
  tf.dispose(Object.values(init));
  const varList = names.map((n) => vars[n]);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  return {
    step(examples) {
      // minimize() runs the loss and its gradients inside tidy scopes; only the returned cost survives
      const cost = optimizer.minimize(() => batchLossTensor(c, vars, examples), true, varList)!;
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
    params() {
      const out: Params = {};
      for (const n of names) out[n] = f64(vars[n]);
      return out;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose(varList);
    },
  };
}
