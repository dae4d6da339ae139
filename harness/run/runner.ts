// Runs the fixtures against implementations and decides, claim by claim: pass, fail, skip, error, or
// not-applicable (a claim about the document's own arithmetic involves no implementation).
import picomatch from 'picomatch';
import type { Tensor } from '../../reference/tensor.js';
import { CLAIM_KINDS, claimPaths, claimReads } from '../fixtures/claim-kinds.js';
import { expectedTensor } from '../fixtures/claims.js';
import { compareTensors, PROFILES, type ProfileName, type TensorComparison, type Tolerance } from './compare.js';
import { claimId, claimSection, type Claim, type LoadedFixture } from '../fixtures/types.js';
import type { Golden } from '../fixtures/golden.js';
import type { Implementation, ImplementationInfo, TraceValues } from './implementation.js';
import { fixtureRequirements, missingList, missingOf, skipMessage, tracedBy } from './requirements.js';
import { materialize, runScenario, scenarioKind } from './scenario-run.js';
import type { Scenario } from '../fixtures/scenario.js';
import { select } from '../fixtures/tensors.js';
import { EVIDENCE_LIMIT, truncate } from '../bounded.js';
import type { Suite } from '../fixtures/suite.js';

export type Status = 'pass' | 'fail' | 'skip' | 'error' | 'not-applicable';

export interface OperandResult extends Partial<TensorComparison> {
  path: string;
  at?: number[];
  actual?: number[];
  actualShape?: number[];
}

export interface ClaimResult {
  status: Status;
  message?: string;
  /** A skipped claim: the capabilities it needs that the implementation lacks (`op softmax`, `feature backward`). */
  missing?: string[];
  tolerance?: Tolerance;
  operands: OperandResult[];
}

/** Per-implementation tolerance overrides: claim-id glob → tolerance. */
export type Overrides = Record<string, Record<string, Partial<Tolerance>>>;

export interface RunOptions {
  profile: ProfileName;
  /** Claim ids (`<fixture>/<claim>`) matching any of these globs are run; the rest are left out. */
  filter?: string[];
  overrides?: Overrides;
  onFixture?: (impl: string, fixture: string) => void;
  /** The name this run goes by in the reports (default the implementation's own), so that two share none. */
  label?: string;
  /** Asked before each scenario; true stops the run there (an interrupt), keeping the results so far. */
  shouldStop?: () => boolean;
}

/** A scenario that could not be run: its evidence, kept once (its claims carry only the first line). */
export interface ScenarioError {
  fixture: string;
  message: string;
  /** How many claims it cost. */
  claims: number;
}

export interface ImplementationRun {
  info: ImplementationInfo;
  /** Claim id → result (a null-prototype object: ids are data, never prototype keys). */
  results: Record<string, ClaimResult>;
  scenarioErrors: ScenarioError[];
  /** False when the run was stopped before its last scenario. */
  complete: boolean;
}

/** An empty string-keyed record with no prototype, so that no key (`__proto__`, `constructor`) is special. */
export const record = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** The line a claim carries for a scenario error: the evidence's first line, short. */
const SCENARIO_ERROR_LINE = 300;

/** The claims of a fixture that the filter keeps. */
export function selectClaims(lf: LoadedFixture, filter?: string[]): Claim[] {
  if (!filter?.length) return lf.fixture.claims;
  const match = picomatch(filter);
  return lf.fixture.claims.filter(
    (c) =>
      match(claimId(lf.fixture, c)) ||
      match(lf.fixture.id) ||
      (lf.fixture.tags ?? []).some((t) => match(t)) ||
      match(claimSection(lf.fixture, c) ?? ''),
  );
}

/** The value references of a claim that an implementation's trace answers. */
const refsOf = (c: Claim) => claimReads(c).filter((r) => r.path !== undefined);

