// The mutant implementations: the float64 reference with one classic mistake each, selectable as
// `--impl mutant:NAME`. Each is the reference's kernel table (reference/kernels.ts) with one entry swapped for a
// small wrong variation, or, for mistakes of the training loop, the reference adapter with its train step or
// forward-after-training replaced. `tconf mutants` runs the suite against every one: a conformance suite is only
// as good as the mistakes it catches. Each mistake cites the place in the seeds that warns about it, or that the
// correct version follows.
import { REFERENCE_KERNELS, type Kernels } from '../../reference/kernels.js';
import { linearBackward, linearForward } from '../../reference/linear.js';
import { layerNormBackward } from '../../reference/layernorm.js';
import { crossEntropyBackward, mseBackward } from '../../reference/losses.js';
import { matmulForward, type MatmulShape } from '../../reference/matmul.js';
import { forward } from '../../reference/model.js';
import {
  adamBiasCorrection,
  adamStep,
  clipGradNorm,
  globalNorm,
  momentumStep,
  sgdStep,
  type AdamOptions,
  type Tensors,
} from '../../reference/optim.js';
import { paramSpecs, type Params } from '../../reference/params.js';
import { softmaxBackward, softmaxForward, type SoftmaxShape } from '../../reference/softmax.js';
import { batchGradients, trainStep, type Optimizer } from '../../reference/training.js';
import type { Implementation } from '../run/implementation.js';
import { createReferenceImplementation, type ReferenceVariant } from './reference.js';

export interface Mutant {
  name: string;
  /** The mistake, in one line. */
  mistake: string;
  /** Where the seeds warn about it. */
  source: string;
  /**
   * The value the mistake changes first, as a pattern of its trace path (the model's trace name, or the output of
   * an op): the first divergence of its diagnosis must match it, in process and over the process protocol.
   */
  touches: RegExp;
  /** What the mutant changes in the reference: kernels, and optionally the train step or the forward step. */
  variant: () => Omit<ReferenceVariant, 'name' | 'version' | 'kernels'> & { kernels?: Partial<Kernels> };
}

/** W read as the row-major [r×c] matrix it is, transposed to [c×r]. */
function transposed(W: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = W[i * c + j];
  return out;
}

