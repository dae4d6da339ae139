// Corrected lines: what an author writes instead of an erratum. A corrected line replaces every wrong number of
// the page's line, not just its result: each operand that references a wrong printed value becomes that value's
// correction, the intermediate results the page writes between operands and result are recomputed from the
// corrected operands, and a value the same quote prints again is corrected there too. The same replacements,
// applied to the seed text at the claim's line, are `tconf audit --patch`; the corrected document (every erratum
// replaced by its correction) is audited again by a test, so a correction that is false as written cannot ship.
import { D, evaluateExact, leaves, parse, type Dec, type Node as ExprNode } from '../fixtures/expr.js';
import { readPrinted, formatLike } from '../fixtures/printed.js';

/** One number of a quote to replace: its text as the page writes it, and what it becomes. */
export interface Replacement {
  from: string;
  to: string;
  /** The quote elides text before this number ("…"): the seed may have other numbers in between. */
  gap?: true;
}

/** A printed operand of a worksheet line, and the string a corrected page prints for it. */
export interface OperandCorrection {
  /** The reference as the line writes it, e.g. `{probs[2]}`. */
  ref: string;
  printed: string;
  corrected: string;
}

/** What the corrected line of one printed element needs. */
export interface ElementToCorrect {
  printed: string;
  /** The corrected string (equal to `printed` for a value that is right or honestly rounded). */
  corrected: string;
  worksheet?: string;
  operands?: OperandCorrection[];
}

/** An element as its corrected line needs it: an erratum becomes its correction, anything else stays as printed. */
export const toCorrect = (e: {
  printed: string;
  correct: string;
  verdict: string;
  worksheet?: string;
  operands?: OperandCorrection[];
}): ElementToCorrect => ({
  printed: e.printed,
  corrected: e.verdict === 'erratum' ? e.correct : e.printed,
  ...(e.worksheet ? { worksheet: e.worksheet } : {}),
  ...(e.operands ? { operands: e.operands } : {}),
});

/** A number token of a text: where it is and how it is spelled. */
interface Token {
  start: number;
  end: number;
  text: string;
}

// A signed decimal number with optional thousands separators, exponent and percent sign, not part of a name
// (W0, x_1) or of another number; an integer index in brackets ([0][3]) is dropped below.
const NUMBER = /(?<![\p{L}\p{N}_.])[-−+]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?%?(?![\p{L}\p{N}_])/gu;

function tokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const start = m.index;
    const end = start + m[0].length;
    if (/^\d+$/.test(m[0]) && text[start - 1] === '[' && text[end] === ']') continue;
    out.push({ start, end, text: m[0] });
  }
  return out;
}

/** A number's spelling without the marks that do not change it: ≈, ~, a leading +, the minus sign. */
export const normalNumber = (s: string): string =>
  s
    .trim()
    .replace(/^[≈~]\s*/, '')
    .replace(/−/g, '-')
    .replace(/^\+/, '');

const same = (token: string, printed: string) => normalNumber(token) === normalNumber(printed);

/**
 * `to` written in the style of the token it replaces (the page's minus sign, its explicit +), in parentheses when
 * it turns negative after an operator ("0.1 × (-0.0167)").
 */
function styled(token: string, to: string, before = ''): string {
  let s = normalNumber(to);
  if (token.includes('−')) s = s.replace(/-/g, '−');
  if (token.startsWith('+') && !s.startsWith('-') && !s.startsWith('−')) s = `+${s}`;
  if (/^[-−]/.test(s) && !/^[-−]/.test(token) && /[-−+×*/·]\s*$/.test(before)) s = `(${s})`;
  return s;
}

/** Whether a quote's number spells a printed value, also as the magnitude of a negative one after a minus ("- 0.09992"). */
function spells(text: string, t: Token, printed: string): boolean {
  if (same(t.text, printed)) return true;
  const p = normalNumber(printed);
  return p.startsWith('-') && normalNumber(t.text) === p.slice(1) && /[-−]\s+$/.test(text.slice(0, t.start));
}

/** The inner computations of a line (everything but its leaves and the whole line), in evaluation order. */
function inner(n: ExprNode, root = true): ExprNode[] {
  const kids = n.type === 'neg' ? [n.x] : n.type === 'bin' ? [n.a, n.b] : n.type === 'call' ? n.args : [];
  const below = kids.flatMap((k) => inner(k, false));
  return root || kids.length === 0 ? below : [...below, n];
}

