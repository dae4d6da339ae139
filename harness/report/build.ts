// The run report: every claim with its source, printed and expected values, the audit's verdict, and each
// implementation's result. The JSON form is versioned (spec/report.schema.json); the other formats render it.
import type { ClaimAudit } from '../audit/verdict.js';
import { claimReads } from '../fixtures/claim-kinds.js';
import { expectedTensor } from '../fixtures/claims.js';
import { claimId, claimSection, sectionLabel, type Printed } from '../fixtures/types.js';
import { record, type ImplementationRun, type Status } from '../run/runner.js';
import type { Nested } from '../fixtures/scenario.js';
import { toNested } from '../fixtures/tensors.js';
import type { Suite } from '../fixtures/suite.js';
import type { DiagnosisResult } from './diagnosis.js';

export const REPORT_SCHEMA_VERSION = 1;
/** Tensors larger than this are summarised (shape, min, max) instead of listed in full. */
export const INLINE_LIMIT = 64;

export type Values = { values: Nested } | { shape: number[]; size: number; min: number; max: number };

export interface ResultEntry {
  status: Status;
  message?: string;
  /** A skipped claim: the capabilities it needs that the implementation lacks (`op softmax`, `feature backward`). */
  missing?: string[];
  max_abs_error?: number;
  max_rel_error?: number;
  worst_index?: number[];
  actual?: Values[];
  /** Which of the claim's `expected` each `actual` answers, given only where they are not paired in order (a relation with an exact-arithmetic operand). */
  actual_of?: number[];
  /**
   * A result that did not pass: for each operand too large to list, its worst elements (by error over tolerance),
   * so a drill-down can show where it went wrong without the report carrying whole tensors.
   */
  worst_elements?: WorstElements[];
}

/** Elements kept per summarised operand of a result that did not pass. */
export const WORST_LIMIT = 20;

export interface WorstElements {
  /** Index into the claim's `expected`. */
  operand: number;
  /** Worst first; `index` is the element's position in the operand's shape. */
  elements: Array<{ index: number[]; expected: number; actual: number }>;
}

export interface ClaimEntry {
  id: string;
  fixture: string;
  file: string;
  line: number;
  seed: string | null;
  section: string | null;
  document: boolean;
  kind: string;
  quote: string;
  printed: Printed | null;
  expected: Values[] | null;
  audit: {
    verdict: string;
    error_kind: string | null;
    /** An erratum's own line or value went wrong (origin), or a wrong printed input it uses (carried). */
    erratum_source: 'origin' | 'carried' | null;
    /** The erratum's origins as `<fixture>/<claim>[i,j]`. */
    roots: string[];
    /** It flips a conclusion the document prints. */
    decision: boolean;
    seed_line: number | null;
    reason: string;
    correct: Printed | null;
    suggestion: string | null;
    no_fix?: string;
  } | null;
  results: Record<string, ResultEntry>;
}

export type Counts = Record<Status, number> & { total: number };

/**
 * An implementation's skipped claims grouped by what is missing. `unlocks`: the skipped claims that need only that
 * one capability (declaring it would run them); `needed_by`: every skipped claim that needs it, alone or with
 * others. `several`: the skipped claims that need two or more missing capabilities (each is counted in the
 * `needed_by` of every one of them, and in no `unlocks`), so `total` is the sum of the `unlocks` plus `several`.
 */
export interface SkipSummary {
  total: number;
  several: number;
  /** Most unlocked first, then most needed. */
  by_missing: Array<{ missing: string; unlocks: number; needed_by: number }>;
}

export interface ImplementationSummary {
  overall: Counts;
  by_section: Record<string, Counts>;
  by_fixture: Record<string, Counts>;
  skips: SkipSummary;
  /** A failing implementation's diagnosis (diagnosis.ts); absent when it fails nothing or `--no-diagnose`. */
  diagnosis?: DiagnosisResult;
}

