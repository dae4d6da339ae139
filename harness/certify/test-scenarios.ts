// The scenarios the certifier's tests run (moved unchanged from the former decimal.test.ts): between them they
// switch every model feature and call every single operation; and the agreement of a float64 trace with a
// decimal one. Test support only; like every file here it imports nothing from reference/.
import { Decimal } from '../exact.js';
import type { ModelScenario, OpsScenario } from '../fixtures/scenario.js';
import type { DecimalTrace } from './tensor.js';

/**
 * |float64 − decimal| ≤ REL·|decimal|, or ≤ ABS near zero. "Near zero" is also read relative to the entry's own
 * tensor (≤ REL·max|tensor|): an entry that is a small difference of larger terms (a parameter after an update
 * w − lr·u, a residual sum, a gradient summed over positions) carries the rounding of those terms, ~1e-16 of
 * their size, not of its own. Entries accepted only by that clause are counted in the summary.
 */
export const REL = 1e-13;
export const ABS = 1e-15;

export const BOOK_CONFIG = {
  vocab: 4,
  dModel: 2,
  heads: 1,
  dFF: 0,
  layers: 1,
  seqLen: 2,
  positional: 'none',
  attnProjection: false,
  attnResidual: false,
  layerNorm: false,
  outDim: 4,
  headBias: false,
} as const;

