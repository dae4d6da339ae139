// Cross-check: the float64 reference against an independent TensorFlow.js engine (float32, tf's own autodiff)
// on the same weights. Every comparison is normwise per tensor:
//   err = max|ref − tf| / max(max|ref|, tiny)  ≤  TOL.
// Set TFJS_ERRORS=1 to print the worst error seen per tensor class.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTfjsTrainer,
  tfjsAttention,
  tfjsCrossEntropy,
  tfjsEmbedding,
  tfjsForward,
  tfjsLayerNorm,
  tfjsLinear,
  tfjsLossAndGrads,
  tfjsMatmul,
  tfjsMse,
  tfjsPositions,
  tfjsRelu,
  tfjsSoftmax,
} from '../examples/tfjs/model.js';
import * as tf from '@tensorflow/tfjs-core';
import { allocAttentionActivations, attentionBackward, attentionForward } from './attention.js';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';
import { embeddingBackward, embeddingForward, sinusoidalPositions } from './embedding.js';
import { allocLayerNormActivations, layerNormBackward, layerNormForward } from './layernorm.js';
import { linearBackward, linearForward } from './linear.js';
import { crossEntropyBackward, crossEntropyForward, mseBackward, mseForward } from './losses.js';
import { matmulBackward, matmulForward } from './matmul.js';
import { forward, type Example } from './model.js';
import { initParams, paramSpecs } from './params.js';
import { mulberry32 } from './prng.js';
import { reluBackward, reluForward } from './relu.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { batchGradients, createOptimizer, trainStep } from './training.js';

/** float32 agreement: both sides compute the same formula, one in float64 and one in float32. */
const TOL = 1e-4;
const TINY = 1e-30;
/** Fixed-seed property runs, kept small: every run builds TF.js graphs. */
const RUNS = { seed: 42, numRuns: 12 } as const;

/** Worst normwise error seen per tensor class (for the TFJS_ERRORS=1 summary). */
const worst = new Map<string, number>();

