// A possibility (GRIM's question): can the printed values all be right, whatever the inputs the page does not
// print? A softmax's P(i)/P(j) is exp(l_i − l_j) however many logits are elided, and printed probabilities cannot
// sum to more than 1. The constraint is a worksheet expression over the claim's own printed values ({printed[i]}),
// evaluated in interval arithmetic over their rounding intervals (outward rounding, so the interval only widens:
// "impossible" is never said of values that could be right). Which value is wrong is usually open, so the audit
// does not correct one of them under an assumption about the others: it records why there is no fix.
import { expectedTensor } from '../fixtures/claims.js';
import { D, evaluateInterval, parse, type Interval } from '../fixtures/expr.js';
import type { Claim } from '../fixtures/types.js';
import { printedNumbers } from './convention.js';
import { show, type AuditContext, type Judged } from './verdict.js';

const WHAT = { equal: 'equal', 'at-most': 'be at most', 'at-least': 'be at least' } as const;

/** Whether some values inside the interval satisfy the constraint against the truth (slack: float64's last bits). */
export function possible(i: Interval, truth: number, must: NonNullable<Claim['must']>): boolean {
  const slack = Math.max(1e-15, 1e-12 * Math.abs(truth));
  const t = new D(truth);
  if (must === 'at-most') return i.lo.lte(t.plus(slack));
  if (must === 'at-least') return i.hi.gte(t.minus(slack));
  return i.lo.lte(t.plus(slack)) && i.hi.gte(t.minus(slack));
}

/** Printed values that must jointly satisfy a constraint. */
export function auditPossibility({ c, golden, where, base }: AuditContext): Judged {
  const t = expectedTensor(c, golden);
  if (t?.data.length !== 1) throw new Error(`${where}: no certified value for ${c.path ?? c.expr} (run tconf golden)`);
  const truth = t.data[0];
  const ps = printedNumbers(c);
  const must = c.must ?? 'equal';
  let interval: Interval;
  let resolved = c.constraint!;
  try {
    const tree = parse(c.constraint!);
    interval = evaluateInterval(tree, false, 1, (r) => {
      const p = ps[r.index[0]];
      if (r.fixture !== null || r.claim !== 'printed' || r.index.length !== 1 || !p)
        throw new Error(
          `reference ${r.text}: a constraint names the claim's own printed values, {printed[0]} to {printed[${ps.length - 1}]}`,
        );
      resolved = resolved.replace(r.text, /^\s*[-−]/.test(p.text) ? `(${p.text.trim()})` : p.text.trim());
      return { lo: new D(p.value).minus(p.half), hi: new D(p.value).plus(p.half) };
    });
  } catch (e) {
    throw new Error(`${where}: constraint: ${(e as Error).message}`);
  }
  const range = `[${interval.lo.toSignificantDigits(7)}, ${interval.hi.toSignificantDigits(7)}]`;
  const ok = possible(interval, truth, must);
  const noFix = c.no_fix ?? 'the page does not say which of its printed values is wrong';
  return {
    ...base,
    certified: truth,
    verdict: ok ? 'ok' : 'erratum',
    error_kind: ok ? null : 'impossible',
    reason: ok
      ? `possible: ${resolved} over the printed values' rounding intervals is ${range}, which can ${WHAT[must]} ${show(truth)}`
      : `these printed values cannot all be right: ${resolved} over their rounding intervals is ${range}, but must ${WHAT[must]} ` +
        `${show(truth)} whatever the unprinted inputs; no fix: ${noFix}`,
    correct: null,
    suggestion: null,
    ...(ok ? {} : { no_fix: noFix }),
  };
}
