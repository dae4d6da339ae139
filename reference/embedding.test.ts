import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { embeddingBackward, embeddingForward, sinusoidalPositions } from './embedding.js';
import { checkOp, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

describe('sinusoidal positions', () => {
  it('PE[pos, 2i] = sin(pos/10000^(2i/d)), PE[pos, 2i+1] = cos(the same angle)', () => {
    const d = 6;
    const pe = new Float64Array(5 * d).fill(Number.NaN); // overwritten
    sinusoidalPositions(pe, 5, d);
    for (let pos = 0; pos < 5; pos++)
      for (let i = 0; i < d / 2; i++) {
        const angle = pos / 10000 ** ((2 * i) / d);
        expect(pe[pos * d + 2 * i]).toBeCloseTo(Math.sin(angle), 15);
        expect(pe[pos * d + 2 * i + 1]).toBeCloseTo(Math.cos(angle), 15);
      }
    expect(Array.from(pe.subarray(0, d))).toEqual([0, 1, 0, 1, 0, 1]);
  });
});

describe('token embedding', () => {
  it('looks up rows and adds the positions', () => {
    const E = Float64Array.of(1, 0, 0, 1, 1, 1, 0, 0);
    const X = new Float64Array(4);
    embeddingForward(X, [0, 1], { E, pe: null }, 2);
    expect(Array.from(X)).toEqual([1, 0, 0, 1]);
    embeddingForward(X, [2, 3], { E, pe: Float64Array.of(0.5, 0.5, 0.25, 0.25) }, 2);
    expect(Array.from(X)).toEqual([1.5, 1.5, 0.25, 0.25]);
  });

  it('accumulates the gradient of a repeated token: Max(1,6,2), the comma (19) at positions 3 and 5', () => {
    const tokens = [15, 17, 3, 19, 8, 19, 4, 18];
    const d = 4;
    const dX = randomArray(tokens.length * d, 3);
    const dE = new Float64Array(20 * d);
    embeddingBackward(dE, dX, tokens, d);
    for (let j = 0; j < d; j++) {
      expect(dE[19 * d + j]).toBe(dX[3 * d + j] + dX[5 * d + j]);
      expect(dE[8 * d + j]).toBe(dX[4 * d + j]);
      expect(dE[0 * d + j]).toBe(0);
    }
  });

  it('backward agrees with central differences for any token list with repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }), fc.integer(), (tokens, seed) => {
        const d = 3;
        const table = new Float64Array(tokens.length * 4);
        sinusoidalPositions(table, tokens.length, 4);
        const pe = table.subarray(0, tokens.length * d); // any fixed [T x d] values
        const rep = checkOp(
          { E: randomArray(5 * d, seed) },
          ({ E }) => {
            const X = new Float64Array(tokens.length * d);
            embeddingForward(X, tokens, { E, pe }, d);
            return X;
          },
          (_, dX) => {
            const dE = new Float64Array(5 * d);
            embeddingBackward(dE, dX, tokens, d);
            return { E: dE };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });
});
