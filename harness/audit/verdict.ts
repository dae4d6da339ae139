// The audit of the documents: a verdict for every printed number, computed from the certified values and
// the worksheet's own arithmetic, never typed in. The printed values are a graph: a node per printed element, an
// edge per reference ({claim-id[i]}) of its worksheet line. Each number is read at its claim's column precision.
// The rules (spec/fixtures.md, "Verdicts"):
//  ok        the certified value, rounded to the printed precision, gives the printed string;
//  rounding  not ok, but the line over its printed inputs' rounding intervals reaches the printed value, at the
//            true values of its inputs gives the true value, and every input is itself ok or rounding;
//  erratum   origin: the line cannot give the printed value (arithmetic), or at its true inputs cannot give the
//            true value (wrong-operand: a wrong operand or formula), or no line explains it (value); carried: the
//            line is right but an input is an erratum (the roots it inherits are recorded); and an impossible
//            shape, a wrong count, or a relation that fails on the printed or the true values;
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
import {
  D,
  evaluateInterval,
  parse as parseExpr,
  references,
  type Interval,
  type Node as ExprNode,
  type RefNode,
} from '../fixtures/expr.js';
import {
  atPrecision,
  columnDecimals,
  flatPosition,
  formatLike,
  indexAt,
  printedShape,
  printedStrings,
  readPrinted,
  readShape,
  type PrintedNumber,
} from '../fixtures/printed.js';
import { CLAIM_KINDS, claimReads } from '../fixtures/claim-kinds.js';
import { correctedText, quoteReplacements, toCorrect, type OperandCorrection, type Replacement } from './corrections.js';
import type { Suite } from '../fixtures/suite.js';
import { auditPossibility } from './possibility.js';
import { auditConvention } from './convention.js';
import { auditImplementationDefined } from './implementation-defined.js';
import { auditFormula } from './formula.js';
import { auditCapability } from './capability.js';

export type ErrorKind =
  | 'arithmetic'
  | 'wrong-operand'
  | 'carried'
  | 'value'
  | 'impossible-shape'
  | 'count'
  | 'false-relation'
  | 'printed-contradicts-relation'
  | 'impossible'
  | 'no-convention'
  | 'outside-range'
  | 'formula-shape'
  | 'formula-value'
  | 'missing-capability';

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
  /** An erratum: its own (`origin`) or inherited from a wrong printed input (`carried`). */
  erratum_source?: ErratumSource;
  /** The worksheet line with each reference replaced by the printed value it names (as the page writes it). */
  resolved?: string;
  /** An erratum's roots: itself for an origin, the origins it inherits from for a carried one. */
  roots?: ErratumRoot[];
  /** A right value whose line, over its printed inputs, does not reach it: the line's interval. */
  unreached?: [string, string];
  /** The printed values the line references, each with the string a corrected page prints for it. */
  operands?: OperandCorrection[];
}

export interface ClaimAudit {
  id: string;
  fixture: string;
  /** The document section of the fixture, e.g. "Book §6.10" (summaries group by it). */
  document_section: string;
  seed: string | null;
  /** The line of the seed text on which the quote starts. */
  line: number | null;
  section: string | null;
  quote: string;
  kind: Claim['kind'];
  printed: Printed | null;
  certified: Nested | Nested[] | null;
  verdict: Verdict;
  expected_verdict: Verdict;
  error_kind: ErrorKind | null;
  /** An erratum: `origin` if one of its elements is wrong by itself, `carried` if all only inherit one. */
  erratum_source: ErratumSource | null;
  /** An erratum's roots (see ElementAudit.roots), over all its wrong elements. */
  roots: ErratumRoot[];
  /**
   * A decision error: on a relation, the printed numbers and the true values draw opposite conclusions; on an
   * erratum, it is a printed operand of such a relation (it flips the page's conclusion).
   */
  decision?: true;
  /** A decision error's other side: the erratum operands of a relation, the relations an erratum flips. */
  decided_by?: string[];
  /** The generated reason for the verdict (which numbers, which interval). */
  reason: string;
  /** The fixture's own explanation of the verdict, in plain words (its `reason`), if it gives one. */
  explanation: string | null;
  /** How the value the claim is judged against was obtained. */
  certified_by: CertifiedBy;
  correct: Printed | null;
  /** The corrected line: the quote with every wrong number corrected (its operands and intermediates too). */
  suggestion: string | null;
  /**
   * Operands a corrected line cannot show because the quote leaves them out (a term the page dropped as zero): the
   * fixture must give the corrected line (`correction`).
   */
  correction_gaps?: string[];
  /** The fixture's own corrected seed lines (`correction`), rendered: they replace the lines from `line` on. */
  corrected_lines?: string;
  /** The numbers of the quote, in order, each with what the corrected line writes for it (corrections.ts). */
  replacements?: Replacement[];
  /** An erratum with no numeric or textual fix (`correct` null), and why: e.g. which printed value is wrong is open. */
  no_fix?: string;
  elements: ElementAudit[];
}

