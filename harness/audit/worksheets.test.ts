// A verdict must not depend on whether a fixture's author wrote a worksheet line: every printed number whose quote
// shows it computed ("0.1 × 0.0332 = 0.00332") has the line, so the audit judges the page's own arithmetic.
import { describe, expect, it } from 'vitest';
import { CLAIM_KINDS } from '../fixtures/claim-kinds.js';
import { loadFixtures } from '../fixtures/load.js';

/** A quote that writes arithmetic on numbers and its result: "a op b [op c …] = d". */
const ARITHMETIC = /\d\s*[×*+/−-]\s*\(?[-−]?\d[\d.]*\)?\s*(?:[×*+/−-]\s*\(?[-−]?\d[\d.]*\)?\s*)*=\s*[-−]?\d/;

describe('worksheet lines', () => {
  it('every printed number the page shows computed from numbers has a worksheet line', () => {
    const { fixtures } = loadFixtures();
    const missing = fixtures.flatMap((lf) =>
      lf.fixture.document
        ? lf.fixture.claims
            .filter((c) => CLAIM_KINDS[c.kind].printed === 'numbers' && c.printed !== undefined && c.worksheet === undefined)
            .filter((c) => ARITHMETIC.test(c.quote))
            .map((c) => `${lf.file}:${lf.claimLines[c.id]}: ${c.id}: "${c.quote}" has no worksheet line`)
        : [],
    );
    expect(missing).toEqual([]);
  });

  it('the pattern sees a computed value', () => {
    expect(ARITHMETIC.test('WO_new[0][3] = 0.0 - 0.1 × 0.0 = 0.0')).toBe(true);
    expect(ARITHMETIC.test('probs1 = [0.250, 0.249, 0.251, 0.249]')).toBe(false);
  });
});
