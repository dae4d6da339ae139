// reports/errata.md: the audit of the seed documents, written for their authors. A summary first (counts, the
// decision errors, the root causes with how many printed values each one spoils), then one entry per root cause
// in document order (line, quote, printed, correct, what went wrong in the fixture's own words, the corrected
// line of the seed) with its consequences under it, then the readings the verdicts assume and what is certified
// how. Deterministic (no dates), so a test can tell when the committed file is stale.
import { join } from 'node:path';
import type { SeedText } from '../fixtures/seeds.js';
import type { LoadedFixture, Printed } from '../fixtures/types.js';
import { ROOT } from '../paths.js';
import { correctSeeds, type LineFix, type SeedCorrections } from './patch.js';
import type { CertifiedBy, ClaimAudit, ErrorKind } from './verdict.js';

export const ERRATA_FILE = join(ROOT, 'reports', 'errata.md');

const KIND_TEXT: Record<ErrorKind, string> = {
  arithmetic: 'arithmetic: the line does not give the number it prints',
  'wrong-operand': 'wrong operand or formula: the line, at the true values of its inputs, does not give the true value',
  carried: 'carried: right from its printed inputs, but an input it uses is wrong',
  value: 'wrong value',
  'impossible-shape': 'impossible shape',
  count: 'wrong count',
  'false-relation': 'false statement about the values',
  'printed-contradicts-relation': 'the printed numbers contradict the statement they support',
  'formula-shape': 'formula: its shapes do not give the gradient it claims',
  'formula-value': 'formula: its values are not the gradient it claims',
  impossible: 'impossible: these printed values cannot all be right',
  'no-convention': 'matches none of the stated conventions',
  'outside-range': 'outside the range any implementation can give',
  'missing-capability': 'a capability a complete implementation lacks',
};

const CERTIFIED_TEXT: Record<CertifiedBy, string> = {
  recomputation: 'computed in float64 by the reference, certified by an independent 40-digit recomputation',
  exact: "exact arithmetic on the document's given numbers (40 digits)",
  measurement: "measured by the reference's own run (a committed training log, or a figure that depends on the recipe)",
  none: 'nothing to compute (the document never gives the values it needs)',
};

