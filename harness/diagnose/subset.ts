// A small set of fixtures on which the diagnosis still tells every mutant apart: for running an implementation in
// less than the whole suite (the diagnosis over the process protocol in tests). Chosen from the mutants' own runs,
// so it follows the catalogue and the fixtures as they change, and cheap fixtures are preferred.
import type { LoadedFixture } from '../fixtures/types.js';
import type { ProfileName } from '../run/compare.js';
import { record } from '../run/runner.js';
import { compareKeys, firstDivergence } from './divergence.js';
import { compareObservations, type Observations, type Observed, type RunSuite } from './match.js';

/** What running a fixture costs, roughly: its claims and the values they read (its golden store). */
export function fixtureCost(suite: Pick<RunSuite, 'goldenOf'>, lf: LoadedFixture): number {
  const values = Object.values(suite.goldenOf(lf.fixture.id)?.values ?? {});
  return lf.fixture.claims.length + values.reduce((n, v) => n + v.data.length, 0);
}

/**
 * The fixture ids (in the suite's order) that hold each mutant's first divergence (the cheapest of the fixtures
 * where it first diverges, when several tie) and, for every two mutants, a claim on which they differ, whenever the
 * suite has one: each pair not yet told apart adds the cheapest fixture that tells them apart.
 */
export function discriminatingFixtures(suite: RunSuite, runs: ReadonlyMap<string, Observations>, profile: ProfileName): string[] {
  const cost = new Map(suite.fixtures.map((lf) => [lf.fixture.id, fixtureCost(suite, lf)]));
  const cheapest = (ids: string[]) => ids.reduce((a, b) => (cost.get(b)! < cost.get(a)! ? b : a));
  const chosen = new Set<string>();
  for (const obs of runs.values()) {
    const d = firstDivergence(suite.fixtures, obs);
    const rank = d.earliest?.value.rank;
    if (rank) chosen.add(cheapest(d.fixtures.filter((f) => f.first && compareKeys(f.first.rank, rank) === 0).map((f) => f.fixture)));
  }
  const all = [...runs.values()];
  // each mutant's observations fixture by fixture, and their statuses: two that differ in a status differ there; only
  // where every status agrees and some fail need the values be compared
  const per = all.map((obs) => {
    const by = new Map(suite.fixtures.map((lf) => [lf.fixture.id, record<Observed>()]));
    for (const [id, o] of Object.entries(obs)) {
      const f = by.get(id.slice(0, id.indexOf('/')));
      if (f) f[id] = o;
    }
    return by;
  });
  const statuses = per.map(
    (m) =>
      new Map(
        [...m].map(([id, obs]) => [
          id,
          Object.values(obs)
            .map((o) => o.status)
            .join(),
        ]),
      ),
  );
  const differ = (i: number, j: number, id: string) => {
    const s = statuses[i].get(id)!;
    if (s !== statuses[j].get(id)) return true;
    if (!/fail/.test(s)) return false;
    return compareObservations('', [], per[i].get(id)!, all[j], profile).disagree > 0;
  };
  const ids = suite.fixtures.map((lf) => lf.fixture.id);
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) {
      if ([...chosen].some((id) => differ(i, j, id))) continue;
      const apart = ids.filter((f) => differ(i, j, f));
      if (apart.length) chosen.add(cheapest(apart));
    }
  return ids.filter((id) => chosen.has(id));
}
