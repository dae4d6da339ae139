import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forMarkdownCell, forTerminal, nameProblem, truncate } from './bounded.js';

describe('bounded text', () => {
  it('truncates past the limit and says how many bytes were dropped', () => {
    expect(truncate('abc', 5)).toBe('abc');
    expect(truncate('abcdefgh', 3)).toBe('abc… 5 bytes more');
    expect(truncate('ab€€', 2)).toBe('ab… 6 bytes more');
    fc.assert(fc.property(fc.string(), fc.integer({ min: 0, max: 50 }), (s, n) => truncate(s, n).startsWith(s.slice(0, n))));
  });

  it('never lets a control character or bidi override through to a terminal', () => {
    expect(forTerminal('a\u001b[31mb\u0007\u202ec\td\ne')).toBe('a\\u{1b}[31mb\\u{7}\\u{202e}c\td\ne');
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        (s) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(forTerminal(s)),
      ),
    );
  });

  it('escapes markup in a Markdown cell and keeps it on one line', () => {
    expect(forMarkdownCell('<b>x</b> | *y*\nz')).toBe('\\<b\\>x\\</b\\> \\| \\*y\\* z');
    fc.assert(fc.property(fc.string(), (s) => !/(^|[^\\])[<>|]/.test(forMarkdownCell(s)) && !forMarkdownCell(s).includes('\n')));
  });

  it('accepts short printable names and says what is wrong with the others', () => {
    expect(nameProblem('numpy-example', 'name', 100)).toBeNull();
    expect(nameProblem('', 'name', 100)).toMatch(/non-empty/);
    expect(nameProblem(7, 'name', 100)).toMatch(/non-empty string/);
    expect(nameProblem('x'.repeat(101), 'name', 100)).toMatch(/101 characters long \(at most 100\)/);
    expect(nameProblem('a\u001bb', 'name', 100)).toMatch(/control characters/);
  });
});
