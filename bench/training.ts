// Training throughput (examples/second, and GFLOP/s) of forward + backward + Adam: the float64 reference against
// PyTorch (float64, one thread) and the TF.js engine (float32, CPU backend), measured side by side, taking turns.
import { createTfjsTrainer } from '../examples/tfjs/model.js';
import { batchTrainer, createBatchWorkspace } from '../reference/batch.js';
import { STAGE10_CONFIG, type ModelConfig } from '../reference/config.js';
import type { Example } from '../reference/model.js';
import { initParams } from '../reference/params.js';
import { mulberry32 } from '../reference/prng.js';
import { createOptimizer } from '../reference/training.js';
import { exampleFlops, PYTHON, torchThroughput } from './torch.js';

export interface MeasureOptions {
  /** Untimed steps first (JIT, allocations, Adam moments). */
  warmupSteps: number;
  /** Keep timing until this much time has passed… */
  budgetMs: number;
  /** …and at least this many steps were timed. */
  minSteps: number;
}

export interface Throughput {
  steps: number;
  examples: number;
  seconds: number;
  examplesPerSecond: number;
}

/** One engine's training step on a batch, with whatever cleanup it needs. */
export interface BenchTrainer {
  step(batch: Example[]): void;
  dispose(): void;
}

/**
 * Runs `step` over `batches` in turn: o.warmupSteps untimed, then timed steps (performance.now) until both
 * o.budgetMs and o.minSteps are reached. Throughput = examples trained / seconds.
 */
export function measureThroughput(step: (batch: Example[]) => void, batches: Example[][], o: MeasureOptions): Throughput {
  if (batches.length === 0) throw new Error('measureThroughput needs at least one batch');
  let k = 0;
  const next = () => batches[k++ % batches.length];
  for (let i = 0; i < o.warmupSteps; i++) step(next());
  let steps = 0;
  let examples = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < o.budgetMs || steps < o.minSteps) {
    const b = next();
    step(b);
    steps++;
    examples += b.length;
    elapsed = performance.now() - t0;
  }
  const seconds = elapsed / 1000;
  return { steps, examples, seconds, examplesPerSecond: examples / seconds };
}

/** `count` batches of random token sequences (length seqLen) with random class targets, from a seeded mulberry32. */
export function randomBatches(c: ModelConfig, batchSize: number, count: number, seed: number): Example[][] {
  const r = mulberry32(seed);
  const int = (n: number) => Math.floor(r() * n);
  return Array.from({ length: count }, () =>
    Array.from({ length: batchSize }, () => ({ tokens: Array.from({ length: c.seqLen }, () => int(c.vocab)), target: int(c.outDim) })),
  );
}

/**
 * The reference: initParams(c, seed), createOptimizer({kind:'adam', lr}) and trainStep's numbers, bit for bit, by
 * batchTrainer (the batch as one matrix, buffers reused, FAST_KERNELS' products).
 */
export function referenceTrainer(c: ModelConfig, seed: number, lr: number): BenchTrainer {
  const t = batchTrainer(createBatchWorkspace(c), initParams(c, seed), createOptimizer({ kind: 'adam', lr }));
  return { step: (batch) => void t.step(batch), dispose: () => {} };
}

/** The TF.js engine on the same initial weights, tf.train.adam(lr, 0.9, 0.999, 1e-8). */
export function tfjsTrainer(c: ModelConfig, seed: number, lr: number): BenchTrainer {
  const t = createTfjsTrainer(c, initParams(c, seed), { lr });
  return { step: (batch) => void t.step(batch), dispose: () => t.dispose() };
}

export interface TrainingRow {
  config: string;
  batch: number;
  reference: Throughput;
  /** PyTorch float64 on one thread; null when it could not run (TrainingTable.torchMissing says why). */
  torch: Throughput | null;
  tfjs: Throughput;
  /** reference ex/s ÷ PyTorch ex/s (above 1: the reference is faster); NaN without PyTorch. */
  ratio: number;
  /** reference ex/s ÷ TF.js ex/s. */
  tfjsRatio: number;
  /** The lowest and highest ratio to PyTorch (else to TF.js) of a single round (how much machine load moved it). */
  roundRatios: [number, number];
  /** FLOPs of one example, forward and backward (reference/cost.ts). */
  flopsPerExample: number;
}

export interface TrainingBenchOptions {
  seed: number;
  lr: number;
  /** Timed budget per engine and batch size, split over `rounds`. */
  budgetMs: number;
  /** The engines take turns this many times, so a change of machine load hits all alike. */
  rounds: number;
  /** Warm-up examples per engine and batch size (turned into steps, at least 2). */
  warmupExamples: number;
  /** Measure PyTorch too (bench/torch_training.py). */
  torch: boolean;
}

export const TRAINING_BENCH_DEFAULTS: TrainingBenchOptions = {
  seed: 1,
  lr: 0.001,
  budgetMs: 6000,
  rounds: 4,
  warmupExamples: 64,
  torch: true,
};

/** Sums timed runs of one engine. */
function total(runs: Throughput[]): Throughput {
  const steps = runs.reduce((a, r) => a + r.steps, 0);
  const examples = runs.reduce((a, r) => a + r.examples, 0);
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  return { steps, examples, seconds, examplesPerSecond: examples / seconds };
}

export interface TrainingTable {
  rows: TrainingRow[];
  /** Why PyTorch was not measured, if it was not. */
  torchMissing: string | null;
  torchVersion: string | null;
}

