// `tconf train ops|fibonacci`: the training runs (the Stage 10 operations task, the Fibonacci learner), with a
// progress bar and their outputs in reports/training/<task>/.
import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import { runFibonacci } from '../../train/fibonacci.js';
import { trainOps } from '../../train/ops.js';
import { trainOutDir } from './config.js';
import { UsageError } from './usage.js';

export interface TrainCommandOptions {
  epochs?: string;
  steps?: string;
  seed: string;
  seeds?: string;
  threads?: string;
  stopAt?: string;
  outDir?: string;
  progress: boolean;
}

/** The full Fibonacci run whose outputs are committed under reports/training/fibonacci/. */
const FIBONACCI_STEPS = 30000;

const positiveInt = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer (got '${v}')`);
  return n;
};

/** The command line as typed, for the run's log. */
const commandLine = () => ['npx', 'tconf', ...process.argv.slice(2)].join(' ');

export async function trainCommand(task: string, o: TrainCommandOptions): Promise<void> {
  const seed = positiveInt('--seed', o.seed);
  if (o.seeds !== undefined && task !== 'ops') throw new UsageError('--seeds is for ops (fibonacci takes --seed)');
  const outDir = o.outDir ?? trainOutDir(task);
  if (task === 'ops') {
    const epochs = positiveInt('--epochs', o.epochs ?? '50');
    const threads = positiveInt('--threads', o.threads ?? String(Math.min(2, availableParallelism())));
    const stopAt = o.stopAt === undefined ? 1.01 : Number(o.stopAt);
    if (!(stopAt > 0)) throw new UsageError(`--stop-at must be a validation accuracy in (0, 1] (got '${o.stopAt}')`);
    const seeds = o.seeds === undefined ? [seed] : o.seeds.split(',').map((s) => positiveInt('--seeds', s.trim()));
    if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds repeats a seed (got '${o.seeds}')`);
    const bar =
      o.progress && process.stderr.isTTY
        ? new SingleBar({ format: 'ops [{bar}] {value}/{total} batches  loss {loss}', stream: process.stderr, hideCursor: true })
        : null;
    let started = false;
    const r = await trainOps({
      epochs,
      seeds,
      threads,
      stopAt,
      outDir,
      command: commandLine(),
      log: (line) => {
        if (bar && started) process.stderr.write('\r\x1b[K'); // clear the bar's line; it redraws on the next batch
        console.log(line);
      },
      onBatch: (done, total, loss) => {
        if (!bar) return;
        if (!started) bar.start(total, 0, { loss: '-' }), (started = true);
        bar.update(done, { loss: loss.toFixed(4) });
      },
    });
    bar?.stop();
    for (const run of r.runs) {
      const hit = run.reached99
        ? `99% validation accuracy at epoch ${run.reached99.epoch} after ${(run.reached99.elapsedMs / 1000).toFixed(1)} s`
        : 'never reached 99% validation accuracy';
      const accuracy = (100 * run.final.validationAccuracy).toFixed(2);
      console.log(`seed ${run.seed}: ${hit}; final validation accuracy ${accuracy}% at epoch ${run.final.epoch}`);
    }
    console.log(`${r.runs.length} run(s), ${threads} thread(s), ${(r.elapsedMs / 1000).toFixed(1)} s; wrote ${outDir}`);
    if (r.runs.some((run) => !run.reached99)) process.exitCode = 1;
    return;
  }
  if (task === 'fibonacci') {
    const steps = positiveInt('--steps', o.steps ?? String(FIBONACCI_STEPS));
    const r = await runFibonacci({ steps, seed, outDir, command: commandLine(), log: (line) => console.log(line) });
    const h = r.heldOut;
    const persistence = h.baselines.persistence.relativeRmse.toPrecision(3);
    const a = h.attention;
    console.log(
      `held-out relative RMSE ${h.relativeRmse.toPrecision(3)} (predicting x[n]: ${persistence}); ` +
        `attention of the last position on the last two: ${a.massLastTwo.toFixed(3)} (uniform: ${a.uniformMassLastTwo.toFixed(3)}); ` +
        `${steps} steps, ${(r.elapsedMs / 1000).toFixed(1)} s; wrote ${outDir}`,
    );
    return;
  }
  throw new UsageError(`unknown training task '${task}' (ops, fibonacci)`);
}