const RANK: Record<Verdict, number> = { ok: 0, derived: 0, unverifiable: 1, 'implementation-defined': 1, rounding: 2, erratum: 3 };
export const show = (x: number) => String(Number(x.toPrecision(7)));
const showI = (i: Interval): [string, string] => [i.lo.toSignificantDigits(7).toString(), i.hi.toSignificantDigits(7).toString()];
const within = (x: number, i: Interval, slack = 0) => new D(x).gte(i.lo.minus(slack)) && new D(x).lte(i.hi.plus(slack));

const flatStrings = printedStrings;

/** An erratum's root: the printed element (global claim id, element index) where the wrong value first appears. */
export interface ErratumRoot {
  claim: string;
  index: number[];
}

/** Where an erratum comes from: its own line or value (`origin`), or a wrong printed input its line uses (`carried`). */
export type ErratumSource = 'origin' | 'carried';

const rootText = (r: ErratumRoot) => `${r.claim}${r.index.length ? `[${r.index.join(',')}]` : ''}`;

/** One printed element of the document: a node of its computation graph. */
interface GraphNode {
  key: string;
  claimId: string;
  index: number[];
  printed: string;
  /** The printed number at its column's precision. */
  p: PrintedNumber;
  certified: number;
  /** The worksheet line and its parsed tree, if the fixture gives one. */
  line?: string;
  tree?: ExprNode;
  where: string;
}

/**
 * The printed values of a suite as a graph: a node per printed element of every value and count claim, an edge per
 * reference of its worksheet line. Each node's verdict is computed once, from its inputs' verdicts.
 */
export class AuditGraph {
  private nodes = new Map<string, GraphNode>();
  private memo = new Map<string, Omit<ElementAudit, 'index'>>();
  private busy = new Set<string>();
  private problems = new Map<string, string>();

  constructor(fixtures: { lf: LoadedFixture; golden: Golden | null }[]) {
    for (const { lf, golden } of fixtures) {
      const f = lf.fixture;
      for (const c of f.claims) {
        if (CLAIM_KINDS[c.kind].printed !== 'numbers' || c.printed === undefined) continue;
        const id = claimId(f, c);
        const where = `${lf.file}:${lf.claimLines[c.id]}: claims(${c.id})`;
        const t = expectedTensor(c, golden);
        if (!t) {
          this.problems.set(id, `${where}: no certified value (run tconf golden)`);
          continue;
        }
        const strings = printedStrings(c.printed);
        const nested = toNested(t);
        const shape = shapeOf(nested);
        const values = flatNumbers(nested);
        if (printedShape(c.printed).join() !== shape.join()) {
          this.problems.set(id, `${where}: printed has shape [${printedShape(c.printed)}] but the certified value has shape [${shape}]`);
          continue;
        }
        const lines = c.worksheet === undefined ? [] : printedStrings(c.worksheet);
        if (c.worksheet !== undefined && lines.length !== strings.length) {
          this.problems.set(id, `${where}: worksheet has ${lines.length} line(s) for ${strings.length} printed value(s)`);
          continue;
        }
        let decimals: number;
        try {
          decimals = columnDecimals(strings, c.precision ?? f.precision);
        } catch (e) {
          this.problems.set(id, `${where}: ${(e as Error).message}`);
          continue;
        }
        strings.forEach((printed, k) => {
          const index = indexAt(k, shape);
          const key = `${id}#${k}`;
          const line = lines[k] || undefined;
          let tree: ExprNode | undefined;
          try {
            tree = line ? parseExpr(line) : undefined;
          } catch (e) {
            this.problems.set(id, `${where}: ${(e as Error).message}`);
          }
          const node: GraphNode = {
            key,
            claimId: id,
            index,
            printed,
            p: atPrecision(readPrinted(printed), decimals),
            certified: values[k],
            where,
            ...(line ? { line, tree } : {}),
          };
          this.nodes.set(key, node);
        });
      }
    }
  }

