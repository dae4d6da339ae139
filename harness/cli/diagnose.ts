// `tconf diagnose REPORT.json` and `tconf diagnose --impl WORD`: for each failing implementation, where its
// computation first goes wrong (the first divergence in the dataflow order) and which classic mistake of the mutant
// catalogue it made (harness/diagnose/), in the words of the run's reports (report/diagnosis.ts). A report of
// tconf run carries the diagnosis it made with every actual value, which is printed as saved; without one (or
// with --recompute, --profile, --no-pairs) it is computed from the report, which keeps only small tensors' actual
// values: larger ones match by status only, and the output says so. `--impl` runs the implementation itself.
import { forTerminal, truncate } from '../bounded.js';
import type { Suite } from '../fixtures/suite.js';
import { diagnose, observationsOf, type Observations, type Observed } from '../diagnose/match.js';
import { DEFAULT_MAX_LINE_BYTES, endAllChildren } from '../impls/process-bounds.js';
import { resolveImplementation } from '../impls/registry.js';
import { PROFILES, type ProfileName } from '../run/compare.js';
import type { Implementation } from '../run/implementation.js';
import type { Nested } from '../fixtures/scenario.js';
import { record, runImplementation } from '../run/runner.js';
import { diagnosisEntry, diagnosisLines, filteredSuite, terminalLines, type DiagnosisResult } from '../report/diagnosis.js';
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
  /** From a report that carries a diagnosis: compute it again from the report's values instead of printing it. */
  recompute?: boolean;
}

const t = (s: string, max = 200) => forTerminal(truncate(s, max));
const jsonOf = (name: string, d: DiagnosisResult, saved: boolean) => ({ implementation: name, saved, ...d });

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

/** One implementation's diagnosis on the terminal: the same words as tconf run's reports (report/diagnosis.ts). */
function print(name: string, d: DiagnosisResult, rows: number, saved: boolean): void {
  console.log(`## ${t(name)}`);
  if (saved)
    console.log(
      "(the diagnosis tconf run saved in the report, every actual value compared; --recompute redoes it from the report's values)",
    );
  if (!('unavailable' in d)) console.log(d.failing ? `failing: ${d.failing} claim(s)` : 'failing: none');
  for (const l of terminalLines(diagnosisLines(d, rows))) console.log(l);
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
  const show = (name: string, d: DiagnosisResult, saved: boolean) => {
    if (!o.json) print(name, d, rows, saved);
    out.push(jsonOf(name, d, saved));
  };
  if (file) {
    const report = readReport(file);
    const filter = report.filter;
    // options the saved diagnosis was not made with ask for a new one
    const recompute = o.recompute || o.profile !== undefined || !pairs;
    let suite: Suite | undefined;
    for (const impl of report.implementations) {
      const summary = report.summary[impl.name];
      // tconf run's own diagnosis compared every actual value: better than the report's summarised ones
      const saved = summary?.diagnosis && !('unavailable' in summary.diagnosis) && !recompute ? summary.diagnosis : undefined;
      if (saved) {
        anyFailing ||= saved.failing > 0;
        show(impl.name, saved, true);
        continue;
      }
      if (!suite) {
        suite = load();
        if (report.fixture_set_hash !== suite.hash && !o.json)
          console.log(
            'note: the report ran another fixture set than the one here: claims it lacks or that changed are compared as they are\n',
          );
      }
      const p = profile ?? ((Object.hasOwn(PROFILES, report.profile) ? report.profile : impl.dtype) as ProfileName);
      const d = diagnosisEntry(
        await diagnose(filteredSuite(suite, filter), observationsFromReport(report, impl.name), { profile: p, pairs }),
      );
      anyFailing ||= d.failing > 0;
      show(impl.name, d, false);
    }
  } else {
    const words = o.impl!;
    checkImplWords(words);
    const timeoutMs = parseTimeout(o.timeout);
    const view = filteredSuite(load(), o.filter ?? []);
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
          const d = diagnosisEntry(await diagnose(view, observationsOf(run), { profile: p, pairs }));
          anyFailing ||= d.failing > 0;
          show(word, d, false);
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