/**
 * The replacements of one element's segment of a quote (from `from`, the end of the previous element's result):
 * its operands, its recomputed intermediate results and its own result, in the order the quote writes them.
 * Returns where the element's result ends, or null when the quote does not print it (nothing to correct there).
 */
function correctSegment(
  text: string,
  toks: Token[],
  from: number,
  e: ElementToCorrect,
  out: Map<Token, string>,
  missing: string[],
): number | null {
  let tree: ExprNode | undefined;
  try {
    tree = e.worksheet ? parse(e.worksheet) : undefined;
  } catch {
    tree = undefined;
  }
  const operands = e.operands ?? [];
  const byRef = new Map(operands.map((o) => [o.ref, o]));
  const texts = (tree ? leaves(tree) : []).map((leaf) => {
    const o = leaf.type === 'ref' ? byRef.get(leaf.text) : undefined;
    return { o, text: o ? o.printed : leaf.type === 'num' ? leaf.text : null };
  });
  /** The line's leaves matched in order to the quote's numbers in [from, end). */
  const matchLeaves = (end: number) => {
    const found: (number | null)[] = [];
    let k = from;
    for (const l of texts) {
      const j = l.text === null ? -1 : toks.findIndex((t, i) => i >= k && i < end && spells(text, t, l.text!));
      found.push(j < 0 ? null : j);
      if (j >= 0) k = j + 1;
    }
    return found;
  };
  // The element's result: of the numbers spelled like it, the one after the most of its line's operands, never one
  // the page goes on computing with ("0.0 - 0.1 × 0.0 = 0.0": the last), the earliest on a tie.
  let at = -1;
  let best = Number.NEGATIVE_INFINITY;
  for (let i = from; i < toks.length; i++) {
    if (!same(toks[i].text, e.printed)) continue;
    const operatorAfter = /^\s*[-−+×*/·]\s/.test(text.slice(toks[i].end));
    // Operands count only for a result the page writes as one ("… = r", "… ≈ r"), not for an item of a list.
    const written = /[=≈]\s*$/.test(text.slice(0, toks[i].start));
    const score = (written ? matchLeaves(i).filter((j) => j !== null).length : 0) - (operatorAfter ? 100 : 0);
    if (score > best) [at, best] = [i, score];
  }
  if (at < 0) return null;
  if (normalNumber(e.corrected) !== normalNumber(e.printed)) out.set(toks[at], styled(toks[at].text, e.corrected));
  if (!tree) return at + 1;
  const found = matchLeaves(at);
  const matched = new Set(found.filter((j): j is number => j !== null));
  texts.forEach((l, n) => {
    const j = found[n];
    const changed = l.o && normalNumber(l.o.corrected) !== normalNumber(l.o.printed);
    if (j !== null && changed) {
      const folded = !same(toks[j].text, l.o!.printed);
      const to = normalNumber(l.o!.corrected);
      // "… - 0.09992 …" for a negative operand: its correction keeps the form while it stays negative.
      if (folded && to.startsWith('-')) out.set(toks[j], to.slice(1));
      else if (folded) missing.push(l.o!.ref);
      else out.set(toks[j], styled(toks[j].text, l.o!.corrected, text.slice(0, toks[j].start)));
    }
    // The quote writes the line but leaves out an operand that the correction changes (a term the page dropped as
    // zero): the corrected line would be false as written, so the fixture must give the corrected line itself.
    if (j === null && changed && matched.size > 0) missing.push(l.o!.ref);
  });
  const anyOperandChanged = operands.some((o) => normalNumber(o.corrected) !== normalNumber(o.printed));
  if (!anyOperandChanged) return at + 1;
  // An intermediate the page writes ("= 0.00996 + 0.00502 = …"): the inner computation of the line whose value over
  // the printed operands the page shows there, recomputed over the corrected operands at the same decimals.
  const value = (n: ExprNode, pick: (o: OperandCorrection) => string): Dec =>
    evaluateExact(n, (r) => {
      const o = byRef.get(r.text);
      const x = new D(readPrinted(o ? pick(o) : '0').value);
      return { lo: x, hi: x };
    });
  const steps = inner(tree).map((n) => ({ printed: value(n, (o) => o.printed), corrected: value(n, (o) => o.corrected) }));
  for (let i = from; i < at; i++) {
    if (matched.has(i)) continue;
    let p: ReturnType<typeof readPrinted>;
    try {
      p = readPrinted(toks[i].text);
    } catch {
      continue;
    }
    const step = steps.find((s) => same(formatLike(s.printed.toNumber(), p), toks[i].text));
    if (step) out.set(toks[i], styled(toks[i].text, formatLike(step.corrected.toNumber(), p), text.slice(0, toks[i].start)));
  }
  return at + 1;
}

