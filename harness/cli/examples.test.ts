import { describe, expect, it } from 'vitest';
import { batchGradients, createOptimizer, trainStep } from '../../reference/training.js';
import { BOOK_2X2, bookWeights, printBookExamples } from './examples.js';

/** True when x, rounded to the printed string's decimals, gives that string (half a unit in the last place). */
function roundsTo(x: number, printed: string): boolean {
  const decimals = (printed.split('.')[1] ?? '').length;
  return Math.abs(x - Number(printed)) <= 0.5 * 10 ** -decimals + 1e-15;
}

const AB = { tokens: [0, 1], target: 2 };

describe("the book's Examples 1-3 on the reference", () => {
  const r = batchGradients(BOOK_2X2, bookWeights(), [AB], { traceGrads: true });
  const f = r.forwards[0].trace;
  const g = r.gradTraces[0];
  const at = (t: { data: Float64Array }, i: number) => t.data[i];

  // Printed strings from 003_0e7b976e2ea0d9bd.txt where the worksheet is right (its slips, such as the loss
  // "1.383" for 1.38378, are the audit's business, not this test's).
  it.each([
    ['5.7 scaled_score[1][1] = 0.00707', at(f['blocks.0.attn.scaled'], 3), '0.00707'],
    ['5.7 weight on A ≈ 0.498', at(f['blocks.0.attn.weights'], 2), '0.498'],
    ['5.7 weight on B ≈ 0.502', at(f['blocks.0.attn.weights'], 3), '0.502'],
    ['5.7 context[0] = 0.0498', at(f['final_repr'], 0), '0.0498'],
    ['5.7 context[1] = 0.0502', at(f['final_repr'], 1), '0.0502'],
    ['5.7 logit(A) = 0.00498', at(f['logits'], 0), '0.00498'],
    ['5.7 logit(C) = 0.00502', at(f['logits'], 2), '0.00502'],
    ['5.7 P(B) ≈ 0.249', at(f['probs'], 1), '0.249'],
    ['5.7 P(C) ≈ 0.251', at(f['probs'], 2), '0.251'],
    ['6.10 dL/dlogit(C) = −0.749', at(g['grad.logits'], 2), '-0.749'],
    ['6.10 dWO[1][2] = −0.03760', at(g['grad.head.W_out'], 6), '-0.03760'],
    ['7.9 dL/dcontext[0] = 0.025', at(g['grad.final_repr'], 0), '0.025'],
    ['7.9 dL/dcontext[1] = −0.0749', at(g['grad.final_repr'], 1), '-0.0749'],
    ['7.9 dL/dweights[1][1] = −0.00749', at(g['grad.blocks.0.attn.weights'], 3), '-0.00749'],
  ])('%s', (_label, value, printed) => {
    expect(roundsTo(value, printed)).toBe(true);
  });

  it('Example 2: one SGD step on W_O raises P(C) and lowers the loss', () => {
    const p = bookWeights();
    trainStep(BOOK_2X2, p, [AB], createOptimizer({ kind: 'sgd', lr: 0.1 }), { trainable: ['head.W_out'] });
    const after = batchGradients(BOOK_2X2, p, [AB]);
    expect(after.forwards[0].trace['probs'].data[2]).toBeGreaterThan(f['probs'].data[2]);
    expect(after.loss).toBeLessThan(r.loss);
    expect(roundsTo(p['head.W_out'][6], '0.10376')).toBe(true); // 6.10: W0[1][1]_new = 0.10376
  });

  it('Example 3: W_Q[1][1] ← 0.1 − 0.1 × dL/dW_Q[1][1], the only entries moved being row 1', () => {
    const p = bookWeights();
    trainStep(BOOK_2X2, p, [AB], createOptimizer({ kind: 'sgd', lr: 0.1 }), { trainable: ['blocks.0.attn.W_Q'] });
    expect(p['blocks.0.attn.W_Q'][3]).toBeCloseTo(0.1 - 0.1 * g['grad.blocks.0.attn.W_Q'].data[3], 15);
    expect(p['blocks.0.attn.W_Q'][3]).toBeGreaterThan(0.1);
    expect(p['blocks.0.attn.W_Q'][0]).toBe(0.1);
  });

  it('prints every step of the three examples with finite numbers', () => {
    const lines: string[] = [];
    printBookExamples((s) => lines.push(s));
    const text = lines.join('\n');
    for (const heading of ['Example 1 (5.7)', 'Example 2 (6.10)', 'Example 3 (7.9)', 'attention weights', 'dL/dW_Q', 'loss after'])
      expect(text).toContain(heading);
    expect(text).not.toMatch(/NaN|Infinity/);
  });
});