  /** The node a reference of a line in fixture `fixtureId` names. */
  private target(fixtureId: string, r: RefNode, where: string): GraphNode {
    const id = `${r.fixture ?? fixtureId}/${r.claim}`;
    const first = this.nodes.get(`${id}#0`);
    if (!first) throw new Error(`${where}: reference ${r.text}: no printed numbers of claim ${id} in the audited fixtures`);
    const shape = [...this.shapeOf(id)];
    const k = flatPosition(r.index, shape);
    if (typeof k === 'string') throw new Error(`${where}: reference ${r.text}: ${k}`);
    return this.nodes.get(`${id}#${k}`)!;
  }

  private shapeOf(id: string): number[] {
    let last: GraphNode | undefined;
    for (let k = 0; this.nodes.has(`${id}#${k}`); k++) last = this.nodes.get(`${id}#${k}`);
    return last!.index.map((i) => i + 1);
  }

  /**
   * A fixture's corrected line (`correction`): its words, each {reference} written as the corrected value of the
   * printed value it names.
   */
  renderCorrection(fixtureId: string, template: string, where: string): string {
    // A reference is a braced claim id not part of a LaTeX command (\text{logit} is the page's own notation).
    return template.replace(/(?<![A-Za-z\\])\{[^{}\s]+\}/g, (text) => {
      const r = parseExpr(text);
      if (r.type !== 'ref') throw new Error(`${where}: correction: ${text} is not a reference`);
      return this.correctedOf(this.target(fixtureId, r, `${where}: correction`));
    });
  }

  /** The element audits of a claim (throws on a fixture inconsistency found while building the graph). */
  elementsOf(id: string): ElementAudit[] {
    const problem = this.problems.get(id);
    if (problem) throw new Error(problem);
    const out: ElementAudit[] = [];
    for (let k = 0; this.nodes.has(`${id}#${k}`); k++) {
      const n = this.nodes.get(`${id}#${k}`)!;
      out.push({ index: n.index, ...this.judge(n) });
    }
    return out;
  }

  /** The verdict of one printed element, from its certified value, its line and its inputs' verdicts. */
  private judge(n: GraphNode): Omit<ElementAudit, 'index'> {
    const done = this.memo.get(n.key);
    if (done) return done;
    if (this.busy.has(n.key)) throw new Error(`${n.where}: worksheet references form a cycle through ${n.key}`);
    this.busy.add(n.key);
    try {
      const r = this.judgeOnce(n);
      this.memo.set(n.key, r);
      return r;
    } finally {
      this.busy.delete(n.key);
    }
  }

  /** What a corrected page prints for a node: its correction if it is an erratum, else what it prints. */
  private correctedOf(n: GraphNode): string {
    const a = this.judge(n);
    return a.verdict === 'erratum' ? a.correct : n.printed.trim();
  }