/** dst += src */
function addInto(dst: Float64Array, src: Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** dst [m x n] += A [m x k] · B [k x n], untransposed (the mistake of the transpose mutants) */
function addProduct(dst: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const product = new Float64Array(s.m * s.n);
  matmulForward(product, A, B, s);
  addInto(dst, product);
}

/** One row's means over n features of a[j]·b[j]. */
const rowMean = (n: number, f: (j: number) => number): number => {
  let s = 0;
  for (let j = 0; j < n; j++) s += f(j);
  return s / n;
};

/** Softmax down each column of a [rows x n] matrix instead of along each row (a vector stays one row). */
function columnSoftmaxForward(y: Float64Array, x: Float64Array, { rows, n }: SoftmaxShape): void {
  if (rows === 1) return softmaxForward(y, x, { rows, n });
  const t = new Float64Array(rows * n);
  softmaxForward(t, transposed(x, rows, n), { rows: n, n: rows });
  y.set(transposed(t, n, rows));
}

/** The backward of columnSoftmaxForward: the full Jacobian, column by column. */
function columnSoftmaxBackward(dx: Float64Array, dy: Float64Array, y: Float64Array, { rows, n }: SoftmaxShape): void {
  if (rows === 1) return softmaxBackward(dx, dy, y, { rows, n });
  const t = new Float64Array(rows * n);
  softmaxBackward(t, transposed(dy, rows, n), transposed(y, rows, n), { rows: n, n: rows });
  addInto(dx, transposed(t, n, rows));
}

/** Adam with one slip: ε inside the square root, or v used without its bias correction. */
function adamWith(slip: { epsInside?: boolean; correctV?: boolean }) {
  return (params: Tensors, grads: Tensors, names: readonly string[], o: AdamOptions): void => {
    const { state, hyper: h, correction = adamBiasCorrection } = o;
    const t = ++state.step;
    const [c1, c2] = [correction(h.beta1, t), slip.correctV === false ? 1 : correction(h.beta2, t)];
    for (const name of names) {
      const [w, g] = [params[name], grads[name]];
      const m = (state.m[name] ??= new Float64Array(w.length));
      const v = (state.v[name] ??= new Float64Array(w.length));
      for (let i = 0; i < w.length; i++) {
        m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
        v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
        w[i] -= (h.lr * (m[i] / c1)) / (slip.epsInside ? Math.sqrt(v[i] / c2 + h.eps) : Math.sqrt(v[i] / c2) + h.eps);
      }
    }
  };
}

/** Empties an optimizer state's tensors in place (the trace reads the same objects). */
function emptied(state: Tensors): void {
  for (const name of Object.keys(state)) delete state[name];
}

/** The last step's gradients of each optimizer (one per scenario), for the mutant that never zeroes them. */
const heldGrads = new WeakMap<Optimizer, Params>();

const BOOK = '003 (the book)';
const STAGE10 = '001 (Stage 10)';
const SUNFISH = '002 (Sunfish backprop)';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'no-scale',
    mistake: 'attention scores not divided by sqrt(d_k)',
    source: `${BOOK} 5.7.1.10 mistake 1; Appendix C 13.1`,
    touches: /(\.attn\.|\/)scaled$/,
    variant: () => ({ kernels: { attentionScale: () => 1 } }),
  },
  {
    name: 'softmax-no-max',
    mistake: 'softmax exponentiates the logits without subtracting the max (overflows on large logits)',
    source: `${BOOK} 5.7.1.10 mistake 2; Appendix C 13.2`,
    touches: /(\/y|\.attn\.weights|\/probs)$/,
    variant: () => ({
      kernels: {
        softmaxForward(y, x, { rows, n }) {
          for (let r = 0; r < rows; r++) {
            let sum = 0;
            for (let j = 0; j < n; j++) sum += y[r * n + j] = Math.exp(x[r * n + j]);
            for (let j = 0; j < n; j++) y[r * n + j] /= sum;
          }
        },
      },
    }),
  },
  {
    name: 'wrong-position',
    mistake: 'the head reads the first position instead of the last',
    source: `${BOOK} 5.7.1.10 mistake 4 (wrong attention position)`,
    touches: /\/final_repr$/,
    variant: () => ({ kernels: { predictionPosition: () => 0 } }),
  },
  {
    name: 'weights-transposed',
    mistake: 'every weight matrix read in the transposed layout (y = W x of the column convention, on row vectors)',
    source: `${BOOK} 5.7.1.10 mistake 3, 7.9.7 mistake 1, 9.9.9 mistake 3; Appendix C 13.4 (dimension mismatch)`,
    touches: /\/(X|blocks\.0\.attn\.Q)$/,
    variant: () => ({
      kernels: { linearForward: (Y, X, w, s) => linearForward(Y, X, { W: transposed(w.W, s.nout, s.nin), b: w.b }, s) },
    }),
  },
  {
    name: 'ce-grad-sign',
    mistake: 'cross-entropy gradient with the wrong sign: onehot − p instead of p − onehot',
    source: `${BOOK} 6.10.6 mistake 1, 7.9.7 mistake 4 (sign errors)`,
    touches: /\/(grad\.logits|dlogits)$/,
    variant: () => ({ kernels: { crossEntropyBackward: (d, p, target, scale = 1) => crossEntropyBackward(d, p, target, -scale) } }),
  },
  {
    name: 'no-lr',
    mistake: 'the update forgets the learning rate: W ← W − g',
    source: `${BOOK} 6.10.6 mistake 2`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({
      kernels: {
        sgdStep: (p, g, names) => sgdStep(p, g, names, { lr: 1 }),
        momentumStep: (p, g, names, o) => momentumStep(p, g, names, { ...o, lr: 1 }),
        adamStep: (p, g, names, o) => adamStep(p, g, names, { ...o, hyper: { ...o.hyper, lr: 1 } }),
      },
    }),
  },
  {
    name: 'gradient-ascent',
    mistake: 'the update adds the gradient instead of subtracting it: W ← W + lr·g',
    source: `${BOOK} 6.10.6 mistake 3; Appendix C 13.3`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({
      kernels: {
        sgdStep: (p, g, names, o) => sgdStep(p, g, names, { lr: -o.lr }),
        momentumStep: (p, g, names, o) => momentumStep(p, g, names, { ...o, lr: -o.lr }),
        adamStep: (p, g, names, o) => adamStep(p, g, names, { ...o, hyper: { ...o.hyper, lr: -o.hyper.lr } }),
      },
    }),
  },
  {
    name: 'no-recompute',
    mistake: 'the forward pass after an update is not recomputed: it reports the pre-update pass',
    source: `${BOOK} 6.10.6 mistake 4, 8.9.8 mistake 3`,
    touches: /^after\/0\/logits$/,
    variant: () => ({
      forwardStep: ({ config, params, examples, kernels, previous }) =>
        previous ?? examples.map((ex) => forward(config, params, ex, kernels)),
    }),
  },
  {
    name: 'dK-no-transpose',
    mistake: 'key gradient computed as dS·K instead of dSᵀ·Q',
    source: `${BOOK} 7.9.7 mistake 2 (transpose errors)`,
    touches: /\/(grad\.blocks\.\d+\.attn\.K|dK)$/,
    variant: () => ({
      kernels: {
        attentionKeyGrad: (dK, dS, { K }, { T, dk }) => addProduct(dK, dS, K, { m: T, k: T, n: dk }),
      },
    }),
  },
  {
    name: 'dV-no-transpose',
    mistake: 'value gradient computed as A·dC instead of Aᵀ·dC (attention weights not transposed)',
    source: `${BOOK} 7.9.7 mistake 2 (transpose errors)`,
    touches: /\/(grad\.blocks\.\d+\.attn\.V|dV)$/,
    variant: () => ({
      kernels: {
        attentionValueGrad: (dV, A, dC, { T, dk }) => addProduct(dV, A, dC, { m: T, k: T, n: dk }),
      },
    }),
  },
  {
    name: 'dW-transposed',
    mistake: "weight gradient computed as dYᵀ·X (the column convention's dY·Xᵀ) instead of Xᵀ·dY",
    source: `${BOOK} 7.9.7 mistake 2 (transpose errors)`,
    touches: /\/(grad\.[\w.]*W_\w+|dW_\d)$/,
    variant: () => ({
      kernels: {
        linearBackward(g, X, W, s) {
          linearBackward({ ...g, dW: null }, X, W, s);
          if (!g.dW) return;
          const right = new Float64Array(s.nin * s.nout);
          linearBackward({ dX: null, dW: right, db: null, dY: g.dY }, X, W, s);
          addInto(g.dW, transposed(right, s.nin, s.nout));
        },
      },
    }),
  },
  {
    name: 'softmax-diagonal',
    mistake: 'softmax backward through the diagonal of the Jacobian only: dx = y(1 − y)·dy',
    source: `${BOOK} 7.9.7 mistake 3, 7.9.6 insight 3 (the Jacobian couples all inputs)`,
    touches: /\/(grad\.blocks\.\d+\.attn\.scaled|dx)$/,
    variant: () => ({
      kernels: {
        softmaxBackward(dx, dy, y, { rows, n }) {
          for (let i = 0; i < rows * n; i++) dx[i] += y[i] * (1 - y[i]) * dy[i];
        },
      },
    }),
  },
  {
    name: 'no-batch-mean',
    mistake: "a batch's gradients summed, not averaged",
    source: `${BOOK} 8.9.8 mistake 1`,
    touches: /^[^/]+\/grad\./,
    variant: () => ({ kernels: { batchDivisor: () => 1 } }),
  },
  {
    name: 'update-per-example',
    mistake: 'an update after each example instead of forward all, backward all, average, one update',
    source: `${BOOK} 8.9.8 mistake 2 (wrong order)`,
    touches: /^[^/]+\/[1-9]\d*\/[^/]+$/,
    variant: () => ({
      trainStep(c, params, examples, opt, o) {
        const steps = examples.map((ex) => trainStep(c, params, [ex], opt, o));
        const n = steps.length;
        const grads = Object.fromEntries(
          Object.keys(steps[0].grads).map((name) => [
            name,
            steps[0].grads[name].map((_, i) => steps.reduce((s, r) => s + r.grads[name][i], 0) / n),
          ]),
        );
        return {
          loss: steps.reduce((s, r) => s + r.loss, 0) / n,
          grads,
          forwards: steps.flatMap((r) => r.forwards),
          gradTraces: steps.flatMap((r) => r.gradTraces),
          gradNorm: steps[n - 1].gradNorm,
        };
      },
    }),
  },
  {
    name: 'no-relu',
    mistake: 'the FFN forgets its ReLU (a linear FFN)',
    source: `${BOOK} 9.9.9 mistake 1`,
    touches: /(\.ffn\.act|\/y|\/act)$/,
    variant: () => ({
      kernels: {
        reluForward: (y, z, n) => y.set(z.subarray(0, n)),
        reluBackward(dz, dy, _z, n) {
          for (let i = 0; i < n; i++) dz[i] += dy[i];
        },
      },
    }),
  },
  {
    name: 'residual-replaced',
    mistake: 'the residual replaces instead of adds: y = f(x) instead of x + f(x)',
    source: `${BOOK} 9.9.9 mistake 2`,
    touches: /\.res[12]$/,
    variant: () => ({
      kernels: {
        residualForward: (y, _x, fx, n) => y.set(fx.subarray(0, n)),
        residualBackward(_dx, dfx, dy, n) {
          for (let i = 0; i < n; i++) dfx[i] += dy[i];
        },
      },
    }),
  },
  {
    name: 'qkv-not-summed',
    mistake: "self-attention's input gradient takes only the V path, not the sum of the Q, K and V paths",
    source: `${SUNFISH} section 1 (Q = K = V case: gradients summed)`,
    touches: /\/grad\.(X|blocks\.\d+\.(out|ln\d|res\d))$/,
    variant: () => ({ kernels: { sumPaths: (dX, paths) => REFERENCE_KERNELS.sumPaths(dX, paths.slice(-1)) } }),
  },
  {
    name: 'embedding-overwrite',
    mistake: 'embedding gradient rows overwritten (=) instead of accumulated (+=) for repeated tokens',
    source: `${STAGE10} Part 5 (the += for the comma of Max(1,6,2))`,
    touches: /\/(grad\.embedding\.E|dE)$/,
    variant: () => ({
      kernels: {
        embeddingBackward(dE, dX, tokens, d) {
          for (let pos = 0; pos < tokens.length; pos++) dE.set(dX.subarray(pos * d, (pos + 1) * d), tokens[pos] * d);
        },
      },
    }),
  },
  {
    name: 'relu-grad-at-zero',
    mistake: "ReLU'(0) = 1 instead of 0",
    source: `${STAGE10} Part 3 ("1 if z > 0, 0 if z ≤ 0")`,
    touches: /\/(grad\.blocks\.\d+\.ffn\.hidden|dz|dhidden)$/,
    variant: () => ({
      kernels: {
        reluBackward(dz, dy, z, n) {
          for (let i = 0; i < n; i++) if (z[i] >= 0) dz[i] += dy[i];
        },
      },
    }),
  },
  {
    name: 'ln-no-mean-term',
    mistake: 'layer-norm backward without the mean term: dx = rstd·(g − x̂·mean(g ⊙ x̂))',
    source: `${SUNFISH} section 1 (layer norm backward through mean and variance)`,
    touches: /\/(grad\.blocks\.\d+\.(res\d|attn\.out|ffn\.out)|dx)$/,
    variant: () => ({
      kernels: {
        layerNormBackward(g, f, s) {
          layerNormBackward(g, f, s);
          const { rows, n } = s;
          for (let r = 0; r < rows; r++) {
            const gMean = rowMean(n, (j) => g.dy[r * n + j] * f.gamma[j]);
            for (let j = 0; j < n; j++) g.dx[r * n + j] += f.rstd[r] * gMean; // undo the mean term
          }
        },
      },
    }),
  },
  {
    name: 'ln-no-variance-term',
    mistake: 'layer-norm backward without the variance term: dx = rstd·(g − mean(g))',
    source: `${SUNFISH} section 1 (layer norm backward through mean and variance)`,
    touches: /\/(grad\.blocks\.\d+\.(res\d|attn\.out|ffn\.out)|dx)$/,
    variant: () => ({
      kernels: {
        layerNormBackward(g, f, s) {
          layerNormBackward(g, f, s);
          const { rows, n } = s;
          for (let r = 0; r < rows; r++) {
            const xhat = (j: number) => (f.x[r * n + j] - f.mean[r]) * f.rstd[r];
            const gxMean = rowMean(n, (j) => g.dy[r * n + j] * f.gamma[j] * xhat(j));
            for (let j = 0; j < n; j++) g.dx[r * n + j] += f.rstd[r] * xhat(j) * gxMean; // undo the variance term
          }
        },
      },
    }),
  },
  {
    name: 'adam-no-bias-correction',
    mistake: 'Adam without bias correction: m and v used as they are',
    source: `${STAGE10} Part 6 (bias correction); ${SUNFISH} section 3`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({ kernels: { adamBiasCorrection: () => 1 } }),
  },
  {
    name: 'adam-step-from-0',
    mistake: "Adam's step counted from 0: the first bias correction is 1 − β⁰ = 0",
    source: `${SUNFISH} section 3 (training_step initialised to 1)`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({ kernels: { adamBiasCorrection: (beta, t) => adamBiasCorrection(beta, t - 1) } }),
  },
  {
    name: 'mse-no-2',
    mistake: "MSE gradient without the 2 of the square's derivative: factor·(y − t) instead of 2·factor·(y − t)",
    source: `${STAGE10} practical exercise 1 (L = 0.5·(y − t)², dL/dy = y − t); 000 (Fibonacci: MSE error signal)`,
    touches: /\/(grad\.prediction|dy|doutput)$/,
    variant: () => ({ kernels: { mseBackward: (dy, y, t, o) => mseBackward(dy, y, t, { ...o, scale: (o.scale ?? 1) / 2 }) } }),
  },
  {
    name: 'clip-by-value',
    mistake: 'gradient clipping clamps each entry to ±max_norm instead of rescaling by the global norm',
    source: `${STAGE10} practical insights, exploding gradients ("gradient = min(gradient, max_norm)"); understanding check 33`,
    touches: /^[^/]+\/grad\.|\/clipped$/,
    variant: () => ({
      kernels: {
        clipGradNorm(grads, maxNorm, names) {
          const norm = globalNorm(grads, names);
          for (const name of names) grads[name].forEach((x, i, g) => (g[i] = Math.max(-maxNorm, Math.min(maxNorm, x))));
          return norm;
        },
      },
    }),
  },
  {
    name: 'scale-by-dk',
    mistake: 'attention scores divided by d_k instead of sqrt(d_k)',
    source: `${BOOK} Appendix C 13.1 (QKᵀ/√d_k); ${STAGE10} Part 3, step 3.4 ("/ sqrt(16)" for d_k = 16)`,
    touches: /(\.attn\.|\/)scaled$/,
    variant: () => ({ kernels: { attentionScale: (dk) => 1 / dk } }),
  },
  {
    name: 'softmax-columns',
    mistake: "attention softmax over the wrong axis: down each key's column instead of along each query's row",
    source: `${BOOK} 4.7 (each position's attention weights sum to 1.0); ${STAGE10} Part 3, step 3.4 (softmax of each row of scores)`,
    touches: /(\/y|\.attn\.weights)$/,
    variant: () => ({
      kernels: {
        softmaxForward: columnSoftmaxForward,
        softmaxBackward: columnSoftmaxBackward,
      },
    }),
  },
  {
    name: 'ce-grad-through-softmax',
    mistake: "cross-entropy gradient p − onehot pushed through the softmax's Jacobian a second time",
    source: `${STAGE10} Part 1 ("∂loss/∂logits = probabilities - one_hot(target)"); ${BOOK} 6.10.3.2 (dL/dlogit = P − 1[target])`,
    touches: /\/(grad\.logits|dlogits)$/,
    variant: () => ({
      kernels: {
        crossEntropyBackward(d, p, target, scale = 1) {
          const e = new Float64Array(p.length);
          crossEntropyBackward(e, p, target, scale);
          softmaxBackward(d, e, p, { rows: 1, n: p.length });
        },
      },
    }),
  },
  {
    name: 'residual-grad-one-path',
    mistake: "residual backward hands the gradient to the sublayer only, not also to the skip connection's input",
    source: `${STAGE10} Part 3, step 3.1 ("The gradient splits into two paths"); ${SUNFISH} section 1 (residual splits gradient)`,
    touches: /\/grad\.(X|blocks\.\d+\.(out|ln1|res1))$/,
    variant: () => ({
      kernels: {
        residualBackward(_dx, dfx, dy, n) {
          for (let i = 0; i < n; i++) dfx[i] += dy[i];
        },
      },
    }),
  },
  {
    name: 'bias-grad-mean',
    mistake: 'bias gradient averaged over the rows (positions) instead of summed: db = mean(dY, axis=0)',
    source: `${STAGE10} Part 3, step 3.2 ("∂loss/∂b₂ = sum(∂loss/∂output, axis=0)")`,
    touches: /\/(grad\.[\w.]*\.b_\w+|db_\d)$/,
    variant: () => ({
      kernels: {
        linearBackward(g, X, W, s) {
          linearBackward({ ...g, db: null }, X, W, s);
          if (!g.db) return;
          for (let r = 0; r < s.rows; r++) for (let j = 0; j < s.nout; j++) g.db[j] += g.dY[r * s.nout + j] / s.rows;
        },
      },
    }),
  },
  {
    name: 'ln-grad-no-gamma',
    mistake: 'layer-norm backward forgets γ: g = dy instead of dy ⊙ γ',
    source: `${STAGE10} Part 3, step 3.1 ("(∂loss/∂y) × γ / σ"); ${SUNFISH} section 1 (layer norm backward)`,
    touches: /\/(grad\.blocks\.\d+\.(res\d|attn\.out|ffn\.out)|dx)$/,
    variant: () => ({
      kernels: {
        layerNormBackward: (g, f, s) => layerNormBackward(g, { ...f, gamma: new Float64Array(f.gamma.length).fill(1) }, s),
      },
    }),
  },
  {
    name: 'mse-no-mean',
    mistake: "MSE gradient without the mean's 1/n: 2·factor·(y − t) over n outputs",
    source: `000 (Fibonacci: "Mean Squared Error (MSE)", the mean over the outputs); ${STAGE10} practical exercise 1 (L = 0.5·(y − t)²)`,
    touches: /\/(grad\.prediction|dy|doutput)$/,
    variant: () => ({ kernels: { mseBackward: (dy, y, t, o) => mseBackward(dy, y, t, { ...o, scale: (o.scale ?? 1) * y.length }) } }),
  },
  {
    name: 'adam-eps-in-sqrt',
    mistake: 'Adam with ε inside the square root: sqrt(v̂ + ε) instead of sqrt(v̂) + ε',
    source: `${STAGE10} Part 6 ("W_new = W_old - α × m_corrected / (sqrt(v_corrected) + ε)")`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({ kernels: { adamStep: adamWith({ epsInside: true }) } }),
  },
  {
    name: 'adam-no-v-correction',
    mistake: "Adam corrects m's bias but not v's: m̂ / (sqrt(v) + ε)",
    source: `${STAGE10} Part 6 ("v_corrected = v / (1 - β₂ᵗ)"); ${SUNFISH} section 3`,
    touches: /\/param\.|\/trajectory$/,
    variant: () => ({ kernels: { adamStep: adamWith({ correctV: false }) } }),
  },
  {
    name: 'momentum-ema',
    mistake: 'momentum as an average: v ← β·v + (1 − β)·g (Adam-style) instead of heavy-ball v ← β·v + g',
    source: `${STAGE10} practical exercise 4 ("SGD with momentum (β=0.9)", no formula; heavy-ball is spec/conventions.md convention 15)`,
    touches: /\/momentum\.v\.|\/trajectory$/,
    variant: () => ({
      kernels: {
        momentumStep(p, g, names, o) {
          const scaled = Object.fromEntries(names.map((n) => [n, Float64Array.from(g[n], (x) => (1 - o.beta) * x)]));
          momentumStep(p, scaled, names, o);
        },
      },
    }),
  },
  {
    name: 'optimizer-state-reset',
    mistake: "the optimizer is re-created every step: Adam's moments and step count, momentum's velocity start over",
    source: `${STAGE10} Part 6 (Adam keeps running averages of gradients across steps, t the timestep)`,
    touches: /\/(adam\.[mv]|momentum\.v|param)\.|\/trajectory$/,
    variant: () => ({
      kernels: {
        adamStep(p, g, names, o) {
          [o.state.m, o.state.v].forEach(emptied);
          o.state.step = 0;
          adamStep(p, g, names, o);
        },
        momentumStep(p, g, names, o) {
          emptied(o.velocity);
          momentumStep(p, g, names, o);
        },
      },
    }),
  },
  {
    name: 'grads-not-zeroed',
    mistake: "gradients not zeroed between train steps: each step applies the sum of every step's gradient so far",
    source: `${BOOK} 8.9.4 (dWO_avg from this batch's gradients); ${STAGE10} Part 6 (W_new = W_old − learning_rate × ∂loss/∂W of this loss)`,
    touches: /^[^/]+\/grad\./,
    variant: () => ({
      trainStep(c, params, examples, opt, o = {}) {
        const { kernels = REFERENCE_KERNELS } = o;
        const names = o.trainable ?? paramSpecs(c).map((s) => s.name);
        const r = batchGradients(c, params, examples, { traceGrads: o.traceGrads ?? false, kernels });
        const held = heldGrads.get(opt);
        if (held) for (const name of Object.keys(r.grads)) addInto(r.grads[name], held[name]);
        const gradNorm = o.clip !== undefined ? kernels.clipGradNorm(r.grads, o.clip, names) : globalNorm(r.grads, names);
        heldGrads.set(opt, Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, Float64Array.from(g)])));
        opt.step(params, r.grads, names);
        return { ...r, gradNorm };
      },
    }),
  },
  {
    name: 'frozen-updated',
    mistake: 'the optimizer updates every parameter, the ones a step leaves untrained (frozen) too',
    source: `${BOOK} 6.10.1.1 ("Projection Weights (Fixed)": W_O alone trained), 7.8 exercise 5 ("only W_O trained")`,
    touches: /\/param\./,
    variant: () => ({
      kernels: {
        sgdStep: (p, g, _names, o) => sgdStep(p, g, Object.keys(g), o),
        momentumStep: (p, g, _names, o) => momentumStep(p, g, Object.keys(g), o),
        adamStep: (p, g, _names, o) => adamStep(p, g, Object.keys(g), o),
      },
    }),
  },
  {
    name: 'clip-per-tensor',
    mistake: 'gradient clipping rescales each tensor by its own norm instead of all of them by the global norm',
    source: `${STAGE10} practical insights, exploding gradients; understanding check 33 (‖g‖ over the whole gradient vector)`,
    touches: /^[^/]+\/grad\.|\/clipped$/,
    variant: () => ({
      kernels: {
        clipGradNorm(grads, maxNorm, names) {
          const norm = globalNorm(grads, names);
          for (const name of names) clipGradNorm(grads, maxNorm, [name]);
          return norm;
        },
      },
    }),
  },
];

