// The FLOP formulas of cost.ts against a count of the products the model actually performs: the matrix
// product module is wrapped (in this test only) so that every call adds its 2mkn.
import { describe, expect, it, vi } from 'vitest';

const counted = vi.hoisted(() => ({ flops: 0 }));
// Every product another module asks of matmul.ts adds its 2mkn (matmulBackward: one product per gradient asked for).
vi.mock('./matmul.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('./matmul.js')>();
  type F = Float64Array;
  type S = import('./matmul.js').MatmulShape;
  const flops = (s: S) => 2 * s.m * s.k * s.n;
  return {
    ...m,
    matmulForward: (C: F, A: F, B: F, s: S) => ((counted.flops += flops(s)), m.matmulForward(C, A, B, s)),
    matmulAddABt: (C: F, A: F, B: F, s: S) => ((counted.flops += flops(s)), m.matmulAddABt(C, A, B, s)),
    matmulAddAtB: (C: F, A: F, B: F, s: S) => ((counted.flops += flops(s)), m.matmulAddAtB(C, A, B, s)),
    matmulBackward: (g: import('./matmul.js').MatmulGrads, A: F, B: F, s: S) => {
      counted.flops += (g.dA ? flops(s) : 0) + (g.dB ? flops(s) : 0);
      m.matmulBackward(g, A, B, s);
    },
  };
});

const { makeConfig, STAGE10_CONFIG } = await import('./config.js');
const { backward, forward } = await import('./model.js');
const { initParams, zerosLike, countParams } = await import('./params.js');
const { backwardFlops, forwardFlops, modelCost, storedActivations, trainingMemory } = await import('./cost.js');

describe('model cost', () => {
  it.each([
    ['Stage 10', STAGE10_CONFIG, { tokens: [15, 17, 3, 19, 8, 19, 4, 18], target: 8 }],
    [
      'continuous input, regression, no W_O',
      makeConfig({
        input: 'continuous',
        inDim: 3,
        head: 'regression',
        outDim: 2,
        attnProjection: false,
        dModel: 8,
        heads: 2,
        dFF: 12,
        seqLen: 5,
      }),
      {
        inputs: [
          [1, 2, 3],
          [0, 1, 0],
          [2, 2, 2],
          [1, 0, 1],
          [3, 1, 2],
        ],
        target: [0.5, -1],
      },
    ],
  ])('counts the products of %s exactly as the model performs them', (_name, c, ex) => {
    const p = initParams(c, 2);
    counted.flops = 0;
    const f = forward(c, p, ex);
    expect(counted.flops).toBe(forwardFlops(c).total);
    counted.flops = 0;
    backward(c, p, f, zerosLike(c));
    expect(counted.flops).toBe(backwardFlops(c).total);
  });

  it('finds what a forward keeps: more than the trace names, each buffer once', () => {
    const c = STAGE10_CONFIG;
    const f = forward(c, initParams(c, 1), { tokens: [15, 17, 3, 19, 8, 19, 4, 18], target: 8 });
    const kept = storedActivations(f);
    const traced = new Set(Object.values(f.trace).map((t) => t.data.buffer));
    const tracedNumbers = [...traced].reduce((n, b) => n + b.byteLength / 8, 0);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(tracedNumbers + 2 * c.layers * 2 * c.seqLen); // the trace omits only LN's row statistics
    expect(trainingMemory(c, kept)).toEqual({
      parameters: countParams(c),
      gradients: countParams(c),
      adamState: 2 * countParams(c),
      activations: kept,
    });
  });

  it('counts a forward without a head or an FFN as the model performs it, and token input ignores inDim', () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 0, layers: 2, seqLen: 3, head: 'none' });
    counted.flops = 0;
    forward(c, initParams(c, 3), { tokens: [1, 2, 3] });
    expect(counted.flops).toBe(forwardFlops(c).total);
    expect(forwardFlops(c).inputAndHead).toBe(0);
    const withInDim = makeConfig({ ...c, inDim: 3 });
    expect(forwardFlops(withInDim)).toEqual(forwardFlops(c));
    const headed = makeConfig({ ...c, head: 'classification', outDim: 5 });
    expect(backwardFlops(makeConfig({ ...headed, inDim: 3 }))).toEqual(backwardFlops(headed));
  });

  it("model_cost: one full-length example's FLOPs and numbers, and their memory in the given units", () => {
    for (const c of [
      STAGE10_CONFIG,
      makeConfig({
        input: 'continuous',
        inDim: 3,
        head: 'regression',
        outDim: 2,
        dModel: 8,
        heads: 2,
        dFF: 0,
        seqLen: 5,
        layerNorm: false,
      }),
      // switched-off parts share buffers; model_cost counts the buffers forward allocates without running it
      makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 6, layers: 2, seqLen: 3, attnProjection: false, attnResidual: false }),
      makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 6, layers: 1, seqLen: 3, ffnResidual: false, layerNorm: false, head: 'none' }),
    ]) {
      const ex =
        c.input === 'tokens'
          ? { tokens: new Array<number>(c.seqLen).fill(0) }
          : { inputs: Array.from({ length: c.seqLen }, () => new Array<number>(c.inDim).fill(0)) };
      const kept = storedActivations(forward(c, initParams(c, 0), ex));
      const m = modelCost(c, { bytesPerNumber: 4, memoryUnit: 1024 });
      expect(m).toEqual({
        forwardFlops: forwardFlops(c).total,
        backwardFlops: backwardFlops(c).total,
        activations: kept,
        parameters: countParams(c),
        activationMemory: (kept * 4) / 1024,
        parameterMemory: (countParams(c) * 4) / 1024,
        gradientMemory: (countParams(c) * 4) / 1024,
        adamMemory: (2 * countParams(c) * 4) / 1024,
      });
      // what a forward keeps does not depend on the values
      const other =
        c.input === 'tokens'
          ? { tokens: new Array<number>(c.seqLen).fill(1) }
          : { inputs: Array.from({ length: c.seqLen }, () => new Array<number>(c.inDim).fill(0.5)) };
      expect(storedActivations(forward(c, initParams(c, 9), other))).toBe(kept);
    }
    expect(modelCost(STAGE10_CONFIG, { bytesPerNumber: 8, memoryUnit: 1 }).parameterMemory).toBe(8 * countParams(STAGE10_CONFIG));
  });

  it('counts each buffer once: a part switched off shares the buffer it passes on', () => {
    const full = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 6, layers: 1, seqLen: 3 });
    const bare = makeConfig({ ...full, attnProjection: false, attnResidual: false, ffnResidual: false, layerNorm: false });
    const T = 3;
    const kept = (c: typeof full) => storedActivations(forward(c, initParams(c, 1), { tokens: [0, 1, 2], target: 1 }));
    // full: Q K V context out res1 ln1.y res2 ln2.y [T·d] ×9, scores scaled weights [H·T·T] ×3, hidden act [T·F] ×2,
    // ffn.out [T·d], ln mean/rstd [T] ×4; X [T·d], final [d], logits and probs [V] ×2
    const [d, H, F, V] = [full.dModel, full.heads, full.dFF, full.outDim];
    expect(kept(full)).toBe(10 * T * d + 3 * H * T * T + 2 * T * F + 4 * T + T * d + d + 2 * V);
    // bare: Q K V context(= out = res1 = h1) ffn.out(= res2 = out), no layer norms
    expect(kept(bare)).toBe(5 * T * d + 3 * H * T * T + 2 * T * F + T * d + d + 2 * V);
  });
});
