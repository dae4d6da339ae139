// params.ts is a copy of the reference's parameter layout; countParams counts by formula, not by the layout.
import { describe, expect, it } from 'vitest';
import { makeConfig as refConfig } from '../../reference/config.js';
import * as ref from '../../reference/params.js';
import { makeConfig, type ModelConfig } from './config.js';
import { countParams, paramSpecs, sizeOf } from './params.js';
import { BOOK_CONFIG } from './test-scenarios.js';

const CONFIGS: Partial<ModelConfig>[] = [
  {},
  BOOK_CONFIG,
  { input: 'continuous', inDim: 3, head: 'regression', outDim: 1, ffnBias: false, attnProjection: false },
  { head: 'none', dFF: 0, layers: 3 },
  { layerNorm: false, ffnBias: false, headBias: false, layers: 1 },
  { input: 'continuous', inDim: 5, dModel: 4, heads: 2, dFF: 6, layers: 2, head: 'classification', outDim: 3 },
];

describe("the certifier's parameter layout", () => {
  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))(
    "%s: the reference's names, shapes and order; the count by formula",
    (_name, over) => {
      const c = makeConfig(over);
      const theirs = ref.paramSpecs(refConfig(over as never)).map(({ name, shape }) => ({ name, shape }));
      expect(paramSpecs(c)).toEqual(theirs);
      expect(countParams(c)).toBe(paramSpecs(c).reduce((n, s) => n + sizeOf(s.shape), 0));
      expect(countParams(c)).toBe(ref.countParams(refConfig(over as never)));
    },
  );

  it('the full Stage 10 model has 102,036 parameters', () => {
    expect(countParams(makeConfig({}))).toBe(102_036);
  });
});
