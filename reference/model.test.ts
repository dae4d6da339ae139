import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';
import { directionalCheck, gradCheck } from './gradcheck.js';
import { forward, type Example } from './model.js';
import { initParams, paramSpecs } from './params.js';
import { mulberry32 } from './prng.js';
import { FD_TOLERANCE } from './testing/fd.js';
import { batchGradients } from './training.js';

function examplesFor(c: ModelConfig, n: number, seed: number): Example[] {
  const r = mulberry32(seed);
  const int = (k: number) => Math.floor(r() * k);
  return Array.from({ length: n }, () => {
    const T = 1 + int(c.seqLen);
    const ex: Example = c.input === 'tokens' ? { tokens: Array.from({ length: T }, () => int(c.vocab)) } : { inputs: Array.from({ length: T }, () => Array.from({ length: c.inDim }, () => r() * 2 - 1)) };
    ex.target = c.head === 'classification' ? int(c.outDim) : Array.from({ length: c.outDim }, () => r() * 2 - 1);
    return ex;
  });
}

/**
 * Every parameter tensor of the model, checked entry by entry (or a sample of each) against central differences.
 * Model tensors are judged by their normwise relative error (max |a − n| / max |a| per tensor): a few entries
 * are ~1e-6 while the finite-difference roundoff is ~1e-11 absolute, so their elementwise ratio measures the
 * stencil, not the gradient. A tensor whose gradient is below 1e-6 everywhere is judged on absolute error (floor).
 */
function checkModel(c: ModelConfig, seed: number, samplePerTensor?: number) {
  const params = initParams(c, seed);
  const exs = examplesFor(c, 2, seed + 1);
  const { grads } = batchGradients(c, params, exs);
  const rep = gradCheck(() => batchGradients(c, params, exs).loss, params, grads, { order: 4, eps: 1e-4, samplePerTensor, seed, floor: 1e-6 });
  return { rep, params, grads, exs };
}

/**
 * Under mutation testing (npm run mutation: vitest.stryker.config.ts sets TCONF_MUTATION=1) the instrumented model
 * runs several times slower and every surviving mutant reruns these checks: there, 6 random configurations instead
 * of 25, and the Stage 10-size check is left to `npm test` (the small models run the same code).
 */
const MUTATION = process.env.TCONF_MUTATION === '1';

const smallConfigs = fc.record({
  vocab: fc.integer({ min: 2, max: 6 }),
  heads: fc.integer({ min: 1, max: 3 }),
  dk: fc.integer({ min: 2, max: 3 }), // d ≥ 4: layer norm over 2 features maps every row to ±(1, −1) and kills the gradient
  dFF: fc.constantFrom(0, 3, 6),
  layers: fc.integer({ min: 1, max: 2 }),
  seqLen: fc.integer({ min: 1, max: 4 }),
  causal: fc.boolean(),
  layerNorm: fc.boolean(),
  attnProjection: fc.boolean(),
  attnResidual: fc.boolean(),
  ffnBias: fc.boolean(),
  headBias: fc.boolean(),
  regression: fc.boolean(),
});

describe('the transformer model', () => {
  it('gradient of every parameter agrees with central differences, over random configurations', () => {
    fc.assert(
      fc.property(smallConfigs, fc.integer({ min: 1, max: 1e6 }), (k, seed) => {
        const dModel = k.heads * k.dk * 2; // even, for sinusoidal positions
        const c = makeConfig({
          vocab: k.vocab, dModel, heads: k.heads, dFF: k.dFF, layers: k.layers, seqLen: k.seqLen, causal: k.causal,
          layerNorm: k.layerNorm, attnProjection: k.attnProjection, attnResidual: k.attnResidual, ffnBias: k.ffnBias, headBias: k.headBias,
          head: k.regression ? 'regression' : 'classification', outDim: k.regression ? 2 : k.vocab,
          input: k.regression ? 'continuous' : 'tokens', inDim: 3,
        });
        const { rep } = checkModel(c, seed);
        expect(rep.tensors.map((t) => t.name).sort()).toEqual(paramSpecs(c).map((s) => s.name).sort());
        for (const t of rep.tensors) expect(t.normRelError, t.name).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      { seed: 20261123, numRuns: MUTATION ? 6 : 25 },
    );
  });

  it('the 2-block, 4-head model (layer norm, FFN with biases, causal mask): every parameter tensor, every entry', () => {
    const c = makeConfig({ vocab: 6, dModel: 8, heads: 4, dFF: 16, layers: 2, seqLen: 4, causal: true });
    const { rep } = checkModel(c, 11);
    expect(rep.tensors).toHaveLength(paramSpecs(c).length);
    for (const t of rep.tensors) expect(t.normRelError, t.name).toBeLessThanOrEqual(FD_TOLERANCE);
  });

  it.skipIf(MUTATION)('the Stage 10 model (102,036 parameters): a sample of every tensor, and the directional check over all', () => {
    const { rep, params, grads, exs } = checkModel(STAGE10_CONFIG, 5, 3);
    expect(rep.tensors).toHaveLength(paramSpecs(STAGE10_CONFIG).length);
    for (const t of rep.tensors) expect(t.normRelError, t.name).toBeLessThanOrEqual(FD_TOLERANCE);
    const dir = directionalCheck(() => batchGradients(STAGE10_CONFIG, params, exs).loss, params, grads, { eps: 1e-5 });
    expect(dir.relError).toBeLessThanOrEqual(FD_TOLERANCE);
  });

  it('predicts from the last position only: earlier rows of the block output do not reach the loss', () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 8, layers: 1, seqLen: 3, causal: true });
    const p = initParams(c, 3);
    const r = batchGradients(c, p, [{ tokens: [1, 2, 3], target: 0 }], true);
    const g = r.gradTraces[0]['grad.blocks.0.out'].data;
    expect(Array.from(g.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(g.subarray(8).some((x) => x !== 0)).toBe(true);
  });

  it('records the named trace with the shapes the worksheets use', () => {
    const f = forward(STAGE10_CONFIG, initParams(STAGE10_CONFIG, 1), { tokens: [15, 17, 3, 19, 8, 19, 4, 18], target: 8 });
    expect(f.trace['X'].shape).toEqual([8, 64]);
    expect(f.trace['blocks.1.attn.weights'].shape).toEqual([4, 8, 8]);
    expect(f.trace['blocks.0.ffn.hidden'].shape).toEqual([8, 256]);
    expect(f.trace['logits'].shape).toEqual([20]);
    expect(f.trace['probs'].data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(f.trace['loss'].data[0]).toBeCloseTo(-Math.log(f.trace['probs'].data[8]), 14);
  });

  it('rejects tokens outside the vocabulary and sequences longer than seqLen', () => {
    const p = initParams(STAGE10_CONFIG, 1);
    expect(() => forward(STAGE10_CONFIG, p, { tokens: [20], target: 0 })).toThrow(/outside vocab/);
    expect(() => forward(STAGE10_CONFIG, p, { tokens: new Array(9).fill(0), target: 0 })).toThrow(/exceeds seqLen/);
  });
});
