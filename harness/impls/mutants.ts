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
import { adamBiasCorrection, adamStep, globalNorm, momentumStep, sgdStep } from '../../reference/optim.js';
import { trainStep } from '../../reference/training.js';
import type { Implementation } from '../run/implementation.js';
import { createReferenceImplementation, type ReferenceVariant } from './reference.js';

export interface Mutant {
  name: string;
  /** The mistake, in one line. */
  mistake: string;
  /** Where the seeds warn about it. */
  source: string;
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

const BOOK = '003 (the book)';
const STAGE10 = '001 (Stage 10)';
const SUNFISH = '002 (Sunfish backprop)';

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'no-scale',
    mistake: 'attention scores not divided by sqrt(d_k)',
    source: `${BOOK} 5.7.1.10 mistake 1; Appendix C 13.1`,
    variant: () => ({ kernels: { attentionScale: () => 1 } }),
  },
  {
    name: 'softmax-no-max',
    mistake: 'softmax exponentiates the logits without subtracting the max (overflows on large logits)',
    source: `${BOOK} 5.7.1.10 mistake 2; Appendix C 13.2`,
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
    variant: () => ({ kernels: { predictionPosition: () => 0 } }),
  },
  {
    name: 'weights-transposed',
    mistake: 'every weight matrix read in the transposed layout (y = W x of the column convention, on row vectors)',
    source: `${BOOK} 5.7.1.10 mistake 3, 7.9.7 mistake 1, 9.9.9 mistake 3; Appendix C 13.4 (dimension mismatch)`,
    variant: () => ({
      kernels: { linearForward: (Y, X, w, s) => linearForward(Y, X, { W: transposed(w.W, s.nout, s.nin), b: w.b }, s) },
    }),
  },
  {
    name: 'ce-grad-sign',
    mistake: 'cross-entropy gradient with the wrong sign: onehot − p instead of p − onehot',
    source: `${BOOK} 6.10.6 mistake 1, 7.9.7 mistake 4 (sign errors)`,
    variant: () => ({ kernels: { crossEntropyBackward: (d, p, target, scale = 1) => crossEntropyBackward(d, p, target, -scale) } }),
  },
  {
    name: 'no-lr',
    mistake: 'the update forgets the learning rate: W ← W − g',
    source: `${BOOK} 6.10.6 mistake 2`,
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
    variant: () => ({
      forwardStep: ({ config, params, examples, kernels, previous }) =>
        previous ?? examples.map((ex) => forward(config, params, ex, kernels)),
    }),
  },
  {
    name: 'dK-no-transpose',
    mistake: 'key gradient computed as dS·K instead of dSᵀ·Q',
    source: `${BOOK} 7.9.7 mistake 2 (transpose errors)`,
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
    variant: () => ({ kernels: { batchDivisor: () => 1 } }),
  },
  {
    name: 'update-per-example',
    mistake: 'an update after each example instead of forward all, backward all, average, one update',
    source: `${BOOK} 8.9.8 mistake 2 (wrong order)`,
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
    variant: () => ({ kernels: { sumPaths: (dX, paths) => REFERENCE_KERNELS.sumPaths(dX, paths.slice(-1)) } }),
  },
  {
    name: 'embedding-overwrite',
    mistake: 'embedding gradient rows overwritten (=) instead of accumulated (+=) for repeated tokens',
    source: `${STAGE10} Part 5 (the += for the comma of Max(1,6,2))`,
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
    variant: () => ({ kernels: { adamBiasCorrection: () => 1 } }),
  },
  {
    name: 'adam-step-from-0',
    mistake: "Adam's step counted from 0: the first bias correction is 1 − β⁰ = 0",
    source: `${SUNFISH} section 3 (training_step initialised to 1)`,
    variant: () => ({ kernels: { adamBiasCorrection: (beta, t) => adamBiasCorrection(beta, t - 1) } }),
  },
  {
    name: 'mse-no-2',
    mistake: "MSE gradient without the 2 of the square's derivative: factor·(y − t) instead of 2·factor·(y − t)",
    source: `${STAGE10} practical exercise 1 (L = 0.5·(y − t)², dL/dy = y − t); 000 (Fibonacci: MSE error signal)`,
    variant: () => ({ kernels: { mseBackward: (dy, y, t, o) => mseBackward(dy, y, t, { ...o, scale: (o.scale ?? 1) / 2 }) } }),
  },
  {
    name: 'clip-by-value',
    mistake: 'gradient clipping clamps each entry to ±max_norm instead of rescaling by the global norm',
    source: `${STAGE10} practical insights, exploding gradients ("gradient = min(gradient, max_norm)"); understanding check 33`,
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
];

export const MUTANT_NAMES = MUTANTS.map((m) => m.name);

/** The mutant as an implementation named `mutant:NAME`; a fresh one per call (no state is shared between runs). */
export function mutantImplementation(name: string): Implementation {
  const m = MUTANTS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown mutant '${name}' (known: ${MUTANT_NAMES.join(', ')})`);
  const { kernels, ...rest } = m.variant();
  return createReferenceImplementation({
    name: `mutant:${name}`,
    version: '0.1.0',
    kernels: Object.freeze({ ...REFERENCE_KERNELS, ...kernels }),
    ...rest,
  });
}
