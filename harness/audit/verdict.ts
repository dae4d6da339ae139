// The audit of the documents: a verdict for every printed number, computed from the certified values and
// the worksheet's own arithmetic, never typed in. The rules (spec/fixtures.md, "Verdicts"):
//  ok        the certified value, rounded to the printed decimals, gives the printed string;
//  rounding  not ok, but the worksheet's line, evaluated over its printed operands' rounding intervals,
//            reaches the printed value, and (allowing each operand to be off by up to one unit in its last
//            place, as a rounded or carried-rounded value can be) also reaches the true value;
//  erratum   the line cannot give the printed value (arithmetic), or cannot give the true value (a wrong
//            operand or formula, or an error carried from an earlier line), or no line explains it (value);
//            an impossible shape, a wrong count, or a relation that fails on the printed or the true values;
//  unverifiable / derived  as the fixture declares: nothing printed can be checked / nothing was printed.
import { expectedTensor } from '../fixtures/claims.js';
import {
  claimId,
  claimSection,
  sectionLabel,
  type Claim,
  type ClaimKind,
  type LoadedFixture,
  type Printed,
  type Verdict,
} from '../fixtures/types.js';
import type { Golden } from '../fixtures/golden.js';
import type { Tensor } from '../../reference/tensor.js';
import type { Nested } from '../fixtures/scenario.js';
import { shapeOf, toNested } from '../fixtures/tensors.js';
import { D, intervalValue, type Interval } from '../fixtures/expr.js';
import { formatLike, readPrinted, readShape } from '../fixtures/printed.js';
import type { Suite } from '../fixtures/suite.js';

export type ErrorKind =
  | 'arithmetic'
  | 'wrong-operand'
  | 'value'
  | 'impossible-shape'
  | 'count'
  | 'false-relation'
  | 'printed-contradicts-relation';

export interface ElementAudit {
  index: number[];
  printed: string;
  certified: number;
  correct: string;
  verdict: Verdict;
  error_kind?: ErrorKind;
  worksheet?: string;
  /** The worksheet line's interval over its printed operands (half a unit each). */
  interval?: [string, string];
}

export interface ClaimAudit {
  id: string;
  fixture: string;
  /** The document section of the fixture, e.g. "Book §6.10" (summaries group by it). */
  document_section: string;
  seed: string | null;
  section: string | null;
  quote: string;
  kind: Claim['kind'];
  printed: Printed | null;
  certified: Nested | Nested[] | null;
  verdict: Verdict;
  expected_verdict: Verdict;
  error_kind: ErrorKind | null;
  reason: string;
  correct: Printed | null;
  suggestion: string | null;
  elements: ElementAudit[];
}

const RANK: Record<Verdict, number> = { ok: 0, derived: 0, unverifiable: 1, rounding: 2, erratum: 3 };
const show = (x: number) => String(Number(x.toPrecision(7)));
const showI = (i: Interval): [string, string] => [i.lo.toSignificantDigits(7).toString(), i.hi.toSignificantDigits(7).toString()];
const within = (x: number, i: Interval, slack = 0) => new D(x).gte(i.lo.minus(slack)) && new D(x).lte(i.hi.plus(slack));

function flatStrings(p: Printed): string[] {
  return typeof p === 'string' ? [p] : p.flatMap(flatStrings);
}

function printedShape(p: Printed): number[] {
  return typeof p === 'string' ? [] : [p.length, ...printedShape(p[0])];
}

/** One printed number against its certified value and, if given, the worksheet's line. */
export function auditNumber(printedText: string, certified: number, worksheet?: string): Omit<ElementAudit, 'index'> {
  const p = readPrinted(printedText);
  const correct = formatLike(certified, p);
  const base = { printed: printedText, certified, correct, ...(worksheet ? { worksheet } : {}) };
  if (Math.abs(certified - p.value) <= p.half * (1 + 1e-9) + 1e-15) return { ...base, verdict: 'ok' };
  if (!worksheet) return { ...base, verdict: 'erratum', error_kind: 'value' };
  const scale = readPrinted(printedText).text.trim().endsWith('%') ? 100 : 1;
  const w1 = intervalValue(worksheet, 1);
  const at = (i: Interval): Interval => ({ lo: i.lo.div(scale), hi: i.hi.div(scale) });
  const line = at(w1);
  const printedInterval: Interval = { lo: new D(p.value).minus(p.half), hi: new D(p.value).plus(p.half) };
  const interval = showI(line);
  if (line.hi.lt(printedInterval.lo) || line.lo.gt(printedInterval.hi))
    return { ...base, verdict: 'erratum', error_kind: 'arithmetic', interval };
  const loose = at(intervalValue(worksheet, 2));
  if (within(certified, loose, 1e-15)) return { ...base, verdict: 'rounding', interval };
  return { ...base, verdict: 'erratum', error_kind: 'wrong-operand', interval };
}