export const MUTANT_NAMES = MUTANTS.map((m) => m.name);

function mutantNamed(name: string): Mutant {
  const m = MUTANTS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown mutant '${name}' (known: ${MUTANT_NAMES.join(', ')})`);
  return m;
}

/**
 * Whether two mutants compose: the catalogue's mechanism is a kernel table with entries swapped, plus an optional
 * train step and forward step; two compose when they swap different kernels and do not both replace a step.
 */
export function composable(a: Mutant, b: Mutant): boolean {
  const [va, vb] = [a.variant(), b.variant()];
  const ka = Object.keys(va.kernels ?? {});
  if (Object.keys(vb.kernels ?? {}).some((k) => ka.includes(k))) return false;
  if (va.trainStep && vb.trainStep) return false;
  if (va.forwardStep && vb.forwardStep) return false;
  return true;
}

/**
 * The reference with every named mistake switched on, named `mutant:a+b…`; a fresh one per call (no state is shared
 * between runs). The mutants must compose pairwise.
 */
export function mutantsImplementation(names: readonly string[]): Implementation {
  const ms = names.map(mutantNamed);
  if (!ms.length) throw new Error('no mutant named');
  for (let i = 0; i < ms.length; i++)
    for (let j = i + 1; j < ms.length; j++)
      if (!composable(ms[i], ms[j]))
        throw new Error(`mutants '${ms[i].name}' and '${ms[j].name}' change the same kernel or step: they do not compose`);
  const variants = ms.map((m) => m.variant());
  return createReferenceImplementation({
    ...Object.assign({}, ...variants.map(({ kernels: _, ...rest }) => rest)),
    name: `mutant:${names.join('+')}`,
    version: '0.1.0',
    kernels: Object.freeze(Object.assign({ ...REFERENCE_KERNELS }, ...variants.map((v) => v.kernels ?? {}))),
  });
}

/** The mutant as an implementation named `mutant:NAME`; a fresh one per call (no state is shared between runs). */
export function mutantImplementation(name: string): Implementation {
  return mutantsImplementation([name]);
}
