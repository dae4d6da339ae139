// `tconf diagnose REPORT.json` and `tconf diagnose --impl WORD`: for each failing implementation, where its
// computation first goes wrong (the first divergence in the dataflow order) and which classic mistake of the mutant
// catalogue it made (harness/diagnose/). A report keeps only small tensors' actual values: larger ones match by
// status only, and the output says so; `--impl` runs the implementation itself and compares every value.
import { forTerminal, truncate } from '../bounded.js';
import type { Suite } from '../fixtures/suite.js';
import type { Divergence } from '../diagnose/divergence.js';
import { diagnose, observationsOf, type Diagnosis, type MatchScore, type Observations, type Observed } from '../diagnose/match.js';
import { DEFAULT_MAX_LINE_BYTES, endAllChildren } from '../impls/process.js';
import { resolveImplementation } from '../impls/registry.js';
import { PROFILES, type ProfileName } from '../run/compare.js';
import type { Implementation } from '../run/implementation.js';
import type { Nested } from '../fixtures/scenario.js';
import { record, runImplementation, selectClaims } from '../run/runner.js';
import type { LoadedFixture } from '../fixtures/types.js';
import { readReport } from './diff.js';
import { checkImplWords, parseTimeout } from './run.js';
import { EXIT, UsageError } from './usage.js';

export interface DiagnoseCommandOptions {
  impl?: string[];
  profile?: string;
  filter?: string[];
  timeout: string;
  json?: boolean;
  rows: string;
  pairs?: boolean;
}

const t = (s: string, max = 200) => forTerminal(truncate(s, max));

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [typeof v === 'number' ? v : Number(v)]);

/** One implementation's observations from a report: statuses, and the actual values it lists in full. */
function observationsFromReport(report: ReturnType<typeof readReport>, name: string): Observations {
  const out = record<Observed>();
  for (const c of report.claims) {
    const r = Object.hasOwn(c.results, name) ? c.results[name] : undefined;
    if (!r) continue;
    out[c.id] = {
      status: r.status,
      ...(r.message ? { message: r.message } : {}),
      ...(r.actual ? { actual: r.actual.map((v) => ('values' in v ? flat(v.values) : null)) } : {}),
    };
  }
  return out;
}

const pct = (s: MatchScore) => `${(100 * s.score).toFixed(1)}%`;
const agreeLine = (s: MatchScore) =>
  `agrees on ${s.agree} of ${s.agree + s.disagree} claims where either fails (${pct(s)})` +
  (s.disagree
    ? `; differs: ${s.implOnly} fail only here, ${s.mutantOnly} fail only in the mutant, ${s.valuesDiffer} with other values`
    : '') +
  (s.statusOnly ? `; ${s.statusOnly} by status only (values summarised)` : '');

function divergenceLines(d: Divergence, rows: number): string[] {
  const lines: string[] = [];
  const e = d.earliest;
  if (!e) {
    if (d.fixtures.length) lines.push('first wrong value: unknown (the failing scenarios could not be run)');
    else lines.push('no divergence: every value its claims read is right');
  } else {
    const before = d.fixtures.find((f) => f.fixture === e.fixture)!.passedBefore;
    lines.push(
      `first wrong value: \`${t(e.fixture)}/${t(e.value.path)}\` (everything before it is right: ${before.length} value(s) of that scenario${
        before.length ? `, the last \`${t(before[before.length - 1].path)}\`` : ''
      })`,
    );
  }
  if (d.fixtures.length) lines.push(`first wrong value per failing scenario (${d.fixtures.length}):`);
  for (const f of d.fixtures.slice(0, rows))
    lines.push(
      f.first
        ? `  ${t(f.fixture)}: ${t(f.first.path)} (${f.passedBefore.length} right before it)`
        : `  ${t(f.fixture)}: could not be run: ${t(f.scenarioError ?? '', 160)}`,
    );
  if (d.fixtures.length > rows) lines.push(`  … and ${d.fixtures.length - rows} more`);
  return lines;
}

function matchLines(d: Diagnosis): string[] {
  if (!d.failing) return [];
  const lines: string[] = [];
  const [best, ...same] = d.matches;
  if (best) {
    lines.push(`mistake: ${best.name} — ${best.mutants.map((m) => m.mistake).join('; and ')}`);
    lines.push(`  the seeds warn about it: ${best.mutants.map((m) => m.source).join('; ')}`);
    lines.push(`  ${agreeLine(best)}`);
    for (const s of same) lines.push(`  equally good: ${s.name} — ${s.mutants.map((m) => m.mistake).join('; and ')}`);
  } else {
    lines.push(
      `mistake: no mutant matches${d.pairsTried ? ` (nor any of ${d.pairsTried} pairs tried)` : ''}: the first divergence above is the diagnosis`,
    );
  }
  if (d.runnerUp?.agree) lines.push(`${best ? 'runner-up' : 'closest'}: ${d.runnerUp.name}, ${agreeLine(d.runnerUp)}`);
  else if (d.runnerUp) lines.push(`${best ? 'runner-up' : 'closest'}: none (no ${best ? 'other ' : ''}mutant agrees on a failing claim)`);
  for (const n of d.notes) lines.push(`note: ${n}`);
  return lines;
}

const jsonOf = (name: string, d: Diagnosis) => ({
  implementation: name,
  failing: d.failing,
  first_divergence: d.divergence.earliest
    ? { fixture: d.divergence.earliest.fixture, path: d.divergence.earliest.value.path, claims: d.divergence.earliest.value.claims }
    : null,
  per_scenario: d.divergence.fixtures.map((f) => ({
    fixture: f.fixture,
    path: f.first?.path ?? null,
    passed_before: f.passedBefore.map((v) => v.path),
    ...(f.scenarioError ? { scenario_error: f.scenarioError } : {}),
  })),
  matches: d.matches.map((s) => ({ name: s.name, mistakes: s.mutants.map((m) => m.mistake), sources: s.mutants.map((m) => m.source) })),
  runner_up: d.runnerUp ? { name: d.runnerUp.name, score: d.runnerUp.score } : null,
  pairs_tried: d.pairsTried,
  notes: d.notes,
});

function print(name: string, d: Diagnosis, o: DiagnoseCommandOptions, rows: number): void {
  if (o.json) return;
  console.log(`## ${t(name)}`);
  console.log(d.failing ? `failing: ${d.failing} claim(s)` : 'failing: none');
  for (const l of [...divergenceLines(d.divergence, rows), ...matchLines(d)]) console.log(l);
  console.log('');
}

