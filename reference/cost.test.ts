// The FLOP formulas of cost.ts against a count of the products the model actually performs: the matrix
// product module is wrapped (in this test only) so that every call adds its 2mkn.
import { describe, expect, it, vi } from 'vitest';

const counted = vi.hoisted(() => ({ flops: 0 }));
// Every product another module asks of matmul.ts adds its 2mkn (matmulBackward: one product per gradient asked for).
vi.mock('./matmul.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('./matmul.js')>();
  type F = Float64Array;
  return {
    ...m,
    matmulForward: (C: F, A: F, B: F, r: number, k: number, n: number) => ((counted.flops += 2 * r * k * n), m.matmulForward(C, A, B, r, k, n)),
    matmulAddABt: (C: F, A: F, B: F, r: number, k: number, n: number) => ((counted.flops += 2 * r * k * n), m.matmulAddABt(C, A, B, r, k, n)),
    matmulAddAtB: (C: F, A: F, B: F, r: number, k: number, n: number) => ((counted.flops += 2 * r * k * n), m.matmulAddAtB(C, A, B, r, k, n)),
    matmulBackward: (dA: F | null, dB: F | null, dC: F, A: F, B: F, r: number, k: number, n: number) => {
      counted.flops += (dA ? 2 * r * k * n : 0) + (dB ? 2 * r * k * n : 0);
      m.matmulBackward(dA, dB, dC, A, B, r, k, n);
    },
  };
});

const { makeConfig, STAGE10_CONFIG } = await import('./config.js');
const { backward, forward } = await import('./model.js');
const { initParams, zerosLike, countParams } = await import('./params.js');
const { backwardFlops, forwardFlops, storedActivations, trainingMemory } = await import('./cost.js');

describe('model cost', () => {
  it.each([
    ['Stage 10', STAGE10_CONFIG, { tokens: [15, 17, 3, 19, 8, 19, 4, 18], target: 8 }],
    ['continuous input, regression, no W_O', makeConfig({ input: 'continuous', inDim: 3, head: 'regression', outDim: 2, attnProjection: false, dModel: 8, heads: 2, dFF: 12, seqLen: 5 }), { inputs: [[1, 2, 3], [0, 1, 0], [2, 2, 2], [1, 0, 1], [3, 1, 2]], target: [0.5, -1] }],
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
    expect(trainingMemory(c, kept)).toEqual({ parameters: countParams(c), gradients: countParams(c), adamState: 2 * countParams(c), activations: kept });
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
});

