// One transformer block, post-LN as Stage 10 describes it, each part switchable by the config:
//   res1 = x + SelfAttention(x);  h1 = LN₁(res1);  res2 = h1 + FFN(h1);  out = LN₂(res2)
// Without a residual the sum is the sublayer's output alone; without layer norm LN is the identity; with dFF = 0
// the block ends at h1. A part that is switched off is not computed: its activation is the same buffer as the one
// it would have been computed from, and so is its gradient.
import type { ModelConfig } from './config.js';
import { allocFFNActivations, ffnBackward, ffnForward, type FFNActivations, type FFNShape, type FFNWeights } from './ffn.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import {
  allocLayerNormActivations,
  layerNormForward,
  type LayerNormActivations,
  type LayerNormShape,
  type LayerNormWeights,
} from './layernorm.js';
import type { Params } from './params.js';
import {
  allocSelfAttentionActivations,
  selfAttentionBackward,
  selfAttentionForward,
  type SelfAttentionActivations,
  type SelfAttentionWeights,
} from './self_attention.js';
import type { AttentionShape } from './attention.js';
import { tensor, type LayerTensors, type Trace } from './tensor.js';

/**
 * A block's sizes and switches: the model's config, for a sequence of T positions, or a batch of B sequences of T
 * positions each, one after the other (B·T rows; only attention tells the sequences apart).
 */
export interface BlockShape {
  T: number;
  config: ModelConfig;
  B?: number;
}

/** One block's parameters (d = dModel, F = dFF); a part the config switches off is null. */
export interface BlockWeights {
  /** W_Q, W_K, W_V, W_O [d x d] (W_O null without the projection) */
  attn: SelfAttentionWeights;
  /** gamma, beta [d] */
  ln1: LayerNormWeights | null;
  /** W_1 [d x F], b_1 [F], W_2 [F x d], b_2 [d] (biases null without ffnBias) */
  ffn: FFNWeights | null;
  /** gamma, beta [d] */
  ln2: LayerNormWeights | null;
}

/** One block's activations for T positions (d = dModel, H = heads, F = dFF); the gradients have the same shape. */
export interface BlockActivations {
  /** Q, K, V, context, out [T x d]; scores, scaled, weights [H x T x T] */
  attn: SelfAttentionActivations;
  /** [T x d] x + attn.out (attn.out itself without the attention residual) */
  res1: Float64Array;
  /** y [T x d], mean [T], rstd [T] of LN₁(res1); null without layer norm */
  ln1: LayerNormActivations | null;
  /** [T x d] the FFN's input: ln1.y, or res1 without layer norm */
  h1: Float64Array;
  /** hidden, act [T x F], out [T x d]; null when dFF = 0 */
  ffn: FFNActivations | null;
  /** [T x d] h1 + ffn.out (ffn.out itself without the FFN residual); null when dFF = 0 */
  res2: Float64Array | null;
  /** y [T x d], mean [T], rstd [T] of LN₂(res2); null without layer norm or when dFF = 0 */
  ln2: LayerNormActivations | null;
  /** [T x d] the block's output: the last of ln2.y, res2, h1 the block has */
  out: Float64Array;
}

export type BlockTensors = LayerTensors<BlockWeights, BlockActivations>;

/** Zeroed activations (or gradients) of one block, the switched-off parts sharing the buffer they pass on. */
export function allocBlockActivations(s: BlockShape): BlockActivations {
  const { config: c } = s;
  const [R, d] = [rows(s), c.dModel];
  const attn = allocSelfAttentionActivations({ ...attentionShape(s), projection: c.attnProjection });
  const res1 = c.attnResidual ? new Float64Array(R * d) : attn.out;
  const ln1 = c.layerNorm ? allocLayerNormActivations({ rows: R, n: d }) : null;
  const h1 = ln1 ? ln1.y : res1;
  if (c.dFF === 0) return { attn, res1, ln1, h1, ffn: null, res2: null, ln2: null, out: h1 };
  const ffn = allocFFNActivations(ffnShape(s));
  const res2 = c.ffnResidual ? new Float64Array(R * d) : ffn.out;
  const ln2 = c.layerNorm ? allocLayerNormActivations({ rows: R, n: d }) : null;
  return { attn, res1, ln1, h1, ffn, res2, ln2, out: ln2 ? ln2.y : res2 };
}

