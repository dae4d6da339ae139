// The dataflow order of trace paths (spec/fixtures.md "Trace paths"), checked on hand-written orders.
import { describe, expect, it } from 'vitest';
import type { ModelScenario, OpsScenario } from '../fixtures/scenario.js';
import { compareKeys, pathOrder } from './divergence.js';

const model: ModelScenario = {
  kind: 'model',
  config: { layers: 2 },
  examples: [{ tokens: [0, 1], target: 1 }],
  steps: [
    { id: 'before', do: 'forward' },
    { id: 'train', do: 'train' },
    { id: 'after', do: 'forward' },
  ],
};

const sorted = (s: ModelScenario | OpsScenario, paths: string[], by: 'key' | 'rank') =>
  [...paths].sort((a, b) => compareKeys(pathOrder(s, a)[by], pathOrder(s, b)[by]));

describe('the dataflow order', () => {
  it('orders a model scenario: forward, backward (last block first), update, the next step', () => {
    const order = [
      'before/param.embedding.E',
      'before/0/X',
      'before/0/blocks.0.attn.Q',
      'before/0/blocks.0.attn.scores',
      'before/0/blocks.0.attn.scaled',
      'before/0/blocks.0.attn.weights',
      'before/0/blocks.0.attn.context',
      'before/0/blocks.0.ffn.hidden',
      'before/0/blocks.0.out',
      'before/0/blocks.1.attn.Q',
      'before/0/final_repr',
      'before/0/logits',
      'before/0/probs',
      'before/0/loss',
      'before/loss',
      'train/0/X',
      'train/0/loss',
      'train/0/grad.logits',
      'train/0/grad.head.W_out',
      'train/0/grad.final_repr',
      'train/0/grad.blocks.1.out',
      'train/0/grad.blocks.1.attn.Q',
      'train/0/grad.blocks.0.out',
      'train/0/grad.blocks.0.ffn.hidden',
      'train/0/grad.blocks.0.attn.weights',
      'train/0/grad.blocks.0.attn.scaled',
      'train/0/grad.blocks.0.attn.scores',
      'train/0/grad.X',
      'train/0/grad.embedding.E',
      'train/grad.head.W_out',
      'train/grad_norm',
      'train/adam.m.head.W_out',
      'train/param.head.W_out',
      'after/0/X',
      'after/0/logits',
    ];
    expect(sorted(model, [...order].reverse(), 'key')).toEqual(order);
  });

  it('ranks across scenarios by updates before a value, then phase and depth', () => {
    const rank = (p: string) => pathOrder(model, p).rank;
    expect(compareKeys(rank('before/param.head.W_out'), rank('before/0/X'))).toBeLessThan(0);
    expect(compareKeys(rank('train/0/blocks.0.attn.scaled'), rank('before/0/blocks.0.attn.weights'))).toBeLessThan(0);
    expect(compareKeys(rank('train/param.head.W_out'), rank('after/0/X'))).toBeLessThan(0);
    expect(compareKeys(rank('after/param.head.W_out'), rank('train/param.head.W_out'))).toBe(0);
  });

  it('orders an ops scenario by call, and a call by its outputs: forward before backward', () => {
    const ops: OpsScenario = {
      kind: 'ops',
      calls: [
        { id: 'a', op: 'softmax', args: { x: [1, 2] } },
        { id: 'b', op: 'matmul', args: { A: [[1]], B: [[1]] } },
      ],
    };
    expect(sorted(ops, ['b/C', 'a/dx', 'a/y'], 'key')).toEqual(['a/y', 'a/dx', 'b/C']);
    // across scenarios: a softmax ranks where the model computes its attention weights, a plain product first
    const softmax = pathOrder(ops, 'a/y').rank;
    expect(compareKeys(pathOrder(ops, 'b/C').rank, softmax)).toBeLessThan(0);
    expect(compareKeys(softmax, pathOrder(model, 'before/0/blocks.0.attn.scaled').rank)).toBeGreaterThan(0);
    expect(compareKeys(softmax, pathOrder(model, 'before/0/blocks.0.attn.context').rank)).toBeLessThan(0);
  });
});
