// The reference rejects what it cannot compute, with a message that says why: configurations, tensors, examples,
// targets, optimizers, batches. (Mutation testing found these paths untested; see reports/mutation.md.)
import { describe, expect, it } from 'vitest';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';
import { backward, forward } from './model.js';
import { initParams, zerosLike } from './params.js';
import { scalar, tensor } from './tensor.js';
import { batchGradients, createOptimizer, type OptimizerSpec } from './training.js';

describe('makeConfig', () => {
  it('returns the Stage 10 defaults with the given fields replaced, and leaves the defaults alone', () => {
    const c = makeConfig({ vocab: 7, causal: true });
    expect(c).toEqual({ ...STAGE10_CONFIG, vocab: 7, causal: true });
    expect(STAGE10_CONFIG.vocab).toBe(20);
    expect(Object.isFrozen(STAGE10_CONFIG)).toBe(true);
    expect(makeConfig({ dFF: 0 }).dFF).toBe(0);
  });

  it.each(['vocab', 'dModel', 'heads', 'layers', 'seqLen', 'outDim'] as const)('%s must be a positive integer', (k) => {
    for (const bad of [0, -2, 1.5, Number.NaN]) {
      expect(() => makeConfig({ [k]: bad, ...(k === 'dModel' ? { heads: 1 } : {}) })).toThrow(
        `invalid model config: ${k} must be a positive integer (got ${bad})`,
      );
    }
    expect(() => makeConfig({ [k]: 1, ...(k === 'dModel' || k === 'heads' ? { heads: 1, dModel: 2 } : {}) })).not.toThrow();
  });

  it('dFF must be a non-negative integer (0: no FFN)', () => {
    expect(() => makeConfig({ dFF: -1 })).toThrow('dFF must be a non-negative integer (got -1)');
    expect(() => makeConfig({ dFF: 2.5 })).toThrow('dFF must be a non-negative integer (got 2.5)');
  });

  it('the heads divide dModel, and sinusoidal positions need an even dModel', () => {
    expect(() => makeConfig({ dModel: 10, heads: 4 })).toThrow('dModel 10 is not divisible by heads 4');
    expect(() => makeConfig({ dModel: 3, heads: 1 })).toThrow('sinusoidal positions need an even dModel');
    expect(() => makeConfig({ dModel: 3, heads: 1, positional: 'none' })).not.toThrow();
  });

  it('continuous input needs inDim >= 1; lnEps must be positive', () => {
    expect(() => makeConfig({ input: 'continuous', inDim: 0 })).toThrow('continuous input needs inDim >= 1');
    expect(() => makeConfig({ input: 'continuous', inDim: 1.5 })).toThrow('continuous input needs inDim >= 1');
    expect(() => makeConfig({ input: 'continuous', inDim: 2 })).not.toThrow();
    expect(() => makeConfig({ input: 'continuous', inDim: 1 })).not.toThrow(); // one input feature is enough
    expect(() => makeConfig({ inDim: 0 })).not.toThrow(); // token input ignores inDim
    for (const eps of [0, -1e-5, Number.NaN]) expect(() => makeConfig({ lnEps: eps })).toThrow('lnEps must be positive');
  });

  it('the choices and the switches take only their listed values', () => {
    expect(() => makeConfig({ positional: 'learned' as ModelConfig['positional'] })).toThrow(
      'positional must be one of sinusoidal, none (got learned)',
    );
    expect(() => makeConfig({ input: 'images' as ModelConfig['input'] })).toThrow('input must be one of tokens, continuous (got images)');
    expect(() => makeConfig({ head: 'both' as ModelConfig['head'] })).toThrow(
      'head must be one of classification, regression, none (got both)',
    );
    for (const k of ['causal', 'attnProjection', 'attnResidual', 'ffnResidual', 'layerNorm', 'ffnBias', 'headBias'] as const) {
      expect(() => makeConfig({ [k]: 'yes' as unknown as boolean })).toThrow(`${k} must be true or false (got yes)`);
    }
  });

  it('lists every problem at once, separated by semicolons', () => {
    expect(() => makeConfig({ vocab: 0, lnEps: 0 })).toThrow(
      'invalid model config: vocab must be a positive integer (got 0); lnEps must be positive',
    );
  });
});

