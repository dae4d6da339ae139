// The diagnosis from outside the process: every mutant of the catalogue served by harness/testing/fake-impl.ts as
// an external program over the JSON Lines protocol, a few pairs switched on together, and a mistake outside the
// catalogue. Each is diagnosed from what crossed the protocol, and must be diagnosed as its in-process run is, with
// its first divergence at the value the catalogue says the mistake touches. To stay cheap the processes run two at a
// time on a subset of the fixtures chosen from the mutants' own in-process runs (diagnose/subset.ts).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSuite, type Suite } from '../fixtures/suite.js';
import { MUTANTS, MUTANT_NAMES, mutantsImplementation } from '../impls/mutants.js';
import { ProcessImplementation } from '../impls/process.js';
import { ROOT } from '../paths.js';
import { runImplementation } from '../run/runner.js';
import { diagnose, mutantObservations, observationsOf, subSuite, type Diagnosis, type Observations, type RunSuite } from './match.js';
import { compareKeys, firstDivergence, type Divergence } from './divergence.js';
import { discriminatingFixtures, fixtureCost } from './subset.js';

const FAKE = join(ROOT, 'harness', 'testing', 'fake-impl.ts');
/** Pairs of mistakes switched on together: forward and update, backward and update, attention and Adam. */
const PAIRS: Array<[string, string]> = [
  ['no-scale', 'no-lr'],
  ['ce-grad-through-softmax', 'frozen-updated'],
  ['softmax-columns', 'adam-no-v-correction'],
];
/** fake-impl's mistake outside the catalogue: every loss reported in bits (÷ ln 2). */
const OUTSIDE = 'loss-in-bits';
const mode = (names: readonly string[]) => `mutant:${names.join('+')}`;
const PROFILE = { profile: 'float64' as const };

let suite: Suite;
let pool: RunSuite;
let sub: RunSuite;
const overProtocol = new Map<string, Diagnosis>();
/** In process over the same fixtures: each mutant's first divergence and failing claims, each pair's diagnosis. */
const ownDivergence = new Map<string, { divergence: Divergence; failing: number }>();
const inProcess = new Map<string, Diagnosis>();

/** fake-impl in `mode`, run over the subset, as observations. */
async function observedOverProtocol(m: string): Promise<Observations> {
  const impl = await ProcessImplementation.start([process.execPath, '--import', 'tsx', FAKE, m], { timeoutMs: 60_000, cwd: ROOT });
  try {
    return observationsOf(await runImplementation(impl, sub, PROFILE));
  } finally {
    await impl.close();
  }
}