/** max|ref − got| / max(max|ref|, tiny); Infinity on a length mismatch or any NaN. */
function normRel(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  if (ref.length !== got.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(ref[i] - got[i]);
    if (Number.isNaN(e)) return Infinity;
    diff = Math.max(diff, e);
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / Math.max(scale, TINY);
}

/** Asserts the normwise error of one tensor and records it under its class (e.g. 'grad attn.W_Q'). */
function expectClose(cls: string, ref: ArrayLike<number>, got: ArrayLike<number>, tol = TOL): void {
  const e = normRel(ref, got);
  worst.set(cls, Math.max(worst.get(cls) ?? 0, e));
  expect(e, `${cls}: normwise relative error ${e.toExponential(2)} (${ref.length} values)`).toBeLessThanOrEqual(tol);
}

/** The class of a model tensor: its name without the block index. */
const classOf = (name: string): string => name.replace(/^blocks\.\d+\./, '');

afterAll(() => {
  if (!process.env.TFJS_ERRORS) return;
  const rows = [...worst].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k.padEnd(34)} ${v.toExponential(2)}`);
  console.log(`worst normwise error per tensor class:\n${rows.join('\n')}`);
});

/** Uniform values in (−scale, scale) from a seed. */
function rand(n: number, seed: number, scale = 1): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

const dim = (min: number, max: number) => fc.integer({ min, max });
const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

// ---------------------------------------------------------------------------------------------
// Operations: forward output and input gradients for a random upstream gradient
// ---------------------------------------------------------------------------------------------

describe('ops: reference vs TF.js', () => {
  it('matmul: C and dA, dB', () => {
    fc.assert(
      fc.property(dim(1, 6), dim(1, 6), dim(1, 6), seedArb, (m, k, n, seed) => {
        const A = rand(m * k, seed);
        const B = rand(k * n, seed + 1);
        const dC = rand(m * n, seed + 2);
        const C = new Float64Array(m * n);
        matmulForward(C, A, B, { m, k, n });
        const dA = new Float64Array(m * k);
        const dB = new Float64Array(k * n);
        matmulBackward({ dA, dB, dC }, A, B, { m, k, n });
        const t = tfjsMatmul(A, B, m, k, n, dC);
        expectClose('matmul C', C, t.C);
        expectClose('matmul dA', dA, t.dA);
        expectClose('matmul dB', dB, t.dB);
      }),
      RUNS,
    );
  });

  it('linear (with and without bias): Y and dX, dW, db', () => {
    fc.assert(
      fc.property(dim(1, 5), dim(1, 6), dim(1, 6), fc.boolean(), seedArb, (rows, nin, nout, withBias, seed) => {
        const X = rand(rows * nin, seed);
        const W = rand(nin * nout, seed + 1);
        const b = withBias ? rand(nout, seed + 2) : null;
        const dY = rand(rows * nout, seed + 3);
        const Y = new Float64Array(rows * nout);
        linearForward(Y, X, { W, b }, { rows, nin, nout });
        const dX = new Float64Array(rows * nin);
        const dW = new Float64Array(nin * nout);
        const db = b ? new Float64Array(nout) : null;
        linearBackward({ dX, dW, db, dY }, X, W, { rows, nin, nout });
        const t = tfjsLinear(X, W, b, rows, nin, nout, dY);
        expectClose('linear Y', Y, t.Y);
        expectClose('linear dX', dX, t.dX);
        expectClose('linear dW', dW, t.dW);
        expect(t.db === null).toBe(!withBias);
        if (db) expectClose('linear db', db, t.db!);
      }),
      RUNS,
    );
  });

  it('softmax: y and dx (full Jacobian-vector product)', () => {
    fc.assert(
      fc.property(dim(1, 4), dim(1, 9), seedArb, (rows, n, seed) => {
        // logits in (−3, 3): a saturated row (spread 12, n = 2) makes dx ~ y_min·|dy| ≈ 1e-5 out of float32
        // cancellation in y⊙dy − y·Σ(y⊙dy), and the measured normwise error there was 4.4e-3; over this
        // range 300 random cases per n measured at most 5.6e-6.
        const x = rand(rows * n, seed, 3);
        const dy = rand(rows * n, seed + 1);
        const y = new Float64Array(rows * n);
        softmaxForward(y, x, { rows, n });
        const dx = new Float64Array(rows * n);
        softmaxBackward(dx, dy, y, { rows, n });
        const t = tfjsSoftmax(x, rows, n, dy);
        expectClose('softmax y', y, t.y);
        // a one-column softmax is constant 1: both gradients are exactly (or within rounding of) 0
        if (n === 1) expect(Math.max(...t.dx.map(Math.abs))).toBeLessThanOrEqual(1e-6);
        else expectClose('softmax dx', dx, t.dx);
      }),
      RUNS,
    );
  });

  it('layer norm: y and dx, dgamma, dbeta', () => {
    fc.assert(
      fc.property(dim(1, 4), dim(2, 16), seedArb, (rows, n, seed) => {
        const x = rand(rows * n, seed, 3);
        const gamma = rand(n, seed + 1, 2);
        const beta = rand(n, seed + 2);
        const dy = rand(rows * n, seed + 3);
        const eps = 1e-5;
        const { y, mean, rstd } = allocLayerNormActivations({ rows, n });
        layerNormForward({ y, mean, rstd }, x, { gamma, beta }, { rows, n, eps });
        const dx = new Float64Array(rows * n);
        const dgamma = new Float64Array(n);
        const dbeta = new Float64Array(n);
        layerNormBackward({ dx, dgamma, dbeta, dy }, { x, gamma, mean, rstd }, { rows, n });
        const t = tfjsLayerNorm(x, gamma, beta, rows, n, eps, dy);
        expectClose('layernorm y', y, t.y);
        expectClose('layernorm dx', dx, t.dx);
        expectClose('layernorm dgamma', dgamma, t.dgamma);
        expectClose('layernorm dbeta', dbeta, t.dbeta);
      }),
      RUNS,
    );
  });

  it("relu: y and dz, with ReLU'(0) = 0 on exact zeros", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(-2, -0.5, 0, 0.25, 3), { minLength: 1, maxLength: 24 }), seedArb, (vals, seed) => {
        const z = Float64Array.from(vals);
        const dy = rand(z.length, seed);
        const y = new Float64Array(z.length);
        reluForward(y, z, z.length);
        const dz = new Float64Array(z.length);
        reluBackward(dz, dy, z, z.length);
        const t = tfjsRelu(z, dy);
        expectClose('relu y', y, t.y);
        expectClose('relu dz', dz, t.dz);
        z.forEach((v, i) => {
          if (v <= 0) expect(Math.abs(t.dz[i])).toBe(0); // TF.js gives −0 for a negative upstream
        });
      }),
      RUNS,
    );
  });

  it('multi-head attention core (causal and not): context, weights and dQ, dK, dV', () => {
    fc.assert(
      fc.property(dim(1, 6), dim(1, 4), dim(1, 4), fc.boolean(), seedArb, (T, heads, dk, causal, seed) => {
        const d = heads * dk;
        const s = { T, d, heads, causal };
        const Q = rand(T * d, seed, 2);
        const K = rand(T * d, seed + 1, 2);
        const V = rand(T * d, seed + 2);
        const dctx = rand(T * d, seed + 3);
        const f = { ...allocAttentionActivations(s), Q, K, V };
        attentionForward(f, s);
        const g = { ...allocAttentionActivations(s), context: dctx };
        attentionBackward(g, f, s);
        const { Q: dQ, K: dK, V: dV } = g;
        const t = tfjsAttention(Q, K, V, s, dctx);
        expectClose('attention context', f.context, t.context);
        expectClose('attention weights', f.weights, t.weights);
        expectClose('attention dV', dV, t.dV);
        // with T = 1 every softmax row is the constant 1: dQ and dK vanish on both sides
        if (T === 1) {
          expect(Math.max(...dQ.map(Math.abs), ...dK.map(Math.abs))).toBe(0);
          expect(Math.max(...t.dQ.map(Math.abs), ...t.dK.map(Math.abs))).toBeLessThanOrEqual(1e-6);
        } else {
          expectClose('attention dQ', dQ, t.dQ);
          expectClose('attention dK', dK, t.dK);
        }
        // the causal mask hides keys j > i with weight exactly 0
        if (causal) {
          for (let h = 0; h < heads; h++)
            for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) expect(t.weights[(h * T + i) * T + j]).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it('sinusoidal positions', () => {
    for (const [T, d] of [
      [1, 2],
      [6, 16],
      [8, 64],
      [5, 10],
    ]) {
      const pe = new Float64Array(T * d);
      sinusoidalPositions(pe, T, d);
      expectClose('positions PE', pe, tfjsPositions(T, d));
    }
  });

  it('embedding + positions: X and dE, summed over repeated tokens', () => {
    fc.assert(
      fc.property(dim(2, 6), dim(1, 6), fc.boolean(), seedArb, (vocab, halfD, positional, seed) => {
        const d = 2 * halfD;
        const r = mulberry32(seed);
        const T = 1 + Math.floor(r() * 8);
        const tokens = Array.from({ length: T }, () => Math.floor(r() * vocab));
        tokens.push(tokens[0]); // at least one repeated token
        const E = rand(vocab * d, seed + 1);
        const dX = rand(tokens.length * d, seed + 2);
        const X = new Float64Array(tokens.length * d);
        const pe = positional ? new Float64Array(tokens.length * d) : null;
        if (pe) sinusoidalPositions(pe, tokens.length, d);
        embeddingForward(X, tokens, { E, pe }, d);
        const dE = new Float64Array(vocab * d);
        embeddingBackward(dE, dX, tokens, d);
        const t = tfjsEmbedding(tokens, E, vocab, d, positional, dX);
        expectClose('embedding X', X, t.X);
        expectClose('embedding dE', dE, t.dE);
      }),
      RUNS,
    );
  });

  it('cross-entropy (natural log): loss, probs and dlogits', () => {
    fc.assert(
      fc.property(dim(2, 12), seedArb, fc.double({ min: 0.1, max: 2, noNaN: true }), (n, seed, scale) => {
        const logits = rand(n, seed, 4);
        const target = Math.floor(mulberry32(seed + 1)() * n);
        const probs = new Float64Array(n);
        softmaxForward(probs, logits, { rows: 1, n });
        const loss = crossEntropyForward(probs, target);
        const dlogits = new Float64Array(n);
        crossEntropyBackward(dlogits, probs, target, scale);
        const t = tfjsCrossEntropy(logits, target, n, scale);
        expectClose('cross-entropy loss', [loss], [t.loss]);
        expectClose('cross-entropy probs', probs, t.probs);
        expectClose('cross-entropy dlogits', dlogits, t.dlogits);
      }),
      RUNS,
    );
  });

  it('mse with its factor: loss and dy', () => {
    fc.assert(
      fc.property(
        dim(1, 6),
        seedArb,
        fc.constantFrom(0.5, 1, 2),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (n, seed, factor, scale) => {
          const y = rand(n, seed, 2);
          const target = Array.from(rand(n, seed + 1, 2));
          const loss = mseForward(y, target, factor);
          const dy = new Float64Array(n);
          mseBackward(dy, y, target, { factor, scale });
          const t = tfjsMse(y, target, n, factor, scale);
          expectClose('mse loss', [loss], [t.loss]);
          expectClose('mse dy', dy, t.dy);
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The full model: traces, batch loss and the gradient of every parameter
// ---------------------------------------------------------------------------------------------

const SMALL = { vocab: 12, dModel: 16, heads: 4, dFF: 32, layers: 2, seqLen: 6 } as const;

/** Token sequences with repeated tokens (the embedding gradient must sum them). */
const TOKEN_BATCH: Example[] = [
  { tokens: [3, 1, 3, 3, 7, 1], target: 2 },
  { tokens: [0, 0, 5, 11, 2, 2], target: 11 },
  { tokens: [4, 9, 4, 9, 4, 9], target: 4 },
];

/** Continuous inputs [T×inDim] with regression targets [outDim]. */
function continuousBatch(n: number, T: number, inDim: number, outDim: number, seed: number): Example[] {
  return Array.from({ length: n }, (_, e) => ({
    inputs: Array.from({ length: T }, (_, t) => Array.from(rand(inDim, seed + 97 * e + t, 2))),
    target: Array.from(rand(outDim, seed + 1000 + e, 2)),
  }));
}

/** Compares loss, every trace tensor of every example, and the gradient of every parameter. */
function compareModel(c: ModelConfig, seed: number, batch: Example[]): void {
  const p = initParams(c, seed);
  const ref = batchGradients(c, p, batch);
  const t = tfjsLossAndGrads(c, p, batch);
  expectClose('model batch loss', [ref.loss], [t.loss]);
  const names = paramSpecs(c).map((s) => s.name);
  expect(Object.keys(t.grads).sort()).toEqual([...names].sort());
  for (const n of names) {
    // every parameter reaches the loss here, so no gradient is identically zero
    expect(Math.max(...ref.grads[n].map(Math.abs)), `grad ${n} is zero`).toBeGreaterThan(0);
    expectClose(`grad ${classOf(n)}`, ref.grads[n], t.grads[n]);
  }
  for (const ex of batch) {
    const f = forward(c, p, ex);
    const tf1 = tfjsForward(c, p, ex);
    expectClose('model example loss', [f.loss], [tf1.loss]);
    for (const [name, tensor] of Object.entries(f.trace)) {
      if (name === 'loss') continue;
      expect(tf1.trace[name], `TF.js trace lacks ${name}`).toBeDefined();
      expectClose(`trace ${classOf(name)}`, tensor.data, tf1.trace[name]);
    }
  }
}

describe('full model: reference vs TF.js on the same weights', () => {
  it.each([false, true])(
    '2 blocks, 4 heads, classification, causal=%s: loss, probs, Q/K/V, weights, block outputs and every gradient',
    (causal) => {
      const c = makeConfig({ ...SMALL, causal, outDim: 12 });
      compareModel(c, 11, TOKEN_BATCH);
    },
  );

  it.each([false, true])('2 blocks, 4 heads, regression head on continuous input, causal=%s', (causal) => {
    const c = makeConfig({ ...SMALL, causal, input: 'continuous', inDim: 3, head: 'regression', outDim: 2, mseFactor: 0.5 });
    compareModel(c, 12, continuousBatch(3, 5, 3, 2, 5));
  });

  it('a batch mixing sequence lengths (6, 3, 6) averages over all examples', () => {
    const c = makeConfig({ ...SMALL, causal: true, outDim: 12 });
    compareModel(c, 13, [TOKEN_BATCH[0], { tokens: [8, 8, 1], target: 0 }, TOKEN_BATCH[2]]);
  });

  it('the Stage 10 model (d 64, 4 heads, d_ff 256) on two sequences of 8', () => {
    compareModel(STAGE10_CONFIG, 3, [
      { tokens: [1, 5, 5, 19, 0, 7, 7, 7], target: 3 },
      { tokens: [2, 4, 6, 8, 10, 12, 14, 16], target: 18 },
    ]);
  });

  it('every optional part switched on or off (random configurations)', () => {
    const flags = fc.record({
      attnProjection: fc.boolean(),
      attnResidual: fc.boolean(),
      ffnResidual: fc.boolean(),
      layerNorm: fc.boolean(),
      ffnBias: fc.boolean(),
      headBias: fc.boolean(),
      causal: fc.boolean(),
      dFF: fc.constantFrom(0, 8),
      heads: fc.constantFrom(1, 2, 4),
      layers: fc.constantFrom(1, 2),
      positional: fc.constantFrom('sinusoidal' as const, 'none' as const),
      head: fc.constantFrom('classification' as const, 'regression' as const),
    });
    fc.assert(
      fc.property(flags, seedArb, (f, seed) => {
        const regression = f.head === 'regression';
        const c = makeConfig({
          vocab: 7,
          dModel: 8,
          seqLen: 5,
          ...f,
          outDim: regression ? 2 : 5,
          ...(regression ? { input: 'continuous', inDim: 2 } : {}),
        });
        const r = mulberry32(seed);
        const batch: Example[] = regression
          ? continuousBatch(2, 4, 2, 2, seed)
          : [0, 1].map(() => ({ tokens: [0, 1, 2, 3].map(() => Math.floor(r() * 7)), target: Math.floor(r() * 5) }));
        compareModel(c, seed, batch);
      }),
      { ...RUNS, numRuns: 10 },
    );
  });

  it('the comparison can fail: a different mask or ε on the TF.js side is caught', () => {
    const c = makeConfig({ ...SMALL, causal: true, outDim: 12 });
    const p = initParams(c, 11);
    const ref = batchGradients(c, p, TOKEN_BATCH);
    const flipped = tfjsLossAndGrads({ ...c, causal: false }, p, TOKEN_BATCH);
    expect(normRel(ref.grads['blocks.0.attn.W_Q'], flipped.grads['blocks.0.attn.W_Q'])).toBeGreaterThan(1e-2);
    const eps = tfjsLossAndGrads({ ...c, lnEps: 1e-1 }, p, TOKEN_BATCH);
    expect(normRel(ref.grads['blocks.1.ln2.gamma'], eps.grads['blocks.1.ln2.gamma'])).toBeGreaterThan(TOL);
  });
});

// ---------------------------------------------------------------------------------------------
// The TF.js trainer (the benchmark's engine) against the reference's trainStep
// ---------------------------------------------------------------------------------------------

describe('TF.js trainer vs reference trainStep (Adam 0.9, 0.999, 1e-8)', () => {
  it('follows the reference loss over 4 Adam steps and leaks no tensors', () => {
    const c = makeConfig({ ...SMALL, outDim: 12 });
    const refParams = initParams(c, 21);
    const opt = createOptimizer({ kind: 'adam', lr: 0.01 });
    const trainer = createTfjsTrainer(c, initParams(c, 21), { lr: 0.01 });
    const refLosses: number[] = [];
    const tfLosses: number[] = [];
    const live: number[] = [];
    for (let s = 0; s < 4; s++) {
      refLosses.push(trainStep(c, refParams, TOKEN_BATCH, opt).loss);
      tfLosses.push(trainer.step(TOKEN_BATCH));
      live.push(tf.memory().numTensors);
    }
    trainer.dispose();
    // the loss before each update, so steps 2..4 check the updates too
    expect(refLosses[3]).toBeLessThan(refLosses[0]);
    for (let s = 0; s < 4; s++) expectClose('trainer loss per step', [refLosses[s]], [tfLosses[s]]);
    // after the first step created the Adam moments, the live tensor count stays constant
    expect(new Set(live.slice(1)).size).toBe(1);
  });
});
