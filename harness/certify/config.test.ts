// config.ts is a copy of reference/config.ts (the certifier imports nothing from reference/): the same defaults,
// the same configs rejected with the same messages. A change to either must be made to both.
import { describe, expect, it } from 'vitest';
import * as ref from '../../reference/config.js';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';

const BAD: Partial<ModelConfig>[] = [
  { vocab: 0 },
  { dModel: 2.5 },
  { heads: -1 },
  { layers: 0 },
  { seqLen: 0 },
  { outDim: 1.5 },
  { dFF: -1 },
  { dFF: 0.5 },
  { dModel: 6, heads: 4 },
  { dModel: 3, heads: 1 },
  { input: 'continuous' },
  { input: 'continuous', inDim: 1.5 },
  { lnEps: 0 },
  { lnEps: -1e-5 },
  { positional: 'learned' as ModelConfig['positional'] },
  { input: 'bytes' as ModelConfig['input'] },
  { head: 'ranking' as ModelConfig['head'] },
  { causal: 1 as unknown as boolean },
  { layerNorm: 'yes' as unknown as boolean },
  { headBias: null as unknown as boolean },
  { vocab: 0, heads: 3, lnEps: 0 },
];
const GOOD: Partial<ModelConfig>[] = [
  {},
  { dModel: 3, heads: 3, positional: 'none' },
  { input: 'continuous', inDim: 3, head: 'regression', outDim: 1 },
  { dFF: 0, head: 'none' },
];

describe("the certifier's configuration", () => {
  it("has the reference's defaults", () => {
    expect(STAGE10_CONFIG).toEqual(ref.STAGE10_CONFIG);
  });

  it.each(BAD.map((c) => [JSON.stringify(c), c] as const))("rejects %s with the reference's message", (_name, c) => {
    const message = (() => {
      try {
        ref.makeConfig(c as Partial<ref.ModelConfig>);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('the reference accepts it');
    })();
    expect(() => makeConfig(c)).toThrow(message);
  });

  it.each(GOOD.map((c) => [JSON.stringify(c), c] as const))('accepts %s as the reference does', (_name, c) => {
    expect(makeConfig(c)).toEqual(ref.makeConfig(c as Partial<ref.ModelConfig>));
  });
});
