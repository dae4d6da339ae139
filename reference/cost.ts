// What one example costs the model: the floating-point operations of its matrix products, forward and
// backward, and the numbers its forward pass keeps for the backward pass. Stage 10's "Practical Insights"
// prints these for its configuration; the audit compares them with what this model does.
import type { ModelConfig } from './config.js';
import { allocActivations, type Activations } from './model.js';
import { countParams } from './params.js';

/** FLOPs of the products, a product [m×k]·[k×n] counting 2mkn (one multiply and one add per term). */
export interface FlopCount {
  /** Q, K, V (and W_O) projections of every block. */
  projections: number;
  /** Q Kᵀ and weights · V, every head of every block. */
  attention: number;
  /** Both FFN layers of every block. */
  ffn: number;
  /** Input projection (continuous input) and the head, which reads the last position only. */
  inputAndHead: number;
  total: number;
}

const product = (m: number, k: number, n: number) => 2 * m * k * n;

/** Forward-pass FLOPs of the matrix products for a sequence of T positions. */
export function forwardFlops(c: ModelConfig, T = c.seqLen): FlopCount {
  const d = c.dModel;
  const dk = d / c.heads;
  const perBlock = {
    projections: (c.attnProjection ? 4 : 3) * product(T, d, d),
    attention: c.heads * (product(T, dk, T) + product(T, T, dk)), // QₕKₕᵀ, then weightsₕ Vₕ
    ffn: c.dFF > 0 ? product(T, d, c.dFF) + product(T, c.dFF, d) : 0,
  };
  const inputAndHead = (c.input === 'continuous' ? product(T, c.inDim, d) : 0) + (c.head === 'none' ? 0 : product(1, d, c.outDim));
  const f = {
    projections: c.layers * perBlock.projections,
    attention: c.layers * perBlock.attention,
    ffn: c.layers * perBlock.ffn,
    inputAndHead,
  };
  return { ...f, total: f.projections + f.attention + f.ffn + f.inputAndHead };
}

/**
 * Backward-pass FLOPs of the matrix products: each product Y = A B needs dA = dY Bᵀ and dB = Aᵀ dY, each as
 * costly as the forward product. Only the continuous input's dX is not needed (inputs are data, not weights).
 */
export function backwardFlops(c: ModelConfig, T = c.seqLen): FlopCount {
  const f = forwardFlops(c, T);
  const inputOnly = c.input === 'continuous' ? product(T, c.inDim, c.dModel) : 0; // dW_in only
  const b = { projections: 2 * f.projections, attention: 2 * f.attention, ffn: 2 * f.ffn, inputAndHead: 2 * f.inputAndHead - inputOnly };
  return { ...b, total: b.projections + b.attention + b.ffn + b.inputAndHead };
}

/**
 * How many numbers a forward pass keeps for the backward pass: every distinct buffer of its activations (a part
 * the config switches off shares a buffer, counted once).
 */
export function storedActivations(a: Activations): number {
  const seen = new Set<ArrayBufferLike>();
  let n = 0;
  const visit = (v: unknown): void => {
    if (v instanceof Float64Array) {
      if (!seen.has(v.buffer)) seen.add(v.buffer), (n += v.buffer.byteLength / 8);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  const { inputs, X, blocks, final, head, probs } = a;
  visit({ inputs, X, blocks, final, head, probs });
  return n;
}

/** Training memory in numbers: parameters, their gradients, Adam's two moments, one example's activations. */
export function trainingMemory(
  c: ModelConfig,
  activations: number,
): { parameters: number; gradients: number; adamState: number; activations: number } {
  const parameters = countParams(c);
  return { parameters, gradients: parameters, adamState: 2 * parameters, activations };
}

/** What op model_cost reports: FLOPs, numbers, and memory in `memoryUnit`s of `bytesPerNumber` each. */
export interface ModelCost {
  forwardFlops: number;
  backwardFlops: number;
  activations: number;
  parameters: number;
  activationMemory: number;
  parameterMemory: number;
  gradientMemory: number;
  adamMemory: number;
}

/**
 * The cost of one example of full length (seqLen positions) of config c. What a forward pass keeps does not depend
 * on the values: forward allocates its buffers (allocActivations, where a part switched off shares a buffer) and
 * only fills them, so the buffers are counted as allocated, with no weights drawn and nothing computed.
 */
export function modelCost(c: ModelConfig, o: { bytesPerNumber: number; memoryUnit: number }): ModelCost {
  const m = trainingMemory(c, storedActivations(allocActivations(c, c.seqLen)));
  const memory = (n: number) => (n * o.bytesPerNumber) / o.memoryUnit;
  return {
    forwardFlops: forwardFlops(c).total,
    backwardFlops: backwardFlops(c).total,
    activations: m.activations,
    parameters: m.parameters,
    activationMemory: memory(m.activations),
    parameterMemory: memory(m.parameters),
    gradientMemory: memory(m.gradients),
    adamMemory: memory(m.adamState),
  };
}