export const BOOK_WEIGHTS = {
  'embedding.E': [
    [1, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ],
  'blocks.0.attn.W_Q': [
    [0.1, 0],
    [0, 0.1],
  ],
  'blocks.0.attn.W_K': [
    [0.1, 0],
    [0, 0.1],
  ],
  'blocks.0.attn.W_V': [
    [0.1, 0],
    [0, 0.1],
  ],
  'head.W_out': [
    [0.1, 0, 0, 0],
    [0, 0, 0.1, 0],
  ],
};

export const MODEL_SCENARIOS: Record<string, ModelScenario> = {
  'book 2×2: forward, one SGD step, forward': {
    kind: 'model',
    config: BOOK_CONFIG,
    weights: BOOK_WEIGHTS,
    examples: [{ tokens: [0, 1], target: 2 }],
    optimizer: { kind: 'sgd', lr: 0.1 },
    steps: [
      { id: 'f0', do: 'forward' },
      { id: 't1', do: 'train' },
      { id: 'f2', do: 'forward' },
    ],
    // the worksheet's step-by-step softmax of a traced row, and a difference of two traced values
    then: [
      { id: 'row1', op: 'softmax', args: { x: { from: 'f0/0/blocks.0.attn.scaled', at: [0, 1] } } },
      { id: 'dp', op: 'subtract', args: { a: { from: 'f2/0/probs' }, b: { from: 'f0/0/probs' } } },
      { id: 'ce', op: 'cross_entropy', args: { logits: { from: 'f2/0/logits' }, target: 2 } },
    ],
  },
  'book 2×2, a batch of three, trainable subset then all': {
    kind: 'model',
    config: BOOK_CONFIG,
    weights: BOOK_WEIGHTS,
    examples: [
      { tokens: [0, 1], target: 2 },
      { tokens: [1, 0], target: 0 },
      { tokens: [2, 3], target: 1 },
    ],
    optimizer: { kind: 'sgd', lr: 0.5 },
    steps: [
      { id: 't1', do: 'train', trainable: ['head.W_out', 'blocks.0.attn.W_Q'] },
      { id: 't2', do: 'train' },
      { id: 'f3', do: 'forward' },
    ],
  },
  'full small model (2 layers, 2 heads, causal, LN, FFN, positions), repeated tokens, Adam with clip': {
    kind: 'model',
    config: { vocab: 6, dModel: 8, heads: 2, dFF: 16, layers: 2, seqLen: 4, causal: true },
    init: { seed: 3 },
    examples: [
      { tokens: [1, 2, 1, 3], target: 4 },
      { tokens: [5, 5, 0], target: 2 },
    ],
    optimizer: { kind: 'adam', lr: 0.01 },
    steps: [
      { id: 't1', do: 'train', clip: 0.5 },
      { id: 't2', do: 'train' },
      { id: 'f3', do: 'forward' },
    ],
  },
  'regression head, continuous input, momentum, subset, clip': {
    kind: 'model',
    config: { input: 'continuous', inDim: 3, dModel: 4, heads: 2, dFF: 6, layers: 1, seqLen: 3, head: 'regression', outDim: 2 },
    init: { seed: 7 },
    weights: { 'input.b_in': [0.1, -0.2, 0.05, 0.3] },
    examples: [
      {
        inputs: [
          [0.5, -1, 0.25],
          [1, 0, -0.5],
          [0.1, 0.2, 0.3],
        ],
        target: [0.3, -0.7],
      },
      {
        inputs: [
          [-0.4, 0.8, 1.5],
          [0.9, -0.3, 0.2],
        ],
        target: [1, 0.5],
      },
    ],
    optimizer: { kind: 'momentum', lr: 0.05, beta: 0.9 },
    steps: [
      { id: 't1', do: 'train', trainable: ['input.W_in', 'blocks.0.attn.W_V', 'head.W_out'] },
      { id: 't2', do: 'train' },
      { id: 't3', do: 'train', clip: 0.1 },
      { id: 'f4', do: 'forward' },
    ],
  },
  'switches off: no residuals, no FFN biases, no head bias, W_O on, LN eps 1e-3, SGD with clip': {
    kind: 'model',
    config: {
      vocab: 5,
      dModel: 4,
      heads: 1,
      dFF: 6,
      layers: 1,
      seqLen: 3,
      attnResidual: false,
      ffnResidual: false,
      ffnBias: false,
      headBias: false,
      lnEps: 1e-3,
      outDim: 5,
    },
    init: { seed: 11 },
    examples: [
      { tokens: [4, 0, 2], target: 3 },
      { tokens: [1], target: 0 },
    ],
    optimizer: { kind: 'sgd', lr: 0.2 },
    steps: [
      { id: 't1', do: 'train', clip: 0.05 },
      { id: 'f2', do: 'forward' },
    ],
  },
  'forward only: no FFN, LN, causal, 2 layers, an example without a target': {
    kind: 'model',
    config: { vocab: 5, dModel: 4, heads: 2, dFF: 0, layers: 2, seqLen: 3, causal: true, outDim: 3 },
    init: { seed: 13 },
    examples: [{ tokens: [0, 4, 2] }, { tokens: [3, 3], target: 1 }],
    steps: [{ id: 'f0', do: 'forward' }],
  },
  'forward only: no head': {
    kind: 'model',
    config: { vocab: 4, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 3, head: 'none' },
    init: { seed: 17 },
    examples: [{ tokens: [2, 1, 3] }],
    steps: [{ id: 'f0', do: 'forward' }],
  },
};

export const OPS_SCENARIO: OpsScenario = {
  kind: 'ops',
  calls: [
    {
      id: 'mm',
      op: 'matmul',
      args: {
        A: [
          [1, 2, 3],
          [-0.5, 0.25, 4],
        ],
        B: [
          [0.1, 0.2],
          [0.3, -0.4],
          [0.5, 0.6],
        ],
      },
    },
    { id: 'mm_row', op: 'matmul', args: { A: [1, -2, 3], B: [[0.7], [0.1], [-0.3]] } },
    {
      id: 'mv',
      op: 'matvec',
      args: {
        M: [
          [1, 2, 3],
          [4, 5, 6],
        ],
        x: [0.1, -0.2, 0.3],
      },
    },
    { id: 'dot', op: 'dot', args: { a: [0.1, 0.2, 0.3], b: [3, -2, 1] } },
    {
      id: 'sub',
      op: 'subtract',
      args: {
        a: [
          [0.3, 1],
          [-2, 0.1],
        ],
        b: [
          [0.1, 1],
          [0.5, 0.2],
        ],
      },
    },
    { id: 'outer', op: 'outer', args: { a: [1, 0.5], b: [0.2, -0.4, 3] } },
    {
      id: 'sm',
      op: 'softmax',
      args: {
        x: [
          [1, 2, 3],
          [0.5, -0.5, 0],
        ],
        upstream: [
          [0.1, -0.2, 0.3],
          [1, 0, -1],
        ],
      },
    },
    { id: 'sm_big', op: 'softmax', args: { x: [1000, 1001, 999.5] } },
    {
      id: 'relu',
      op: 'relu',
      args: {
        z: [
          [-1, 0, 2],
          [0.5, -0.25, 0],
        ],
        upstream: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      },
    },
    { id: 'relu_fwd', op: 'relu', args: { z: [0.3, -0.3] } },
    { id: 'ce', op: 'cross_entropy', args: { logits: [0.5, -1, 2, 0.1], target: 2 } },
    { id: 'ceg', op: 'cross_entropy_grad', args: { probs: [0.1, 0.2, 0.7], target: 1 } },
    { id: 'mse', op: 'mse', args: { y: [0.5, -0.25, 2], t: [1, 0, 1.5], factor: 0.5 } },
    {
      id: 'ln',
      op: 'layer_norm',
      args: {
        x: [
          [1, 2, 3, 5],
          [-0.3, 0.1, 0.4, 0.2],
        ],
        gamma: [1, 0.5, 2, -1],
        beta: [0, 0.1, -0.2, 0.3],
        eps: 1e-5,
        upstream: [
          [0.1, -0.2, 0.3, 0.4],
          [1, 0.5, -0.5, 0.25],
        ],
      },
    },
    { id: 'ln_fwd', op: 'layer_norm', args: { x: [2, 4, 7], gamma: [1, 1, 1], beta: [0, 0, 0], eps: 0.001 } },
    {
      id: 'att',
      op: 'attention',
      args: {
        Q: [
          [0.1, 0.2, -0.3, 0.4],
          [0.5, -0.6, 0.7, 0.8],
          [-0.9, 1.0, 0.1, 0.2],
        ],
        K: [
          [0.3, -0.1, 0.2, 0.5],
          [0.4, 0.6, -0.2, 0.1],
          [0.7, 0.2, 0.9, -0.4],
        ],
        V: [
          [1, 0, 0.5, -1],
          [0, 1, -0.5, 2],
          [0.3, 0.3, 1, 0],
        ],
        heads: 2,
        causal: true,
        upstream: [
          [0.1, 0.2, 0.3, 0.4],
          [-0.5, 0.6, -0.7, 0.8],
          [0.9, -1, 1.1, -1.2],
        ],
      },
    },
    {
      id: 'att_book',
      op: 'attention',
      args: {
        Q: [
          [0.1, 0],
          [0, 0.1],
        ],
        K: [
          [0.1, 0],
          [0, 0.1],
        ],
        V: [
          [0.1, 0],
          [0, 0.1],
        ],
        heads: 1,
        causal: false,
      },
    },
    {
      id: 'emb',
      op: 'embedding_backward',
      args: {
        tokens: [1, 0, 1],
        dX: [
          [0.1, 0.2],
          [0.3, 0.4],
          [0.5, 0.6],
        ],
        vocab: 3,
      },
    },
    {
      id: 'mlp',
      op: 'mlp_mse',
      args: {
        x: [
          [0.5, -1],
          [2, 0.25],
        ],
        W_1: [
          [0.1, -0.2, 0.3],
          [0.4, 0.5, -0.6],
        ],
        b_1: [0.05, -0.1, 0],
        W_2: [[0.7], [-0.8], [0.9]],
        b_2: [0.1],
        target: [[1], [0]],
        factor: 0.5,
      },
    },
    {
      id: 'sgd',
      op: 'sgd',
      args: {
        w: [1, -2],
        grads: [
          [0.5, 0.1],
          [0.2, -0.3],
        ],
        lr: 0.1,
      },
    },
    {
      id: 'mom',
      op: 'momentum',
      args: {
        w: [1, -2],
        grads: [
          [0.5, 0.1],
          [0.2, -0.3],
          [-0.1, 0.4],
        ],
        lr: 0.1,
        beta: 0.9,
      },
    },
    {
      id: 'adam',
      op: 'adam',
      args: {
        w: [1, -2, 0.5],
        grads: [
          [0.5, 0.1, -1e-3],
          [0.2, -0.3, 2],
          [-0.1, 0.4, 0],
        ],
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
      },
    },
    { id: 'quad', op: 'gd_quadratic', args: { w: 5, center: 2, lr: 0.3, steps: 4 } },
    { id: 'clip', op: 'clip_grad_norm', args: { g: [3, 4], max_norm: 1 } },
    { id: 'noclip', op: 'clip_grad_norm', args: { g: [[0.3], [0.4]], max_norm: 1 } },
    { id: 'cd', op: 'central_difference', args: { loss_plus: 1.0002, loss_minus: 0.9998, eps: 1e-4 } },
    { id: 'pc_full', op: 'param_count', args: { config: {} } },
    { id: 'pc_book', op: 'param_count', args: { config: BOOK_CONFIG } },
    {
      id: 'pc_reg',
      op: 'param_count',
      args: { config: { input: 'continuous', inDim: 3, head: 'regression', outDim: 1, ffnBias: false, attnProjection: false } },
    },
    { id: 'cost_full', op: 'model_cost', args: { config: {}, bytes_per_number: 4, memory_unit: 1000 } },
    { id: 'cost_book', op: 'model_cost', args: { config: BOOK_CONFIG } },
    {
      id: 'cost_reg',
      op: 'model_cost',
      args: {
        config: {
          input: 'continuous',
          inDim: 3,
          head: 'regression',
          outDim: 1,
          layers: 3,
          attnProjection: false,
          attnResidual: false,
          layerNorm: false,
        },
      },
    },
    { id: 'cost_nohead', op: 'model_cost', args: { config: { head: 'none', dFF: 0, ffnResidual: false, heads: 2 } } },
  ],
};

export interface Agreement {
  failures: string[];
  /** Largest |f64 − dec| / |dec| over every nonzero entry. */
  maxRel: number;
  /** Largest |f64 − dec| / max|tensor| (normwise). */
  maxNormwise: number;
  /** Entries outside REL·|dec| and ABS, inside REL·max|tensor|. */
  byTensorScale: number;
  compared: number;
}

export function agreement(ref: Record<string, { shape: number[]; data: Float64Array }>, cert: DecimalTrace): Agreement {
  const a: Agreement = { failures: [], maxRel: 0, maxNormwise: 0, byTensorScale: 0, compared: 0 };
  for (const [path, r] of Object.entries(ref)) {
    const c = cert[path];
    if (!c) continue;
    if (c.shape.join() !== r.shape.join()) {
      a.failures.push(`${path}: shape [${c.shape}] vs reference [${r.shape}]`);
      continue;
    }
    const scale = c.data.reduce((m, v) => Decimal.max(m, v.abs()), new Decimal(0));
    r.data.forEach((x, i) => {
      const exact = c.data[i];
      const err = new Decimal(x).minus(exact).abs();
      a.compared++;
      if (!exact.isZero()) a.maxRel = Math.max(a.maxRel, err.div(exact.abs()).toNumber());
      if (!scale.isZero()) a.maxNormwise = Math.max(a.maxNormwise, err.div(scale).toNumber());
      if (err.lte(exact.abs().times(REL)) || err.lte(ABS)) return;
      if (err.lte(scale.times(REL))) a.byTensorScale++;
      else a.failures.push(`${path}[${i}]: float64 ${x} vs decimal ${exact.toSignificantDigits(20).toString()}`);
    });
  }
  return a;
}