  private judgeOnce(n: GraphNode): Omit<ElementAudit, 'index'> {
    const { p, certified } = n;
    const correct = formatLike(certified, p);
    const self: ErratumRoot = { claim: n.claimId, index: n.index };
    const base: Omit<ElementAudit, 'index' | 'verdict'> = {
      printed: n.printed,
      certified,
      correct,
      ...(n.line ? { worksheet: n.line } : {}),
    };
    const right = Math.abs(certified - p.value) <= p.half * (1 + 1e-9) + 1e-15;
    if (right && !n.tree) return { ...base, verdict: 'ok' };
    if (!n.tree) return { ...base, verdict: 'erratum', error_kind: 'value', erratum_source: 'origin', roots: [self] };
    const fixtureId = n.claimId.split('/')[0];
    const refs = references(n.tree);
    const inputs = refs.map((r) => this.target(fixtureId, r, n.where));
    const byRef = new Map(refs.map((r, i) => [r, inputs[i]]));
    const scale = p.text.trim().endsWith('%') ? 100 : 1;
    const at = (i: Interval): Interval => ({ lo: i.lo.div(scale), hi: i.hi.div(scale) });
    const evaluate = (halfUnits: number, value: (m: GraphNode) => Interval): Interval => {
      try {
        return at(evaluateInterval(n.tree!, false, halfUnits, (r) => value(byRef.get(r)!)));
      } catch (e) {
        throw new Error(`${n.where}: ${(e as Error).message}`);
      }
    };
    // Over the printed inputs: each reference its printed value's rounding interval, each rounded literal its own.
    const line = evaluate(1, ({ p: q }) => ({ lo: new D(q.value).minus(q.half), hi: new D(q.value).plus(q.half) }));
    const printedInterval: Interval = { lo: new D(p.value).minus(p.half), hi: new D(p.value).plus(p.half) };
    const interval = showI(line);
    const reaches = !(line.hi.lt(printedInterval.lo) || line.lo.gt(printedInterval.hi));
    if (refs.length) {
      let resolved = n.line!;
      refs.forEach((r, i) => {
        const t = inputs[i].printed.trim();
        resolved = resolved.replace(r.text, t.startsWith('-') || t.startsWith('−') ? `(${t})` : t);
      });
      base.resolved = resolved;
    }
    // A right value keeps its verdict; that its line does not reach it is recorded (a corrected page must not have it).
    if (right) return { ...base, verdict: 'ok', ...(reaches ? {} : { unreached: interval }) };
    // Only a value to correct needs its operands' corrections.
    if (refs.length)
      base.operands = refs.map((r, i) => ({ ref: r.text, printed: inputs[i].printed.trim(), corrected: this.correctedOf(inputs[i]) }));
    if (!reaches) return { ...base, verdict: 'erratum', error_kind: 'arithmetic', erratum_source: 'origin', roots: [self], interval };
    // At the true inputs: each reference its certified value; a rounded literal (not traced to a printed value) ± one unit.
    const truth = evaluate(2, (m) => ({ lo: new D(m.certified), hi: new D(m.certified) }));
    const slack = Math.max(1e-15, 1e-9 * Math.abs(certified));
    if (!within(certified, truth, slack))
      return { ...base, verdict: 'erratum', error_kind: 'wrong-operand', erratum_source: 'origin', roots: [self], interval };
    const wrong = inputs.map((m) => this.judge(m)).filter((a) => a.verdict === 'erratum');
    if (wrong.length === 0) return { ...base, verdict: 'rounding', interval };
    const roots = new Map<string, ErratumRoot>();
    for (const a of wrong) for (const r of a.roots ?? []) roots.set(rootText(r), r);
    return { ...base, verdict: 'erratum', error_kind: 'carried', erratum_source: 'carried', roots: [...roots.values()], interval };
  }
}

function flatNumbers(n: Nested): number[] {
  return typeof n === 'number' ? [n] : n.flatMap(flatNumbers);
}