/**
 * Measures the engines at each batch size on identical batches and initial weights (PyTorch on its own seeded
 * ones, same shapes): each warms up once, then they take turns (reference, PyTorch, TF.js) for o.rounds rounds of
 * o.budgetMs / o.rounds each. PyTorch runs in a process of its own each round, warmed up there.
 */
export function benchTraining(
  c: ModelConfig,
  name: string,
  batchSizes: number[],
  o: TrainingBenchOptions = TRAINING_BENCH_DEFAULTS,
): TrainingTable {
  let torchMissing: string | null = o.torch ? null : 'not asked for';
  let torchVersion: string | null = null;
  const roundMs = o.budgetMs / o.rounds;
  const torchRound = (batch: number): Throughput | null => {
    if (torchMissing) return null;
    const r = torchThroughput(c, [{ batch, threads: 1 }], { budgetMs: roundMs, seed: o.seed });
    if ('missing' in r) {
      torchMissing = r.missing;
      return null;
    }
    torchVersion = r.version;
    const [t] = r.runs;
    return { steps: t.steps, examples: t.examples, seconds: t.seconds, examplesPerSecond: t.examples / t.seconds };
  };
  const rows = batchSizes.map((batch) => {
    const batches = randomBatches(c, batch, 16, o.seed + batch);
    const engines = [referenceTrainer(c, o.seed, o.lr), tfjsTrainer(c, o.seed, o.lr)];
    try {
      const warmupSteps = Math.max(2, Math.ceil(o.warmupExamples / batch));
      for (const e of engines) for (let k = 0; k < warmupSteps; k++) e.step(batches[k % batches.length]);
      const round: MeasureOptions = { warmupSteps: 0, budgetMs: roundMs, minSteps: 2 };
      const runs: Throughput[][] = [[], [], []];
      for (let r = 0; r < o.rounds; r++) {
        runs[0].push(measureThroughput((b) => engines[0].step(b), batches, round));
        const t = torchRound(batch);
        if (t) runs[1].push(t);
        runs[2].push(measureThroughput((b) => engines[1].step(b), batches, round));
      }
      const [reference, tfjs] = [total(runs[0]), total(runs[2])];
      const torch = runs[1].length === o.rounds ? total(runs[1]) : null;
      const peer = torch ? runs[1] : runs[2];
      const perRound = runs[0].map((r, i) => r.examplesPerSecond / peer[i].examplesPerSecond);
      return {
        config: name,
        batch,
        reference,
        torch,
        tfjs,
        ratio: torch ? reference.examplesPerSecond / torch.examplesPerSecond : NaN,
        tfjsRatio: reference.examplesPerSecond / tfjs.examplesPerSecond,
        roundRatios: [Math.min(...perRound), Math.max(...perRound)] as [number, number],
        flopsPerExample: exampleFlops(c),
      };
    } finally {
      for (const e of engines) e.dispose();
    }
  });
  return { rows, torchMissing, torchVersion };
}

/** "123.4 (0.60)": examples per second and GFLOP/s. */
const cell = (t: Throughput | null, flops: number) =>
  t ? `${t.examplesPerSecond.toFixed(1)} (${((t.examplesPerSecond * flops) / 1e9).toFixed(2)})` : '–';

/** A plain-text table: batch, then ex/s (GFLOP/s) of the reference, PyTorch and TF.js, and the ratios. */
export function formatTrainingTable(rows: TrainingRow[]): string {
  const head = [
    'config',
    'batch',
    'reference f64 ex/s (GFLOP/s)',
    'PyTorch f64 1 thread',
    'ratio',
    'rounds min..max',
    'TF.js-CPU f32',
    'ref/tfjs',
  ];
  const body = rows.map((r) => [
    r.config,
    String(r.batch),
    cell(r.reference, r.flopsPerExample),
    cell(r.torch, r.flopsPerExample),
    Number.isNaN(r.ratio) ? '–' : `${r.ratio.toFixed(2)}×`,
    `${r.roundRatios[0].toFixed(2)}..${r.roundRatios[1].toFixed(2)}`,
    cell(r.tfjs, r.flopsPerExample),
    `${r.tfjsRatio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i < 1 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The Stage 10 training benchmark at batch 1 and 32; prints the table and returns it. */
export function runTrainingBench(o: TrainingBenchOptions = TRAINING_BENCH_DEFAULTS): TrainingTable {
  const t = benchTraining(STAGE10_CONFIG, 'stage10', [1, 32], o);
  const flops = (t.rows[0].flopsPerExample / 1e6).toFixed(2);
  console.log(
    `one example: ${flops} MFLOP forward and backward (reference/cost.ts); one thread each; totals over ${o.rounds} rounds taken in turn`,
  );
  if (t.torchMissing) console.log(`PyTorch not found: ${t.torchMissing}`);
  else console.log(`PyTorch ${t.torchVersion} (${PYTHON}, torch.set_num_threads(1), torch.optim.Adam)`);
  console.log(formatTrainingTable(t.rows));
  for (const r of t.rows) {
    const steps = `${r.reference.steps} / ${r.torch?.steps ?? '–'} / ${r.tfjs.steps} timed steps`;
    const verdict = Number.isNaN(r.ratio) ? 'no PyTorch to compare' : `${r.ratio >= 1 ? 'meets' : 'MISSES'} the 1× target`;
    console.log(`batch ${r.batch}: reference ${Number.isNaN(r.ratio) ? '–' : r.ratio.toFixed(2)}× PyTorch float64 (${verdict}; ${steps})`);
  }
  return t;
}
