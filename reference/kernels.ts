// The kernel table: the formulas a hand implementation most often gets wrong, as plain functions in one explicit
// table. The composites (attention, self-attention, FFN, block, model, training) take it as their last argument,
// `kernels`, REFERENCE_KERNELS by default; nothing is global and nothing is patched. The suite's mutant
// implementations are this table with one entry swapped for a classic mistake.
// This file imports only the layer files that import nothing of the table, so the composites can import it.
import { embeddingBackward } from './embedding.js';
import { layerNormBackward } from './layernorm.js';
import { linearBackward, linearForward } from './linear.js';
import { crossEntropyBackward, mseBackward } from './losses.js';
import { matmulAddAtB, type MatmulShape } from './matmul.js';
import { adamBiasCorrection, adamStep, clipGradNorm, momentumStep, sgdStep } from './optim.js';
import { reluBackward, reluForward } from './relu.js';
import { residualBackward, residualForward } from './residual.js';
import { softmaxBackward, softmaxForward } from './softmax.js';

/** The layers' own functions, exported by their files and called through the table. */
export interface LayerKernels {
  linearForward: typeof linearForward;
  linearBackward: typeof linearBackward;
  reluForward: typeof reluForward;
  reluBackward: typeof reluBackward;
  softmaxForward: typeof softmaxForward;
  softmaxBackward: typeof softmaxBackward;
  residualForward: typeof residualForward;
  residualBackward: typeof residualBackward;
  layerNormBackward: typeof layerNormBackward;
  embeddingBackward: typeof embeddingBackward;
  crossEntropyBackward: typeof crossEntropyBackward;
  mseBackward: typeof mseBackward;
  clipGradNorm: typeof clipGradNorm;
  sgdStep: typeof sgdStep;
  momentumStep: typeof momentumStep;
  adamStep: typeof adamStep;
}

/** One head's sizes: T positions, dk features. */
export interface HeadShape {
  T: number;
  dk: number;
}

/**
 * Mutant-only entries: a formula the reference would write inline, made an entry of the table only so that a
 * mutant can swap it. No layer file exports them.
 */
export interface MutantSeams {
  /** Mutant-only. The temperature of the scores: 1/sqrt(d_k). */
  attentionScale(dk: number): number;
  /** Mutant-only. C_h = A_h V_h  ⇒  dV_h += A_hᵀ dC_h   (A [T x T]; V, dC, dV [T x dk]) */
  attentionValueGrad(dV: Float64Array, A: Float64Array, dC: Float64Array, s: HeadShape): void;
  /** Mutant-only. S_h = Q_h K_hᵀ  ⇒  dK_h += dS_hᵀ Q_h   (dS [T x T]; Q, K, dK [T x dk]; K only for the mistake dS K) */
  attentionKeyGrad(dK: Float64Array, dS: Float64Array, qk: { Q: Float64Array; K: Float64Array }, s: HeadShape): void;
  /** Mutant-only. A tensor read along several paths sums their gradients: dX += Σ paths, in order (X feeds Q, K and V). */
  sumPaths(dX: Float64Array, paths: Float64Array[]): void;
  /** Mutant-only. The position whose representation feeds the head: the last one, T − 1 (the book predicts from it). */
  predictionPosition(T: number): number;
  /** Mutant-only. What a batch's summed gradients are divided by: N, since the batch loss is the mean. */
  batchDivisor(n: number): number;
  /** Mutant-only. Adam's bias correction 1 − βᵗ of step t (counted from 1). */
  adamBiasCorrection: typeof adamBiasCorrection;
}

export type Kernels = LayerKernels & MutantSeams;

const headProduct = (s: HeadShape): MatmulShape => ({ m: s.T, k: s.T, n: s.dk });

export const REFERENCE_KERNELS: Kernels = Object.freeze({
  linearForward,
  linearBackward,
  reluForward,
  reluBackward,
  softmaxForward,
  softmaxBackward,
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
  attentionScale: (dk: number) => 1 / Math.sqrt(dk),
  attentionValueGrad: (dV: Float64Array, A: Float64Array, dC: Float64Array, s: HeadShape) => matmulAddAtB(dV, A, dC, headProduct(s)),
  attentionKeyGrad: (dK: Float64Array, dS: Float64Array, qk: { Q: Float64Array }, s: HeadShape) =>
    matmulAddAtB(dK, dS, qk.Q, headProduct(s)),
  sumPaths(dX: Float64Array, paths: Float64Array[]) {
    for (const p of paths) for (let i = 0; i < dX.length; i++) dX[i] += p[i];
  },
  predictionPosition: (T: number) => T - 1,
  batchDivisor: (n: number) => n,
  adamBiasCorrection,
});
