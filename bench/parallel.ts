// Stage 10 training throughput in one thread and data-parallel over worker threads (same batches, same
// model, measured side by side in one run) against PyTorch float64 on as many threads, and the wall time of
// `tconf train ops` to 99% validation accuracy.
import { availableParallelism } from 'node:os';
import { STAGE10_CONFIG } from '../reference/config.js';
import { initParams, paramSpecs } from '../reference/params.js';
import { createOptimizer } from '../reference/training.js';
import { createEngine } from '../train/engine.js';
import { opsDataset } from '../train/ops-data.js';
import { trainOps } from '../train/ops.js';
import { rate, torchThroughput } from './torch.js';

const BATCH = 32;
const STEPS = 48;
/** Untimed batches first: each round starts fresh workers, whose JIT (and WebAssembly tier-up) starts cold. */
const WARMUP = 10;
const ROUNDS = 3;

/** Examples per second of forward + backward + Adam over STEPS batches of 32. */
async function throughput(threads: number): Promise<number> {
  const c = STAGE10_CONFIG;
  const engine = createEngine(c, initParams(c, 5), threads);
  const opt = createOptimizer({ kind: 'adam', lr: 0.001 });
  const names = paramSpecs(c).map((s) => s.name);
  const data = opsDataset(5).train;
  try {
    for (let s = 0; s < WARMUP; s++) await engine.gradients(data.slice(s * BATCH, (s + 1) * BATCH));
    const t0 = performance.now();
    for (let s = 0; s < STEPS; s++) opt.step(engine.params, (await engine.gradients(data.slice(s * BATCH, (s + 1) * BATCH))).grads, names);
    return (STEPS * BATCH) / ((performance.now() - t0) / 1000);
  } finally {
    await engine.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runParallelBench(): Promise<void> {
  const c = STAGE10_CONFIG;
  const threads = Math.min(2, availableParallelism());
  const one: number[] = [];
  const many: number[] = [];
  const torch: number[] = [];
  let torchMissing: string | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    one.push(await throughput(1));
    many.push(await throughput(threads));
    if (torchMissing) continue;
    const t = torchThroughput(c, [{ batch: BATCH, threads }], { budgetMs: 2000, seed: 1 });
    if ('missing' in t) torchMissing = t.missing;
    else torch.push(t.runs[0].examples / t.runs[0].seconds);
  }
  const [a, b] = [median(one), median(many)];
  console.log(`cores: ${availableParallelism()}; batch ${BATCH}, ${STEPS} Adam steps per round, median of ${ROUNDS} rounds`);
  console.log(`reference, 1 thread:           ${rate(c, a)}`);
  console.log(`reference, ${threads} worker threads:    ${rate(c, b)}`);
  console.log(`speedup:                       ${(b / a).toFixed(2)}x (target >= 1.6x on 2 cores)`);
  if (torchMissing) console.log(`PyTorch not found: ${torchMissing}`);
  else {
    const t = median(torch);
    console.log(`PyTorch float64, ${threads} threads:    ${rate(c, t)}`);
    console.log(`${threads} threads: reference ${(b / t).toFixed(2)}× PyTorch float64 (${b >= t ? 'meets' : 'MISSES'} the 1× target)`);
  }
  const r = await trainOps({ epochs: 20, seeds: [1], threads, stopAt: 0.99, profileEpochs: [] });
  if (r.reached99) {
    const wall = (r.reached99.elapsedMs / 1000).toFixed(1);
    console.log(
      `to 99% validation accuracy: epoch ${r.reached99.epoch}, ${wall} s wall (${threads} threads; seed 1; recipe of spec/ops-task.md)`,
    );
  } else console.log(`99% validation accuracy not reached in 20 epochs (${(r.elapsedMs / 1000).toFixed(1)} s)`);
}