function flatNumbers(n: Nested): number[] {
  return typeof n === 'number' ? [n] : n.flatMap(flatNumbers);
}

function indexOf(flat: number, shape: number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/** Replaces each wrong printed string in the quote by its correct form (left to right). */
function correctQuote(quote: string, elements: ElementAudit[]): string | null {
  let out = quote;
  let from = 0;
  let changed = false;
  for (const e of elements) {
    const i = out.indexOf(e.printed.trim(), from);
    if (i < 0) continue;
    if (e.verdict === 'ok') {
      from = i + e.printed.trim().length;
      continue;
    }
    out = out.slice(0, i) + e.correct + out.slice(i + e.printed.trim().length);
    from = i + e.correct.length;
    changed = true;
  }
  return changed ? out : null;
}

function rebuild(strings: string[], like: Printed): Printed {
  let k = 0;
  const go = (p: Printed): Printed => (typeof p === 'string' ? strings[k++] : p.map(go));
  return go(like);
}

interface RelationSide {
  holds: boolean;
  detail: string;
}

/** A relation evaluated on a list of operand values (flattened per operand). */
function relationHolds(c: Claim, values: number[][], halves: number[][] | null): RelationSide {
  const [a, b] = values;
  const tol = (i: number, j: number) => (halves ? halves[i][j] : 0);
  switch (c.relation) {
    case 'increased':
    case 'decreased': {
      // Over two or more operands: each one's (first) value is above (below) the one before it.
      const xs = values.map((v) => v[0]);
      const up = c.relation === 'increased';
      return { holds: xs.every((x, i) => i === 0 || (up ? x > xs[i - 1] : x < xs[i - 1])), detail: xs.map(show).join(' → ') };
    }
    case 'equal': {
      if (a.length !== b.length) return { holds: false, detail: `${a.length} vs ${b.length} values` };
      const holds = a.every(
        (x, j) => Math.abs(x - b[j]) <= (halves ? tol(0, j) + tol(1, j) : 1e-12 * Math.max(Math.abs(x), Math.abs(b[j]))),
      );
      return { holds, detail: `[${a.map(show).join(', ')}] vs [${b.map(show).join(', ')}]` };
    }
    case 'sums-to-one': {
      const sum = a.reduce((s, x) => s + x, 0);
      const slack = halves ? halves[0].reduce((s, h) => s + h, 0) : 1e-12;
      return { holds: Math.abs(sum - 1) <= slack, detail: `sum ${show(sum)}` };
    }
    case 'close': {
      // Every value of the first operand within the bound of the second's (first) value.
      const worst = a.reduce((w, x) => (Math.abs(x - b[0]) > Math.abs(w - b[0]) ? x : w), a[0]);
      return {
        holds: a.every((x) => Math.abs(x - b[0]) <= (c.within ?? 0)),
        detail: `|${show(worst)} − ${show(b[0])}| = ${show(Math.abs(worst - b[0]))} vs bound ${c.within}`,
      };
    }
    case 'at-least':
      return { holds: a.every((x) => x >= b[0]), detail: `${a.map(show).join(', ')} vs ${show(b[0])}` };
    case 'positive':
      return { holds: values.flat().every((x) => x > 0), detail: values.flat().map(show).join(', ') };
    case 'negative':
      return { holds: values.flat().every((x) => x < 0), detail: values.flat().map(show).join(', ') };
    default:
      throw new Error(`unknown relation ${c.relation}`);
  }
}

/** What every kind's audit starts from: the claim, its certified values, where it is (for errors) and the common fields. */
interface AuditContext {
  c: Claim;
  golden: Golden | null;
  where: string;
  base: Omit<ClaimAudit, 'certified' | 'verdict' | 'error_kind' | 'reason' | 'correct' | 'suggestion'>;
}

/** The certified tensor of a claim that reads itself. */
function certifiedOf({ c, golden, where }: AuditContext): Tensor {
  const t = expectedTensor(c, golden);
  if (!t) throw new Error(`${where}: no certified value (run tconf golden)`);
  return t;
}

/** A recipe-dependent figure: reported, never judged (it may point at what our own run measured). */
function auditUnverifiable({ c, golden, where, base }: AuditContext): ClaimAudit {
  const measured = c.path ? expectedTensor(c, golden) : null;
  if (c.path && !measured) throw new Error(`${where}: no measured value for ${c.path} (run tconf golden)`);
  let shown = '';
  if (measured) {
    const values = measured.data.length === 1 ? show(measured.data[0]) : `[${Array.from(measured.data).map(show).join(', ')}]`;
    shown = `; measured by the reference: ${values}`;
  }
  return {
    ...base,
    certified: measured ? toNested(measured) : null,
    verdict: 'unverifiable',
    error_kind: null,
    reason: `depends on values the document never gives: ${c.missing}${shown}`,
    correct: null,
    suggestion: null,
  };
}

/** A relation, on the certified values and on the printed ones. */
function auditRelation({ c, golden, where, base }: AuditContext): ClaimAudit {
  const ops = c.of ?? [];
  const certified = ops.map((o) => {
    const t = expectedTensor(o, golden);
    if (!t) throw new Error(`${where}: no certified value for operand ${o.path ?? o.expr} (run tconf golden)`);
    return Array.from(t.data);
  });
  const truth = relationHolds(c, certified, null);
  const hasPrinted = ops.every((o) => o.printed !== undefined);
  const printedNums = hasPrinted ? ops.map((o) => flatStrings(o.printed!).map(readPrinted)) : null;
  const onPaper = printedNums
    ? relationHolds(
        c,
        printedNums.map((ps) => ps.map((p) => p.value)),
        printedNums.map((ps) => ps.map((p) => p.half)),
      )
    : null;
  const verdict: Verdict = truth.holds && (onPaper?.holds ?? true) ? 'ok' : 'erratum';
  const error_kind: ErrorKind | null = !truth.holds ? 'false-relation' : onPaper && !onPaper.holds ? 'printed-contradicts-relation' : null;
  const reason = !truth.holds
    ? `"${c.relation}" is false for the true values (${truth.detail})${onPaper ? `; the printed values give ${onPaper.detail}` : ''}`
    : onPaper && !onPaper.holds
      ? `"${c.relation}" holds for the true values (${truth.detail}) but the printed values contradict it (${onPaper.detail})`
      : `"${c.relation}" holds (true values ${truth.detail}${onPaper ? `; printed ${onPaper.detail}` : ''})`;
  return {
    ...base,
    certified: certified.map((v) => (v.length === 1 ? v[0] : v)),
    verdict,
    error_kind,
    reason,
    correct: null,
    suggestion: null,
  };
}

/** A value the document asks for but never prints. */
function auditDerived(cx: AuditContext): ClaimAudit {
  const { c, base } = cx;
  const certified = toNested(certifiedOf(cx));
  return {
    ...base,
    certified,
    verdict: 'derived',
    error_kind: null,
    reason: `not printed: ${c.derived_from}`,
    correct: null,
    suggestion: null,
  };
}

/** A printed matrix shape against the shape the computation needs. */
function auditShape(cx: AuditContext): ClaimAudit {
  const { c, base } = cx;
  const t = certifiedOf(cx);
  const printed = c.printed!;
  const claimed = readShape(printed as string);
  const ok = claimed.join() === t.shape.join();
  const correct = t.shape.join('×');
  return {
    ...base,
    certified: t.shape,
    verdict: ok ? 'ok' : 'erratum',
    error_kind: ok ? null : 'impossible-shape',
    reason: ok ? `shape ${correct} as printed` : `printed shape ${printed}, but the computation needs ${correct}`,
    correct: ok ? null : correct,
    suggestion: ok
      ? null
      : c.quote.includes(printed as string)
        ? c.quote.replace(printed as string, correct)
        : `${c.quote} (the matrix must be ${correct})`,
  };
}

/** Printed numbers, element by element, with the worksheet's arithmetic; a count is wrong as a count. */
function auditNumbers(cx: AuditContext, count = false): ClaimAudit {
  const { c, where, base } = cx;
  const t = certifiedOf(cx);
  const certified = toNested(t);
  const printed = c.printed!;
  const values = flatNumbers(certified);
  const strings = flatStrings(printed);
  if (printedShape(printed).join() !== shapeOf(certified).join()) {
    throw new Error(`${where}: printed has shape [${printedShape(printed)}] but the certified value has shape [${shapeOf(certified)}]`);
  }
  const sheets = c.worksheet === undefined ? [] : flatStrings(c.worksheet);
  if (c.worksheet !== undefined && sheets.length !== strings.length)
    throw new Error(`${where}: worksheet has ${sheets.length} line(s) for ${strings.length} printed value(s)`);
  const elements = strings.map((s, i) => {
    try {
      return { index: indexOf(i, t.shape), ...auditNumber(s, values[i], sheets[i] || undefined) };
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  });
  if (count) for (const e of elements) if (e.verdict !== 'ok') e.error_kind = 'count';
  const worst = elements.reduce((w, e) => (RANK[e.verdict] > RANK[w.verdict] ? e : w), elements[0]);
  const bad = elements.filter((e) => e.verdict !== 'ok');
  const reason =
    bad.length === 0
      ? 'every printed value is the certified value rounded to its decimals'
      : bad
          .map((e) => {
            const at = e.index.length ? `[${e.index.join(',')}] ` : '';
            if (e.verdict === 'rounding')
              return (
                `${at}${e.printed} is ${show(e.certified)} (${e.correct}); ` +
                `the worksheet's ${e.worksheet} over its rounded operands gives [${e.interval}]`
              );
            if (e.error_kind === 'arithmetic')
              return `${at}${e.worksheet} gives [${e.interval}], not ${e.printed}; the true value is ${show(e.certified)}`;
            if (e.error_kind === 'wrong-operand')
              return (
                `${at}${e.printed} follows from ${e.worksheet} but the true value is ${show(e.certified)}: ` +
                'a wrong operand or formula, or an error carried from an earlier line'
              );
            return `${at}printed ${e.printed}, true value ${show(e.certified)} (${e.correct})`;
          })
          .join('; ');
  const wrong = worst.verdict !== 'ok';
  return {
    ...base,
    certified,
    verdict: worst.verdict,
    error_kind: worst.error_kind ?? null,
    reason,
    correct: wrong
      ? rebuild(
          elements.map((e) => e.correct),
          printed,
        )
      : null,
    suggestion: wrong
      ? (correctQuote(c.quote, elements) ??
        `${c.quote} → ${JSON.stringify(
          rebuild(
            elements.map((e) => e.correct),
            printed,
          ),
        )}`)
      : null,
    elements,
  };
}

/** How the audit judges each claim kind (the kinds of harness/fixtures/claim-kinds.ts). */
const AUDIT_OF_KIND = {
  value: (cx) => auditNumbers(cx),
  count: (cx) => auditNumbers(cx, true),
  shape: auditShape,
  derived: auditDerived,
  relation: auditRelation,
  unverifiable: auditUnverifiable,
} satisfies Record<ClaimKind, (cx: AuditContext) => ClaimAudit>;

/** The audit of one claim against the frozen certified values. Throws on a fixture inconsistency. */
export function auditClaim(lf: LoadedFixture, c: Claim, golden: Golden | null): ClaimAudit {
  const f = lf.fixture;
  const base: AuditContext['base'] = {
    id: claimId(f, c),
    fixture: f.id,
    document_section: sectionLabel(f),
    seed: f.seed ?? null,
    section: claimSection(f, c),
    quote: c.quote,
    kind: c.kind,
    printed: c.printed ?? null,
    expected_verdict: c.verdict,
    elements: [] as ElementAudit[],
  };
  const where = `${lf.file}:${lf.claimLines[c.id]}: claims(${c.id})`;
  return AUDIT_OF_KIND[c.kind]({ c, golden, where, base });
}

/** The audit of every claim of a suite, in fixture order. */
export function auditSuite(suite: Pick<Suite, 'fixtures' | 'goldenOf'>): ClaimAudit[] {
  return suite.fixtures.flatMap((lf) => {
    const g = suite.goldenOf(lf.fixture.id);
    return lf.fixture.claims.map((c) => auditClaim(lf, c, g));
  });
}
