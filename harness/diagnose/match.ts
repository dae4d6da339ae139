// Mistake matching: run every mutant of the catalogue (harness/impls/mutants.ts) on the same fixtures, in process,
// and compare a failing implementation's results with each: a mutant matches when the implementation fails exactly
// where the mutant fails, with the mutant's own actual values (within the tolerance), and passes where it passes.
// No match is never papered over: then only the first divergence is reported.
import type { Suite } from '../fixtures/suite.js';
import { composable, MUTANTS, mutantImplementation, mutantsImplementation, type Mutant } from '../impls/mutants.js';
import type { Implementation } from '../run/implementation.js';
import { PROFILES, type ProfileName, type Tolerance } from '../run/compare.js';
import { record, runImplementation, type ImplementationRun } from '../run/runner.js';
import { firstDivergence, type ClaimOutcome, type Divergence } from './divergence.js';

/** One claim's result as the diagnosis reads it: from a run (every actual value) or a report (small ones only). */
export interface Observed extends ClaimOutcome {
  tolerance?: Tolerance;
  /** Each operand's actual values (row-major); null where only a summary is known. */
  actual?: Array<number[] | null>;
}

export type Observations = Record<string, Observed>;

/** A run's results as observations, every actual value kept. */
export function observationsOf(run: ImplementationRun): Observations {
  const out = record<Observed>();
  for (const [id, r] of Object.entries(run.results))
    out[id] = {
      status: r.status,
      ...(r.message ? { message: r.message } : {}),
      ...(r.tolerance ? { tolerance: r.tolerance } : {}),
      operands: r.operands.map((o) => ({ path: o.path, ...(o.pass === undefined ? {} : { pass: o.pass }) })),
      actual: r.operands.filter((o) => o.actual).map((o) => o.actual!),
    };
  return out;
}

/** How one candidate (a mutant or a pair) compares with the implementation. */
export interface MatchScore {
  /** The mutant's name, or `a+b` for a pair. */
  name: string;
  mutants: Mutant[];
  /** Claims both ran where either does not pass, on which they agree (status, and actual values where both fail). */
  agree: number;
  /** ... on which they disagree. */
  disagree: number;
  /** Failures of the implementation the candidate passes. */
  implOnly: number;
  /** Failures of the candidate the implementation passes. */
  mutantOnly: number;
  /** Both fail, but with different values. */
  valuesDiffer: number;
  /** Both fail, and the values could not be compared (summarised in a report): agreement by status only. */
  statusOnly: number;
  /** agree / (agree + disagree). */
  score: number;
}

export interface Diagnosis {
  divergence: Divergence;
  /** Failing (fail or error) claims of the implementation. */
  failing: number;
  /** The candidates that match exactly, equally good (empty: no mutant matches). */
  matches: MatchScore[];
  /** The best candidate that does not match (the closest, never a claim of a match). */
  runnerUp: MatchScore | null;
  /** Every single mutant, best first. */
  ranked: MatchScore[];
  /** Whether pairs of mutants were tried (only when no single one matches). */
  pairsTried: number;
  notes: string[];
}

const judged = (s: string) => s === 'pass' || s === 'fail' || s === 'error';
const failing = (s: string) => s === 'fail' || s === 'error';

function sameValues(a: number[], b: number[], tol: Tolerance): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [x, m] = [a[i], b[i]];
    if (Number.isFinite(x) !== Number.isFinite(m)) return false;
    if (!Number.isFinite(x)) {
      if (!(Object.is(x, m) || (Number.isNaN(x) && Number.isNaN(m)))) return false;
    } else if (Math.abs(x - m) > tol.atol + tol.rtol * Math.abs(m)) return false;
  }
  return true;
}

/** Compares the implementation's observations with a candidate's, claim by claim. */
export function compareObservations(
  name: string,
  mutants: Mutant[],
  impl: Observations,
  cand: Observations,
  profile: ProfileName,
): MatchScore {
  const s: MatchScore = { name, mutants, agree: 0, disagree: 0, implOnly: 0, mutantOnly: 0, valuesDiffer: 0, statusOnly: 0, score: 0 };
  for (const [id, o] of Object.entries(impl)) {
    const m = Object.hasOwn(cand, id) ? cand[id] : undefined;
    if (!m || !judged(o.status) || !judged(m.status)) continue;
    if (o.status === 'pass' && m.status === 'pass') continue;
    if (failing(o.status) && m.status === 'pass') s.implOnly++;
    else if (o.status === 'pass') s.mutantOnly++;
    else if (o.status !== m.status) s.valuesDiffer++;
    else if (o.status === 'fail') {
      const tol = o.tolerance ?? PROFILES[profile];
      const mine = o.actual ?? [];
      const theirs = m.actual ?? [];
      if (mine.length !== theirs.length) s.valuesDiffer++;
      else if (mine.some((a) => a === null)) {
        if (mine.every((a, k) => a === null || sameValues(a, theirs[k]!, tol))) s.statusOnly++;
        else s.valuesDiffer++;
      } else if (mine.every((a, k) => sameValues(a!, theirs[k]!, tol))) s.agree++;
      else s.valuesDiffer++;
    } else s.agree++;
  }
  s.agree += s.statusOnly;
  s.disagree = s.implOnly + s.mutantOnly + s.valuesDiffer;
  s.score = s.agree + s.disagree ? s.agree / (s.agree + s.disagree) : 0;
  return s;
}

