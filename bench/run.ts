// `npm run bench`: every benchmark in sequence, each measuring the reference against a peer in the same run.
import { runParallelBench } from './parallel.js';
import { runSuiteBench } from './suite.js';
import { runTrainingBench } from './training.js';

const benches: { name: string; run: () => unknown }[] = [
  { name: 'Training throughput: Stage 10 config, forward + backward + Adam(0.001), reference (float64) vs TF.js-CPU (float32)', run: () => runTrainingBench() },
  { name: 'Suite wall time: every fixture on the reference, in process vs over the process protocol', run: () => runSuiteBench() },
  { name: 'Stage 10 training: one thread vs data-parallel worker threads, and the wall time to 99% validation accuracy', run: () => runParallelBench() },
];

for (const b of benches) {
  console.log(`\n== ${b.name}`);
  const t0 = performance.now();
  await b.run();
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
