// CI gating against a committed baseline of known failures per implementation (like an xfail list): the run
// fails only on failures the baseline does not list, and reports listed claims that now pass (`--strict` fails
// on those too). Reading and writing the file is the command line's job (its schema is spec/baseline.schema.json).
import { record, type ImplementationRun } from './runner.js';

export interface Baseline {
  version: 1;
  /** The `--impl` word as typed (`numpy`, `exec:python3 my_adapter.py`) → claim ids known to fail (fail or error). */
  known_failures: Record<string, string[]>;
}

export interface BaselineComparison {
  new_failures: string[];
  newly_passing: string[];
  known_failures: string[];
}

/**
 * The key of an implementation's entry: the `--impl` word the user typed, which stays the same when an adapter
 * renames itself. Baselines written before keyed by the implementation's own name (its hello answer): such an
 * entry is still read, `legacy` says so, and the next --update-baseline rewrites it under the word.
 */
export function baselineKey(b: Baseline, word: string, name: string): { key: string; legacy: boolean } {
  if (Object.hasOwn(b.known_failures, word) || !Object.hasOwn(b.known_failures, name)) return { key: word, legacy: false };
  return { key: name, legacy: true };
}

const failing = (run: ImplementationRun) =>
  Object.entries(run.results)
    .filter(([, r]) => r.status === 'fail' || r.status === 'error')
    .map(([id]) => id)
    .sort();

/** Compares a run with the baseline's entry under `key` (by default the implementation's name). */
export function compareToBaseline(run: ImplementationRun, b: Baseline, key = run.info.name): BaselineComparison {
  const known = new Set(Object.hasOwn(b.known_failures, key) ? b.known_failures[key] : []);
  const now = failing(run);
  return {
    new_failures: now.filter((id) => !known.has(id)),
    newly_passing: [...known].filter((id) => run.results[id]?.status === 'pass').sort(),
    known_failures: now.filter((id) => known.has(id)),
  };
}

/**
 * The baseline with the entries of the implementations that ran replaced by their failures, each under its
 * `--impl` word (`wordOf`); a legacy entry under the implementation's name is dropped once rewritten; others kept.
 */
export function nextBaseline(
  runs: ImplementationRun[],
  previous: Baseline,
  wordOf: (run: ImplementationRun) => string = (r) => r.info.name,
): Baseline {
  const known_failures = record<string[]>();
  for (const [name, ids] of Object.entries(previous.known_failures)) known_failures[name] = ids;
  const words = new Set(runs.map(wordOf));
  for (const run of runs) {
    const word = wordOf(run);
    if (baselineKey(previous, word, run.info.name).legacy && !words.has(run.info.name)) delete known_failures[run.info.name];
    known_failures[word] = failing(run);
  }
  return { version: 1, known_failures };
}
