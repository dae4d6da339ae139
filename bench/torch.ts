// The PyTorch peer of the training benchmarks: bench/torch_training.py (the same model and shapes, float64, Adam)
// in /usr/bin/python3, spawned without a shell. Where Python or its torch is missing, the benchmarks say so on one
// line and go on without it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../reference/config.js';
import { backwardFlops, forwardFlops } from '../reference/cost.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_training.py', import.meta.url));

/** One timed PyTorch run: `steps` Adam steps of `batch` examples on `threads` threads. */
export interface TorchRun {
  batch: number;
  threads: number;
  steps: number;
  examples: number;
  seconds: number;
}

/** The runs asked for, each timed for about budgetMs after a warm-up; or why PyTorch could not run. */
export function torchThroughput(
  c: ModelConfig,
  runs: { batch: number; threads: number }[],
  o: { budgetMs: number; seed: number },
): { runs: TorchRun[]; version: string } | { missing: string } {
  const request = JSON.stringify({ config: c, runs, budget_s: o.budgetMs / 1000, seed: o.seed });
  const r = spawnSync(PYTHON, [SCRIPT, request], { encoding: 'utf8', shell: false, timeout: 600_000 });
  if (r.error) return { missing: `${PYTHON}: ${r.error.message}` };
  if (r.status === 3) return { missing: r.stderr.trim() };
  if (r.status !== 0) throw new Error(`${SCRIPT} failed (${r.signal ?? `exit ${r.status}`}): ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout) as { torch: string; runs: TorchRun[] };
  return { runs: out.runs, version: out.torch };
}

/** Floating-point operations of one training example (its products forward and backward; reference/cost.ts). */
export const exampleFlops = (c: ModelConfig): number => forwardFlops(c).total + backwardFlops(c).total;

/** "123.4 ex/s (0.59 GFLOP/s)" */
export const rate = (c: ModelConfig, examplesPerSecond: number): string =>
  `${examplesPerSecond.toFixed(1)} ex/s (${((examplesPerSecond * exampleFlops(c)) / 1e9).toFixed(2)} GFLOP/s)`;
