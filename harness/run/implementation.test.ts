import { describe, expect, it } from 'vitest';
import type { ModelScenario } from '../fixtures/scenario.js';
import { requiredFeatures } from './implementation.js';

const model = (config: ModelScenario['config'], more: Partial<ModelScenario> = {}): ModelScenario => ({
  kind: 'model',
  config,
  examples: [{ tokens: [0, 1], target: 1 }],
  steps: [{ id: 'f', do: 'forward' }],
  ...more,
});

describe('the features a model scenario needs', () => {
  it.each<[string, ModelScenario['config'], boolean]>([
    ['the full model: both residuals', {}, true],
    ['no attention residual, an FFN with its residual', { attnResidual: false }, true],
    ['no attention residual and no FFN: no residual at all', { attnResidual: false, dFF: 0 }, false],
    ['no FFN, the attention residual', { dFF: 0 }, true],
    ['both residuals switched off', { attnResidual: false, ffnResidual: false }, false],
  ])('%s', (_, config, residual) => {
    expect(requiredFeatures(model(config)).includes('residual')).toBe(residual);
  });

  it('a train step needs backward and its optimizer (SGD when none is named), clipping when it clips', () => {
    const train = model({}, { steps: [{ id: 't', do: 'train', clip: 1 }] });
    expect(requiredFeatures(train)).toEqual(expect.arrayContaining(['forward', 'backward', 'sgd', 'clip']));
    expect(requiredFeatures({ ...train, optimizer: { kind: 'adam' } })).toContain('adam');
  });
});
