import { describe, expect, it } from 'vitest';
import { ATTENTION_KERNELS } from './attention.js';
import { embeddingBackward } from './embedding.js';
import { FFN_KERNELS } from './ffn.js';
import { REFERENCE_KERNELS } from './kernels.js';
import { layerNormBackward } from './layernorm.js';
import { linearBackward, linearForward } from './linear.js';
import { crossEntropyBackward, mseBackward } from './losses.js';
import { matmulForward } from './matmul.js';
import { adamStep, clipGradNorm, momentumStep, sgdStep } from './optim.js';
import { reluBackward, reluForward } from './relu.js';
import { residualBackward, residualForward } from './residual.js';
import { SELF_ATTENTION_KERNELS, sumPaths } from './self_attention.js';
import { softmaxBackward, softmaxForward } from './softmax.js';
import { randomArray } from './testing/fd.js';

describe('the kernel table', () => {
  it('is frozen and holds the reference\'s own functions', () => {
    for (const t of [REFERENCE_KERNELS, ATTENTION_KERNELS, SELF_ATTENTION_KERNELS, FFN_KERNELS]) expect(Object.isFrozen(t)).toBe(true);
    expect(REFERENCE_KERNELS).toMatchObject({
      softmaxForward, softmaxBackward, linearForward, linearBackward, reluForward, reluBackward, residualForward, residualBackward,
      layerNormBackward, embeddingBackward, crossEntropyBackward, mseBackward, clipGradNorm, sgdStep, momentumStep, adamStep, sumPaths,
      attentionValueGrad: ATTENTION_KERNELS.attentionValueGrad, attentionKeyGrad: ATTENTION_KERNELS.attentionKeyGrad,
    });
  });

  it('scales attention by 1/sqrt(d_k), predicts from the last position and divides a batch by its size', () => {
    expect(REFERENCE_KERNELS.attentionScale(4)).toBe(0.5);
    expect(REFERENCE_KERNELS.attentionScale(2)).toBe(1 / Math.SQRT2);
    expect(REFERENCE_KERNELS.predictionPosition(8)).toBe(7);
    expect(REFERENCE_KERNELS.batchDivisor(3)).toBe(3);
  });

  it('value gradient dV += Aᵀ·dC and key gradient dK += dSᵀ·Q, accumulated', () => {
    const T = 3;
    const dk = 2;
    const A = randomArray(T * T, 1);
    const dC = randomArray(T * dk, 2);
    const Q = randomArray(T * dk, 3);
    const AT = Float64Array.from({ length: T * T }, (_, i) => A[(i % T) * T + Math.floor(i / T)]);
    const want = new Float64Array(T * dk);
    for (const [grad, M, B] of [[REFERENCE_KERNELS.attentionValueGrad, A, dC], [(d: Float64Array, S: Float64Array, q: Float64Array) => REFERENCE_KERNELS.attentionKeyGrad(d, S, q, new Float64Array(T * dk), T, dk), A, Q]] as const) {
      const out = Float64Array.from({ length: T * dk }, () => 1);
      grad(out, M, B, T, dk);
      matmulForward(want, AT, B, T, T, dk);
      out.forEach((x, i) => expect(x).toBeCloseTo(1 + want[i], 14));
    }
  });

  it('sums the paths into dX in order, adding to what is there', () => {
    const dX = Float64Array.of(1, 2);
    sumPaths(dX, [Float64Array.of(10, 20), Float64Array.of(100, 200), Float64Array.of(1000, 2000)]);
    expect(Array.from(dX)).toEqual([1111, 2222]);
  });
});
