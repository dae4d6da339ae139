// CI gating against a committed baseline of known failures per implementation (like an xfail list): the run
// fails only on failures the baseline does not list, and reports listed claims that now pass.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ImplementationRun } from './runner.js';

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

export function readBaseline(file: string): Baseline {
  if (!existsSync(file)) return { version: 1, known_failures: {} };
  const b = JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  if (b.version !== 1 || typeof b.known_failures !== 'object') throw new Error(`${file}: not a tconf baseline (version 1 with known_failures)`);
  return b;
}

const failing = (run: ImplementationRun) => Object.entries(run.results).filter(([, r]) => r.status === 'fail' || r.status === 'error').map(([id]) => id).sort();

export function compareToBaseline(run: ImplementationRun, b: Baseline): BaselineComparison {
  const known = new Set(b.known_failures[run.info.name] ?? []);
  const now = failing(run);
  return {
    new_failures: now.filter((id) => !known.has(id)),
    newly_passing: [...known].filter((id) => run.results[id]?.status === 'pass').sort(),
    known_failures: now.filter((id) => known.has(id)),
  };
}

/** Rewrites the baseline entries of the implementations that ran (others are kept). */
export function writeBaseline(file: string, runs: ImplementationRun[], previous: Baseline): void {
  const next: Baseline = { version: 1, known_failures: { ...previous.known_failures } };
  for (const run of runs) next.known_failures[run.info.name] = failing(run);
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}