export interface RunReport {
  schema_version: number;
  suite: { name: string; version: string };
  fixture_set_hash: string;
  date: string;
  profile: string;
  filter: string[];
  /** False when the run was interrupted: the reports hold the scenarios that ran before it stopped. */
  complete: boolean;
  implementations: Array<{
    name: string;
    version: string;
    language: string;
    dtype: string;
    capabilities: { ops: string[]; features: string[] };
    /** Scenarios that could not be run, each with its evidence once (its claims are errors that point here). */
    scenario_errors: Array<{ fixture: string; message: string; claims: number }>;
  }>;
  claims: ClaimEntry[];
  /** Fixture id → the row of the compliance matrix (`summary.by_section`) its claims count in. */
  fixture_sections: Record<string, string>;
  summary: Record<string, ImplementationSummary>;
  baseline?: Record<string, { new_failures: string[]; newly_passing: string[]; known_failures: string[] }>;
}

const finite = (x: number) => (Number.isFinite(x) ? x : String(x));

/** The smallest and largest value, NaN if any is (as Math.min and Math.max have it). */
function extent(data: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    min = Math.min(min, data[i]);
    max = Math.max(max, data[i]);
  }
  return { min, max };
}

export function summarise(data: ArrayLike<number>, shape: number[]): Values {
  if (data.length <= INLINE_LIMIT) return { values: toNested({ shape, data }, finite) };
  const { min, max } = extent(data);
  return { shape, size: data.length, min, max };
}

const unflat = (i: number, shape: number[]): number[] => {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) [at[d], i] = [i % shape[d], Math.floor(i / shape[d])];
  return at;
};

/** The WORST_LIMIT elements of a large operand with the largest error over tolerance, non-finite first. */
export function worstElements(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  shape: number[],
  tol: { atol: number; rtol: number },
) {
  const score = (i: number) =>
    Number.isFinite(actual[i]) ? Math.abs(actual[i] - expected[i]) / (tol.atol + tol.rtol * Math.abs(expected[i])) : Infinity;
  const n = Math.min(actual.length, expected.length);
  const scores = Float64Array.from({ length: n }, (_, i) => score(i));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order
    .slice(0, WORST_LIMIT)
    .map((i) => ({ index: unflat(i, shape), expected: finite(expected[i]) as number, actual: finite(actual[i]) as number }));
}

const zero = (): Counts => ({ total: 0, pass: 0, fail: 0, skip: 0, error: 0, 'not-applicable': 0 });

/** Groups skipped claims by what they miss (each claim's list of missing capabilities). */
export function summariseSkips(missing: string[][]): SkipSummary {
  const by = new Map<string, { missing: string; unlocks: number; needed_by: number }>();
  let several = 0;
  for (const m of missing) {
    if (m.length > 1) several++;
    for (const x of new Set(m)) {
      const e = by.get(x) ?? { missing: x, unlocks: 0, needed_by: 0 };
      by.set(x, e);
      e.needed_by++;
      if (m.length === 1) e.unlocks++;
    }
  }
  const by_missing = [...by.values()].sort(
    (a, b) => b.unlocks - a.unlocks || b.needed_by - a.needed_by || (a.missing < b.missing ? -1 : a.missing > b.missing ? 1 : 0),
  );
  return { total: missing.length, several, by_missing };
}

