// The diagnosis over the whole mutant catalogue: each mutant, run in process once (shared by every test here), is
// named first, and its first divergence is the earliest value its own failing claims read in the dataflow order, at
// the value the catalogue says the mistake touches (`touches`; process.test.ts checks the same over the protocol).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../fixtures/scenario.js';
import { loadSuite, type Suite } from '../fixtures/suite.js';
import { MUTANTS, MUTANT_NAMES } from '../impls/mutants.js';
import { referenceImplementation } from '../impls/reference.js';
import type { Implementation } from '../run/implementation.js';
import { runImplementation } from '../run/runner.js';
import { compareKeys, pathOrder } from './divergence.js';
import { diagnose, mutantObservations, observationsOf, pairImplementation, type Diagnosis, type Observations } from './match.js';

/** Pairs of mutants the suite cannot tell apart (each accepts the other as the named match): none today. */
const INDISTINGUISHABLE: Array<[string, string]> = [];

let suite: Suite;
let runs: Map<string, Observations>;
const diagnoses = new Map<string, Diagnosis>();

beforeAll(async () => {
  const started = Date.now();
  const loaded = loadSuite({});
  if (!loaded.suite) throw new Error(`the suite does not load: ${loaded.problems.length} problem(s)`);
  suite = loaded.suite;
  runs = await mutantObservations(suite, 'float64');
  for (const name of MUTANT_NAMES) diagnoses.set(name, await diagnose(suite, runs.get(name)!, { profile: 'float64' }));
  console.log(`diagnose: ${MUTANT_NAMES.length} mutant runs and diagnoses in ${Date.now() - started} ms`);
}, 300_000);

/** The expected first divergences (every failing read of the least rank), from the mutant's own failing reads. */
function expectedEarliest(obs: Observations): string[] {
  let best: { at: string[]; rank: number[] } | null = null;
  for (const lf of suite.fixtures) {
    const kind = lf.fixture.scenario.kind;
    if (kind !== 'model' && kind !== 'ops') continue;
    const ids = lf.fixture.claims.map((c) => `${lf.fixture.id}/${c.id}`);
    if (ids.some((id) => obs[id]?.message?.startsWith('scenario error'))) continue;
    for (const id of ids) {
      const o = obs[id];
      if (o?.status !== 'fail') continue;
      for (const op of o.operands ?? [])
        if (op.pass === false) {
          const { rank } = pathOrder(lf.fixture.scenario as Scenario, op.path);
          const at = `${lf.fixture.id}: ${op.path}`;
          const c = best ? compareKeys(rank, best.rank) : -1;
          if (c < 0) best = { at: [at], rank };
          else if (c === 0) best!.at.push(at);
        }
    }
  }
  return best?.at ?? [];
}

const equivalent = (a: string, b: string) => a === b || INDISTINGUISHABLE.some(([x, y]) => (x === a && y === b) || (x === b && y === a));

describe('the diagnosis of every mutant of the catalogue', () => {
  it.each(MUTANT_NAMES)('%s: named first, with its explanation and source', (name) => {
    const d = diagnoses.get(name)!;
    expect(d.failing).toBeGreaterThan(0);
    expect(d.matches.length).toBeGreaterThan(0);
    expect(d.matches.every((m) => equivalent(m.name, name))).toBe(true);
    expect(d.matches.map((m) => m.name)).toContain(name);
    const m = MUTANTS.find((x) => x.name === name)!;
    expect(d.matches.find((x) => x.name === name)!.mutants).toEqual([m]);
    expect(d.runnerUp?.name).not.toBe(name);
  });

  it.each(MUTANT_NAMES)('%s: the first divergence is the earliest value the mistake touches', (name) => {
    const d = diagnoses.get(name)!;
    const e = d.divergence.earliest;
    expect(e).not.toBeNull();
    expect(expectedEarliest(runs.get(name)!)).toContain(`${e!.fixture}: ${e!.value.path}`);
    expect(e!.value.path).toMatch(MUTANTS.find((m) => m.name === name)!.touches);
    // everything before it in its scenario passed
    const f = d.divergence.fixtures.find((x) => x.fixture === e!.fixture)!;
    expect(f.passedBefore.every((v) => v.pass)).toBe(true);
  });
});

describe('no false diagnosis', () => {
  it('the reference: no divergence, no match', async () => {
    const run = await runImplementation(referenceImplementation, suite, { profile: 'float64' });
    const d = await diagnose(suite, observationsOf(run), { profile: 'float64' });
    expect(d.failing).toBe(0);
    expect(d.divergence.earliest).toBeNull();
    expect(d.divergence.fixtures).toEqual([]);
    expect(d.matches).toEqual([]);
  });

  it('a mistake outside the catalogue (logits + 1e-3): a first divergence at the logits, and no mutant matches', async () => {
    const shifted: Implementation = {
      ...referenceImplementation,
      name: 'logits-plus-1e-3',
      async run(scenario, options) {
        const trace = await referenceImplementation.run(scenario, options);
        for (const [path, t] of Object.entries(trace))
          if (path.endsWith('/logits')) trace[path] = { ...t, data: Float64Array.from(t.data, (x) => x + 1e-3) };
        return trace;
      },
    };
    const run = await runImplementation(shifted, suite, { profile: 'float64' });
    const d = await diagnose(suite, observationsOf(run), { profile: 'float64' });
    expect(d.failing).toBeGreaterThan(0);
    expect(d.divergence.earliest!.value.path).toMatch(/\/logits$/);
    expect(d.matches).toEqual([]);
  });

  it('two mistakes at once: named as the pair', async () => {
    const [a, b] = ['no-scale', 'no-lr'].map((n) => MUTANTS.find((m) => m.name === n)!);
    const run = await runImplementation(pairImplementation(a, b), suite, { profile: 'float64' });
    const d = await diagnose(suite, observationsOf(run), { profile: 'float64' });
    expect(d.pairsTried).toBeGreaterThan(0);
    expect(d.matches.map((m) => m.name)).toEqual(['no-scale+no-lr']);
  });
});