function parseRows(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 100000) throw new UsageError(`--rows must be a whole number from 0 (got '${truncate(s, 40)}')`);
  return n;
}

function checkProfile(p: string | undefined): ProfileName | undefined {
  if (p === undefined) return undefined;
  if (!Object.hasOwn(PROFILES, p)) throw new UsageError(`unknown profile '${truncate(p, 40)}' (float64, float32)`);
  return p as ProfileName;
}

/** Runs the command; returns the exit code (0 nothing fails, 1 some implementation fails, 2 usage). */
export async function diagnoseCommand(load: () => Suite, file: string | undefined, o: DiagnoseCommandOptions): Promise<number> {
  const rows = parseRows(o.rows);
  const profile = checkProfile(o.profile);
  if (file && o.impl?.length) throw new UsageError('give a REPORT.json or --impl, not both');
  if (!file && !o.impl?.length) throw new UsageError('give a REPORT.json (of tconf run) or --impl WORD');
  const out: ReturnType<typeof jsonOf>[] = [];
  let anyFailing = false;
  const pairs = o.pairs !== false;
  if (file) {
    const report = readReport(file);
    const suite = load();
    const filter = report.filter.length ? report.filter : undefined;
    if (report.fixture_set_hash !== suite.hash && !o.json)
      console.log('note: the report ran another fixture set than the one here: claims it lacks or that changed are compared as they are\n');
    const view = filter ? filteredSuite(suite, filter) : suite;
    for (const impl of report.implementations) {
      const p = profile ?? ((Object.hasOwn(PROFILES, report.profile) ? report.profile : impl.dtype) as ProfileName);
      const d = await diagnose(view, observationsFromReport(report, impl.name), { profile: p, pairs });
      anyFailing ||= d.failing > 0;
      print(impl.name, d, o, rows);
      out.push(jsonOf(impl.name, d));
    }
  } else {
    const words = o.impl!;
    checkImplWords(words);
    const timeoutMs = parseTimeout(o.timeout);
    const suite = load();
    const view = o.filter?.length ? filteredSuite(suite, o.filter) : suite;
    const stop = (s: NodeJS.Signals) => {
      endAllChildren();
      process.exit(s === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for (const word of words) {
        let impl: Implementation;
        try {
          impl = await resolveImplementation(word, { timeoutMs, maxLineBytes: DEFAULT_MAX_LINE_BYTES });
        } catch (e) {
          if (e instanceof UsageError) throw e;
          throw new UsageError(`--impl ${truncate(word, 80)}: cannot start (${truncate(String((e as Error)?.message ?? e), 400)})`);
        }
        try {
          const p = profile ?? (impl.capabilities.dtype as ProfileName);
          const run = await runImplementation(impl, view, { profile: p, ...(o.filter?.length ? { filter: o.filter } : {}) });
          const d = await diagnose(view, observationsOf(run), { profile: p, pairs });
          anyFailing ||= d.failing > 0;
          print(word, d, o, rows);
          out.push(jsonOf(word, d));
        } finally {
          await impl.close?.();
        }
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
  if (o.json) console.log(JSON.stringify(out, null, 1));
  return anyFailing ? EXIT.failures : EXIT.ok;
}

/**
 * The suite as the mutants must run it: the same claims the implementation ran (a filtered run's). The runner
 * filters claims itself; the diagnosis's mutant runs go through `diagnose`, which runs the whole suite view, so the
 * view keeps only the fixtures with a selected claim and only those claims.
 */
function filteredSuite(suite: Suite, filter: string[]): Suite {
  return { ...suite, hash: `${suite.hash}|${filter.join(',')}`, fixtures: suite.fixtures.flatMap((lf) => selected(lf, filter)) };
}

function selected(lf: LoadedFixture, filter: string[]): LoadedFixture[] {
  const claims = selectClaims(lf, filter);
  return claims.length ? [{ ...lf, fixture: { ...lf.fixture, claims } }] : [];
}
