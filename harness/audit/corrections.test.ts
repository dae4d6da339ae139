// Corrected lines, case by case: what a corrected line rewrites (result, operands, intermediates, repetitions) and
// what it must leave alone.
import { describe, expect, it } from 'vitest';
import { alignReplacements, applyChanges, correctedText, quoteReplacements, type ElementToCorrect } from './corrections.js';

const fix = (quote: string, elements: ElementToCorrect[], missing: string[] = []) =>
  correctedText(quote, quoteReplacements(quote, elements, missing));

describe('corrected lines', () => {
  it.each([
    {
      why: 'the operand that references a wrong value is corrected with the result',
      quote: '= 0.024 / 0.00002 = 1200',
      e: {
        printed: '1200',
        corrected: '1.2',
        worksheet: '{d} / exact(0.00002)',
        operands: [{ ref: '{d}', printed: '0.024', corrected: '0.000024' }],
      },
      want: '= 0.000024 / 0.00002 = 1.2',
    },
    {
      why: 'the result is the number the page ends the line with, not an operand spelled like it',
      quote: 'WO_new[0][3] = 0.0 - 0.1 × 0.0 = 0.0',
      e: {
        printed: '0.0',
        corrected: '0.0017',
        worksheet: 'exact(0.0) - exact(0.1) × {avg}',
        operands: [{ ref: '{avg}', printed: '0.0', corrected: '-0.0167' }],
      },
      want: 'WO_new[0][3] = 0.0 - 0.1 × (-0.0167) = 0.0017',
    },
    {
      why: 'intermediate results are recomputed from the corrected operands, at their decimals',
      quote: 'h = 0.0498 × 0.2 + 0.0502 × 0.1 = 0.00996 + 0.00502 = 0.01498',
      e: {
        printed: '0.01498',
        corrected: '0.01502',
        worksheet: '{a[0]} × exact(0.2) + {a[1]} × exact(0.1)',
        operands: [
          { ref: '{a[0]}', printed: '0.0498', corrected: '0.0502' },
          { ref: '{a[1]}', printed: '0.0502', corrected: '0.0498' },
        ],
      },
      want: 'h = 0.0502 × 0.2 + 0.0498 × 0.1 = 0.01004 + 0.00498 = 0.01502',
    },
    {
      why: 'a negative operand written after a minus keeps that form',
      quote: 'avg = (0.0498 - 0.09992 + 0.0500) / 3 ≈ 0.0',
      e: {
        printed: '0.0',
        corrected: '-0.0167',
        worksheet: '({x} + {y} + {z}) / 3',
        operands: [
          { ref: '{x}', printed: '0.0498', corrected: '0.0124' },
          { ref: '{y}', printed: '-0.09992', corrected: '-0.07506' },
          { ref: '{z}', printed: '0.0500', corrected: '0.0125' },
        ],
      },
      want: 'avg = (0.0124 - 0.07506 + 0.0125) / 3 ≈ -0.0167',
    },
  ])('$why', ({ quote, e, want }) => {
    expect(fix(quote, [e])).toBe(want);
  });

  it('corrects a value the quote prints again, but not a string that stands for two corrections', () => {
    const els = [
      { printed: '0.2505', corrected: '0.2506' },
      { printed: '0.0', corrected: '0.0' },
      { printed: '0.0', corrected: '-0.0013' },
    ];
    expect(fix('[0.2505, 0.0, 0.0]; P(A) ≈ 0.2505, P(B) ≈ 0.0', els)).toBe('[0.2506, 0.0, -0.0013]; P(A) ≈ 0.2506, P(B) ≈ 0.0');
  });

  it('keeps the page minus sign and explicit plus', () => {
    expect(fix('Change: +0.0006', [{ printed: '+0.0006', corrected: '+0.0001' }])).toBe('Change: +0.0001');
    expect(fix('Subtract: [−0.00029]', [{ printed: '-0.00029', corrected: '-0.00054' }])).toBe('Subtract: [−0.00054]');
  });

  it('leaves index digits and names alone', () => {
    expect(fix('W0[0][1] = 0.0 and x_1 = 7', [{ printed: '0.0', corrected: '0.5' }])).toBe('W0[0][1] = 0.5 and x_1 = 7');
  });

  it('says when the quote writes a line but leaves out an operand the correction changes', () => {
    const missing: string[] = [];
    fix(
      'logit(A) = 0.0498 × 0.099 ≈ 0.00493',
      [
        {
          printed: '0.00493',
          corrected: '0.00486',
          worksheet: '{c[0]} × {w} + {c[1]} × {v}',
          operands: [
            { ref: '{c[0]}', printed: '0.0498', corrected: '0.0498' },
            { ref: '{w}', printed: '0.099', corrected: '0.099' },
            { ref: '{c[1]}', printed: '0.0502', corrected: '0.0502' },
            { ref: '{v}', printed: '0.0', corrected: '-0.0013' },
          ],
        },
      ],
      missing,
    );
    expect(missing).toEqual(['{v}']);
  });
});

describe('aligning a quote with its seed text', () => {
  it('places each piece between elisions at a run of the same numbers', () => {
    const quote = 'WO[0][0] = 0.1 - … WO[1][1] = 0.1 - 0.1 × 0.0332';
    const rs = quoteReplacements(quote, [
      { printed: '0.1', corrected: '0.1' },
      { printed: '0.1', corrected: '0.0' },
    ]);
    const seed = 'WO[0][0] = 0.1 - 0.1 × 0.0666 ≈ 0.0933\nWO[1][1] = 0.1 - 0.1 × 0.0332 ≈ 0.0967';
    const { changes, missed } = alignReplacements(seed, rs);
    expect(missed).toEqual([]);
    expect(applyChanges(seed, changes)).toBe('WO[0][0] = 0.1 - 0.1 × 0.0666 ≈ 0.0933\nWO[1][1] = 0.0 - 0.1 × 0.0332 ≈ 0.0967');
  });

  it('reports a correction whose numbers are not in the text', () => {
    const rs = quoteReplacements('x = 0.5', [{ printed: '0.5', corrected: '0.6' }]);
    expect(alignReplacements('y = 0.7', rs).missed).toEqual([{ from: '0.5', to: '0.6' }]);
  });
});
