import { describe, expect, it } from 'vitest';
import { embeddingBackward } from './embedding.js';
import { REFERENCE_KERNELS, type LayerKernels, type MutantSeams } from './kernels.js';
import { layerNormBackward } from './layernorm.js';
import { linearBackward, linearForward } from './linear.js';
import { crossEntropyBackward, mseBackward } from './losses.js';
import { matmulForward } from './matmul.js';
import { adamBiasCorrection, adamStep, clipGradNorm, momentumStep, sgdStep } from './optim.js';
import { reluBackward, reluForward } from './relu.js';
import { residualBackward, residualForward } from './residual.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { randomArray } from './testing/fd.js';

describe('the kernel table', () => {
  it("is frozen, holds the layers' own functions, and the mutant-only entries besides", () => {
    expect(Object.isFrozen(REFERENCE_KERNELS)).toBe(true);
    const layers: LayerKernels = {
      softmaxForward,
      softmaxBackward,
      linearForward,
      linearBackward,
      reluForward,
      reluBackward,
      residualForward,
      residualBackward,
      layerNormBackward,
      embeddingBackward,
      crossEntropyBackward,
      mseBackward,
      clipGradNorm,
      sgdStep,
      momentumStep,
      adamStep,
    };
    expect(REFERENCE_KERNELS).toMatchObject(layers);
    const seams: (keyof MutantSeams)[] = [
      'attentionScale',
      'attentionValueGrad',
      'attentionKeyGrad',
      'sumPaths',
      'predictionPosition',
      'batchDivisor',
      'adamBiasCorrection',
    ];
    expect(Object.keys(REFERENCE_KERNELS).sort()).toEqual([...Object.keys(layers), ...seams].sort());
    expect(REFERENCE_KERNELS.adamBiasCorrection).toBe(adamBiasCorrection);
  });

  it('scales attention by 1/sqrt(d_k), predicts from the last position and divides a batch by its size', () => {
    expect(REFERENCE_KERNELS.attentionScale(4)).toBe(0.5);
    expect(REFERENCE_KERNELS.attentionScale(2)).toBe(1 / Math.SQRT2);
    expect(REFERENCE_KERNELS.predictionPosition(8)).toBe(7);
    expect(REFERENCE_KERNELS.batchDivisor(3)).toBe(3);
  });

  it('value gradient dV += Aᵀ·dC and key gradient dK += dSᵀ·Q (K unused), accumulated', () => {
    const T = 3;
    const dk = 2;
    const A = randomArray(T * T, 1);
    const dC = randomArray(T * dk, 2);
    const Q = randomArray(T * dk, 3);
    const AT = Float64Array.from({ length: T * T }, (_, i) => A[(i % T) * T + Math.floor(i / T)]);
    const K = new Float64Array(T * dk).fill(Number.NaN);
    for (const [grad, B] of [
      [(d: Float64Array) => REFERENCE_KERNELS.attentionValueGrad(d, A, dC, { T, dk }), dC],
      [(d: Float64Array) => REFERENCE_KERNELS.attentionKeyGrad(d, A, { Q, K }, { T, dk }), Q],
    ] as const) {
      const out = Float64Array.from({ length: T * dk }, () => 1);
      grad(out);
      const want = new Float64Array(T * dk);
      matmulForward(want, AT, B, { m: T, k: T, n: dk });
      out.forEach((x, i) => expect(x).toBeCloseTo(1 + want[i], 14));
    }
  });

  it('sums the paths into dX in order, adding to what is there', () => {
    const dX = Float64Array.of(1, 2);
    REFERENCE_KERNELS.sumPaths(dX, [Float64Array.of(10, 20), Float64Array.of(100, 200), Float64Array.of(1000, 2000)]);
    expect(Array.from(dX)).toEqual([1111, 2222]);
  });
});
