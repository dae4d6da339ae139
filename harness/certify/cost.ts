// Mirrors reference/cost.ts: what one example costs the model. Counts are integers well below 2^53, exact as
// numbers; memory is a Decimal. The reference counts stored activations by walking the distinct buffers of a
// forward pass; the certifier counts them by formula from the config.
import type { Decimal } from '../exact.js';
import type { ModelConfig } from './config.js';
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
const withTotal = (f: Omit<FlopCount, 'total'>): FlopCount => ({ ...f, total: f.projections + f.attention + f.ffn + f.inputAndHead });

/** Per block: the T×d·d×d projections, per head Q Kᵀ [T×dk·dk×T] and weights·V [T×T·T×dk], the two FFN layers. */
export function forwardFlops(c: ModelConfig, T = c.seqLen): FlopCount {
  const { dModel: d, heads: h, dFF: f, layers: L } = c;
  const dk = d / h;
  return withTotal({
    projections: L * (c.attnProjection ? 4 : 3) * product(T, d, d),
    attention: L * h * (product(T, dk, T) + product(T, T, dk)),
    ffn: f > 0 ? L * (product(T, d, f) + product(T, f, d)) : 0,
    inputAndHead: (c.input === 'continuous' ? product(T, c.inDim, d) : 0) + (c.head === 'none' ? 0 : product(1, d, c.outDim)),
  });
}

/** Two products per forward product (dA = dY Bᵀ and dB = Aᵀ dY), less the continuous input's dX (inputs are data). */
export function backwardFlops(c: ModelConfig, T = c.seqLen): FlopCount {
  const f = forwardFlops(c, T);
  const inputOnly = c.input === 'continuous' ? product(T, c.inDim, c.dModel) : 0;
  return withTotal({
    projections: 2 * f.projections,
    attention: 2 * f.attention,
    ffn: 2 * f.ffn,
    inputAndHead: 2 * f.inputAndHead - inputOnly,
  });
}

/**
 * The numbers a forward pass of T positions keeps for the backward pass: the continuous inputs; X; per block Q, K,
 * V, context, the W_O output, raw/scaled/softmaxed scores, the residual sums, each LayerNorm's output with its row
 * means and 1/std, the FFN's hidden, ReLU and output; the last row, the head's output and the probabilities. A
 * part the config switches off keeps nothing of its own.
 */
export function storedActivations(c: ModelConfig, T: number): number {
  const { dModel: d, heads: h, dFF: f } = c;
  const ln = c.layerNorm ? T * d + 2 * T : 0;
  const perBlock =
    4 * T * d +
    (c.attnProjection ? T * d : 0) +
    3 * h * T * T +
    (c.attnResidual ? T * d : 0) +
    ln +
    (f > 0 ? 2 * T * f + T * d + (c.ffnResidual ? T * d : 0) + ln : 0);
  const input = c.input === 'continuous' ? T * c.inDim : 0;
  const head = c.head === 'none' ? 0 : c.outDim * (c.head === 'classification' ? 2 : 1);
  return input + T * d + c.layers * perBlock + d + head;
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
  activationMemory: Decimal;
  parameterMemory: Decimal;
  gradientMemory: Decimal;
  adamMemory: Decimal;
}

/** The cost of one example of full length (seqLen positions) of config c. */
export function modelCost(c: ModelConfig, o: { bytesPerNumber: Decimal; memoryUnit: Decimal }): ModelCost {
  const m = trainingMemory(c, storedActivations(c, c.seqLen));
  const memory = (n: number) => o.bytesPerNumber.times(n).div(o.memoryUnit);
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
