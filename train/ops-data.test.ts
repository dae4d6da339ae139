import { describe, expect, it } from 'vitest';
import { encode, OPERATIONS, opsDataset, tokenName, VOCAB } from './ops-data.js';

describe('the operations task', () => {
  it("encodes the document's example exactly: Max(1,6,2) → [15, 17, 3, 19, 8, 19, 4, 18], target 8", () => {
    const ex = encode('Max', 1, 6, 2);
    expect(ex.tokens).toEqual([15, 17, 3, 19, 8, 19, 4, 18]); // Stage 10, Part 5
    expect(ex.target).toBe(8); // Stage 10, Part 1: target token 8 ('6')
    expect(ex.tokens.map(tokenName).join('')).toBe('Max(1,6,2)');
  });

  it('uses 20 distinct ids, and every answer is one digit', () => {
    const ids = Object.values(OPERATIONS).map((o) => o.id);
    expect(new Set(ids).size).toBe(5);
    for (const op of Object.keys(OPERATIONS) as (keyof typeof OPERATIONS)[]) {
      for (let a = 0; a < 10; a++)
        for (let b = 0; b < 10; b += 3)
          for (let c = 0; c < 10; c += 7) {
            const ex = encode(op, a, b, c);
            expect(ex.tokens.every((t) => t >= 0 && t < VOCAB)).toBe(true);
            expect(tokenName(ex.target)).toMatch(/^\d$/);
          }
    }
    expect(encode('Median', 7, 2, 5).target - 2).toBe(5);
    expect(encode('Min', 7, 2, 5).target - 2).toBe(2);
    expect(encode('First', 7, 2, 5).target - 2).toBe(7);
    expect(encode('Last', 7, 2, 5).target - 2).toBe(5);
    expect(() => encode('Max', 1, 10, 2)).toThrow(/digits 0-9/);
  });

  it('splits all 5000 sequences into disjoint train and validation sets, reproducibly', () => {
    const d = opsDataset(7);
    expect(d.train).toHaveLength(4000);
    expect(d.validation).toHaveLength(1000);
    const seen = new Set(d.train.map((e) => e.text));
    expect(seen.size).toBe(4000);
    expect(d.validation.some((e) => seen.has(e.text))).toBe(false);
    expect(opsDataset(7).validation.map((e) => e.text)).toEqual(d.validation.map((e) => e.text));
    expect(opsDataset(8).validation.map((e) => e.text)).not.toEqual(d.validation.map((e) => e.text));
    expect(() => opsDataset(1, 1)).toThrow(/validationFraction/);
  });
});
