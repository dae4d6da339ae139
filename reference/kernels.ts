// The kernel table: the formulas a hand implementation most often gets wrong, as plain functions in one explicit
// table. The composites (attention, self-attention, FFN, model, training) take it as an optional last argument,
// REFERENCE_KERNELS by default; nothing is global and nothing is patched. The suite's mutant implementations
// (harness/impls/mutants.ts) are this table with one entry swapped for a classic mistake.
import { embeddingBackward } from './embedding.js';
import { FFN_KERNELS, type FFNKernels } from './ffn.js';
import { layerNormBackward } from './layernorm.js';
import { crossEntropyBackward, mseBackward } from './losses.js';
import { adamStep, clipGradNorm, momentumStep, sgdStep } from './optim.js';
import { residualBackward, residualForward } from './residual.js';
import { SELF_ATTENTION_KERNELS, type SelfAttentionKernels } from './self_attention.js';

export interface Kernels extends SelfAttentionKernels, FFNKernels {
  residualForward: typeof residualForward;
  residualBackward: typeof residualBackward;
  layerNormBackward: typeof layerNormBackward;
  embeddingBackward: typeof embeddingBackward;
  /** The position whose representation feeds the head: the last one, T − 1 (the book predicts from it). */
  predictionPosition(T: number): number;
  crossEntropyBackward: typeof crossEntropyBackward;
  mseBackward: typeof mseBackward;
  /** What a batch's summed gradients are divided by: N, since the batch loss is the mean. */
  batchDivisor(n: number): number;
  clipGradNorm: typeof clipGradNorm;
  sgdStep: typeof sgdStep;
  momentumStep: typeof momentumStep;
  adamStep: typeof adamStep;
}

export const REFERENCE_KERNELS: Kernels = Object.freeze({
  ...SELF_ATTENTION_KERNELS,
  ...FFN_KERNELS,
  residualForward,
  residualBackward,
  layerNormBackward,
  embeddingBackward,
  predictionPosition: (T: number) => T - 1,
  crossEntropyBackward,
  mseBackward,
  batchDivisor: (n: number) => n,
  clipGradNorm,
  sgdStep,
  momentumStep,
  adamStep,
});