export function rebuild(strings: string[], like: Printed): Printed {
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
export interface AuditContext {
  c: Claim;
  golden: Golden | null;
  where: string;
  graph: AuditGraph;
  base: Omit<ClaimAudit, 'certified' | 'verdict' | 'error_kind' | 'erratum_source' | 'roots' | 'reason' | 'correct' | 'suggestion'>;
}

/** The certified tensor of a claim that reads itself. */
function certifiedOf({ c, golden, where }: AuditContext): Tensor {
  const t = expectedTensor(c, golden);
  if (!t) throw new Error(`${where}: no certified value (run tconf golden)`);
  return t;
}

/** A recipe-dependent figure: reported, never judged (it may point at what our own run measured). */
function auditUnverifiable({ c, golden, where, base }: AuditContext): Judged {
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
function auditRelation({ c, golden, where, base }: AuditContext): Judged {
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
  // The corrected operands: each printed operand value that is not its certified value rounded, rewritten.
  const fixedAt = (extra: number) =>
    printedNums?.map((ps, i) =>
      ps.map((p, j) =>
        extra === 0 && Math.abs(certified[i][j] - p.value) <= p.half * (1 + 1e-9) + 1e-15
          ? p.text.trim()
          : formatLike(certified[i][j], atPrecision(p, Math.max(...printedNums.flat().map((q) => q.decimals)) + extra - 1)),
      ),
    );
  // Corrected operands that show the true relation: the wrong ones rewritten; where the page's decimals cannot show
  // it (0.251 → 0.2507 "increased"), all of them at the most decimals the page uses, or more.
  let fixed = fixedAt(0);
  for (let extra = 1; fixed && truth.holds && extra <= 4; extra++) {
    const nums = fixed.map((vs) => vs.map(readPrinted));
    const shown = relationHolds(
      c,
      nums.map((ps) => ps.map((p) => p.value)),
      nums.map((ps) => ps.map((p) => p.half)),
    );
    if (shown.holds) break;
    fixed = fixedAt(extra);
  }
  const wrongOperands = !!fixed && fixed.some((vs, i) => vs.some((v, j) => v !== printedNums![i][j].text.trim()));
  const replacements =
    verdict === 'erratum' && truth.holds && fixed && wrongOperands
      ? quoteReplacements(
          c.quote,
          fixed.flatMap((vs, i) => vs.map((v, j) => ({ printed: printedNums![i][j].text, corrected: v }))),
          [],
          false,
        )
      : [];
  return {
    ...base,
    certified: certified.map((v) => (v.length === 1 ? v[0] : v)),
    verdict,
    error_kind,
    reason,
    correct:
      verdict === 'erratum' && fixed && wrongOperands ? fixed.map((vs, i) => (typeof ops[i].printed === 'string' ? vs[0] : vs)) : null,
    suggestion: correctedText(c.quote, replacements),
    ...(replacements.length ? { replacements } : {}),
    // A statement the true values contradict has no numeric fix: what the true values say instead.
    ...(!truth.holds ? { no_fix: `the true values do not give "${c.relation}": ${truth.detail}` } : {}),
    // The conclusion the page draws from its printed numbers is not the one the true values give.
    ...(onPaper && onPaper.holds !== truth.holds ? { decision: true, decided_by: [] } : {}),
  };
}

/** A value the document asks for but never prints. */
function auditDerived(cx: AuditContext): Judged {
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

/** Matrices up to this many numbers are written out in a corrected shape line. */
const SHOWN_MATRIX = 64;

/**
 * The corrected line of a wrong shape: the printed shape replaced where the quote writes it, and the matrix the quote
 * writes out (its first bracketed list) replaced by the right one, at the quote's decimals.
 */
function correctShapeLine(quote: string, printed: string, t: Tensor): string {
  const shape = t.shape.join('×');
  let line = quote.includes(printed) ? quote.replace(printed, shape) : quote;
  // The written-out matrix: from the first '[' to the last ']' of the run of brackets, numbers and separators.
  const m = /\[[-−\d.,;\s[\]]*\]/.exec(line);
  const open = m ? m.index : -1;
  const close = m ? m.index + m[0].length - 1 : -1;
  if (t.data.length > SHOWN_MATRIX || close < 0) return line === quote ? `${quote} (the matrix must be ${shape})` : line;
  const decimals = Math.max(1, ...[...line.slice(open, close).matchAll(/\d\.(\d+)/g)].map((m) => m[1].length));
  const write = (n: Nested): string =>
    typeof n === 'number' ? n.toFixed(decimals).replace(/^-(0\.0*)$/, '$1') : `[${n.map(write).join(', ')}]`;
  line = `${line.slice(0, open)}${write(toNested(t))}${line.slice(close + 1)}`;
  return `${line} (${shape})`;
}

/** A printed matrix shape against the shape the computation needs. */
function auditShape(cx: AuditContext): Judged {
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
    suggestion: ok ? null : correctShapeLine(c.quote, printed as string, t),
  };
}

/** Printed numbers, element by element, from the graph of printed values; a count is wrong as a count. */
function auditNumbers(cx: AuditContext, count = false): ClaimAudit {
  const { c, base, graph } = cx;
  const t = certifiedOf(cx);
  const certified = toNested(t);
  const printed = c.printed!;
  const elements = graph.elementsOf(base.id).map((e) => ({ ...e }));
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
                `the worksheet's ${e.resolved ?? e.worksheet} over its rounded operands gives [${e.interval}]`
              );
            if (e.error_kind === 'arithmetic')
              return `${at}${e.resolved ?? e.worksheet} gives [${e.interval}], not ${e.printed}; the true value is ${show(e.certified)}`;
            if (e.error_kind === 'wrong-operand')
              return (
                `${at}${e.printed} follows from ${e.resolved ?? e.worksheet} but the true value is ${show(e.certified)}: ` +
                'at the true values of its inputs the line does not give it (a wrong operand or formula)'
              );
            if (e.erratum_source === 'carried')
              return (
                `${at}${e.printed} follows from ${e.resolved ?? e.worksheet} over its printed inputs, but carries the erratum of ` +
                `${(e.roots ?? []).map(rootText).join(', ')}; the true value is ${show(e.certified)} (${e.correct})`
              );
            return `${at}printed ${e.printed}, true value ${show(e.certified)} (${e.correct})`;
          })
          .join('; ');
  const wrong = worst.verdict !== 'ok';
  const errata = elements.filter((e) => e.verdict === 'erratum');
  const gaps: string[] = [];
  const ownLines = errata.length && c.correction ? graph.renderCorrection(base.fixture, c.correction, cx.where) : null;
  const replacements = errata.length && !c.correction ? quoteReplacements(c.quote, elements.map(toCorrect), gaps) : [];
  const roots = new Map<string, ErratumRoot>();
  for (const e of errata) for (const r of e.roots ?? []) roots.set(rootText(r), r);
  return {
    ...base,
    certified,
    verdict: worst.verdict,
    error_kind:
      worst.verdict === 'erratum'
        ? ((errata.find((e) => e.erratum_source === 'origin') ?? worst).error_kind ?? null)
        : (worst.error_kind ?? null),
    erratum_source: errata.length ? (errata.some((e) => e.erratum_source === 'origin') ? 'origin' : 'carried') : null,
    roots: [...roots.values()],
    reason,
    correct: wrong
      ? rebuild(
          elements.map((e) => e.correct),
          printed,
        )
      : null,
    suggestion: errata.length ? (ownLines ?? correctedText(c.quote, replacements)) : null,
    ...(ownLines !== null ? { corrected_lines: ownLines } : {}),
    ...(replacements.length ? { replacements } : {}),
    ...(gaps.length && !c.correction ? { correction_gaps: gaps } : {}),
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
  possibility: auditPossibility,
  convention: auditConvention,
  'implementation-defined': auditImplementationDefined,
  formula: auditFormula,
  capability: (cx) => auditCapability(cx),
} satisfies Record<ClaimKind, (cx: AuditContext) => Judged>;

