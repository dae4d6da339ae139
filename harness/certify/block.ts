// Mirrors reference/block.ts: one transformer block, post-LN, each part switchable by the config:
//   res1 = x + SelfAttention(x);  h1 = LN₁(res1);  res2 = h1 + FFN(h1);  out = LN₂(res2)
// Without a residual the sum is the sublayer's output alone; without layer norm LN is the identity; with dFF = 0
// the block ends at h1. A part that is switched off is not computed: its activation is the very matrix it would
// have been computed from, and so is its gradient.
import type { AttentionShape } from './attention.js';
import type { ModelConfig } from './config.js';
import { ffnBackward, ffnForward, type FFNActivations, type FFNWeights } from './ffn.js';
import { layerNormBackward, layerNormForward, type LayerNormActivations, type LayerNormWeights } from './layernorm.js';
import type { Params } from './params.js';
import { residualBackward, residualForward } from './residual.js';
import { selfAttentionBackward, selfAttentionForward, type SelfAttentionActivations, type SelfAttentionWeights } from './self_attention.js';
import { add, matrix, stacked, type DecimalTrace, type LayerTensors, type Mat, type ReadNumber } from './tensor.js';

/** A block's sizes and switches: the model's config, for a sequence of T positions. */
export interface BlockShape {
  T: number;
  config: ModelConfig;
}

/** One block's parameters; a part the config switches off is null. */
export interface BlockWeights {
  attn: SelfAttentionWeights;
  ln1: LayerNormWeights | null;
  ffn: FFNWeights | null;
  ln2: LayerNormWeights | null;
}

/** One block's activations for T positions; the gradients have the same shape. */
export interface BlockActivations {
  attn: SelfAttentionActivations;
  /** x + attn.out (attn.out itself without the attention residual) */
  res1: Mat;
  /** LN₁(res1); null without layer norm */
  ln1: LayerNormActivations | null;
  /** the FFN's input: ln1.y, or res1 without layer norm */
  h1: Mat;
  /** null when dFF = 0 */
  ffn: FFNActivations | null;
  /** h1 + ffn.out (ffn.out itself without the FFN residual); null when dFF = 0 */
  res2: Mat | null;
  /** LN₂(res2); null without layer norm or when dFF = 0 */
  ln2: LayerNormActivations | null;
  /** the block's output: the last of ln2.y, res2, h1 the block has */
  out: Mat;
}

export type BlockTensors = LayerTensors<BlockWeights, BlockActivations>;

/** Block l's parameters (or gradients) in `p`, named `blocks.l.…` (vectors are single rows of `p`). */
export function blockWeights(p: Params, c: ModelConfig, l: number): BlockWeights {
  const b = `blocks.${l}`;
  const ln = (name: string): LayerNormWeights | null =>
    c.layerNorm ? { gamma: p[`${b}.${name}.gamma`][0], beta: p[`${b}.${name}.beta`][0] } : null;
  return {
    attn: { W_Q: p[`${b}.attn.W_Q`], W_K: p[`${b}.attn.W_K`], W_V: p[`${b}.attn.W_V`], W_O: c.attnProjection ? p[`${b}.attn.W_O`] : null },
    ln1: ln('ln1'),
    ffn:
      c.dFF > 0
        ? {
            W_1: p[`${b}.ffn.W_1`],
            b_1: c.ffnBias ? p[`${b}.ffn.b_1`][0] : null,
            W_2: p[`${b}.ffn.W_2`],
            b_2: c.ffnBias ? p[`${b}.ffn.b_2`][0] : null,
          }
        : null,
    ln2: c.dFF > 0 ? ln('ln2') : null,
  };
}

