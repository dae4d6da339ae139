// Training throughput (examples/second) of forward + backward + Adam: the float64 reference against
// the TF.js engine (float32, CPU backend), measured side by side on the same weights and batches.
import { createTfjsTrainer } from '../examples/tfjs/model.js';
import { STAGE10_CONFIG, type ModelConfig } from '../reference/config.js';
import type { Example } from '../reference/model.js';
import { initParams } from '../reference/params.js';
import { mulberry32 } from '../reference/prng.js';
import { createOptimizer, trainStep } from '../reference/training.js';

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

/** The reference: initParams(c, seed), createOptimizer({kind:'adam', lr}) and trainStep. */
export function referenceTrainer(c: ModelConfig, seed: number, lr: number): BenchTrainer {
  const params = initParams(c, seed);
  const opt = createOptimizer({ kind: 'adam', lr });
  return { step: (batch) => void trainStep(c, params, batch, opt), dispose: () => {} };
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
  tfjs: Throughput;
  /** reference ex/s ÷ TF.js ex/s (above 1: the reference is faster). */
  ratio: number;
  /** The lowest and highest ratio of a single round (how much machine load moved it). */
  roundRatios: [number, number];
}

export interface TrainingBenchOptions {
  seed: number;
  lr: number;
  /** Timed budget per engine and batch size, split over `rounds`. */
  budgetMs: number;
  /** The engines take turns this many times, so a change of machine load hits both alike. */
  rounds: number;
  /** Warm-up examples per engine and batch size (turned into steps, at least 2). */
  warmupExamples: number;
}

export const TRAINING_BENCH_DEFAULTS: TrainingBenchOptions = { seed: 1, lr: 0.001, budgetMs: 6000, rounds: 6, warmupExamples: 64 };

/** Sums timed runs of one engine. */
function total(runs: Throughput[]): Throughput {
  const steps = runs.reduce((a, r) => a + r.steps, 0);
  const examples = runs.reduce((a, r) => a + r.examples, 0);
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  return { steps, examples, seconds, examplesPerSecond: examples / seconds };
}

/**
 * Measures both engines at each batch size on identical batches and initial weights: each warms up once, then
 * they take turns (reference, TF.js) for o.rounds rounds of o.budgetMs / o.rounds each.
 */
export function benchTraining(
  c: ModelConfig,
  name: string,
  batchSizes: number[],
  o: TrainingBenchOptions = TRAINING_BENCH_DEFAULTS,
): TrainingRow[] {
  return batchSizes.map((batch) => {
    const batches = randomBatches(c, batch, 16, o.seed + batch);
    const engines = [referenceTrainer(c, o.seed, o.lr), tfjsTrainer(c, o.seed, o.lr)];
    try {
      const warmupSteps = Math.max(2, Math.ceil(o.warmupExamples / batch));
      for (const e of engines) for (let k = 0; k < warmupSteps; k++) e.step(batches[k % batches.length]);
      const round: MeasureOptions = { warmupSteps: 0, budgetMs: o.budgetMs / o.rounds, minSteps: 2 };
      const runs: Throughput[][] = [[], []];
      for (let r = 0; r < o.rounds; r++) engines.forEach((e, i) => runs[i].push(measureThroughput((b) => e.step(b), batches, round)));
      const [reference, tfjs] = runs.map(total);
      const perRound = runs[0].map((r, i) => r.examplesPerSecond / runs[1][i].examplesPerSecond);
      return {
        config: name,
        batch,
        reference,
        tfjs,
        ratio: reference.examplesPerSecond / tfjs.examplesPerSecond,
        roundRatios: [Math.min(...perRound), Math.max(...perRound)],
      };
    } finally {
      for (const e of engines) e.dispose();
    }
  });
}

/** A plain-text table: config, batch, reference ex/s, tfjs ex/s, ratio (overall, and the range over rounds). */
export function formatTrainingTable(rows: TrainingRow[]): string {
  const head = ['config', 'batch', 'reference ex/s', 'tfjs ex/s', 'ratio ref/tfjs', 'rounds min..max'];
  const body = rows.map((r) => [
    r.config,
    String(r.batch),
    r.reference.examplesPerSecond.toFixed(1),
    r.tfjs.examplesPerSecond.toFixed(1),
    r.ratio.toFixed(2),
    `${r.roundRatios[0].toFixed(2)}..${r.roundRatios[1].toFixed(2)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (i < 1 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The Stage 10 training benchmark at batch 1 and 32; prints the table and returns the rows. */
export function runTrainingBench(o: TrainingBenchOptions = TRAINING_BENCH_DEFAULTS): TrainingRow[] {
  const rows = benchTraining(STAGE10_CONFIG, 'stage10', [1, 32], o);
  console.log(formatTrainingTable(rows));
  for (const r of rows) {
    const verdict = r.ratio >= 2 ? 'meets' : 'MISSES';
    const steps = `${r.reference.steps} / ${r.tfjs.steps} timed steps`;
    console.log(`batch ${r.batch}: reference ${r.ratio.toFixed(2)}× TF.js-CPU (${verdict} the 2× target; ${steps})`);
  }
  return rows;
}
