import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConfig, STAGE10_CONFIG, type ModelConfig } from './config.js';
import { directionalCheck, gradCheck } from './gradcheck.js';
import { backward, forward, type Example } from './model.js';
import { initParams, paramSpecs, zerosLike } from './params.js';
import { mulberry32 } from './prng.js';
import { FD_TOLERANCE } from './testing/fd.js';
import { batchGradients } from './training.js';

/**
 * Under mutation testing (npm run mutation: vitest.stryker.config.ts sets TCONF_MUTATION=1) the instrumented model
 * runs several times slower and every surviving mutant reruns these checks: there, 6 random configurations instead
 * of 25, 3 sampled entries per tensor instead of every entry (a wrong gradient formula shows in nearly every entry),
 * and the Stage 10-size check is left to `npm test` (the small models run the same code).
 */
const MUTATION = process.env.TCONF_MUTATION === '1';

function examplesFor(c: ModelConfig, n: number, seed: number): Example[] {
  const r = mulberry32(seed);
  const int = (k: number) => Math.floor(r() * k);
  return Array.from({ length: n }, () => {
    const T = 1 + int(c.seqLen);
    const ex: Example =
      c.input === 'tokens'
        ? { tokens: Array.from({ length: T }, () => int(c.vocab)) }
        : { inputs: Array.from({ length: T }, () => Array.from({ length: c.inDim }, () => r() * 2 - 1)) };
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
function checkModel(c: ModelConfig, seed: number, samplePerTensor: number | undefined = MUTATION ? 3 : undefined) {
  const params = initParams(c, seed);
  const exs = examplesFor(c, 2, seed + 1);
  const { grads } = batchGradients(c, params, exs);
  const rep = gradCheck(() => batchGradients(c, params, exs).loss, params, grads, {
    order: 4,
    eps: 1e-4,
    samplePerTensor,
    seed,
    floor: 1e-6,
  });
  return { rep, params, grads, exs };
}

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
          vocab: k.vocab,
          dModel,
          heads: k.heads,
          dFF: k.dFF,
          layers: k.layers,
          seqLen: k.seqLen,
          causal: k.causal,
          layerNorm: k.layerNorm,
          attnProjection: k.attnProjection,
          attnResidual: k.attnResidual,
          ffnBias: k.ffnBias,
          headBias: k.headBias,
          head: k.regression ? 'regression' : 'classification',
          outDim: k.regression ? 2 : k.vocab,
          input: k.regression ? 'continuous' : 'tokens',
          inDim: 3,
        });
        const { rep } = checkModel(c, seed);
        expect(rep.tensors.map((t) => t.name).sort()).toEqual(
          paramSpecs(c)
            .map((s) => s.name)
            .sort(),
        );
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
    const r = batchGradients(c, p, [{ tokens: [1, 2, 3], target: 0 }], { traceGrads: true });
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

  it('traces every name of spec/fixtures.md with its shape, and the values relate as the model says', () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 3, outDim: 5 });
    const p = initParams(c, 1);
    const r = batchGradients(c, p, [{ tokens: [1, 2], target: 3 }], { traceGrads: true });
    const f = r.forwards[0].trace;
    const shapes = (t: Record<string, { shape: number[] }>) => Object.entries(t).map(([k, v]) => `${k}:${v.shape.join('x')}`);
    expect(shapes(f)).toEqual([
      'X:2x4',
      'blocks.0.attn.Q:2x4',
      'blocks.0.attn.K:2x4',
      'blocks.0.attn.V:2x4',
      'blocks.0.attn.scores:2x2x2',
      'blocks.0.attn.scaled:2x2x2',
      'blocks.0.attn.weights:2x2x2',
      'blocks.0.attn.context:2x4',
      'blocks.0.attn.out:2x4',
      'blocks.0.res1:2x4',
      'blocks.0.ln1:2x4',
      'blocks.0.ffn.hidden:2x4',
      'blocks.0.ffn.act:2x4',
      'blocks.0.ffn.out:2x4',
      'blocks.0.res2:2x4',
      'blocks.0.ln2:2x4',
      'blocks.0.out:2x4',
      'final_repr:4',
      'logits:5',
      'probs:5',
      'loss:',
    ]);
    expect(shapes(r.gradTraces[0])).toEqual([
      'grad.logits:5',
      'grad.final_repr:4',
      'grad.blocks.0.out:2x4',
      'grad.blocks.0.ln2:2x4',
      'grad.blocks.0.res2:2x4',
      'grad.blocks.0.ffn.out:2x4',
      'grad.blocks.0.ffn.act:2x4',
      'grad.blocks.0.ffn.hidden:2x4',
      'grad.blocks.0.ln1:2x4',
      'grad.blocks.0.res1:2x4',
      'grad.blocks.0.attn.out:2x4',
      'grad.blocks.0.attn.weights:2x2x2',
      'grad.blocks.0.attn.scaled:2x2x2',
      'grad.blocks.0.attn.scores:2x2x2',
      'grad.blocks.0.attn.Q:2x4',
      'grad.blocks.0.attn.K:2x4',
      'grad.blocks.0.attn.V:2x4',
      'grad.blocks.0.attn.context:2x4',
      'grad.X:2x4',
      'grad.embedding.E:5x4',
      'grad.blocks.0.attn.W_Q:4x4',
      'grad.blocks.0.attn.W_K:4x4',
      'grad.blocks.0.attn.W_V:4x4',
      'grad.blocks.0.attn.W_O:4x4',
      'grad.blocks.0.ln1.gamma:4',
      'grad.blocks.0.ln1.beta:4',
      'grad.blocks.0.ffn.W_1:4x4',
      'grad.blocks.0.ffn.b_1:4',
      'grad.blocks.0.ffn.W_2:4x4',
      'grad.blocks.0.ffn.b_2:4',
      'grad.blocks.0.ln2.gamma:4',
      'grad.blocks.0.ln2.beta:4',
      'grad.head.W_out:4x5',
      'grad.head.b_out:5',
    ]);
    const v = (name: string) => Array.from(f[name].data);
    const g = (name: string) => Array.from(r.gradTraces[0][name].data);
    v('blocks.0.res1').forEach((x, i) => expect(x).toBe(v('X')[i] + v('blocks.0.attn.out')[i]));
    v('blocks.0.res2').forEach((x, i) => expect(x).toBe(v('blocks.0.ln1')[i] + v('blocks.0.ffn.out')[i]));
    v('blocks.0.ffn.act').forEach((x, i) => expect(x).toBe(Math.max(0, v('blocks.0.ffn.hidden')[i])));
    expect(v('blocks.0.out')).toEqual(v('blocks.0.ln2'));
    expect(v('final_repr')).toEqual(v('blocks.0.out').slice(4));
    expect(g('grad.blocks.0.ln2')).toEqual(g('grad.blocks.0.out'));
    expect(g('grad.blocks.0.out').slice(4)).toEqual(g('grad.final_repr'));
    g('grad.logits').forEach((x, j) => expect(x).toBeCloseTo(v('probs')[j] - (j === 3 ? 1 : 0), 15));
    expect(f['loss'].data[0]).toBeCloseTo(-Math.log(v('probs')[3]), 14);
    // the residuals split the gradient unchanged: what reaches res1 also reaches the attention output
    expect(g('grad.blocks.0.attn.out')).toEqual(g('grad.blocks.0.res1'));
    expect(g('grad.blocks.0.ffn.out')).toEqual(g('grad.blocks.0.res2'));
  });

  it('traces only the parts a config has: no residual sums, no layer norms, a regression head, no head', () => {
    const bare = makeConfig({
      vocab: 4,
      dModel: 2,
      heads: 1,
      dFF: 2,
      layers: 1,
      seqLen: 2,
      positional: 'none',
      attnProjection: false,
      attnResidual: false,
      ffnResidual: false,
      layerNorm: false,
      outDim: 4,
    });
    const r = batchGradients(bare, initParams(bare, 2), [{ tokens: [0, 1], target: 2 }], { traceGrads: true });
    const names = Object.keys(r.forwards[0].trace);
    for (const n of ['blocks.0.res1', 'blocks.0.res2', 'blocks.0.ln1', 'blocks.0.ln2']) expect(names).not.toContain(n);
    expect(Array.from(r.forwards[0].trace['blocks.0.attn.out'].data)).toEqual(
      Array.from(r.forwards[0].trace['blocks.0.attn.context'].data),
    );
    expect(Array.from(r.forwards[0].trace['blocks.0.out'].data)).toEqual(Array.from(r.forwards[0].trace['blocks.0.ffn.out'].data));
    const gnames = Object.keys(r.gradTraces[0]);
    for (const n of ['grad.blocks.0.res1', 'grad.blocks.0.res2', 'grad.blocks.0.ln1', 'grad.blocks.0.ln2']) expect(gnames).not.toContain(n);
    expect(Array.from(r.forwards[0].trace['X'].data)).toEqual(Array.from(initParams(bare, 2)['embedding.E'].slice(0, 4))); // no positions
    const reg = makeConfig({
      input: 'continuous',
      inDim: 2,
      head: 'regression',
      outDim: 1,
      dModel: 4,
      heads: 2,
      dFF: 0,
      layers: 1,
      seqLen: 2,
      mseFactor: 0.5,
    });
    const rr = batchGradients(
      reg,
      initParams(reg, 3),
      [
        {
          inputs: [
            [1, 2],
            [3, 4],
          ],
          target: [0.5],
        },
      ],
      { traceGrads: true },
    );
    expect(Object.keys(rr.forwards[0].trace)).toContain('prediction');
    expect(Object.keys(rr.forwards[0].trace)).not.toContain('logits');
    const y = rr.forwards[0].trace['prediction'].data[0];
    expect(rr.gradTraces[0]['grad.prediction'].data[0]).toBeCloseTo(y - 0.5, 15);
    expect(rr.forwards[0].trace['loss'].data[0]).toBeCloseTo(0.5 * (y - 0.5) ** 2, 15);
    expect(rr.gradTraces[0]['grad.input.W_in'].shape).toEqual([2, 4]);
  });

  it('backward returns a gradient trace only when asked (the parameter gradients are the same either way)', () => {
    for (const c of [
      makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 2, seqLen: 3 }),
      makeConfig({ input: 'continuous', inDim: 2, head: 'regression', outDim: 1, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 2 }),
    ]) {
      const p = initParams(c, 7);
      const ex: Example =
        c.input === 'tokens'
          ? { tokens: [1, 2, 0], target: 3 }
          : {
              inputs: [
                [1, -1],
                [0.5, 2],
              ],
              target: [0.25],
            };
      const f = forward(c, p, ex);
      const [quiet, traced] = [zerosLike(c), zerosLike(c)];
      expect(backward(c, p, f, quiet)).toEqual({});
      expect(Object.keys(backward(c, p, f, traced, { traceGrads: true })).length).toBeGreaterThan(0);
      for (const s of paramSpecs(c)) expect(Array.from(quiet[s.name]), s.name).toEqual(Array.from(traced[s.name]));
    }
  });

  it('continuous input: the gradient of W_in and b_in agrees with central differences', () => {
    const c = makeConfig({
      input: 'continuous',
      inDim: 3,
      head: 'regression',
      outDim: 2,
      dModel: 4,
      heads: 2,
      dFF: 4,
      layers: 1,
      seqLen: 3,
    });
    const { rep } = checkModel(c, 9, undefined);
    for (const name of ['input.W_in', 'input.b_in']) {
      const t = rep.tensors.find((t) => t.name === name);
      expect(t?.checked, name).toBeGreaterThan(0);
      expect(t!.normRelError, name).toBeLessThanOrEqual(FD_TOLERANCE);
    }
  });

  it('rejects tokens outside the vocabulary and sequences longer than seqLen', () => {
    const p = initParams(STAGE10_CONFIG, 1);
    expect(() => forward(STAGE10_CONFIG, p, { tokens: [20], target: 0 })).toThrow(/outside vocab/);
    expect(() => forward(STAGE10_CONFIG, p, { tokens: new Array(9).fill(0), target: 0 })).toThrow(/exceeds seqLen/);
  });
});
