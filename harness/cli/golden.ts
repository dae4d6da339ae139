// `tconf golden`: recompute the expected values with the reference and freeze them, printing every value that
// moved and by how much; `--check` only reports (exit 1 when stale).
import { diffGolden, writeGolden } from '../fixtures/golden.js';
import { formatProblem } from '../fixtures/types.js';
import { referenceImplementation } from '../impls/reference.js';
import { computeGolden } from '../run/freeze.js';
import { suiteOrExit } from './suite.js';
import { EXIT } from './usage.js';

export async function goldenCommand(o: { check?: boolean; files?: string }): Promise<number> {
  // The frozen values are what this command replaces: an unreadable golden file reads as none.
  const suite = suiteOrExit({ only: o.files });
  let stale = 0;
  let problems = 0;
  for (const lf of suite.fixtures) {
    const r = await computeGolden(lf, referenceImplementation);
    for (const p of r.problems) console.error(formatProblem(p));
    problems += r.problems.length;
    if (!r.golden) continue;
    const changes = diffGolden(suite.goldenOf(lf.fixture.id), r.golden);
    for (const c of changes) {
      const by = c.change === 'changed' ? ` by max abs ${c.maxAbs?.toExponential(3)}, max rel ${c.maxRel?.toExponential(3)}` : '';
      console.log(`${lf.fixture.id}: ${c.key} ${c.change}${by}`);
    }
    stale += changes.length ? 1 : 0;
    if (changes.length && !o.check) writeGolden(r.golden);
  }
  if (problems) return EXIT.usage;
  console.log(
    o.check ? `${stale} fixture(s) with stale expected values` : `${stale} fixture(s) updated, ${suite.fixtures.length - stale} unchanged`,
  );
  return o.check && stale ? EXIT.failures : EXIT.ok;
}