export function buildReport(
  suite: Suite,
  runs: ImplementationRun[],
  audits: ClaimAudit[],
  o: { profile: string; filter: string[]; version: string; date?: Date },
): RunReport {
  const { fixtures, goldenOf } = suite;
  const auditOf = new Map(audits.map((a) => [a.id, a]));
  const claims: ClaimEntry[] = [];
  const fixtureSections = record<string>();
  const summary: RunReport['summary'] = record();
  const skipped = new Map<string, string[][]>(runs.map((r) => [r.info.name, []]));
  for (const run of runs)
    summary[run.info.name] = { overall: zero(), by_section: record(), by_fixture: record(), skips: summariseSkips([]) };
  for (const lf of fixtures) {
    const f = lf.fixture;
    const g = goldenOf(f.id);
    for (const c of f.claims) {
      const id = claimId(f, c);
      if (!runs.some((r) => r.results[id])) continue;
      const reads = claimReads(c);
      const expectedValues = reads.map((r) => expectedTensor(r, g));
      // the runner's operands are the reads with a trace path, in order
      const operandOf = reads.flatMap((r, j) => (r.path === undefined ? [] : [j]));
      const a = auditOf.get(id);
      const section = sectionLabel(f);
      const entry: ClaimEntry = {
        id,
        fixture: f.id,
        file: lf.file,
        line: lf.claimLines[c.id],
        seed: f.seed ?? null,
        section: claimSection(f, c),
        document: f.document,
        kind: c.kind,
        quote: c.quote,
        printed: c.printed ?? (c.of ? (c.of.map((o) => o.printed ?? '') as Printed) : null),
        expected: expectedValues.every((t) => t) && expectedValues.length ? expectedValues.map((t) => summarise(t!.data, t!.shape)) : null,
        audit: a
          ? {
              verdict: a.verdict,
              error_kind: a.error_kind,
              erratum_source: a.erratum_source,
              roots: a.roots.map((r) => `${r.claim}${r.index.length ? `[${r.index.join(',')}]` : ''}`),
              decision: a.decision === true,
              seed_line: a.line,
              reason: a.reason,
              correct: a.correct,
              suggestion: a.suggestion,
            }
          : null,
        results: record(),
      };
      if (a?.no_fix) entry.audit!.no_fix = a.no_fix;
      for (const run of runs) {
        const r = run.results[id];
        if (!r) continue;
        // plain loops and assignments in the key order report.json has always had: this runs cold once per
        // claim and implementation, where chains of closures and object spreads cost the most
        let worst: (typeof r.operands)[number] | undefined;
        const withActual: number[] = [];
        const actual: Values[] = [];
        for (let k = 0; k < r.operands.length; k++) {
          const op = r.operands[k];
          if (op.maxRelError !== undefined && (!worst || op.maxRelError > (worst.maxRelError ?? -1))) worst = op;
          if (op.actual) {
            withActual.push(k);
            actual.push(summarise(op.actual, op.actualShape!));
          }
        }
        const result: ResultEntry = { status: r.status };
        if (r.message) result.message = r.message;
        if (r.missing?.length) result.missing = [...r.missing];
        if (worst) {
          result.max_abs_error = finite(worst.maxAbsError!) as number;
          result.max_rel_error = finite(worst.maxRelError!) as number;
          result.worst_index = worst.worstIndex;
        }
        if (actual.length) result.actual = actual;
        entry.results[run.info.name] = result;
        if (withActual.some((k, n) => operandOf[k] !== n)) result.actual_of = withActual.map((k) => operandOf[k]);
        if (r.status !== 'pass' && r.tolerance) {
          const worstOf = withActual.flatMap((k) => {
            const op = r.operands[k];
            const e = expectedValues[operandOf[k]];
            return e && op.actual!.length > INLINE_LIMIT
              ? [{ operand: operandOf[k], elements: worstElements(op.actual!, e.data, op.actualShape!, r.tolerance!) }]
              : [];
          });
          if (worstOf.length) result.worst_elements = worstOf;
        }
        const s = summary[run.info.name];
        for (const counts of [s.overall, (s.by_section[section] ??= zero()), (s.by_fixture[f.id] ??= zero())]) {
          counts.total++;
          counts[r.status]++;
        }
        if (r.status === 'skip') skipped.get(run.info.name)!.push(r.missing ?? []);
      }
      claims.push(entry);
      fixtureSections[f.id] = section;
    }
  }
  for (const run of runs) summary[run.info.name].skips = summariseSkips(skipped.get(run.info.name)!);
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    suite: { name: 'transformer-conformance', version: o.version },
    fixture_set_hash: suite.hash,
    date: (o.date ?? new Date()).toISOString(),
    profile: o.profile,
    filter: o.filter,
    complete: runs.every((r) => r.complete),
    implementations: runs.map((r) => ({
      name: r.info.name,
      version: r.info.version,
      language: r.info.language,
      dtype: r.info.capabilities.dtype,
      capabilities: { ops: [...r.info.capabilities.ops], features: [...r.info.capabilities.features] },
      scenario_errors: r.scenarioErrors,
    })),
    claims,
    fixture_sections: fixtureSections,
    summary,
  };
}
