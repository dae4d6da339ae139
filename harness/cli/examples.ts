// The book's Examples 1-3 (003_..., sections 5.7, 6.10, 7.9) run end to end on the float64 reference,
// printed step by step with the worksheet's names. The given inputs below are the book's own; every
// printed value is computed.
import { BOOK_2X2 } from '../../reference/config.js';
import type { Example } from '../../reference/model.js';
import type { Params } from '../../reference/params.js';
import type { Tensor } from '../../reference/tensor.js';
import { batchGradients, createOptimizer, trainStep } from '../../reference/training.js';

export { BOOK_2X2 };

/**
 * A = [1,0], B = [0,1], C = [1,1], D = [0,0]; W_Q = W_K = W_V = 0.1·I; the "simplified 2×2 W_O" read as the 2×4
 * [[0.1,0,0,0],[0,0,0.1,0]].
 */
export function bookWeights(): Params {
  return {
    'embedding.E': Float64Array.of(1, 0, 0, 1, 1, 1, 0, 0),
    'blocks.0.attn.W_Q': Float64Array.of(0.1, 0, 0, 0.1),
    'blocks.0.attn.W_K': Float64Array.of(0.1, 0, 0, 0.1),
    'blocks.0.attn.W_V': Float64Array.of(0.1, 0, 0, 0.1),
    'head.W_out': Float64Array.of(0.1, 0, 0, 0, 0, 0, 0.1, 0),
  };
}

const A_B_TO_C: Example = { tokens: [0, 1], target: 2 };
const fmt = (x: number) => String(Number(x.toPrecision(6)));

function show(label: string, t: Tensor, write: (s: string) => void): void {
  const d = Array.from(t.data, fmt);
  if (t.shape.length <= 1) return write(`  ${label} = [${d.join(', ')}]`);
  const cols = t.shape[t.shape.length - 1];
  const rows: string[] = [];
  for (let i = 0; i < d.length; i += cols) rows.push(`[${d.slice(i, i + cols).join(', ')}]`);
  write(`  ${label} = [${rows.join(', ')}]`);
}

/** Prints Examples 1-3 as the worksheets lay them out, computed by the reference. */
export function printBookExamples(write: (s: string) => void = console.log): void {
  const c = BOOK_2X2;
  write('Example 1 (5.7): forward pass of "A B", no training');
  const ex1 = batchGradients(c, bookWeights(), [A_B_TO_C], { traceGrads: true });
  const t = ex1.forwards[0].trace;
  for (const [label, name] of [
    ['X', 'X'],
    ['Q', 'blocks.0.attn.Q'],
    ['K', 'blocks.0.attn.K'],
    ['V', 'blocks.0.attn.V'],
    ['raw scores Q·Kᵀ', 'blocks.0.attn.scores'],
    ['scaled scores', 'blocks.0.attn.scaled'],
    ['attention weights', 'blocks.0.attn.weights'],
    ['context (position 1)', 'final_repr'],
    ['logits [A, B, C, D]', 'logits'],
    ['probabilities', 'probs'],
  ] as const)
    show(label, t[name], write);

  write('');
  write('Example 2 (6.10): one SGD step (η = 0.1) on W_O only');
  write(`  loss = −ln P(C) = ${fmt(ex1.loss)}`);
  const g = ex1.gradTraces[0];
  show('dL/dlogits', g['grad.logits'], write);
  show('dW_O = outer(context, dL/dlogits)', g['grad.head.W_out'], write);
  const p2 = bookWeights();
  trainStep(c, p2, [A_B_TO_C], createOptimizer({ kind: 'sgd', lr: 0.1 }), { trainable: ['head.W_out'] });
  show('W_O after the update', { shape: [2, 4], data: p2['head.W_out'] }, write);
  const after = batchGradients(c, p2, [A_B_TO_C]).forwards[0].trace;
  show('logits after', after['logits'], write);
  show('probabilities after', after['probs'], write);
  write(`  loss after = ${fmt(after['loss'].data[0])} (before ${fmt(ex1.loss)})`);

  write('');
  write('Example 3 (7.9): full backpropagation, all of W_Q, W_K, W_V, W_O trained (η = 0.1)');
  for (const [label, name] of [
    ['dL/dcontext', 'grad.final_repr'],
    ['dL/dweights', 'grad.blocks.0.attn.weights'],
    ['dL/dscores (softmax backward)', 'grad.blocks.0.attn.scaled'],
    ['dL/d(Q·Kᵀ) (× 1/√2)', 'grad.blocks.0.attn.scores'],
    ['dL/dQ', 'grad.blocks.0.attn.Q'],
    ['dL/dK', 'grad.blocks.0.attn.K'],
    ['dL/dV', 'grad.blocks.0.attn.V'],
    ['dL/dW_Q', 'grad.blocks.0.attn.W_Q'],
    ['dL/dW_K', 'grad.blocks.0.attn.W_K'],
    ['dL/dW_V', 'grad.blocks.0.attn.W_V'],
  ] as const)
    show(label, g[name], write);
  const p3 = bookWeights();
  const trained = ['blocks.0.attn.W_Q', 'blocks.0.attn.W_K', 'blocks.0.attn.W_V', 'head.W_out'];
  trainStep(c, p3, [A_B_TO_C], createOptimizer({ kind: 'sgd', lr: 0.1 }), { trainable: trained });
  for (const name of trained) show(`${name} after`, { shape: name === 'head.W_out' ? [2, 4] : [2, 2], data: p3[name] }, write);
  write(`  loss after = ${fmt(batchGradients(c, p3, [A_B_TO_C]).loss)}`);
}