/** Block l's parameters (or gradients) in `p`, named `blocks.l.…`. */
export function blockWeights(p: Params, c: ModelConfig, l: number): BlockWeights {
  const b = `blocks.${l}`;
  const ln = (name: string): LayerNormWeights | null =>
    c.layerNorm ? { gamma: p[`${b}.${name}.gamma`], beta: p[`${b}.${name}.beta`] } : null;
  return {
    attn: { W_Q: p[`${b}.attn.W_Q`], W_K: p[`${b}.attn.W_K`], W_V: p[`${b}.attn.W_V`], W_O: c.attnProjection ? p[`${b}.attn.W_O`] : null },
    ln1: ln('ln1'),
    ffn:
      c.dFF > 0
        ? {
            W_1: p[`${b}.ffn.W_1`],
            b_1: c.ffnBias ? p[`${b}.ffn.b_1`] : null,
            W_2: p[`${b}.ffn.W_2`],
            b_2: c.ffnBias ? p[`${b}.ffn.b_2`] : null,
          }
        : null,
    ln2: c.dFF > 0 ? ln('ln2') : null,
  };
}

/** Rows of the block's [rows x d] buffers: every position of every sequence. */
const rows = ({ T, B = 1 }: BlockShape): number => B * T;
const attentionShape = ({ T, B, config: c }: BlockShape): AttentionShape => ({ T, d: c.dModel, heads: c.heads, causal: c.causal, B });
const ffnShape = (s: BlockShape): FFNShape => ({ rows: rows(s), nin: s.config.dModel, hidden: s.config.dFF, nout: s.config.dModel });
const lnShape = (s: BlockShape): LayerNormShape => ({ rows: rows(s), n: s.config.dModel, eps: s.config.lnEps });

/** Fills `a` from the block's input x [T x d] and weights w. */
export function blockForward(
  a: BlockActivations,
  x: Float64Array,
  w: BlockWeights,
  s: BlockShape,
  kernels: Kernels = REFERENCE_KERNELS,
): void {
  const c = s.config;
  const n = rows(s) * c.dModel;
  selfAttentionForward(a.attn, x, w.attn, attentionShape(s), kernels);
  if (c.attnResidual) kernels.residualForward(a.res1, x, a.attn.out, n);
  if (a.ln1) layerNormForward(a.ln1, a.res1, w.ln1!, lnShape(s));
  if (!a.ffn) return;
  ffnForward(a.ffn, a.h1, w.ffn!, ffnShape(s), kernels);
  if (c.ffnResidual) kernels.residualForward(a.res2!, a.h1, a.ffn.out, n);
  if (a.ln2) layerNormForward(a.ln2, a.res2!, w.ln2!, lnShape(s));
}

/**
 * The forward in reverse, from g.a.out (the gradient of the block's output): fills the rest of g.a, adds the
 * weight gradients into g.w and the input's gradient into g.x. The residuals hand their gradient unchanged to both
 * paths, so g.x collects the attention residual's share and then the self-attention's.
 */
export function blockBackward(g: BlockTensors, f: BlockTensors, s: BlockShape, kernels: Kernels = REFERENCE_KERNELS): void {
  const c = s.config;
  const n = rows(s) * c.dModel;
  const { a, w } = f;
  const da = g.a;
  const dw = g.w;
  if (a.ffn) {
    if (a.ln2) {
      kernels.layerNormBackward(
        { dx: da.res2!, dgamma: dw.ln2!.gamma, dbeta: dw.ln2!.beta, dy: da.ln2!.y },
        { x: a.res2!, gamma: w.ln2!.gamma, mean: a.ln2.mean, rstd: a.ln2.rstd },
        lnShape(s),
      );
    }
    if (c.ffnResidual) kernels.residualBackward(da.h1, da.ffn!.out, da.res2!, n);
    ffnBackward({ x: da.h1, w: dw.ffn!, a: da.ffn! }, { x: a.h1, w: w.ffn!, a: a.ffn }, ffnShape(s), kernels);
  }
  if (a.ln1) {
    kernels.layerNormBackward(
      { dx: da.res1, dgamma: dw.ln1!.gamma, dbeta: dw.ln1!.beta, dy: da.ln1!.y },
      { x: a.res1, gamma: w.ln1!.gamma, mean: a.ln1.mean, rstd: a.ln1.rstd },
      lnShape(s),
    );
  }
  if (c.attnResidual) kernels.residualBackward(g.x, da.attn.out, da.res1, n);
  selfAttentionBackward({ x: g.x, w: dw.attn, a: da.attn }, { x: f.x, w: w.attn, a: a.attn }, attentionShape(s), kernels);
}

