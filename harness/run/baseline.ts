// CI gating against a committed baseline of known failures per implementation (like an xfail list): the run
// fails only on failures the baseline does not list, and reports listed claims that now pass.
// Reading and writing the file is the command line's job (its schema is spec/baseline.schema.json).
import { record, type ImplementationRun } from './runner.js';

export interface Baseline {
  version: 1;
  /** Implementation name → claim ids known to fail (status fail or error). */
  known_failures: Record<string, string[]>;
}

export interface BaselineComparison {
  new_failures: string[];
  newly_passing: string[];
  known_failures: string[];
}

const failing = (run: ImplementationRun) =>
  Object.entries(run.results)
    .filter(([, r]) => r.status === 'fail' || r.status === 'error')
    .map(([id]) => id)
    .sort();

export function compareToBaseline(run: ImplementationRun, b: Baseline): BaselineComparison {
  const known = new Set(Object.hasOwn(b.known_failures, run.info.name) ? b.known_failures[run.info.name] : []);
  const now = failing(run);
  return {
    new_failures: now.filter((id) => !known.has(id)),
    newly_passing: [...known].filter((id) => run.results[id]?.status === 'pass').sort(),
    known_failures: now.filter((id) => known.has(id)),
  };
}

/** The baseline with the entries of the implementations that ran replaced by their failures (others kept). */
export function nextBaseline(runs: ImplementationRun[], previous: Baseline): Baseline {
  const known_failures = record<string[]>();
  for (const [name, ids] of Object.entries(previous.known_failures)) known_failures[name] = ids;
  for (const run of runs) known_failures[run.info.name] = failing(run);
  return { version: 1, known_failures };
}