/** A claim audit before its erratum's source is filled in (a claim other than numbers is its own origin). */
export type Judged = Omit<ClaimAudit, 'erratum_source' | 'roots'> & Partial<Pick<ClaimAudit, 'erratum_source' | 'roots'>>;

/**
 * The audit of one claim against the frozen certified values, in the graph of printed values (by default the graph
 * of its own fixture: a reference to another fixture needs the suite's, see auditSuite). Throws on a fixture
 * inconsistency.
 */
export function auditClaim(lf: LoadedFixture, c: Claim, golden: Golden | null, graph = new AuditGraph([{ lf, golden }])): ClaimAudit {
  const f = lf.fixture;
  const base: AuditContext['base'] = {
    id: claimId(f, c),
    fixture: f.id,
    document_section: sectionLabel(f),
    seed: f.seed ?? null,
    line: c.line ?? null,
    section: claimSection(f, c),
    quote: c.quote,
    kind: c.kind,
    printed: c.printed ?? null,
    expected_verdict: c.verdict,
    explanation: c.reason ?? null,
    certified_by: certifiedBy(f, c),
    elements: [] as ElementAudit[],
  };
  const where = `${lf.file}:${lf.claimLines[c.id]}: claims(${c.id})`;
  const a: Judged = AUDIT_OF_KIND[c.kind]({ c, golden, where, base, graph });
  const erratum = a.verdict === 'erratum';
  return {
    ...a,
    erratum_source: a.erratum_source ?? (erratum ? 'origin' : null),
    roots: a.roots ?? (erratum ? [{ claim: a.id, index: [] }] : []),
  };
}