describe('tensors', () => {
  it('checks that the data fill the shape', () => {
    expect(tensor([2, 3], new Float64Array(6)).shape).toEqual([2, 3]);
    expect(() => tensor([2, 3], new Float64Array(5))).toThrow('shape [2, 3] needs 6 values, got 5');
    expect(tensor([], Float64Array.of(1)).data).toEqual(Float64Array.of(1));
    expect(scalar(2.5)).toEqual({ shape: [], data: Float64Array.of(2.5) });
  });
});

describe('the model rejects examples and targets it cannot use', () => {
  const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 3, outDim: 5 });
  const p = initParams(c, 1);
  const reg = makeConfig({
    input: 'continuous',
    inDim: 2,
    head: 'regression',
    outDim: 2,
    dModel: 4,
    heads: 2,
    dFF: 4,
    layers: 1,
    seqLen: 3,
  });
  const pr = initParams(reg, 1);

  it('needs a non-empty sequence of valid tokens or inputs of the right width', () => {
    expect(() => forward(c, p, { tokens: [] })).toThrow('example needs a non-empty tokens list');
    expect(() => forward(c, p, {})).toThrow('example needs a non-empty tokens list');
    expect(() => forward(reg, pr, {})).toThrow('example needs a non-empty inputs list');
    expect(() => forward(c, p, { tokens: [1, -1] })).toThrow('token -1 outside vocab 0..4');
    expect(() => forward(c, p, { tokens: [1.5] })).toThrow('token 1.5 outside vocab 0..4');
    expect(() => forward(c, p, { tokens: [0, 1, 2, 3] })).toThrow('sequence of 4 positions exceeds seqLen 3');
    expect(() => forward(c, p, { tokens: [0, 1, 2] })).not.toThrow();
    expect(() => forward(reg, pr, { inputs: [[1, 2], [3]] })).toThrow('inputs must be 2×2');
  });

  it('without a target the forward pass still gives probabilities, and no loss', () => {
    const f = forward(c, p, { tokens: [1, 2] });
    expect(f.loss).toBeNaN();
    expect(f.trace['loss']).toBeUndefined();
    expect(f.trace['probs'].data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    const g = forward(reg, pr, { inputs: [[1, 2]] });
    expect(g.loss).toBeNaN();
    expect(g.trace['prediction'].shape).toEqual([2]);
  });

  it('checks classification and regression targets, forward and backward', () => {
    for (const target of [5, -1, 0.5]) {
      expect(() => forward(c, p, { tokens: [1], target })).toThrow('classification target must be a class index 0..4');
      const f = forward(c, p, { tokens: [1] });
      f.example = { tokens: [1], target };
      expect(() => backward(c, p, f, zerosLike(c))).toThrow('classification target must be a class index 0..4');
    }
    expect(() => forward(reg, pr, { inputs: [[1, 2]], target: [1] })).toThrow('regression target must be a list of 2 numbers');
    expect(() => backward(reg, pr, forward(reg, pr, { inputs: [[1, 2]], target: 3 }), zerosLike(reg))).toThrow(
      'regression target must be a list of 2 numbers',
    );
    for (const target of [[1], [1, 2, 3]]) {
      const f = forward(reg, pr, { inputs: [[1, 2]] }); // forward alone would reject the target first
      f.example = { inputs: [[1, 2]], target };
      expect(() => backward(reg, pr, f, zerosLike(reg))).toThrow('regression target must be a list of 2 numbers');
    }
    const none = makeConfig({ ...c, head: 'none' });
    const pn = initParams(none, 1);
    expect(() => backward(none, pn, forward(none, pn, { tokens: [1] }), zerosLike(none))).toThrow(
      'a model without a head has no loss to differentiate',
    );
    expect(forward(none, pn, { tokens: [1] }).trace['logits']).toBeUndefined();
  });
});

describe('training rejects what it cannot train', () => {
  const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 3 });

  it('an empty batch, an unknown optimizer', () => {
    expect(() => batchGradients(c, initParams(c, 1), [])).toThrow('a batch needs at least one example');
    expect(() => createOptimizer({ kind: 'rmsprop', lr: 1 } as unknown as OptimizerSpec)).toThrow(
      "unknown optimizer 'rmsprop' (sgd, momentum, adam)",
    );
  });
});