const show = (p: Printed | null): string => (p === null ? '—' : typeof p === 'string' ? p : JSON.stringify(p).replace(/"/g, ''));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Inline code that survives backticks in the text (seed lines are Markdown). */
const code = (s: string) => {
  const run = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  return `${fence}${run ? ' ' : ''}${s}${run ? ' ' : ''}${fence}`;
};

/** Document order: seed file, then the quote's line, then fixture order. */
function order(a: ClaimAudit, b: ClaimAudit): number {
  return (a.seed ?? '~').localeCompare(b.seed ?? '~') || (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

/** The root causes of a set of audits and what each spoils. */
export interface RootCause {
  /** Its entry number in errata.md (1-based, document order). */
  entry: number;
  audit: ClaimAudit;
  /** The erratum claims that carry it (not itself), in document order. */
  consequences: ClaimAudit[];
  /** Printed values it spoils: its own wrong elements and every wrong element that inherits it. */
  spoils: number;
}

const wrongElements = (a: ClaimAudit) => Math.max(1, a.elements.filter((e) => e.verdict === 'erratum').length);

/** The root causes of the errata, numbered in document order, each with its consequences. */
export function rootCauses(audits: ClaimAudit[]): RootCause[] {
  const errata = audits.filter((a) => a.verdict === 'erratum').sort(order);
  const rootIds = new Set(errata.flatMap((a) => a.roots.map((r) => r.claim)));
  return errata
    .filter((a) => rootIds.has(a.id) && a.roots.some((r) => r.claim === a.id))
    .map((audit, i) => {
      const consequences = errata.filter((c) => c.id !== audit.id && c.roots.some((r) => r.claim === audit.id));
      // Each wrong element of a consequence counts for every root it names (a value wrong for two reasons counts twice).
      const inherited = consequences.reduce(
        (n, c) =>
          n +
          (c.elements.length
            ? c.elements.filter((e) => e.verdict === 'erratum' && (e.roots ?? []).some((r) => r.claim === audit.id)).length
            : 1),
        0,
      );
      const rooted = audit.elements.filter((e) => e.verdict === 'erratum' && (e.roots ?? []).some((r) => r.claim === audit.id)).length;
      const own = rooted || wrongElements(audit);
      return { entry: i + 1, audit, consequences, spoils: own + inherited };
    });
}

/** Per claim: the entry numbers of its root causes (what `tconf audit --json` adds as `root_entries`). */
export function rootEntryNumbers(roots: RootCause[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of roots)
    for (const a of [r.audit, ...r.consequences])
      out.set(
        a.id,
        [...(out.get(a.id) ?? []), r.entry].sort((x, y) => x - y),
      );
  return out;
}

/** The corrected seed lines of a claim (all corrections of each line applied together). */
const linesOf = (fixes: SeedCorrections, id: string): LineFix[] => fixes.lines.filter((l) => l.claims.includes(id));

/** What an entry says to correct: the corrected seed lines, else the corrected quote, else why there is no fix. */
function correctionLines(a: ClaimAudit, fixes: SeedCorrections, indent: string): string[] {
  const lines = linesOf(fixes, a.id);
  if (lines.length) return lines.map((l) => `${indent}- **Corrected line ${l.line}:** ${code(l.after)}`);
  if (a.suggestion) return [`${indent}- **Corrected line:** ${code(a.suggestion)}`];
  if (a.no_fix) return [`${indent}- **No numeric fix:** ${a.no_fix}`];
  return [];
}

const where = (a: ClaimAudit) => `${a.line === null ? 'no line' : `line ${a.line}`}, §${a.section ?? '—'}`;
/** A certified value as the report shows it (7 significant digits). */
const showValue = (v: unknown): string =>
  typeof v === 'number' ? String(Number(v.toPrecision(7))) : Array.isArray(v) ? `[${v.map(showValue).join(', ')}]` : String(v);
const correctOf = (a: ClaimAudit) => (a.correct !== null ? show(a.correct) : a.certified !== null ? showValue(a.certified) : '—');
const explain = (a: ClaimAudit) => a.explanation ?? a.reason;

export interface ErrataInput {
  audits: ClaimAudit[];
  fixtures: LoadedFixture[];
  seeds: SeedText[];
}

export function renderErrata({ audits, fixtures, seeds }: ErrataInput): string {
  const claims = audits.filter((a) => a.seed);
  const errata = claims.filter((a) => a.verdict === 'erratum').sort(order);
  const roots = rootCauses(claims);
  const fixes = correctSeeds(claims, seeds);
  const entryOf = rootEntryNumbers(roots);
  const origins = errata.filter((a) => a.erratum_source === 'origin').length;
  const verdicts = [...new Set(['ok', 'rounding', 'erratum', 'unverifiable', 'derived', ...claims.map((a) => a.verdict)])];
  const count = (v: string) => claims.filter((a) => a.verdict === v).length;
  const out: string[] = [
    '# Errata of the seed documents',
    '',
    'Generated by `npx tconf audit --write` from the fixtures in `fixtures/` and their certified values; do not edit by hand.',
    '`npx tconf audit --patch` writes the corrected lines below as a diff of the seed texts. How each verdict is reached:',
    '`spec/fixtures.md`, "Verdicts"; how each value is certified: the last section.',
    '',
    '## Summary',
    '',
    `- **${claims.length} claims** checked in the documents: ${verdicts.map((v) => `${count(v)} ${v}`).join(', ')}.`,
    `- **${errata.length} errata**: ${origins} where the document goes wrong (**${roots.length} root causes**, listed below with ` +
      `the values each spoils) and ${errata.length - origins} carried from them. A value off only by the page's own rounding is not an erratum.`,
    `- **${fixes.lines.length} corrected lines** of the seed texts; every correction is checked by auditing the corrected document again.`,
    '',
  ];
  const decisions = errata.filter((a) => a.decision);
  if (decisions.length) {
    out.push('**Decision errors** (fix these first: the page draws a conclusion its true values do not support):', '');
    for (const a of decisions.filter((d) => d.kind === 'relation'))
      out.push(
        `- ${where(a)}: “${a.quote}” — ${explain(a)}` +
          (a.decided_by?.length ? ` (flipped by ${a.decided_by.map((id) => `\`${id}\``).join(', ')})` : ''),
      );
    for (const a of decisions.filter((d) => d.kind !== 'relation' && !d.decided_by?.length)) out.push(`- ${where(a)}: “${a.quote}”`);
    out.push('');
  }
  out.push('| # | line | claim | what is wrong | values it spoils |', '| ---: | ---: | --- | --- | ---: |');
  for (const r of roots)
    out.push(
      `| ${r.entry} | ${r.audit.line ?? '—'} | \`${r.audit.id}\` | ${cell(r.audit.error_kind ? KIND_TEXT[r.audit.error_kind] : 'erratum')} | ${r.spoils} |`,
    );
  out.push('');
  let doc = '';
  for (const r of roots) {
    const a = r.audit;
    if (a.seed !== doc) {
      doc = a.seed ?? '';
      out.push(`## ${a.document_section.split(' §')[0]} (\`${doc}\`)`, '');
    }
    out.push(`### ${r.entry}. ${where(a)} — \`${a.id}\``, '');
    out.push(`- **Quote:** “${a.quote}”`);
    out.push(`- **Printed:** ${show(a.printed)}`);
    out.push(`- **Correct:** ${correctOf(a)}`);
    out.push(`- **What went wrong:** ${explain(a)}`);
    if (a.decision) out.push('- **Decision error:** it flips a conclusion the page draws.');
    out.push(...correctionLines(a, fixes, ''));
    if (r.consequences.length) {
      out.push(`- **Consequences** (${r.consequences.length}):`);
      for (const c of r.consequences) {
        const others = (entryOf.get(c.id) ?? []).filter((n) => n !== r.entry);
        out.push(
          `  - ${where(c)} — \`${c.id}\`: ${show(c.printed)} → ${correctOf(c)}` +
            (others.length ? ` (also carries ${others.map((n) => `#${n}`).join(', ')})` : ''),
        );
        out.push(...correctionLines(c, fixes, '    '));
      }
    }
    out.push('');
  }
  // The readings of the fixtures whose claims are errata: what the verdicts above depend on.
  const withErrata = new Set(errata.map((a) => a.fixture));
  out.push(
    '## Readings the verdicts assume',
    '',
    'Each fixture states how it reads its page (what the model is, which convention a number follows); the verdicts above rest on these readings. The numbered conventions are in `spec/conventions.md`.',
    '',
  );
  for (const lf of fixtures.filter((x) => withErrata.has(x.fixture.id) && x.fixture.readings?.length)) {
    out.push(`- **${lf.fixture.title}** (\`${lf.fixture.id}\`):`);
    for (const r of lf.fixture.readings!) out.push(`  - ${r}`);
  }
  out.push('', '## What is certified how', '', '| how the true value is obtained | claims | errata |', '| --- | ---: | ---: |');
  for (const k of Object.keys(CERTIFIED_TEXT) as CertifiedBy[]) {
    const n = claims.filter((a) => a.certified_by === k).length;
    if (n) out.push(`| ${CERTIFIED_TEXT[k]} | ${n} | ${errata.filter((a) => a.certified_by === k).length} |`);
  }
  out.push('');
  const bySection = new Map<string, Record<string, number>>();
  for (const a of [...claims].sort(order)) {
    const row = bySection.get(a.document_section) ?? Object.fromEntries(verdicts.map((v) => [v, 0]));
    row[a.verdict]++;
    bySection.set(a.document_section, row);
  }
  out.push(
    '## Counts per section and verdict',
    '',
    `| section | ${verdicts.join(' | ')} | total |`,
    `| --- |${verdicts.map(() => ' ---: |').join('')} ---: |`,
  );
  const totals = Object.fromEntries(verdicts.map((v) => [v, 0]));
  for (const [section, row] of [...bySection].sort((x, y) => x[0].localeCompare(y[0], 'en', { numeric: true }))) {
    out.push(`| ${cell(section)} | ${verdicts.map((v) => row[v]).join(' | ')} | ${verdicts.reduce((s, v) => s + row[v], 0)} |`);
    for (const v of verdicts) totals[v] += row[v];
  }
  out.push(`| **all** | ${verdicts.map((v) => `**${totals[v]}**`).join(' | ')} | **${claims.length}** |`, '');
  return out.join('\n');
}