/**
 * The replacements that correct a quote, in order: each element's segment (operands, intermediates, result), then
 * every later number of the quote that repeats a corrected value (only where the printed string stands for one
 * correction: a "0.0" that is right at one place and wrong at another is left alone).
 */
export function quoteReplacements(quote: string, elements: ElementToCorrect[], missing: string[] = [], ordered = true): Replacement[] {
  const toks = tokens(quote);
  const out = new Map<Token, string>();
  let from = 0;
  // Values in no particular order (a relation's operands): each at the first number spelled like it not yet taken.
  if (!ordered) {
    const taken = new Set<Token>();
    for (const e of elements) {
      const t = toks.find((x) => !taken.has(x) && same(x.text, e.printed));
      if (!t) continue;
      taken.add(t);
      if (normalNumber(e.corrected) !== normalNumber(e.printed)) out.set(t, styled(t.text, e.corrected));
    }
    return out.size ? listed(quote, toks, out) : [];
  }
  for (const e of elements) {
    const next = correctSegment(quote, toks, from, e, out, missing);
    if (next !== null) from = next;
  }
  const fixes = new Map<string, Set<string>>();
  for (const e of elements) {
    const key = normalNumber(e.printed);
    fixes.set(key, (fixes.get(key) ?? new Set()).add(normalNumber(e.corrected)));
  }
  for (const t of toks.slice(from)) {
    const to = fixes.get(normalNumber(t.text));
    if (to?.size === 1 && !out.has(t)) {
      const [only] = to;
      if (only !== normalNumber(t.text)) out.set(t, styled(t.text, only));
    }
  }
  // Every number of the quote, unchanged ones included: they keep the replacements aligned when they are applied
  // again by spelling (to the seed text), where "0.0" may stand at several places.
  return out.size === 0 ? [] : listed(quote, toks, out);
}

/** Every number of a quote as a replacement (unchanged ones too), each marked where the quote elides text before it. */
function listed(quote: string, toks: Token[], out: Map<Token, string>): Replacement[] {
  return toks.map((t, i) => {
    const between = quote.slice(i ? toks[i - 1].end : 0, t.start);
    return { from: t.text, to: out.get(t) ?? t.text, ...(i > 0 && /…|\.\.\./.test(between) ? { gap: true as const } : {}) };
  });
}

/** One change to a text: the characters [start, end) become `to`. */
export interface TextChange {
  start: number;
  end: number;
  from: string;
  to: string;
}

/**
 * Aligns replacements, in order, with the numbers of a text from `offset`: each piece of the quote between elisions
 * to the first run of numbers spelled like it (a replacement that changes nothing only keeps the alignment).
 * Returns the changes found and the replacements that changed something but were not found.
 */
export function alignReplacements(text: string, rs: Replacement[], offset = 0): { changes: TextChange[]; missed: Replacement[] } {
  const toks = tokens(text).filter((t) => t.start >= offset);
  const changes: TextChange[] = [];
  const missed: Replacement[] = [];
  // The quote's pieces between elisions: each must appear in the text as a run of the same numbers, in order.
  const runs: Replacement[][] = [];
  for (const r of rs) {
    if (r.gap || runs.length === 0) runs.push([r]);
    else runs[runs.length - 1].push(r);
  }
  let k = 0;
  for (const run of runs) {
    let at = -1;
    for (let i = k; i + run.length <= toks.length && at < 0; i++) if (run.every((r, j) => same(toks[i + j].text, r.from))) at = i;
    if (at < 0) {
      missed.push(...run.filter((r) => r.from !== r.to));
      continue;
    }
    run.forEach((r, j) => {
      const t = toks[at + j];
      if (r.from !== r.to) changes.push({ start: t.start, end: t.end, from: t.text, to: styled(t.text, r.to) });
    });
    k = at + run.length;
  }
  return { changes, missed };
}

/** A text with non-overlapping changes made. */
export function applyChanges(text: string, changes: TextChange[]): string {
  let out = text;
  for (const c of [...changes].sort((a, b) => b.start - a.start)) out = out.slice(0, c.start) + c.to + out.slice(c.end);
  return out;
}

/** A text with its replacements made, or null when there are none. */
export function correctedText(text: string, rs: Replacement[]): string | null {
  return rs.length ? applyChanges(text, alignReplacements(text, rs).changes) : null;
}