/** An implementation's tolerance overrides, each glob compiled once per run (not once per claim). */
type OverrideMatchers = { matches: (id: string) => boolean; tolerance: Partial<Tolerance> }[];

function overrideMatchers(impl: string, o: RunOptions): OverrideMatchers {
  const mine = o.overrides && Object.hasOwn(o.overrides, impl) ? o.overrides[impl] : {};
  return Object.entries(mine).map(([glob, tolerance]) => ({ matches: picomatch(glob), tolerance }));
}

function toleranceFor(id: string, c: Claim, profile: ProfileName, overrides: OverrideMatchers): Tolerance {
  let tol: Tolerance = { ...PROFILES[profile], ...c.tolerance };
  for (const { matches, tolerance } of overrides) if (matches(id)) tol = { ...tol, ...tolerance };
  return tol;
}

/** A tensor's values as a plain array, by a loop: Array.from of a typed array is several times slower in a cold process. */
function plainArray(data: Float64Array): number[] {
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i];
  return out;
}

function judge(c: Claim, trace: TraceValues, golden: Golden | null, tol: Tolerance): ClaimResult {
  const operands: OperandResult[] = [];
  for (const r of refsOf(c)) {
    const op: OperandResult = { path: r.path!, ...(r.at ? { at: r.at } : {}) };
    operands.push(op);
    const expected = expectedTensor(r, golden);
    if (!expected) return { status: 'error', message: `no certified value for ${r.path} (run tconf golden)`, operands };
    const whole = trace[r.path!];
    if (!whole) return { status: 'error', message: `the implementation's trace has no '${r.path}'`, operands };
    let actual: Tensor;
    try {
      if (whole.data.length !== whole.shape.reduce((a, b) => a * b, 1))
        throw new Error(`'${r.path}' has ${whole.data.length} values for shape [${whole.shape}]`);
      actual = r.at ? select(whole, r.at) : whole;
      Object.assign(op, { actual: plainArray(actual.data), actualShape: actual.shape }, compareTensors(actual, expected, tol));
    } catch (e) {
      return { status: 'error', message: (e as Error).message, operands };
    }
  }
  const failed = operands.find((o) => !o.pass);
  const message = failed
    ? failed.nonFinite
      ? `${failed.path}: ${failed.nonFinite} non-finite value(s)`
      : `${failed.path}: max abs error ${failed.maxAbsError!.toExponential(3)} at [${failed.worstIndex}] exceeds atol ${tol.atol} + rtol ${tol.rtol}·|e|`
    : undefined;
  return { status: failed ? 'fail' : 'pass', tolerance: tol, operands, ...(message ? { message } : {}) };
}

/**
 * A capability claim the implementation declares everything for (what it names and what the claims that exercise it
 * need, requirements.ts; else it was skipped): passed when every claim that exercises it passed, failed when one
 * failed or erred, skipped when one did not run.
 */
function capabilityResult(lf: LoadedFixture, c: Claim, results: Record<string, ClaimResult>): ClaimResult {
  const by = (c.exercised_by ?? []).map((id) => ({ id, status: results[`${lf.fixture.id}/${id}`]?.status ?? 'not run' }));
  const list = (xs: typeof by) => xs.map((x) => `${x.id} (${x.status})`).join(', ');
  const bad = by.filter((x) => x.status === 'fail' || x.status === 'error');
  if (bad.length) return { status: 'fail', message: `declared, but claims that exercise it do not pass: ${list(bad)}`, operands: [] };
  const unrun = by.filter((x) => x.status !== 'pass');
  if (unrun.length) {
    // what the exercising claims lacked is what this one lacks
    const inherited = [...new Set(unrun.flatMap((x) => results[`${lf.fixture.id}/${x.id}`]?.missing ?? []))];
    const message = `declared, but claims that exercise it did not run: ${list(unrun)}`;
    return { status: 'skip', message, ...(inherited.length ? { missing: inherited } : {}), operands: [] };
  }
  return { status: 'pass', message: `declared, and the ${by.length} claim(s) that exercise it pass`, operands: [] };
}

