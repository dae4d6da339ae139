// The diagnosis of a failing implementation (harness/diagnose/) as the reports carry it: a JSON form kept in
// report.json (`summary[impl].diagnosis`), and its wording, once, as lines of text and code segments that the
// terminal (`tconf run`, `tconf diagnose`), summary.md and report.html each escape for themselves.
import { forTerminal, truncate } from '../bounded.js';
import type { Diagnosis, MatchScore } from '../diagnose/match.js';
import type { Suite } from '../fixtures/suite.js';
import type { LoadedFixture } from '../fixtures/types.js';
import type { ProfileName } from '../run/compare.js';
import { selectClaims, type ImplementationRun } from '../run/runner.js';

/** A mutant (or a pair, `a+b`) compared with the implementation, as match.ts scores it. */
export interface CandidateEntry {
  name: string;
  mistakes: string[];
  /** Where the seeds warn about each mistake. */
  sources: string[];
  agree: number;
  disagree: number;
  impl_only: number;
  mutant_only: number;
  values_differ: number;
  status_only: number;
  score: number;
}

export interface DiagnosisEntry {
  /** Failing (fail or error) claims. */
  failing: number;
  first_divergence: {
    fixture: string;
    path: string;
    /** The claims that read it. */
    claims: string[];
    /** How many values of its scenario come before it in the dataflow (all right), and the last of them. */
    passed_before: number;
    last_passed: string | null;
  } | null;
  per_scenario: Array<{ fixture: string; path: string | null; passed_before: string[]; scenario_error?: string }>;
  /** Equally good exact matches; empty: no known mistake matches. */
  matches: CandidateEntry[];
  /** The closest candidate that does not match (never a claim of a match). */
  runner_up: CandidateEntry | null;
  pairs_tried: number;
  notes: string[];
}

/** No diagnosis: why (it failed, or the run was interrupted before it). One line. */
export interface DiagnosisUnavailable {
  unavailable: string;
}

export type DiagnosisResult = DiagnosisEntry | DiagnosisUnavailable;

/** Scenarios a diagnosis lists in summary.md and report.html (the rest are counted; the terminal shows fewer). */
export const DIAGNOSIS_ROWS = 20;

/** Longest text of an implementation's (a scenario's error) a diagnosis keeps: its first line, cut. */
const EVIDENCE = 300;
const firstLine = (s: string) => truncate(s.split('\n')[0], EVIDENCE);

const candidate = (s: MatchScore): CandidateEntry => ({
  name: s.name,
  mistakes: s.mutants.map((m) => m.mistake),
  sources: s.mutants.map((m) => m.source),
  agree: s.agree,
  disagree: s.disagree,
  impl_only: s.implOnly,
  mutant_only: s.mutantOnly,
  values_differ: s.valuesDiffer,
  status_only: s.statusOnly,
  score: s.score,
});

/** A diagnosis (match.ts) in its report form. */
export function diagnosisEntry(d: Diagnosis): DiagnosisEntry {
  const e = d.divergence.earliest;
  const before = e ? d.divergence.fixtures.find((f) => f.fixture === e.fixture)!.passedBefore : [];
  return {
    failing: d.failing,
    first_divergence: e
      ? {
          fixture: e.fixture,
          path: e.value.path,
          claims: e.value.claims,
          passed_before: before.length,
          last_passed: before.length ? before[before.length - 1].path : null,
        }
      : null,
    per_scenario: d.divergence.fixtures.map((f) => ({
      fixture: f.fixture,
      path: f.first?.path ?? null,
      passed_before: f.passedBefore.map((v) => v.path),
      ...(f.scenarioError ? { scenario_error: firstLine(f.scenarioError) } : {}),
    })),
    matches: d.matches.map(candidate),
    runner_up: d.runnerUp ? candidate(d.runnerUp) : null,
    pairs_tried: d.pairsTried,
    notes: d.notes.map(firstLine),
  };
}

/**
 * The suite as the mutants must run it: the claims the implementation ran (a filtered run's). The runner filters
 * claims itself, but `diagnose` runs the mutants over the whole suite view it is given, so the view keeps only the
 * fixtures with a selected claim and only those claims (and a hash of its own, the key of the mutant runs' cache).
 */
export function filteredSuite(suite: Suite, filter: string[]): Suite {
  if (!filter.length) return suite;
  const selected = (lf: LoadedFixture): LoadedFixture[] => {
    const claims = selectClaims(lf, filter);
    return claims.length ? [{ ...lf, fixture: { ...lf.fixture, claims } }] : [];
  };
  return { ...suite, hash: `${suite.hash}|${filter.join(',')}`, fixtures: suite.fixtures.flatMap(selected) };
}

/**
 * The diagnosis of one run for its report, every actual value compared. It never throws: a diagnosis that fails
 * becomes a one-line note, so that it cannot cost the run its reports.
 */
