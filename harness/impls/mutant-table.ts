// `tconf mutants`: the suite against every mutant implementation (harness/impls/mutants.ts). A mutant is caught
// when at least one claim that the reference passes fails (or errors) on it.
import { MUTANTS, mutantImplementation } from './mutants.js';
import { referenceImplementation } from './reference.js';
import { runImplementation } from '../run/runner.js';
import type { Suite } from '../fixtures/suite.js';

export interface MutantRow {
  mutant: string;
  mistake: string;
  source: string;
  caught: boolean;
  /** The claims that catch it: passed by the reference, failed or errored by the mutant. */
  claims: string[];
  failed: number;
  errored: number;
}

export interface MutantTable {
  /** Claims the reference itself does not pass (they cannot catch anything); empty on a healthy suite. */
  referenceFailures: string[];
  rows: MutantRow[];
}

/** Runs the fixtures on the reference, then on each named mutant (default: all), in float64. */
export async function mutantTable(
  suite: Pick<Suite, 'fixtures' | 'goldenOf'>,
  names: readonly string[] = MUTANTS.map((m) => m.name),
): Promise<MutantTable> {
  const o = { profile: 'float64' as const };
  const ref = await runImplementation(referenceImplementation, suite, o);
  const passing = new Set(
    Object.entries(ref.results)
      .filter(([, r]) => r.status === 'pass')
      .map(([id]) => id),
  );
  const referenceFailures = Object.entries(ref.results)
    .filter(([, r]) => r.status === 'fail' || r.status === 'error')
    .map(([id]) => id);
  const rows: MutantRow[] = [];
  for (const name of names) {
    const m = MUTANTS.find((x) => x.name === name)!;
    const run = await runImplementation(mutantImplementation(name), suite, o);
    const caught = Object.entries(run.results).filter(([id, r]) => passing.has(id) && (r.status === 'fail' || r.status === 'error'));
    rows.push({
      mutant: name,
      mistake: m.mistake,
      source: m.source,
      caught: caught.length > 0,
      claims: caught.map(([id]) => id),
      failed: caught.filter(([, r]) => r.status === 'fail').length,
      errored: caught.filter(([, r]) => r.status === 'error').length,
    });
  }
  return { referenceFailures, rows };
}

/** 'book-6.10 ×12, synthetic-small-adam ×140, +3 fixtures': where the catching claims are, fixture by fixture. */
export function byFixture(claims: string[], show = 2): string {
  const counts = new Map<string, number>();
  for (const id of claims) counts.set(id.split('/')[0], (counts.get(id.split('/')[0]) ?? 0) + 1);
  const parts = [...counts].slice(0, show).map(([f, n]) => `${f} ×${n}`);
  if (counts.size > show) parts.push(`+${counts.size - show} more`);
  return parts.join(', ') || '-';
}

/** The table for the terminal: mutant, caught, how many claims, in which fixtures, the mistake. */
export function renderMutantTable(t: MutantTable): string {
  const head = ['mutant', 'caught', 'claims', 'caught by (fixture ×claims)', 'mistake'];
  const body = t.rows.map((r) => [r.mutant, r.caught ? 'yes' : 'NO', String(r.claims.length), byFixture(r.claims), r.mistake]);
  const width = head.map((h, k) => Math.max(h.length, ...body.map((r) => r[k].length)));
  const line = (r: string[]) => r.map((x, k) => (k === r.length - 1 ? x : x.padEnd(width[k]))).join('  ');
  const caught = t.rows.filter((r) => r.caught).length;
  const pct = t.rows.length ? ((100 * caught) / t.rows.length).toFixed(0) : '100';
  return [line(head), ...body.map(line), '', `${caught}/${t.rows.length} mutants caught (${pct}%)`].join('\n');
}