/** f over every item, `width` at a time (the machine's two cores). */
async function twoAtATime<T>(items: readonly T[], width: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

beforeAll(async () => {
  const started = Date.now();
  const loaded = loadSuite({});
  if (!loaded.suite) throw new Error(`the suite does not load: ${loaded.problems.length} problem(s)`);
  suite = loaded.suite;
  // The fixtures of the full-size Stage 10 model cost most of a run: the pool leaves out every fixture that costs more
  // than a tenth of the costliest (the mutants must still be told apart without them: the tests below say so if not).
  const costs = suite.fixtures.map((lf) => fixtureCost(suite, lf));
  pool = subSuite(
    suite,
    suite.fixtures.filter((_, i) => costs[i] <= Math.max(...costs) / 10).map((lf) => lf.fixture.id),
  );
  sub = subSuite(pool, discriminatingFixtures(pool, await mutantObservations(pool, 'float64'), 'float64'));
  const chosen = Date.now();
  const modes = [...MUTANT_NAMES.map((n) => mode([n])), ...PAIRS.map(mode), OUTSIDE];
  const observed = new Map<string, Observations>();
  await twoAtATime(modes, 2, async (m) => void observed.set(m, await observedOverProtocol(m)));
  const ran = Date.now();
  const single: number[] = [];
  for (const m of modes) {
    const t = Date.now();
    overProtocol.set(m, await diagnose(sub, observed.get(m)!, PROFILE));
    single.push(Date.now() - t);
  }
  const subRuns = await mutantObservations(sub, 'float64');
  for (const n of MUTANT_NAMES) {
    const obs = subRuns.get(n)!;
    const failing = Object.values(obs).filter((o) => o.status === 'fail' || o.status === 'error').length;
    ownDivergence.set(n, { divergence: firstDivergence(sub.fixtures, obs), failing });
  }
  for (const p of PAIRS)
    inProcess.set(mode(p), await diagnose(sub, observationsOf(await runImplementation(mutantsImplementation(p), sub, PROFILE)), PROFILE));
  console.log(
    `diagnose over the protocol: ${sub.fixtures.length} of ${pool.fixtures.length} fixtures (of ${suite.fixtures.length}) chosen in ` +
      `${chosen - started} ms (the in-process mutant runs included); ` +
      `${modes.length} processes in ${ran - chosen} ms; diagnoses in ${Date.now() - ran} ms (one: ${Math.min(...single)} to ${Math.max(...single)} ms)`,
  );
}, 240_000);

type Diverged = Pick<Diagnosis, 'divergence'>;
const earliest = (d: Diverged) => (d.divergence.earliest ? `${d.divergence.earliest.fixture}: ${d.divergence.earliest.value.path}` : null);
const pathOf = (d: Diverged) => d.divergence.earliest?.value.path;

describe('the subset of fixtures', () => {
  it('holds, for every mutant, a value as early as its first divergence over the whole pool, and is smaller than the pool', async () => {
    const runs = await mutantObservations(pool, 'float64');
    for (const n of MUTANT_NAMES) {
      const whole = firstDivergence(pool.fixtures, runs.get(n)!).earliest!;
      expect(compareKeys(ownDivergence.get(n)!.divergence.earliest!.value.rank, whole.value.rank), n).toBe(0);
    }
    expect(sub.fixtures.length).toBeLessThan(pool.fixtures.length);
  });
});

describe('every mutant as an external process', () => {
  it.each(MUTANT_NAMES)('%s: named first and alone, its first divergence the value it touches, as in process', (name) => {
    const d = overProtocol.get(mode([name]))!;
    const m = MUTANTS.find((x) => x.name === name)!;
    expect(d.failing).toBeGreaterThan(0);
    expect(d.matches.map((x) => x.name)).toEqual([name]);
    expect(d.matches[0].mutants).toEqual([m]);
    expect(pathOf(d)).toMatch(m.touches);
    const own = ownDivergence.get(name)!;
    expect(pathOf(own)).toMatch(m.touches);
    expect(earliest(d)).toBe(earliest(own));
    expect(d.failing).toBe(own.failing);
  });
});

describe('two mutants switched on together, as an external process', () => {
  it.each(PAIRS)('%s + %s: found as in process, the first divergence where one of the two touches first', (a, b) => {
    const d = overProtocol.get(mode([a, b]))!;
    const own = inProcess.get(mode([a, b]))!;
    const found = d.matches.map((x) => x.name);
    expect(found).toEqual(own.matches.map((x) => x.name));
    // the pair itself, or honestly no match (then neither single mutant is claimed either)
    expect([[`${a}+${b}`], []]).toContainEqual(found);
    expect(d.failing).toBeGreaterThan(0);
    expect(earliest(d)).toBe(earliest(own));
    const touches = [a, b].map((n) => MUTANTS.find((x) => x.name === n)!.touches);
    expect(touches.some((t) => t.test(pathOf(d)!))).toBe(true);
    console.log(`${a}+${b}: ${found.length ? `matched as ${found.join(', ')}` : 'no single match'}; first divergence ${earliest(d)}`);
  });
});

describe('a mistake outside the catalogue, as an external process', () => {
  it(`${OUTSIDE}: a first divergence at a loss, and no mutant (nor pair) matches`, () => {
    const d = overProtocol.get(OUTSIDE)!;
    expect(d.failing).toBeGreaterThan(0);
    expect(pathOf(d)).toMatch(/(^|\/)loss$/);
    expect(d.matches).toEqual([]);
    expect(d.runnerUp?.disagree).toBeGreaterThan(0);
  });
});