/**
 * How a claim's true value is obtained: `recomputation` (computed in float64 by the reference, certified by the
 * independent 40-digit recomputation), `exact` (exact arithmetic on given numbers, 40 digits), `measurement` (what
 * the reference's own training run measured: a committed log, or a figure that depends on the recipe), `none`
 * (nothing to compute: the document never gives the values it needs).
 */
export type CertifiedBy = 'recomputation' | 'exact' | 'measurement' | 'none';

function certifiedBy(f: LoadedFixture['fixture'], c: Claim): CertifiedBy {
  const reads = claimReads(c);
  if (f.scenario.kind === 'measurement' || (c.kind === 'unverifiable' && reads.length > 0)) return 'measurement';
  if (reads.length === 0) return 'none';
  return reads.every((r) => r.path === undefined) ? 'exact' : 'recomputation';
}

/** The audit of every claim of a suite, in fixture order. */
export function auditSuite(suite: Pick<Suite, 'fixtures' | 'goldenOf'>): ClaimAudit[] {
  const graph = new AuditGraph(suite.fixtures.map((lf) => ({ lf, golden: suite.goldenOf(lf.fixture.id) })));
  const audits = suite.fixtures.flatMap((lf) => {
    const g = suite.goldenOf(lf.fixture.id);
    return lf.fixture.claims.map((c) => auditClaim(lf, c, g, graph));
  });
  markDecisions(suite.fixtures, audits);
  return audits;
}

/**
 * Decision errors: a relation whose printed operands conclude the opposite of the true values is flipped by the
 * errata among the value claims that print those operands (same fixture, same trace path, the operand's element
 * inside the claim's value, the same printed string); each is marked `decision` and names the relations.
 */
function markDecisions(fixtures: LoadedFixture[], audits: ClaimAudit[]): void {
  const byId = new Map(audits.map((a) => [a.id, a]));
  for (const lf of fixtures) {
    const f = lf.fixture;
    for (const r of f.claims) {
      const ra = byId.get(claimId(f, r));
      if (!ra?.decision || !r.of) continue;
      for (const o of r.of) {
        if (!o.path || o.printed === undefined) continue;
        const oat = o.at ?? [];
        const shown = printedStrings(o.printed).map((x) => x.trim());
        for (const c of f.claims) {
          const ca = byId.get(claimId(f, c));
          if (ca?.verdict !== 'erratum' || c.kind === 'relation' || c.path !== o.path || c.printed === undefined) continue;
          const cat = c.at ?? [];
          if (cat.length > oat.length || cat.some((x, k) => x !== oat[k])) continue;
          const rest = oat.slice(cat.length);
          const el = ca.elements.find((e) => e.index.length >= rest.length && rest.every((x, k) => e.index[k] === x));
          if (el?.verdict !== 'erratum' || !shown.includes(el.printed.trim())) continue;
          ca.decision = true;
          ca.decided_by = [...new Set([...(ca.decided_by ?? []), ra.id])];
          ra.decided_by = [...new Set([...(ra.decided_by ?? []), ca.id])];
        }
      }
    }
  }
}