export type RunSuite = Pick<Suite, 'fixtures' | 'goldenOf' | 'hash'>;

const cache = new Map<string, Observations>();

/** The claims of the named fixtures only (a claim id is `fixture/claim`). */
export function observationsIn(obs: Observations, fixtureIds: ReadonlySet<string>): Observations {
  const out = record<Observed>();
  for (const [id, o] of Object.entries(obs)) if (fixtureIds.has(id.slice(0, id.indexOf('/')))) out[id] = o;
  return out;
}

/** Sub-suites and the suite they were cut from. */
const parents = new WeakMap<RunSuite, { parent: RunSuite; ids: ReadonlySet<string> }>();

/**
 * The suite restricted to some of its fixtures. A scenario's results depend on that scenario alone, so a run the
 * whole suite has cached is restricted rather than run again.
 */
export function subSuite(suite: RunSuite, fixtureIds: Iterable<string>): RunSuite {
  const ids = new Set(fixtureIds);
  const sub: RunSuite = {
    fixtures: suite.fixtures.filter((lf) => ids.has(lf.fixture.id)),
    goldenOf: suite.goldenOf,
    hash: `${suite.hash} only ${[...ids].sort().join(',')}`,
  };
  parents.set(sub, { parent: suite, ids });
  return sub;
}

/** An implementation's observations over the suite, cached by suite, profile and name (mutants are deterministic). */
async function cachedRun(suite: RunSuite, profile: ProfileName, name: string, make: () => Implementation): Promise<Observations> {
  const key = `${suite.hash}|${profile}|${name}`;
  let o = cache.get(key);
  const cut = parents.get(suite);
  const whole = cut && cache.get(`${cut.parent.hash}|${profile}|${name}`);
  if (!o && whole) o = observationsIn(whole, cut.ids);
  if (!o) {
    const impl = make();
    try {
      o = observationsOf(await runImplementation(impl, suite, { profile }));
    } finally {
      await impl.close?.();
    }
  }
  cache.set(key, o);
  return o;
}

/** Every mutant's observations over the suite (each run once per suite and profile). */
export async function mutantObservations(suite: RunSuite, profile: ProfileName): Promise<Map<string, Observations>> {
  const out = new Map<string, Observations>();
  for (const m of MUTANTS) out.set(m.name, await cachedRun(suite, profile, m.name, () => mutantImplementation(m.name)));
  return out;
}

export { composable } from '../impls/mutants.js';

/** The reference with both mistakes switched on (the two must be `composable`: it throws otherwise). */
export function pairImplementation(a: Mutant, b: Mutant): Implementation {
  return mutantsImplementation([a.name, b.name]);
}

const byScore = (a: MatchScore, b: MatchScore) => b.score - a.score || a.disagree - b.disagree || a.name.localeCompare(b.name);

export interface DiagnoseOptions {
  profile: ProfileName;
  /** Try pairs of composable mutants when no single one matches (default true). */
  pairs?: boolean;
  /** At most this many single mutants (the closest that fail nowhere the implementation passes) form the pairs. */
  pairCandidates?: number;
}

/** The first divergence and the matched mistake of one implementation's observations. */
export async function diagnose(suite: RunSuite, impl: Observations, o: DiagnoseOptions): Promise<Diagnosis> {
  const divergence = firstDivergence(suite.fixtures, impl);
  const nFailing = Object.values(impl).filter((r) => failing(r.status)).length;
  const notes: string[] = [];
  const d: Diagnosis = { divergence, failing: nFailing, matches: [], runnerUp: null, ranked: [], pairsTried: 0, notes };
  if (!nFailing) return d;
  const runs = await mutantObservations(suite, o.profile);
  d.ranked = MUTANTS.map((m) => compareObservations(m.name, [m], impl, runs.get(m.name)!, o.profile)).sort(byScore);
  d.matches = d.ranked.filter((s) => s.disagree === 0 && s.agree > 0);
  if (!d.matches.length && o.pairs !== false) {
    // pairs of the closest single mutants that fail nowhere the implementation passes
    const parts = d.ranked.filter((s) => s.mutantOnly === 0 && s.agree > 0).slice(0, o.pairCandidates ?? 6);
    const pairs: MatchScore[] = [];
    for (let i = 0; i < parts.length; i++)
      for (let j = i + 1; j < parts.length; j++) {
        const [a, b] = [parts[i].mutants[0], parts[j].mutants[0]];
        if (!composable(a, b)) continue;
        const name = `${a.name}+${b.name}`;
        const run = await cachedRun(suite, o.profile, name, () => pairImplementation(a, b));
        pairs.push(compareObservations(name, [a, b], impl, run, o.profile));
      }
    d.pairsTried = pairs.length;
    d.matches = pairs.filter((s) => s.disagree === 0 && s.agree > 0).sort(byScore);
    d.ranked = [...d.ranked, ...pairs].sort(byScore);
  }
  d.runnerUp = d.ranked.find((s) => !d.matches.includes(s)) ?? null;
  if (Object.values(impl).some((r) => r.actual?.some((a) => a === null)))
    notes.push('some actual values were summarised (a report keeps only small tensors): those claims matched by status only');
  return d;
}