/** The names the trace gives block b's activations (b = 'blocks.l'), in the order of spec/fixtures.md. */
export function blockTrace(b: string, a: BlockActivations, s: BlockShape): Trace {
  const { T, config: c } = s;
  const td = [T, c.dModel];
  const hT = [c.heads, T, T];
  const t: Trace = {
    [`${b}.attn.Q`]: tensor(td, a.attn.Q),
    [`${b}.attn.K`]: tensor(td, a.attn.K),
    [`${b}.attn.V`]: tensor(td, a.attn.V),
    [`${b}.attn.scores`]: tensor(hT, a.attn.scores),
    [`${b}.attn.scaled`]: tensor(hT, a.attn.scaled),
    [`${b}.attn.weights`]: tensor(hT, a.attn.weights),
    [`${b}.attn.context`]: tensor(td, a.attn.context),
    [`${b}.attn.out`]: tensor(td, a.attn.out),
  };
  if (c.attnResidual) t[`${b}.res1`] = tensor(td, a.res1);
  if (a.ln1) t[`${b}.ln1`] = tensor(td, a.ln1.y);
  if (a.ffn) {
    t[`${b}.ffn.hidden`] = tensor([T, c.dFF], a.ffn.hidden);
    t[`${b}.ffn.act`] = tensor([T, c.dFF], a.ffn.act);
    t[`${b}.ffn.out`] = tensor(td, a.ffn.out);
    if (c.ffnResidual) t[`${b}.res2`] = tensor(td, a.res2!);
    if (a.ln2) t[`${b}.ln2`] = tensor(td, a.ln2.y);
  }
  t[`${b}.out`] = tensor(td, a.out);
  return t;
}

/** The names the gradient trace gives block b's activation gradients, in the order the backward pass reaches them. */
export function blockGradTrace(b: string, g: BlockActivations, s: BlockShape): Trace {
  const { T, config: c } = s;
  const td = [T, c.dModel];
  const hT = [c.heads, T, T];
  const t: Trace = { [`grad.${b}.out`]: tensor(td, g.out) };
  if (g.ln2) t[`grad.${b}.ln2`] = tensor(td, g.ln2.y);
  if (g.ffn) {
    if (c.ffnResidual) t[`grad.${b}.res2`] = tensor(td, g.res2!);
    t[`grad.${b}.ffn.out`] = tensor(td, g.ffn.out);
    t[`grad.${b}.ffn.act`] = tensor([T, c.dFF], g.ffn.act);
    t[`grad.${b}.ffn.hidden`] = tensor([T, c.dFF], g.ffn.hidden);
  }
  if (g.ln1) t[`grad.${b}.ln1`] = tensor(td, g.ln1.y);
  if (c.attnResidual) t[`grad.${b}.res1`] = tensor(td, g.res1);
  Object.assign(t, {
    [`grad.${b}.attn.out`]: tensor(td, g.attn.out),
    [`grad.${b}.attn.weights`]: tensor(hT, g.attn.weights),
    [`grad.${b}.attn.scaled`]: tensor(hT, g.attn.scaled),
    [`grad.${b}.attn.scores`]: tensor(hT, g.attn.scores),
    [`grad.${b}.attn.Q`]: tensor(td, g.attn.Q),
    [`grad.${b}.attn.K`]: tensor(td, g.attn.K),
    [`grad.${b}.attn.V`]: tensor(td, g.attn.V),
    [`grad.${b}.attn.context`]: tensor(td, g.attn.context),
  });
  return t;
}