/** Block l's weights (or their gradients) back as named parameters, the inverse of blockWeights. */
export function blockParams(w: BlockWeights, l: number): Params {
  const b = `blocks.${l}`;
  const p: Params = { [`${b}.attn.W_Q`]: w.attn.W_Q, [`${b}.attn.W_K`]: w.attn.W_K, [`${b}.attn.W_V`]: w.attn.W_V };
  if (w.attn.W_O) p[`${b}.attn.W_O`] = w.attn.W_O;
  for (const [name, ln] of [
    ['ln1', w.ln1],
    ['ln2', w.ln2],
  ] as const) {
    if (ln) Object.assign(p, { [`${b}.${name}.gamma`]: [ln.gamma], [`${b}.${name}.beta`]: [ln.beta] });
  }
  if (w.ffn) {
    Object.assign(p, { [`${b}.ffn.W_1`]: w.ffn.W_1, [`${b}.ffn.W_2`]: w.ffn.W_2 });
    if (w.ffn.b_1) p[`${b}.ffn.b_1`] = [w.ffn.b_1];
    if (w.ffn.b_2) p[`${b}.ffn.b_2`] = [w.ffn.b_2];
  }
  return p;
}

const attentionShape = ({ T, config: c }: BlockShape): AttentionShape => ({ T, d: c.dModel, heads: c.heads, causal: c.causal });

/** The block on its input x [T x d]; `read` reads the config's given numbers (lnEps). */
export function blockForward(x: Mat, w: BlockWeights, s: BlockShape, read: ReadNumber): BlockActivations {
  const c = s.config;
  const eps = read(c.lnEps);
  const attn = selfAttentionForward(x, w.attn, attentionShape(s));
  const res1 = c.attnResidual ? residualForward(x, attn.out) : attn.out;
  const ln1 = w.ln1 ? layerNormForward(res1, w.ln1, eps) : null;
  const h1 = ln1 ? ln1.y : res1;
  if (!w.ffn) return { attn, res1, ln1, h1, ffn: null, res2: null, ln2: null, out: h1 };
  const ffn = ffnForward(h1, w.ffn);
  const res2 = c.ffnResidual ? residualForward(h1, ffn.out) : ffn.out;
  const ln2 = w.ln2 ? layerNormForward(res2, w.ln2, eps) : null;
  return { attn, res1, ln1, h1, ffn, res2, ln2, out: ln2 ? ln2.y : res2 };
}

/**
 * The forward in reverse, from dOut (the gradient of the block's output): the gradients of the block's input,
 * weights and activations. The residuals hand their gradient unchanged to both paths, so dx is the attention
 * residual's share plus the self-attention's (and dh1 the FFN residual's plus the FFN's).
 */
export function blockBackward(dOut: Mat, f: BlockTensors, s: BlockShape): BlockTensors {
  const c = s.config;
  const { a, w } = f;
  let ffn: BlockTensors['a']['ffn'] = null;
  let dffnW: FFNWeights | null = null;
  let dln2: LayerNormWeights | null = null;
  let dres2: Mat | null = null;
  let dh1 = dOut;
  if (a.ffn) {
    dres2 = dOut;
    if (a.ln2) {
      const n2 = layerNormBackward(dOut, { x: a.res2!, gamma: w.ln2!.gamma, mean: a.ln2.mean, rstd: a.ln2.rstd });
      dln2 = { gamma: n2.dgamma, beta: n2.dbeta };
      dres2 = n2.dx;
    }
    const split = c.ffnResidual ? residualBackward(dres2) : null;
    const fb = ffnBackward(split ? split.dfx : dres2, { x: a.h1, w: w.ffn!, a: a.ffn });
    ffn = fb.a;
    dffnW = fb.w;
    dh1 = split ? add(split.dx, fb.x) : fb.x; // h1 feeds the FFN and the skip
  }
  let dln1: LayerNormWeights | null = null;
  let dres1 = dh1;
  if (a.ln1) {
    const n1 = layerNormBackward(dh1, { x: a.res1, gamma: w.ln1!.gamma, mean: a.ln1.mean, rstd: a.ln1.rstd });
    dln1 = { gamma: n1.dgamma, beta: n1.dbeta };
    dres1 = n1.dx;
  }
  const split = c.attnResidual ? residualBackward(dres1) : null;
  const sa = selfAttentionBackward(split ? split.dfx : dres1, { x: f.x, w: w.attn, a: a.attn }, attentionShape(s));
  // a layer norm's gradient is its output's: the row statistics are not read downstream (the reference leaves theirs 0)
  const yOnly = (dy: Mat): LayerNormActivations => ({ y: dy, mean: [], rstd: [] });
  return {
    x: split ? add(split.dx, sa.x) : sa.x,
    w: { attn: sa.w, ln1: dln1, ffn: dffnW, ln2: dln2 },
    a: {
      attn: sa.a,
      res1: dres1,
      ln1: a.ln1 ? yOnly(dh1) : null,
      h1: dh1,
      ffn,
      res2: dres2,
      ln2: a.ln2 ? yOnly(dOut) : null,
      out: dOut,
    },
  };
}

