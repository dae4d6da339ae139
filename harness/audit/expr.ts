// A small, safe arithmetic language for worksheet lines: numbers, + − × ÷ ^, parentheses and the functions
// exp, ln, log (natural), sqrt, max, min, sum and exact(...). No identifiers beyond these, no eval.
//
// Two evaluations:
//  - exact: every literal is the number it spells (40 significant digits);
//  - interval: a literal with a decimal point and no exponent is a rounded printed value and stands for
//    [x − ½·10⁻ᵏ, x + ½·10⁻ᵏ] (k its decimals); integers, exponent forms (1e-5) and anything inside
//    exact(...) are given inputs and stay points. Intervals are rounded outward at every step.
import { Decimal as DecimalJs } from 'decimal.js';

const PRECISION = 40;
export const D = DecimalJs.clone({ precision: PRECISION, rounding: DecimalJs.ROUND_HALF_EVEN });
const Down = DecimalJs.clone({ precision: PRECISION, rounding: DecimalJs.ROUND_FLOOR });
const Up = DecimalJs.clone({ precision: PRECISION, rounding: DecimalJs.ROUND_CEIL });
export type Dec = InstanceType<typeof D>;

export type Node =
  | { type: 'num'; text: string; pos: number }
  | { type: 'neg'; x: Node }
  | { type: 'bin'; op: '+' | '-' | '*' | '/' | '^'; a: Node; b: Node }
  | { type: 'call'; fn: Fn; args: Node[]; pos: number };

const FUNCTIONS = ['exp', 'ln', 'log', 'sqrt', 'max', 'min', 'sum', 'exact'] as const;
type Fn = (typeof FUNCTIONS)[number];
const ARITY: Record<Fn, [number, number]> = { exp: [1, 1], ln: [1, 1], log: [1, 1], sqrt: [1, 1], max: [1, Infinity], min: [1, Infinity], sum: [1, Infinity], exact: [1, 1] };

/** The longest expression the parser reads, in characters (a worksheet line is a few dozen). */
export const MAX_EXPR_LENGTH = 10_000;
/**
 * The deepest nesting of parentheses, function calls, signs and powers the parser follows, and the greatest
 * height of the syntax tree it builds (each operator of a chain such as 1 + 2 + 3 adds a level): the
 * evaluators recurse over the tree.
 */
export const MAX_EXPR_DEPTH = 200;

/** The source as an error quotes it: a long one is cut to its first 80 characters. */
const quoted = (source: string) => (source.length > 120 ? `${source.slice(0, 80)}… (${source.length} characters)` : source);

export class ExprError extends Error {
  constructor(message: string, readonly source: string, readonly pos: number) {
    super(`${message} at column ${pos + 1} of "${quoted(source)}"`);
  }
}

type Token = { kind: 'num' | 'name' | 'op'; text: string; pos: number };