export async function diagnoseRun(
  suite: Suite,
  run: ImplementationRun,
  o: { profile: ProfileName; filter: string[]; pairs?: boolean },
): Promise<DiagnosisResult> {
  try {
    // the mutants and their matching are loaded only for a run that has something to diagnose
    const { diagnose, observationsOf } = await import('../diagnose/match.js');
    return diagnosisEntry(await diagnose(filteredSuite(suite, o.filter), observationsOf(run), { profile: o.profile, pairs: o.pairs }));
  } catch (e) {
    return { unavailable: `the diagnosis failed: ${firstLine(String((e as Error)?.message ?? e))}` };
  }
}

/** What the diagnosis's words mean, under it in summary.md and report.html. */
export const DIAGNOSIS_LEGEND =
  'first wrong value: the earliest value in the dataflow of the computation that fails (everything before it is right); ' +
  'behaves exactly like: the mutant (the reference with one classic mistake, tconf mutants) that fails exactly where the ' +
  'implementation fails, with the same values; no known mistake matches: none of them does, and the first wrong value is the diagnosis.';

/** Text, or code (a trace path, a claim or mutant name): each format marks and escapes the two its own way. */
export type Segment = string | { code: string };
/** One line of the diagnosis; `sub` lines detail the line above them. */
export interface DiagnosisLine {
  sub: boolean;
  text: Segment[];
}

const pct = (s: CandidateEntry) => `${(100 * s.score).toFixed(1)}%`;
const agreement = (s: CandidateEntry) =>
  `agrees on ${s.agree} of ${s.agree + s.disagree} claims where either fails (${pct(s)})` +
  (s.disagree
    ? `; differs: ${s.impl_only} fail only here, ${s.mutant_only} fail only in the mutant, ${s.values_differ} with other values`
    : '') +
  (s.status_only ? `; ${s.status_only} by status only (values summarised)` : '');

/**
 * The diagnosis in words: the first wrong value, the mistake it matches (or that none does), the first wrong value
 * per scenario (`rows` of them, then how many more and `more`, where to find them).
 */
export function diagnosisLines(d: DiagnosisResult, rows: number, more = ''): DiagnosisLine[] {
  const lines: DiagnosisLine[] = [];
  const line = (...text: Segment[]) => lines.push({ sub: false, text });
  const sub = (...text: Segment[]) => lines.push({ sub: true, text });
  if ('unavailable' in d) {
    line(`no diagnosis: ${d.unavailable}`);
    return lines;
  }
  const e = d.first_divergence;
  if (e)
    line(
      'first wrong value: ',
      { code: `${e.fixture}/${e.path}` },
      ` (everything before it is right: ${e.passed_before} value(s) of that scenario`,
      ...(e.last_passed ? [', the last ', { code: e.last_passed }] : []),
      ')',
    );
  else if (d.per_scenario.length) line('first wrong value: unknown (the failing scenarios could not be run)');
  else line('no divergence: every value its claims read is right');
  if (d.failing) {
    const [best, ...same] = d.matches;
    const mistake = (s: CandidateEntry) => s.mistakes.join('; and ');
    if (best) {
      line('behaves exactly like ', { code: best.name }, `: ${mistake(best)}; the seeds warn in ${best.sources.join('; ')}`);
      sub(agreement(best));
      for (const s of same) sub('equally like ', { code: s.name }, `: ${mistake(s)}; the seeds warn in ${s.sources.join('; ')}`);
    } else
      line(
        `no known mistake matches${d.pairs_tried ? ` (nor any of the ${d.pairs_tried} pairs of mistakes tried)` : ''}; ${e ? 'the first wrong value above is the diagnosis' : 'the reason the scenarios could not be run (below) is the diagnosis'}`,
      );
    const r = d.runner_up;
    const label = best ? 'runner-up: ' : 'closest: ';
    if (r?.agree) sub(label, { code: r.name }, ` (${mistake(r)}), ${agreement(r)}`);
    else if (r) sub(`${label}none (no ${best ? 'other ' : ''}mutant agrees on a failing claim)`);
  }
  if (d.per_scenario.length) line(`first wrong value per failing scenario (${d.per_scenario.length}):`);
  for (const f of d.per_scenario.slice(0, rows))
    if (f.path) sub({ code: `${f.fixture}/${f.path}` }, ` (${f.passed_before.length} right before it)`);
    else sub({ code: f.fixture }, `: could not be run: ${f.scenario_error ?? ''}`);
  if (d.per_scenario.length > rows) sub(`… and ${d.per_scenario.length - rows} more${more}`);
  for (const n of d.notes) line(`note: ${n}`);
  return lines;
}

/** The lines for a terminal: code in backticks, everything made inert and bounded, sub-lines indented. */
export function terminalLines(lines: DiagnosisLine[], indent = ''): string[] {
  const t = (s: string, max: number) => forTerminal(truncate(s, max));
  return lines.map(
    (l) => `${indent}${l.sub ? '  ' : ''}${l.text.map((s) => (typeof s === 'string' ? t(s, 400) : `\`${t(s.code, 200)}\``)).join('')}`,
  );
}