/** The names the trace gives block b's activations (b = 'blocks.l'). */
export function blockTrace(b: string, a: BlockActivations, s: BlockShape): DecimalTrace {
  const c = s.config;
  const t: DecimalTrace = {
    [`${b}.attn.Q`]: matrix(a.attn.Q),
    [`${b}.attn.K`]: matrix(a.attn.K),
    [`${b}.attn.V`]: matrix(a.attn.V),
    [`${b}.attn.scores`]: stacked(a.attn.scores),
    [`${b}.attn.scaled`]: stacked(a.attn.scaled),
    [`${b}.attn.weights`]: stacked(a.attn.weights),
    [`${b}.attn.context`]: matrix(a.attn.context),
    [`${b}.attn.out`]: matrix(a.attn.out),
  };
  if (c.attnResidual) t[`${b}.res1`] = matrix(a.res1);
  if (a.ln1) t[`${b}.ln1`] = matrix(a.ln1.y);
  if (a.ffn) {
    t[`${b}.ffn.hidden`] = matrix(a.ffn.hidden);
    t[`${b}.ffn.act`] = matrix(a.ffn.act);
    t[`${b}.ffn.out`] = matrix(a.ffn.out);
    if (c.ffnResidual) t[`${b}.res2`] = matrix(a.res2!);
    if (a.ln2) t[`${b}.ln2`] = matrix(a.ln2.y);
  }
  t[`${b}.out`] = matrix(a.out);
  return t;
}

/** The names the gradient trace gives block b's activation gradients. */
export function blockGradTrace(b: string, g: BlockActivations, s: BlockShape): DecimalTrace {
  const c = s.config;
  const t: DecimalTrace = { [`grad.${b}.out`]: matrix(g.out) };
  if (g.ln2) t[`grad.${b}.ln2`] = matrix(g.ln2.y);
  if (g.ffn) {
    if (c.ffnResidual) t[`grad.${b}.res2`] = matrix(g.res2!);
    t[`grad.${b}.ffn.out`] = matrix(g.ffn.out);
    t[`grad.${b}.ffn.act`] = matrix(g.ffn.act);
    t[`grad.${b}.ffn.hidden`] = matrix(g.ffn.hidden);
  }
  if (g.ln1) t[`grad.${b}.ln1`] = matrix(g.ln1.y);
  if (c.attnResidual) t[`grad.${b}.res1`] = matrix(g.res1);
  Object.assign(t, {
    [`grad.${b}.attn.out`]: matrix(g.attn.out),
    [`grad.${b}.attn.weights`]: stacked(g.attn.weights),
    [`grad.${b}.attn.scaled`]: stacked(g.attn.scaled),
    [`grad.${b}.attn.scores`]: stacked(g.attn.scores),
    [`grad.${b}.attn.Q`]: matrix(g.attn.Q),
    [`grad.${b}.attn.K`]: matrix(g.attn.K),
    [`grad.${b}.attn.V`]: matrix(g.attn.V),
    [`grad.${b}.attn.context`]: matrix(g.attn.context),
  });
  return t;
}
