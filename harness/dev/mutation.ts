// reports/mutation.md from Stryker's JSON report (`npm run mutation` writes reports/mutation/mutation.json):
// the mutation score of reference/, overall and per file, and every mutant that was not detected with the
// judgment recorded for it in stryker.equivalents.yaml (why the change cannot alter a result), or "not judged".
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateMutationTestMetrics, type Metrics } from 'mutation-testing-metrics';
import { parse } from 'yaml';

export type StrykerReport = Parameters<typeof calculateMutationTestMetrics>[0];

/** A surviving mutant judged equivalent: where it is, what Stryker put there, and why nothing can tell. */
export interface Judgment {
  file: string;
  line: number;
  replacement: string;
  why: string;
}

export interface Undetected {
  file: string;
  line: number;
  mutator: string;
  original: string;
  replacement: string;
  status: string;
  why: string | null;
}

export interface MutationSummary {
  total: Metrics;
  /** Mutants a later run on part of the code retested (their results replace the full run's), by status. */
  retested: Record<string, number>;
  files: { file: string; metrics: Metrics }[];
  undetected: Undetected[];
  /** Judgments that match no undetected mutant any more (the code or the tests moved). */
  stale: Judgment[];
  /** The score with the mutants judged equivalent left out: detected / (valid − equivalent). */
  scoreWithoutEquivalent: number;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The source text a mutant replaced (locations are 1-based lines and columns). */
function originalText(source: string, loc: { start: { line: number; column: number }; end: { line: number; column: number } }): string {
  const lines = source.split('\n');
  if (loc.start.line === loc.end.line) return lines[loc.start.line - 1].slice(loc.start.column - 1, loc.end.column - 1);
  const first = lines[loc.start.line - 1].slice(loc.start.column - 1);
  const last = lines[loc.end.line - 1].slice(0, loc.end.column - 1);
  return [first, ...lines.slice(loc.start.line, loc.end.line - 1), last].join('\n');
}

type Mutant = StrykerReport['files'][string]['mutants'][number];
const sameMutant = (a: Mutant, b: Mutant) =>
  a.mutatorName === b.mutatorName && a.replacement === b.replacement && JSON.stringify(a.location) === JSON.stringify(b.location);

/**
 * The full run's report with the results of later runs on part of the code (`--mutate file:lines`, after tests
 * were added) in place of the full run's for the mutants they retested. The source must be unchanged since.
 */
export function withRetests(full: StrykerReport, later: StrykerReport[]): { report: StrykerReport; retested: Record<string, number> } {
  const report = structuredClone(full);
  const latest = new Map<Mutant, string>(); // a mutant two partial runs retested counts once, with the later result
  for (const part of later) {
    for (const [file, f] of Object.entries(part.files)) {
      const base = report.files[file];
      if (!base || base.source !== f.source)
        throw new Error(`${file}: the partial run saw other source than the full run; rerun npm run mutation`);
      for (const m of f.mutants) {
        const i = base.mutants.findIndex((b) => sameMutant(b, m));
        if (i < 0) throw new Error(`${file}:${m.location.start.line}: mutant ${m.mutatorName} '${m.replacement}' is not in the full run`);
        latest.delete(base.mutants[i]);
        base.mutants[i] = m;
        latest.set(m, m.status);
      }
    }
  }
  const retested: Record<string, number> = {};
  for (const status of latest.values()) retested[status] = (retested[status] ?? 0) + 1;
  return { report, retested };
}

export function summarise(full: StrykerReport, judgments: Judgment[], later: StrykerReport[] = []): MutationSummary {
  const { report, retested } = withRetests(full, later);
  const { systemUnderTestMetrics: root } = calculateMutationTestMetrics(report);
  const files: MutationSummary['files'] = [];
  const walk = (r: typeof root) => {
    if (r.file) files.push({ file: r.file.name, metrics: r.metrics });
    r.childResults.forEach(walk);
  };
  walk(root);
  const undetected: Undetected[] = [];
  const used = new Set<Judgment>();
  for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    for (const m of f.mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const replacement = oneLine(m.replacement ?? m.mutatorName);
      const j = judgments.find((j) => j.file === file && j.line === m.location.start.line && oneLine(j.replacement) === replacement);
      if (j) used.add(j);
      undetected.push({
        file,
        line: m.location.start.line,
        mutator: m.mutatorName,
        original: oneLine(originalText(f.source, m.location)),
        replacement,
        status: m.status,
        why: j?.why ?? null,
      });
    }
  }
  undetected.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const t = root.metrics;
  const equivalent = undetected.filter((u) => u.why !== null).length;
  return {
    total: t,
    retested,
    files,
    undetected,
    stale: judgments.filter((j) => !used.has(j)),
    scoreWithoutEquivalent: (100 * t.totalDetected) / (t.totalValid - equivalent),
  };
}

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(2)}%`);
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderMutationReport(s: MutationSummary, producedBy: string): string {
  const t = s.total;
  const judged = s.undetected.filter((u) => u.why !== null);
  const open = s.undetected.filter((u) => u.why === null);
  const row = (name: string, m: Metrics) =>
    `| ${name} | ${m.totalValid} | ${m.killed} | ${m.timeout} | ${m.survived} | ${m.noCoverage} | ${pct(m.mutationScore)} |`;
  const undetectedRow = (u: Undetected) => {
    const mutator = u.status === 'NoCoverage' ? `${u.mutator} (no coverage)` : u.mutator;
    const why = u.why === null ? '**not judged**' : cell(oneLine(u.why));
    return `| ${u.file}:${u.line} | ${mutator} | ${code(u.original)} | ${code(u.replacement)} | ${why} |`;
  };
  const retestedCounts = Object.entries(s.retested).map(([k, n]) => `${n} ${k.toLowerCase()}`);
  const retested = retestedCounts.length
    ? '\nRetested after the full run (tests added; `npx stryker run stryker.retest.json --mutate <file:lines>`, ' +
      'then `npm run mutation:report -- reports/mutation/mutation-part.json`): ' +
      `${retestedCounts.join(', ')}; their results replace the full run's below.\n`
    : '';
  const score =
    `**Mutation score: ${pct(t.mutationScore)}** (${t.totalDetected} of ${t.totalValid} valid mutants detected: ` +
    `${t.killed} killed, ${t.timeout} timed out; ${t.survived} survived, ${t.noCoverage} not covered; ` +
    `${t.totalInvalid} invalid (compile or runtime errors) and ${t.ignored} ignored, left out as Stryker does).`;
  const stale = s.stale.length
    ? '\nJudgments matching no undetected mutant (stale; the code or the tests moved): ' +
      `${s.stale.map((j) => `${j.file}:${j.line} ${code(j.replacement)}`).join(', ')}.\n`
    : '';
  return `# Mutation testing of the reference

Generated by \`npm run mutation:report\` from the Stryker run ${producedBy}: \`npm run mutation\` mutates
\`reference/\` (tests excluded) and runs the reference's own tests against each mutant (\`stryker.config.json\`,
\`vitest.stryker.config.ts\`). A mutant is detected when a test fails (killed) or it runs past the time limit
(timeout, e.g. a loop that no longer ends). Judgments of the undetected mutants are in \`stryker.equivalents.yaml\`.
${retested}
${score}
With the ${judged.length} undetected mutant(s) judged equivalent left out: ${pct(s.scoreWithoutEquivalent)}. Not judged: ${open.length}.

| file | valid | killed | timeout | survived | no coverage | score |
| --- | --- | --- | --- | --- | --- | --- |
${s.files.map((f) => row(f.file, f.metrics)).join('\n')}
${row('**all**', t)}

## Undetected mutants

| where | mutator | original | mutant | judged equivalent because |
| --- | --- | --- | --- | --- |
${s.undetected.map(undetectedRow).join('\n')}
${stale}`;
}

export function readJudgments(file: string): Judgment[] {
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(doc)) throw new Error(`${file}: expected a list of judgments`);
  return doc.map((j: Partial<Judgment>, i) => {
    for (const k of ['file', 'line', 'replacement', 'why'] as const)
      if (j?.[k] === undefined) throw new Error(`${file}: judgment ${i + 1} has no '${k}'`);
    return j as Judgment;
  });
}

const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as StrykerReport;

/**
 * `npm run mutation:report [-- partial.json …]`: reports/mutation/mutation.json (with the results of later partial
 * runs in place) + stryker.equivalents.yaml → reports/mutation.md.
 */
export function writeMutationReport(root: string, partials: string[] = []): MutationSummary {
  const report = readReport(join(root, 'reports', 'mutation', 'mutation.json'));
  const s = summarise(report, readJudgments(join(root, 'stryker.equivalents.yaml')), partials.map(readReport));
  const version = (report as { framework?: { version?: string } }).framework?.version;
  writeFileSync(join(root, 'reports', 'mutation.md'), renderMutationReport(s, `(Stryker ${version ?? '?'})`));
  return s;
}
