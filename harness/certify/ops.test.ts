// The single operations: every op of OPS is certified (scenario.test.ts compares them with the reference), an
// exact case where float64 cannot be, and the inputs both the reference and the certifier refuse.
import { describe, expect, it } from 'vitest';
import { referenceImplementation } from '../impls/reference.js';
import { OPS, type OpCall, type OpsScenario } from '../fixtures/scenario.js';
import { certifyScenario } from './index.js';
import { OPS_SCENARIO } from './test-scenarios.js';

describe("the certifier's single operations", () => {
  it('the central difference of given decimals: exactly 2, where float64 gives 2·(1 − 1.1e-13)', async () => {
    const cd: OpsScenario = { kind: 'ops', calls: OPS_SCENARIO.calls.filter((c) => c.id === 'cd') };
    expect(certifyScenario(cd)['cd/gradient'].data[0].eq(2)).toBe(true);
    expect((await referenceImplementation.run(cd))['cd/gradient'].data[0]).toBe(1.9999999999997797);
  });

  it('the ops scenario calls every op in OPS', () => {
    expect(new Set(OPS_SCENARIO.calls.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
  });

  const REFUSED: [string, OpCall][] = [
    ['matmul of mismatched sizes', { id: 'x', op: 'matmul', args: { A: [[1, 2]], B: [[1, 2]] } }],
    ['a softmax upstream of another size', { id: 'x', op: 'softmax', args: { x: [1, 2, 3], upstream: [1, 2] } }],
    [
      'a layer-norm upstream of another size',
      { id: 'x', op: 'layer_norm', args: { x: [1, 2, 3], gamma: [1, 1, 1], beta: [0, 0, 0], eps: 1e-5, upstream: [1] } },
    ],
    ['a relu upstream of another size', { id: 'x', op: 'relu', args: { z: [1, -1], upstream: [1, 2, 3] } }],
    [
      'attention heads that do not divide d',
      { id: 'x', op: 'attention', args: { Q: [[1, 2, 3]], K: [[1, 2, 3]], V: [[1, 2, 3]], heads: 2 } },
    ],
    [
      'attention K of another size than Q',
      {
        id: 'x',
        op: 'attention',
        args: {
          Q: [[1, 2]],
          K: [
            [1, 2],
            [3, 4],
          ],
          V: [[1, 2]],
          heads: 1,
        },
      },
    ],
    ['a cross-entropy target outside the classes', { id: 'x', op: 'cross_entropy', args: { logits: [1, 2], target: 2 } }],
    ['a token outside the vocabulary', { id: 'x', op: 'embedding_backward', args: { tokens: [3], dX: [[1, 2]], vocab: 3 } }],
    ['gradients that do not split into steps', { id: 'x', op: 'sgd', args: { w: [1, 2], grads: [1, 2, 3], lr: 0.1 } }],
    ['dot of vectors of different lengths', { id: 'x', op: 'dot', args: { a: [1, 2], b: [1, 2, 3] } }],
    ['an inconsistent config', { id: 'x', op: 'param_count', args: { config: { dModel: 6, heads: 4 } } }],
  ];
  it.each(REFUSED)('refuses %s, as the reference does', async (_name, call) => {
    const s: OpsScenario = { kind: 'ops', calls: [call] };
    await expect(referenceImplementation.run(s)).rejects.toThrow();
    expect(() => certifyScenario(s)).toThrow();
  });
});