/** One implementation over the fixtures; a failing scenario costs its own claims, never the run. */
export async function runImplementation(
  impl: Implementation,
  suite: Pick<Suite, 'fixtures' | 'goldenOf'>,
  o: RunOptions,
): Promise<ImplementationRun> {
  const { fixtures, goldenOf } = suite;
  const name = o.label ?? impl.name;
  const results = record<ClaimResult>();
  const scenarioErrors: ScenarioError[] = [];
  // Compiled once; an implementation's globs were checked when it declared them.
  const traced = tracedBy(impl.capabilities.trace);
  const overrides = overrideMatchers(name, o);
  // capability claims the implementation declares everything for
  const pending: [LoadedFixture, Claim][] = [];
  let complete = true;
  for (const lf of fixtures) {
    const f = lf.fixture;
    const claims = selectClaims(lf, o.filter);
    if (!claims.length) continue;
    if (o.shouldStop?.()) {
      complete = false;
      break;
    }
    o.onFixture?.(impl.name, f.id);
    // Each claim is decided on its own requirements: what it reads, not what else its fixture holds.
    const reqs = fixtureRequirements(f);
    const runnable: Claim[] = [];
    for (const c of claims) {
      const req = reqs.get(c.id) ?? null;
      if (!req) {
        const kind = scenarioKind(f.scenario);
        results[claimId(f, c)] = { status: 'not-applicable', message: kind.notRun ?? CLAIM_KINDS[c.kind].notRun, operands: [] };
        continue;
      }
      const lacks = missingOf(impl.capabilities, req, traced);
      const missing = missingList(lacks);
      if (missing.length) results[claimId(f, c)] = { status: 'skip', message: skipMessage(lacks), missing, operands: [] };
      // reads nothing itself: decided below, from the claims that exercise it
      else if (c.kind === 'capability') pending.push([lf, c]);
      else runnable.push(c);
    }
    if (!runnable.length) continue;
    // Judged scenarios are the ones an implementation runs: a model (its weights drawn now) or single ops; only the
    // calls it supports are sent (the claims reading the others were skipped above).
    const supported = (call: { op: string }) => (impl.capabilities.ops as string[]).includes(call.op);
    const given = f.scenario as Scenario;
    const scenario: Scenario =
      given.kind === 'model'
        ? { ...materialize(given), ...(given.then ? { then: given.then.filter(supported) } : {}) }
        : { ...given, calls: given.calls.filter(supported) };
    let trace: TraceValues;
    try {
      trace = await runScenario(impl, scenario, [...new Set(runnable.flatMap(claimPaths))]);
    } catch (e) {
      // An adapter's evidence arrives bounded already; this bound is for in-process implementations.
      const message = truncate(String((e as Error)?.message ?? e), 4 * EVIDENCE_LIMIT);
      scenarioErrors.push({ fixture: f.id, message, claims: runnable.length });
      const first = message.split('\n')[0];
      const line =
        first.length > SCENARIO_ERROR_LINE ? `${first.slice(0, SCENARIO_ERROR_LINE)}… (the whole message once, with the scenario)` : first;
      for (const c of runnable) results[claimId(f, c)] = { status: 'error', message: `scenario error: ${line}`, operands: [] };
      continue;
    }
    const golden = goldenOf(f.id);
    for (const c of runnable) results[claimId(f, c)] = judge(c, trace, golden, toleranceFor(claimId(f, c), c, o.profile, overrides));
  }
  // Capability claims last: each is decided by the results of the claims that exercise it.
  for (const [lf, c] of pending) results[claimId(lf.fixture, c)] = capabilityResult(lf, c, results);
  return {
    info: { name, version: impl.version, language: impl.language, capabilities: impl.capabilities },
    results,
    scenarioErrors,
    complete,
  };
}
