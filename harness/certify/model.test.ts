import { describe, expect, it } from 'vitest';
import type { Decimal } from '../exact.js';
import { makeConfig, type ModelConfig } from './config.js';
import { backward, forward, type Example } from './model.js';
import { matShape, paramSpecs, type Params } from './params.js';
import { readDecimal } from './tensor.js';
import { mismatches, numbers, numericGrad } from './test-gradcheck.js';

const CASES: [string, Partial<ModelConfig>, Example][] = [
  [
    'tokens, 2 layers, classification with a head bias, a repeated token',
    { vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 2, seqLen: 3, outDim: 3, causal: true },
    { tokens: [1, 3, 1], target: 2 },
  ],
  [
    'continuous input, regression',
    { input: 'continuous', inDim: 2, dModel: 4, heads: 2, dFF: 3, layers: 1, seqLen: 3, head: 'regression', outDim: 2, mseFactor: 0.5 },
    {
      inputs: [
        [0.5, -1],
        [0.25, 2],
      ],
      target: [0.3, -0.7],
    },
  ],
];

describe('the model', () => {
  it.each(CASES)('%s: every parameter gradient is the derivative of the loss', (_name, over, ex) => {
    const c = makeConfig(over);
    const r = numbers(13);
    const p: Params = Object.fromEntries(paramSpecs(c).map((s) => [s.name, r.mat(...matShape(s.shape))]));
    const { grads } = backward(c, p, forward(c, p, ex, readDecimal), readDecimal);
    const loss = (): Decimal => forward(c, p, ex, readDecimal).loss!;
    for (const s of paramSpecs(c)) expect(mismatches(grads[s.name], numericGrad(p[s.name], loss, 3)), s.name).toEqual([]);
  });
});