const SYNONYMS: Record<string, string> = { '×': '*', '·': '*', '−': '-', '÷': '/', '–': '-' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_]\w*/.exec(src.slice(i));
    if (name) {
      if (!(FUNCTIONS as readonly string[]).includes(name[0])) throw new ExprError(`unknown name '${name[0]}' (only ${FUNCTIONS.join(', ')} are allowed)`, src, i);
      out.push({ kind: 'name', text: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = SYNONYMS[ch] ?? ch;
    if ('+-*/^(),'.includes(op)) {
      out.push({ kind: 'op', text: op, pos: i });
      i++;
      continue;
    }
    throw new ExprError(`unexpected character '${ch}'`, src, i);
  }
  return out;
}

/** Parses a worksheet line into a syntax tree; throws ExprError with the column on anything else. */
export function parse(src: string): Node {
  if (src.length > MAX_EXPR_LENGTH) throw new ExprError(`expression of ${src.length} characters, more than the ${MAX_EXPR_LENGTH} allowed`, src, MAX_EXPR_LENGTH);
  const toks = tokenize(src);
  let k = 0;
  // Every recursion of the parser (a parenthesis, a function's arguments, a sign, an exponent) passes through
  // unary(), so counting its depth bounds the stack.
  let depth = 0;
  // The height of each node built; a tree higher than the limit is refused before anything recurses over it.
  const heights = new WeakMap<Node, number>();
  const h = (n: Node) => heights.get(n) ?? 1;
  const built = <N extends Node>(n: N, pos: number, ...children: Node[]): N => {
    const height = 1 + Math.max(0, ...children.map(h));
    if (height > MAX_EXPR_DEPTH) throw new ExprError(`more than ${MAX_EXPR_DEPTH} operations deep (each function call, sign, power and chained operator adds a level; write a long sum as sum(…))`, src, pos);
    heights.set(n, height);
    return n;
  };
  const peek = () => toks[k];
  const fail = (msg: string): never => {
    throw new ExprError(msg, src, peek()?.pos ?? src.length);
  };
  const eat = (text: string) => (peek()?.kind === 'op' && peek().text === text ? (k++, true) : false);
  const expr = (): Node => {
    let a = term();
    for (;;) {
      const t = peek();
      if (t?.kind === 'op' && (t.text === '+' || t.text === '-')) {
        k++;
        const b = term();
        a = built({ type: 'bin', op: t.text, a, b }, t.pos, a, b);
      } else return a;
    }
  };
  const term = (): Node => {
    let a = unary();
    for (;;) {
      const t = peek();
      if (t?.kind === 'op' && (t.text === '*' || t.text === '/')) {
        k++;
        const b = unary();
        a = built({ type: 'bin', op: t.text, a, b }, t.pos, a, b);
      } else return a;
    }
  };
  const unary = (): Node => {
    if (++depth > MAX_EXPR_DEPTH) fail(`nested more than ${MAX_EXPR_DEPTH} levels deep (parentheses, function calls, signs and powers)`);
    try {
      const sign = peek()?.pos ?? src.length;
      if (eat('-')) {
        const x = unary();
        return built({ type: 'neg', x }, sign, x);
      }
      if (eat('+')) return unary();
      return power();
    } finally {
      depth--;
    }
  };
  const power = (): Node => {
    const base = atom();
    const caret = peek()?.pos ?? src.length;
    if (!eat('^')) return base;
    const b = unary();
    return built({ type: 'bin', op: '^', a: base, b }, caret, base, b);
  };
  const atom = (): Node => {
    const t = peek();
    if (!t) return fail('unexpected end of expression');
    if (t.kind === 'num') {
      k++;
      return { type: 'num', text: t.text, pos: t.pos };
    }
    if (t.kind === 'name') {
      k++;
      if (!eat('(')) fail(`'${t.text}' must be followed by '('`);
      const args = [expr()];
      while (eat(',')) args.push(expr());
      if (!eat(')')) fail(`missing ')' after the arguments of ${t.text}`);
      const fn = t.text as Fn;
      const [lo, hi] = ARITY[fn];
      if (args.length < lo || args.length > hi) throw new ExprError(`${fn} takes ${lo === hi ? lo : `${lo} or more`} argument(s), got ${args.length}`, src, t.pos);
      return built({ type: 'call', fn, args, pos: t.pos }, t.pos, ...args);
    }
    if (eat('(')) {
      const e = expr();
      if (!eat(')')) fail("missing ')'");
      return e;
    }
    return fail(`unexpected '${t.text}'`);
  };
  if (toks.length === 0) throw new ExprError('empty expression', src, 0);
  const tree = expr();
  if (k < toks.length) fail(`unexpected '${peek().text}' after a complete expression`);
  return tree;
}

/** Decimals after the point of a literal that stands for a rounded value, or null when it is exact. */
export function roundedDecimals(text: string): number | null {
  if (/[eE]/.test(text) || !text.includes('.')) return null;
  return text.split('.')[1].length;
}

/** Exact value of an expression (every literal taken as spelled). */
export function evaluateExact(node: Node): Dec {
  switch (node.type) {
    case 'num':
      return new D(node.text);
    case 'neg':
      return evaluateExact(node.x).neg();
    case 'bin': {
      const a = evaluateExact(node.a);
      const b = evaluateExact(node.b);
      if (node.op === '+') return a.plus(b);
      if (node.op === '-') return a.minus(b);
      if (node.op === '*') return a.times(b);
      if (node.op === '/') return a.div(b);
      return a.pow(b);
    }
    case 'call': {
      const xs = node.args.map(evaluateExact);
      switch (node.fn) {
        case 'exp': return xs[0].exp();
        case 'ln':
        case 'log': return xs[0].ln();
        case 'sqrt': return xs[0].sqrt();
        case 'max': return D.max(...xs);
        case 'min': return D.min(...xs);
        case 'sum': return xs.reduce((s, x) => s.plus(x), new D(0));
        case 'exact': return xs[0];
      }
    }
  }
}

export const exactValue = (src: string): Dec => evaluateExact(parse(src));

/** A closed interval [lo, hi]; infinite ends are allowed. */
export interface Interval {
  lo: Dec;
  hi: Dec;
}

const point = (x: Dec): Interval => ({ lo: x, hi: x });

function intervalPow(a: Interval, b: Interval): Interval {
  if (b.lo.eq(b.hi) && b.lo.isInteger() && b.lo.gte(0)) {
    const n = b.lo.toNumber();
    const lo = Down.pow(a.lo, n);
    const hi = Up.pow(a.hi, n);
    if (n % 2 === 1 || a.lo.gte(0)) return { lo: D.min(lo, Down.pow(a.hi, n)), hi: D.max(hi, Up.pow(a.lo, n)) };
    if (a.hi.lte(0)) return { lo: Down.pow(a.hi, n), hi: Up.pow(a.lo, n) };
    return { lo: new D(0), hi: D.max(Up.pow(a.lo, n), Up.pow(a.hi, n)) };
  }
  if (a.lo.lte(0)) throw new Error('a non-integer power needs a positive base');
  const corners = [[a.lo, b.lo], [a.lo, b.hi], [a.hi, b.lo], [a.hi, b.hi]] as const;
  return { lo: D.min(...corners.map(([x, y]) => Down.pow(x, y))), hi: D.max(...corners.map(([x, y]) => Up.pow(x, y))) };
}

/**
 * The interval of all values the expression takes as its rounded literals range over their intervals:
 * ± halfUnits · ½·10⁻ᵏ around each (halfUnits 1: honest rounding; 2: a value itself off by up to one unit).
 */
export function evaluateInterval(node: Node, exactLiterals = false, halfUnits = 1): Interval {
  switch (node.type) {
    case 'num': {
      const x = new D(node.text);
      const k = exactLiterals ? null : roundedDecimals(node.text);
      if (k === null) return point(x);
      const half = new D(5).times(new D(10).pow(-(k + 1))).times(halfUnits);
      return { lo: x.minus(half), hi: x.plus(half) };
    }
    case 'neg': {
      const x = evaluateInterval(node.x, exactLiterals, halfUnits);
      return { lo: x.hi.neg(), hi: x.lo.neg() };
    }
    case 'bin': {
      const a = evaluateInterval(node.a, exactLiterals, halfUnits);
      const b = evaluateInterval(node.b, exactLiterals, halfUnits);
      switch (node.op) {
        case '+': return { lo: Down.add(a.lo, b.lo), hi: Up.add(a.hi, b.hi) };
        case '-': return { lo: Down.sub(a.lo, b.hi), hi: Up.sub(a.hi, b.lo) };
        case '*': {
          const ps = [[a.lo, b.lo], [a.lo, b.hi], [a.hi, b.lo], [a.hi, b.hi]] as const;
          return { lo: D.min(...ps.map(([x, y]) => Down.mul(x, y))), hi: D.max(...ps.map(([x, y]) => Up.mul(x, y))) };
        }
        case '/': {
          if (b.lo.lte(0) && b.hi.gte(0)) return { lo: new D(-Infinity), hi: new D(Infinity) };
          const qs = [[a.lo, b.lo], [a.lo, b.hi], [a.hi, b.lo], [a.hi, b.hi]] as const;
          return { lo: D.min(...qs.map(([x, y]) => Down.div(x, y))), hi: D.max(...qs.map(([x, y]) => Up.div(x, y))) };
        }
        case '^':
          return intervalPow(a, b);
      }
      break;
    }
    case 'call': {
      if (node.fn === 'exact') return evaluateInterval(node.args[0], true, halfUnits);
      const xs = node.args.map((n) => evaluateInterval(n, exactLiterals, halfUnits));
      const x = xs[0];
      switch (node.fn) {
        case 'exp': return { lo: Down.exp(x.lo), hi: Up.exp(x.hi) };
        case 'ln':
        case 'log':
          if (x.lo.lte(0)) throw new Error('ln of an interval that reaches 0 or below');
          return { lo: Down.ln(x.lo), hi: Up.ln(x.hi) };
        case 'sqrt':
          if (x.lo.lt(0)) throw new Error('sqrt of an interval that reaches below 0');
          return { lo: Down.sqrt(x.lo), hi: Up.sqrt(x.hi) };
        case 'max': return { lo: D.max(...xs.map((v) => v.lo)), hi: D.max(...xs.map((v) => v.hi)) };
        case 'min': return { lo: D.min(...xs.map((v) => v.lo)), hi: D.min(...xs.map((v) => v.hi)) };
        case 'sum': return xs.reduce((s, v) => ({ lo: Down.add(s.lo, v.lo), hi: Up.add(s.hi, v.hi) }), point(new D(0)));
      }
    }
  }
  throw new Error('unreachable');
}

export const intervalValue = (src: string, halfUnits = 1): Interval => evaluateInterval(parse(src), false, halfUnits);
