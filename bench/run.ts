// `npm run bench`: every benchmark in sequence, each measuring the reference against a peer in the same run.
// Each runs in a process of its own (spawned without a shell), so that one benchmark's heap, JIT state and
// libraries (TF.js) cannot slow the next one down.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches: { name: string; entry: string }[] = [
  {
    name: 'Training throughput: Stage 10 config, forward + backward + Adam(0.001), reference (float64) vs PyTorch (float64) and TF.js-CPU (float32)',
    entry: 'training',
  },
  { name: 'Suite wall time: every fixture on the reference, in process vs over the process protocol', entry: 'suite' },
  {
    name: 'Stage 10 training: one thread vs data-parallel worker threads vs PyTorch on as many, and the wall time to 99% validation accuracy',
    entry: 'parallel',
  },
];

const only = process.argv.slice(2);
let failed = 0;
for (const b of benches.filter((x) => !only.length || only.includes(x.entry))) {
  console.log(`\n== ${b.name}`);
  const t0 = performance.now();
  const file = fileURLToPath(new URL(`./entry.ts`, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, b.entry], { stdio: 'inherit', shell: false });
  if (r.status !== 0) failed++;
  console.log(
    `(${((performance.now() - t0) / 1000).toFixed(1)} s${r.status !== 0 ? `, FAILED with ${r.signal ?? `code ${r.status}`}` : ''})`,
  );
}
process.exitCode = failed ? 1 : 0;
