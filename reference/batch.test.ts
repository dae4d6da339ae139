import { describe, expect, it } from 'vitest';
import { batchInto, batchTrainer, createBatchWorkspace, MAX_SEQUENCES } from './batch.js';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';
import { JS_FAST_KERNELS } from './fast-kernels.js';
import { REFERENCE_KERNELS } from './kernels.js';
import type { Example } from './model.js';
import { mulberry32 } from './prng.js';
import { cloneParams, initParams, zerosLike, type Params } from './params.js';
import { batchGradients, createOptimizer, trainStep } from './training.js';

/** n seeded examples of c, of the lengths given in turn (consecutive equal lengths form one matrix). */
function examples(c: ModelConfig, lengths: number[], seed: number): Example[] {
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  return lengths.map((T) => {
    const target = c.head === 'regression' ? Array.from({ length: c.outDim }, () => r() - 0.5) : int(c.outDim);
    if (c.input === 'continuous')
      return { inputs: Array.from({ length: T }, () => Array.from({ length: c.inDim }, () => r() - 0.5)), target };
    return { tokens: Array.from({ length: T }, () => int(c.vocab)), target };
  });
}

/** The first entry of each parameter where a and b differ by a bit (none: -1). */
const bitwise = (a: Params, b: Params) => {
  const first = (x: Float64Array, y: Float64Array) => x.findIndex((v, i) => !Object.is(v, y[i]));
  expect(Object.keys(b).map((name) => [name, first(a[name], b[name])])).toEqual(Object.keys(b).map((name) => [name, -1]));
};

// Small models (every switch the config has) and Stage 10's own; lengths with runs of equal ones, and a run longer
// than MAX_SEQUENCES (split into two matrices).
const small = { vocab: 7, dModel: 8, heads: 2, dFF: 12, layers: 2, seqLen: 5 };
const configs: [string, ModelConfig, number[]][] = [
  ['Stage 10', STAGE10_CONFIG, [8, 8, 8, 5, 8, 8]],
  ['causal, no bias', makeConfig({ ...small, causal: true, ffnBias: false, headBias: false }), [5, 5, 3, 3, 3, 1]],
  ['continuous input, regression', makeConfig({ ...small, input: 'continuous', inDim: 3, head: 'regression', outDim: 2 }), [4, 4, 2]],
  [
    'no layer norm, no residuals, no FFN, no W_O',
    makeConfig({ ...small, layerNorm: false, attnResidual: false, ffnResidual: false, dFF: 0, attnProjection: false, positional: 'none' }),
    [5, 2, 2],
  ],
  ['a run longer than MAX_SEQUENCES', makeConfig(small), Array.from({ length: MAX_SEQUENCES + 3 }, () => 4)],
];

describe('a batch as one matrix', () => {
  it.each(configs)('%s: the same loss and bit-identical gradients as batchGradients', (_, c, lengths) => {
    const p = initParams(c, 3);
    const batch = examples(c, lengths, 4);
    const want = batchGradients(c, p, batch);
    for (const [kernels, rounds] of [
      [REFERENCE_KERNELS, 1],
      [JS_FAST_KERNELS, 1],
      [undefined, 2],
    ] as const) {
      const ws = createBatchWorkspace(c, kernels);
      for (let round = 0; round < rounds; round++) {
        // twice over one workspace: the reused buffers start again from zero
        const grads = zerosLike(c);
        const got = batchInto(ws, p, batch, { grads, scale: 1 / batch.length });
        expect(got.lossSum / batch.length).toBe(want.loss);
        bitwise(grads, want.grads);
      }
    }
  });

  it('counts the examples whose most probable class is the target', () => {
    const c = makeConfig(small);
    const p = initParams(c, 3);
    const batch = examples(c, [4, 4, 4, 2], 5);
    const probs = batchGradients(c, p, batch).forwards.map((f) => f.probs!);
    const want = batch.filter((ex, i) => probs[i].indexOf(Math.max(...probs[i])) === ex.target).length;
    expect(batchInto(createBatchWorkspace(c), p, batch, { grads: null, scale: 0 }).correct).toBe(want);
  });

  it('batchTrainer takes the steps of trainStep: the same losses, norms and parameters, bit for bit', () => {
    const c = STAGE10_CONFIG;
    const [a, b] = [initParams(c, 6), initParams(c, 6)];
    const [oa, ob] = [createOptimizer({ kind: 'adam', lr: 0.01 }), createOptimizer({ kind: 'adam', lr: 0.01 })];
    const t = batchTrainer(createBatchWorkspace(c), b, ob, { clip: 1 });
    for (let s = 0; s < 2; s++) {
      const batch = examples(c, [8, 8, 8], 10 + s);
      const want = trainStep(c, a, batch, oa, { clip: 1 });
      const got = t.step(batch);
      expect([got.loss, got.gradNorm]).toEqual([want.loss, want.gradNorm]);
    }
    bitwise(b, a);
    expect(() => t.step([])).toThrow('at least one example');
    expect(cloneParams(t.params)).toEqual(cloneParams(b));
  });
});
