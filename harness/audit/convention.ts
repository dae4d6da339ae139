// A convention-dependent figure: a count such as FLOPs (2 per multiply-add or one), or a product of row or column
// vectors, means a different number under each convention. The fixture states each convention's value (certified
// like any other); the figure is ok when it is one of them (the audit names which), an erratum (`no-convention`)
// when it is none, corrected to the value under the convention the fixture names as the page's (`preferred`).
import { expectedTensor } from '../fixtures/claims.js';
import {
  atPrecision,
  columnDecimals,
  formatLike,
  indexAt,
  printedShape,
  printedStrings,
  readPrinted,
  type PrintedNumber,
} from '../fixtures/printed.js';
import type { Claim, NamedValue } from '../fixtures/types.js';
import type { Golden } from '../fixtures/golden.js';
import { rebuild, show, type AuditContext, type ElementAudit, type Judged } from './verdict.js';

/** A claim's printed numbers, read as one column (at its `precision`, else the most decimals among them). */
export function printedNumbers(c: Claim): PrintedNumber[] {
  const strings = printedStrings(c.printed ?? []);
  const decimals = columnDecimals(strings, c.precision);
  return strings.map((s) => atPrecision(readPrinted(s), decimals));
}

/** Whether x rounds to the printed number (the audit's `ok`, with the same float slack). */
export const roundsTo = (x: number, p: PrintedNumber): boolean => Math.abs(x - p.value) <= p.half * (1 + 1e-9) + 1e-15;

/**
 * A value written the way the page writes p, keeping its '~' or '≈': "~300,000" corrected is "~1,600,000", which
 * still stands for ± half its last non-zero digit, so the corrected figure audits as what it claims.
 */
export function likePrinted(x: number, p: PrintedNumber): string {
  const mark = /^\s*([≈~])\s*/.exec(p.text);
  const s = formatLike(x, p);
  return mark ? `${mark[1]}${s}` : s;
}

/** The flat values of a named value the claim reads, as many as it prints. */
export function namedValues(v: NamedValue, golden: Golden | null, count: number, where: string): number[] {
  const t = expectedTensor(v, golden);
  if (!t) throw new Error(`${where}: no certified value for '${v.name}' (${v.path ?? v.expr}): run tconf golden`);
  if (t.data.length !== count) throw new Error(`${where}: '${v.name}' has ${t.data.length} value(s) for ${count} printed`);
  return Array.from(t.data);
}

/**
 * The quote with each printed string that changes replaced by its correction, matched as whole numbers from the
 * right (the printed values are the quote's results, after the inputs it restates); null when one is not found.
 */
export function quoteWith(quote: string, pairs: { printed: string; corrected: string }[]): string | null {
  let out = quote;
  let end = quote.length;
  // Not part of a longer number: no digit next to it, nor a separator ("1,000", "0.5") with a digit beyond.
  const d = (k: number) => /\d/.test(out[k] ?? '');
  const sep = (k: number) => /[.,]/.test(out[k] ?? '');
  const inside = (i: number, j: number) => d(i - 1) || (sep(i - 1) && d(i - 2)) || d(j) || (sep(j) && d(j + 1));
  for (const { printed, corrected } of [...pairs].reverse()) {
    const text = printed.trim();
    let i = out.lastIndexOf(text, end - text.length);
    while (i >= 0 && inside(i, i + text.length)) i = i > 0 ? out.lastIndexOf(text, i - 1) : -1;
    if (i < 0) return null;
    if (text !== corrected) out = out.slice(0, i) + corrected + out.slice(i + text.length);
    end = i;
  }
  return out === quote ? null : out;
}

const valuesText = (xs: number[]) => (xs.length === 1 ? show(xs[0]) : `[${xs.map(show).join(', ')}]`);

/** A printed figure against its value under each stated convention. */
export function auditConvention({ c, golden, where, base }: AuditContext): Judged {
  const ps = printedNumbers(c);
  const alternatives = (c.conventions ?? []).map((v) => {
    const values = namedValues(v, golden, ps.length, where);
    return { name: v.name, values, matches: values.every((x, k) => roundsTo(x, ps[k])) };
  });
  const preferred = alternatives.find((a) => a.name === c.preferred);
  if (!preferred) throw new Error(`${where}: preferred convention '${c.preferred}' is not one of the conventions`);
  const matching = alternatives.filter((a) => a.matches);
  const others = alternatives
    .filter((a) => !a.matches)
    .map((a) => `'${a.name}' ${valuesText(a.values)}`)
    .join(', ');
  const certified = alternatives.map((a) => (a.values.length === 1 ? a.values[0] : a.values));
  if (matching.length)
    return {
      ...base,
      certified,
      verdict: 'ok',
      error_kind: null,
      reason: `matches ${matching.map((a) => `'${a.name}'`).join(' and ')}${others ? ` (the others: ${others})` : ''}`,
      correct: null,
      suggestion: null,
    };
  const elements: ElementAudit[] = ps.map((p, k) => {
    const correct = likePrinted(preferred.values[k], p);
    return {
      index: indexAt(k, printedShape(c.printed!)),
      printed: p.text,
      certified: preferred.values[k],
      correct,
      verdict: roundsTo(preferred.values[k], p) ? 'ok' : 'erratum',
      ...(roundsTo(preferred.values[k], p) ? {} : { error_kind: 'no-convention' as const, erratum_source: 'origin' as const }),
    };
  });
  const correct = rebuild(
    elements.map((e) => e.correct),
    c.printed!,
  );
  return {
    ...base,
    certified,
    verdict: 'erratum',
    error_kind: 'no-convention',
    reason: `${ps.map((p) => p.text.trim()).join(', ')} matches none of the stated conventions (${others}); under the page's, '${preferred.name}', it is ${valuesText(preferred.values)}`,
    correct,
    suggestion:
      quoteWith(
        c.quote,
        elements.map((e) => ({ printed: e.printed, corrected: e.verdict === 'erratum' ? e.correct : e.printed })),
      ) ?? `${c.quote} → ${JSON.stringify(correct)}`,
    elements,
  };
}
