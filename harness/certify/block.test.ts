import { describe, expect, it } from 'vitest';
import { blockBackward, blockForward, blockParams, blockWeights, type BlockShape } from './block.js';
import { makeConfig, type ModelConfig } from './config.js';
import { matShape, paramSpecs, type Params } from './params.js';
import { readDecimal } from './tensor.js';
import { dotAll, mismatches, numbers, numericGrad } from './test-gradcheck.js';

const CONFIGS: [string, Partial<ModelConfig>][] = [
  ['post-LN with W_O, FFN, residuals, causal', { dModel: 4, heads: 2, dFF: 6, layers: 1, seqLen: 3, causal: true, vocab: 3, outDim: 2 }],
  [
    'no residuals, no FFN biases, LN eps 1e-3',
    {
      dModel: 4,
      heads: 1,
      dFF: 3,
      layers: 1,
      seqLen: 3,
      attnResidual: false,
      ffnResidual: false,
      ffnBias: false,
      lnEps: 1e-3,
      vocab: 3,
      outDim: 2,
    },
  ],
  [
    "the book's block: attention alone",
    {
      dModel: 2,
      heads: 1,
      dFF: 0,
      layers: 1,
      seqLen: 2,
      attnProjection: false,
      attnResidual: false,
      layerNorm: false,
      vocab: 3,
      outDim: 2,
    },
  ],
];

describe('a transformer block', () => {
  it.each(CONFIGS)("%s: dx and every parameter gradient are the derivatives of the block's output", (_name, over) => {
    const c = makeConfig(over);
    const s: BlockShape = { T: c.seqLen, config: c };
    const r = numbers(11);
    const p: Params = Object.fromEntries(
      paramSpecs(c)
        .filter((sp) => sp.name.startsWith('blocks.0.'))
        .map((sp) => [sp.name, r.mat(...matShape(sp.shape))]),
    );
    const x = r.mat(c.seqLen, c.dModel);
    const U = r.mat(c.seqLen, c.dModel);
    const w = () => blockWeights(p, c, 0);
    const g = blockBackward(U, { x, w: w(), a: blockForward(x, w(), s, readDecimal) }, s);
    expect(g.a.out).toBe(U);
    const loss = () => dotAll(U, blockForward(x, w(), s, readDecimal).out);
    expect(mismatches(g.x, numericGrad(x, loss))).toEqual([]);
    const grads = blockParams(g.w, 0);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(p).sort());
    for (const name of Object.keys(p)) expect(mismatches(grads[name], numericGrad(p[name], loss)), name).toEqual([]);
  });
});
