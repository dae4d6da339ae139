import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { D, evaluateExact, evaluateInterval, exactValue, intervalValue, parse, type Node } from './expr.js';

/** Random expressions over rounded literals, with the functions the language allows. */
const literal = fc.tuple(fc.integer({ min: -999, max: 999 }), fc.integer({ min: 1, max: 4 })).map(([m, k]) => (m / 10 ** k).toFixed(k));
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '×'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}) / (2 + (${b}) ^ 2)`),
    tie('e').map((a) => `exp(${a} / 4)`),
    tie('e').map((a) => `sqrt(1 + (${a}) ^ 2)`),
    tie('e').map((a) => `ln(1.5 + (${a}) ^ 2)`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `max(${a}, ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `min(${a}, ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `sum(${a}, ${b}, 0.5)`),
  ),
})).e;

/** Moves every rounded literal of a tree to a point inside its rounding interval (t ∈ [−1, 1] of a half unit). */
function perturb(node: Node, t: () => number): Node {
  switch (node.type) {
    case 'num': {
      const k = node.text.includes('.') ? node.text.split('.')[1].length : null;
      if (k === null) return node;
      const x = new D(node.text).plus(new D(t()).times(new D(0.5).times(new D(10).pow(-k))));
      return { ...node, text: x.toFixed() };
    }
    case 'neg':
      return { type: 'neg', x: perturb(node.x, t) };
    case 'bin':
      return { ...node, a: perturb(node.a, t), b: perturb(node.b, t) };
    case 'call':
      return { ...node, args: node.args.map((a) => perturb(a, t)) };
  }
}

describe('worksheet arithmetic', () => {
  it('the interval contains the exact value of the expression at any point of the input intervals', () => {
    fc.assert(
      fc.property(expression, fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 16 }), (src, ts) => {
        const tree = parse(src);
        const i = evaluateInterval(tree);
        let k = 0;
        const v = evaluateExact(perturb(tree, () => ts[k++ % ts.length]));
        expect(v.gte(i.lo) && v.lte(i.hi), `${src}: ${v} not in [${i.lo}, ${i.hi}]`).toBe(true);
      }),
      { seed: 20261123, numRuns: 300 },
    );
  });

  it('reads decimals as rounded values, integers, 1e-5 forms and exact(...) as given', () => {
    const i = intervalValue('0.250');
    expect([i.lo.toString(), i.hi.toString()]).toEqual(['0.2495', '0.2505']);
    const j = intervalValue('exact(0.1) - exact(0.1) × 2');
    expect(j.lo.eq(j.hi)).toBe(true);
    expect(intervalValue('2 * 1e-5').lo.toString()).toBe('0.00002');
    const wide = intervalValue('0.250', 2);
    expect([wide.lo.toString(), wide.hi.toString()]).toEqual(['0.249', '0.251']);
  });

  it('evaluates exactly at 40 digits, with the unicode operators of the worksheets', () => {
    expect(exactValue('(0.450012 − 0.449988) / (2 × 1e-5)').toString()).toBe('1.2');
    expect(exactValue('0.8 ^ 10').toString()).toBe(`0.${8n ** 10n}`); // 0.8¹⁰ = 8¹⁰ / 10¹⁰ exactly
    expect(exactValue('-log(0.251)').toNumber()).toBeCloseTo(-Math.log(0.251), 15);
    expect(exactValue('exp(1)').toNumber()).toBe(Math.E);
    expect(exactValue('exp(1)').precision()).toBe(40);
    expect(exactValue('max(0.0, 0.00707) + min(1, 2) + sum(1, 2, 3)').toString()).toBe('7.00707');
  });

  it.each([
    ['', /empty expression/],
    ['1 +', /unexpected end/],
    ['foo(1)', /unknown name 'foo'/],
    ['process.exit(1)', /unknown name 'process'/],
    ['exp 1', /'exp' must be followed by '\('/],
    ['(1 + 2', /missing '\)'/],
    ['1 2', /unexpected '2' after a complete expression/],
    ['exp(1, 2)', /exp takes 1 argument/],
    ['2 $ 3', /unexpected character '\$' at column 3/],
    ['constructor', /unknown name 'constructor'/],
  ])('rejects %j with a clear message', (src, message) => {
    expect(() => parse(src)).toThrow(message);
  });
});
