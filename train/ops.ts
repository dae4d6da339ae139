// `tconf train ops`: the Stage 10 model (reference/config.ts STAGE10_CONFIG) trained on the operations task
// with Adam 0.001 and batches of 32, data-parallel over worker threads. Writes a JSON log, loss and accuracy
// curves and an attention heat map; the measurements the document's training claims are checked against
// (fixtures/stage10/part7-gradient-flow.yaml, part8-training.yaml) come from this log. Several seeds give
// each figure as the range the seeds produced (the document's figures come from a recipe it does not give).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGE10_CONFIG, type ModelConfig } from '../reference/config.js';
import { backward, forward } from '../reference/model.js';
import { globalNorm } from '../reference/optim.js';
import { countParams, initParams, paramSpecs, zerosLike, type Params } from '../reference/params.js';
import { mulberry32 } from '../reference/prng.js';
import { createOptimizer } from '../reference/training.js';
import { createEngine } from './engine.js';
import { encode, opsDataset, shuffle, tokenName, type OpsExample } from './ops-data.js';
import { heatmap, lineChart } from './plot.js';
import { spread, type Spread } from './spread.js';

export interface OpsTrainOptions {
  /** Upper bound on epochs. */
  epochs: number;
  /** One run per seed (data split, initial weights and batch order); the first is the run the plots show. */
  seeds: number[];
  threads: number;
  batch?: number;
  lr?: number;
  /** Stop once validation accuracy reaches this (default 0.995: the document's "99.5%+"). */
  stopAt?: number;
  /** Use only this many training examples per epoch (the CI's short run). */
  trainLimit?: number;
  /** Use only this many validation examples (the CI's short run). */
  validationLimit?: number;
  /** Measure the gradient-magnitude profile at these epochs (0 = before training). */
  profileEpochs?: number[];
  outDir?: string;
  /** The command line that produced the run, for the log. */
  command?: string;
  log?: (line: string) => void;
  /** Called after every batch with (done, total) for a progress bar. */
  onBatch?: (done: number, total: number, loss: number) => void;
}

export interface EpochRecord {
  epoch: number;
  /** Mean loss and accuracy over the epoch's training batches as they were seen (epoch 0: at initialisation). */
  trainLoss: number;
  trainAccuracy: number;
  validationLoss: number;
  validationAccuracy: number;
  /** Mean global gradient norm over the epoch's batches (NaN for epoch 0). */
  gradNorm: number;
  elapsedMs: number;
}

/** Mean |value| of each stage's gradient, the rows of Stage 10's Part 7 table, measured over examples. */
export interface GradientProfile {
  epoch: number;
  examples: number;
  logits: number;
  W_output: number;
  final_repr: number;
  block2_params: number;
  block1_params: number;
  embeddings: number;
  /** Fraction of FFN pre-activations ≤ 0, whose gradient ReLU zeroes (per block). */
  reluZeroFraction: number[];
}

/** One seed's run. */
export interface OpsRun {
  seed: number;
  epochs: EpochRecord[];
  profiles: GradientProfile[];
  /** First epoch whose validation accuracy reached 99% (null if none), and the time it took. */
  reached99: { epoch: number; elapsedMs: number } | null;
  final: EpochRecord;
  elapsedMs: number;
}

/** The log of `tconf train ops`: the first seed's run at the top level, every run, and their spread. */
export interface OpsTrainResult extends OpsRun {
  recipe: Record<string, unknown>;
  /** Block 2's attention on Max(1,6,2) after the first seed's run. */
  attentionExample: { text: string; tokens: string[]; weights: number[][][] };
  seeds: number[];
  runs: OpsRun[];
  /** Every number of a run (seed aside) as [min, max] over the runs; see train/spread.ts. */
  range: Spread;
}

const meanAbs = (xs: Float64Array[]): number => {
  let s = 0;
  let n = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) (s += Math.abs(x[i])), n++;
  return n ? s / n : NaN;
};

/** The Part 7 table measured on `examples`: per-example gradients (of L_i), averaged in magnitude. */
export function gradientProfile(c: ModelConfig, p: Params, examples: OpsExample[], epoch: number): GradientProfile {
  const acc = { logits: 0, W_output: 0, final_repr: 0, block2_params: 0, block1_params: 0, embeddings: 0 };
  const zeros = new Array<number>(c.layers).fill(0);
  let hidden = 0;
  const names = paramSpecs(c).map((s) => s.name);
  const inBlock = (l: number) => names.filter((n) => n.startsWith(`blocks.${l}.`));
  for (const ex of examples) {
    const f = forward(c, p, ex);
    const g = zerosLike(c);
    const gt = backward(c, p, f, g, { traceGrads: true });
    acc.logits += meanAbs([gt['grad.logits'].data]);
    acc.W_output += meanAbs([g['head.W_out']]);
    acc.final_repr += meanAbs([gt['grad.final_repr'].data]);
    acc.block2_params += meanAbs(inBlock(c.layers - 1).map((n) => g[n]));
    acc.block1_params += meanAbs(inBlock(0).map((n) => g[n]));
    // Only the rows of the tokens present can have a gradient; averaging over all 20 rows would dilute it.
    const d = c.dModel;
    acc.embeddings += meanAbs([...new Set(ex.tokens)].map((t) => g['embedding.E'].subarray(t * d, (t + 1) * d)));
    for (let l = 0; l < c.layers; l++) {
      const h = f.trace[`blocks.${l}.ffn.hidden`].data;
      for (const v of h) if (v <= 0) zeros[l]++;
      if (l === 0) hidden += h.length;
    }
  }
  const n = examples.length;
  return {
    epoch,
    examples: n,
    logits: acc.logits / n,
    W_output: acc.W_output / n,
    final_repr: acc.final_repr / n,
    block2_params: acc.block2_params / n,
    block1_params: acc.block1_params / n,
    embeddings: acc.embeddings / n,
    reluZeroFraction: zeros.map((z) => z / hidden),
  };
}

/** Trains the Stage 10 model on the operations task once per seed; see OpsTrainOptions. */
export async function trainOps(o: OpsTrainOptions): Promise<OpsTrainResult> {
  if (!o.seeds.length) throw new Error('trainOps: no seeds');
  const runs: OpsRun[] = [];
  let first: Omit<OpsTrainResult, 'seeds' | 'runs' | 'range'> | undefined;
  const t0 = performance.now();
  for (const [k, seed] of o.seeds.entries()) {
    const log = o.log && o.seeds.length > 1 ? (line: string) => o.log?.(`seed ${seed}  ${line}`) : o.log;
    const onBatch =
      o.onBatch && ((done: number, total: number, loss: number) => o.onBatch?.(k * total + done, o.seeds.length * total, loss));
    const r = await trainSeed({ ...o, log, onBatch }, seed);
    first ??= r;
    runs.push({ seed, epochs: r.epochs, profiles: r.profiles, reached99: r.reached99, final: r.final, elapsedMs: r.elapsedMs });
  }
  if (!first) throw new Error('unreachable: at least one seed ran');
  const result: OpsTrainResult = {
    ...first,
    recipe: { ...first.recipe, seeds: o.seeds, init: `seeded (reference/params.ts initParams), seeds ${o.seeds.join(', ')}` },
    elapsedMs: performance.now() - t0,
    seeds: o.seeds,
    runs,
    range: spread(runs.map(({ seed: _, ...figures }) => figures)),
  };
  if (o.outDir) writeOutputs(o.outDir, result);
  return result;
}

async function trainSeed(o: OpsTrainOptions, seed: number): Promise<Omit<OpsTrainResult, 'seeds' | 'runs' | 'range'>> {
  const c = STAGE10_CONFIG;
  const batch = o.batch ?? 32;
  const lr = o.lr ?? 0.001;
  const stopAt = o.stopAt ?? 0.995;
  const log = o.log ?? (() => {});
  const data = opsDataset(seed);
  const train = o.trainLimit ? data.train.slice(0, o.trainLimit) : data.train;
  const validation = o.validationLimit ? data.validation.slice(0, o.validationLimit) : data.validation;
  const profileAt = new Set(o.profileEpochs ?? [0, 10, 50, 100, 200]);
  const profileSet = validation.slice(0, 64);
  const recipe = {
    task: 'operations (spec/ops-task.md): First, Last, Min, Max, Median of three digits; 5000 sequences',
    config: c,
    parameters: countParams(c),
    init: `seeded (reference/params.ts initParams), seed ${seed}`,
    optimizer: { kind: 'adam', lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
    batch,
    split: { train: train.length, validation: validation.length, seed },
    threads: o.threads,
    stopAt,
    maxEpochs: o.epochs,
    command: o.command ?? null,
  };
  const engine = createEngine(c, initParams(c, seed), o.threads);
  const opt = createOptimizer({ kind: 'adam', lr });
  const names = paramSpecs(c).map((s) => s.name);
  const epochs: EpochRecord[] = [];
  const profiles: GradientProfile[] = [];
  const t0 = performance.now();
  let reached99: OpsRun['reached99'] = null;
  const random = mulberry32(seed ^ 0x5eed);
  try {
    const evaluate = async (xs: OpsExample[]) => {
      const r = await engine.evaluate(xs);
      return { loss: r.lossSum / xs.length, accuracy: r.correct / xs.length };
    };
    const record = (e: EpochRecord) => {
      epochs.push(e);
      log(
        `epoch ${String(e.epoch).padStart(3)}  train loss ${e.trainLoss.toFixed(4)} acc ${pct(e.trainAccuracy)}  ` +
          `validation loss ${e.validationLoss.toFixed(4)} acc ${pct(e.validationAccuracy)}  (${(e.elapsedMs / 1000).toFixed(1)} s)`,
      );
      if (!reached99 && e.validationAccuracy >= 0.99) reached99 = { epoch: e.epoch, elapsedMs: e.elapsedMs };
    };
    const [tr0, va0] = [await evaluate(train), await evaluate(validation)];
    record({
      epoch: 0,
      trainLoss: tr0.loss,
      trainAccuracy: tr0.accuracy,
      validationLoss: va0.loss,
      validationAccuracy: va0.accuracy,
      gradNorm: NaN,
      elapsedMs: performance.now() - t0,
    });
    if (profileAt.has(0)) profiles.push(gradientProfile(c, engine.params, profileSet, 0));
    const perEpoch = Math.ceil(train.length / batch);
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const order = shuffle(train, random);
      let lossSum = 0;
      let correct = 0;
      let normSum = 0;
      for (let b = 0; b < perEpoch; b++) {
        const xs = order.slice(b * batch, (b + 1) * batch);
        const r = await engine.gradients(xs);
        normSum += globalNorm(r.grads, names);
        opt.step(engine.params, r.grads, names);
        lossSum += r.loss * xs.length;
        correct += r.correct;
        o.onBatch?.((epoch - 1) * perEpoch + b + 1, o.epochs * perEpoch, r.loss);
      }
      const va = await evaluate(validation);
      record({
        epoch,
        trainLoss: lossSum / train.length,
        trainAccuracy: correct / train.length,
        validationLoss: va.loss,
        validationAccuracy: va.accuracy,
        gradNorm: normSum / perEpoch,
        elapsedMs: performance.now() - t0,
      });
      if (profileAt.has(epoch)) profiles.push(gradientProfile(c, engine.params, profileSet, epoch));
      if (va.accuracy >= stopAt) break;
    }
    const final = epochs[epochs.length - 1];
    if (!profiles.some((p) => p.epoch === final.epoch)) profiles.push(gradientProfile(c, engine.params, profileSet, final.epoch));
    const ex = encode('Max', 1, 6, 2);
    const f = forward(c, engine.params, ex);
    const w = f.trace[`blocks.${c.layers - 1}.attn.weights`];
    const T = ex.tokens.length;
    const weights = Array.from({ length: c.heads }, (_, h) =>
      Array.from({ length: T }, (_, i) => Array.from(w.data.subarray((h * T + i) * T, (h * T + i + 1) * T))),
    );
    return {
      seed,
      recipe,
      epochs,
      profiles,
      reached99,
      final,
      attentionExample: { text: ex.text, tokens: ex.tokens.map(tokenName), weights },
      elapsedMs: performance.now() - t0,
    };
  } finally {
    await engine.close();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const sig3 = (x: number) => x.toPrecision(3);

/** A short report of a run, every figure taken from its result. */
export function renderOpsReadme(r: OpsTrainResult): string {
  const at = (n: number) => r.epochs.find((e) => e.epoch === n);
  const rows = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200].map(at).filter((e): e is EpochRecord => !!e);
  if (!rows.some((e) => e.epoch === r.final.epoch)) rows.push(r.final);
  const recipe = r.recipe as { command: string | null; threads: number; split: { train: number; validation: number } };
  const runs = r.runs.length > 1 ? `${r.runs.length} runs, seeds ${r.seeds.join(', ')}; ` : '';
  const { split } = recipe;
  const wall = (r.elapsedMs / 1000).toFixed(0);
  const first99 = r.reached99
    ? `first reached after epoch ${r.reached99.epoch}, ${(r.reached99.elapsedMs / 1000).toFixed(0)} s into the run`
    : 'not reached';
  const epochRow = (e: EpochRecord) =>
    `| ${e.epoch} | ${sig3(e.trainLoss)} | ${pct(e.trainAccuracy)} | ${sig3(e.validationLoss)} | ${pct(e.validationAccuracy)} |`;
  const profileRow = (p: GradientProfile) => {
    const magnitudes = [p.logits, p.W_output, p.final_repr, p.block2_params, p.block1_params, p.embeddings].map(sig3);
    return `| ${p.epoch} | ${magnitudes.join(' | ')} | ${p.reluZeroFraction.map(pct).join(', ')} |`;
  };
  const spread = r.runs.length > 1 ? renderSpread(r) : '';
  const plots =
    `Plots (seed ${r.seed}): \`ops-loss.svg\`, \`ops-accuracy.svg\`, \`ops-attention.svg\` ` +
    `(block 2's attention on ${r.attentionExample.text}, mean of the heads).`;
  return `# The operations task (Stage 10)

Produced by \`${recipe.command ?? 'trainOps(...)'}\` (${runs}Node ${process.version}, ${recipe.threads} thread(s), ${wall} s wall).
The recipe is in \`spec/ops-task.md\` and in \`ops.json\` (\`recipe\`); every figure below is measured by that command.
${split.train} training and ${split.validation} validation sequences; the Stage 10 model (102,036 parameters), Adam 0.001, batches of 32.

**Seed ${r.seed}** (the plots' run). **99% validation accuracy**: ${first99}.
Final (epoch ${r.final.epoch}): validation accuracy ${pct(r.final.validationAccuracy)}, loss ${sig3(r.final.validationLoss)}.

| epoch | train loss | train accuracy | validation loss | validation accuracy |
| --- | --- | --- | --- | --- |
${rows.map(epochRow).join('\n')}

Epoch 0 is the initialisation (its "train" figures are an evaluation); later train figures are those of the
batches as they were seen during the epoch. The document's figures (epoch 10: 1.85, 50: 0.45, 100: 0.12, 200:
0.03) come from a recipe it does not give; \`fixtures/stage10/part8-training.yaml\` reports them against these.

**Gradient magnitudes** (Part 7's table; mean |gradient| over ${r.profiles[0]?.examples ?? 0} validation examples):

| epoch | ∂logits | ∂W_output | ∂final_repr | ∂Block2 params | ∂Block1 params | ∂embeddings | ReLU zeroes (block 1, 2) |
| --- | --- | --- | --- | --- | --- | --- | --- |
${r.profiles.map(profileRow).join('\n')}

${spread}${plots}
`;
}

/** The table of ranges over the seeds: the figures the fixtures report, each as min – max. */
function renderSpread(r: OpsTrainResult): string {
  const range = r.range as Record<string, Spread>;
  const at = (s: Spread, ...keys: (string | number)[]): Spread =>
    keys.reduce<Spread>((v, k) => (v && typeof v === 'object' ? ((v as Record<string, Spread>)[k] ?? null) : null), s);
  const show = (s: Spread, f: (x: number) => string = sig3): string => {
    if (!Array.isArray(s)) return 'not in every run';
    if (typeof s[0] === 'number') return `${f(s[0])} – ${f(s[1] as number)}`;
    return (s as Spread[]).map((x) => show(x, f)).join('; ');
  };
  const profileAt10 = r.runs[0].profiles.findIndex((p) => p.epoch === 10);
  const rows: [string, string][] = [
    ['epoch 0 validation loss', show(at(range, 'epochs', 0, 'validationLoss'))],
    ...[10, 50].map((n): [string, string] => [`epoch ${n} train loss`, show(at(range, 'epochs', n, 'trainLoss'))]),
    ['final train loss', show(at(range, 'final', 'trainLoss'))],
    ['final validation accuracy', show(at(range, 'final', 'validationAccuracy'), pct)],
    ['first epoch at 99% validation accuracy', show(at(range, 'reached99', 'epoch'), String)],
  ];
  if (profileAt10 >= 0) {
    for (const k of ['logits', 'W_output', 'final_repr', 'block2_params', 'block1_params', 'embeddings'])
      rows.push([`epoch 10 mean \\|∂${k}\\|`, show(at(range, 'profiles', profileAt10, k))]);
    rows.push(['epoch 10 ReLU zeroes (block 1; block 2)', show(at(range, 'profiles', profileAt10, 'reluZeroFraction'), pct)]);
  }
  const heading =
    `**Over seeds ${r.seeds.join(', ')}** (min – max over the ${r.runs.length} runs; ` +
    'each seed draws its own split, initial weights and batch order; these ranges are what the fixtures report):';
  return `${heading}

| figure | range |
| --- | --- |
${rows.map(([name, v]) => `| ${name} | ${v} |`).join('\n')}

`;
}

function writeOutputs(dir: string, r: OpsTrainResult): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'README.md'), renderOpsReadme(r));
  writeFileSync(join(dir, 'ops.json'), `${JSON.stringify(r, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`);
  const pts = (f: (e: EpochRecord) => number) => r.epochs.map((e) => [e.epoch, f(e)] as [number, number]);
  writeFileSync(
    join(dir, 'ops-loss.svg'),
    lineChart({
      title: 'Operations task: loss',
      xLabel: 'epoch',
      yLabel: 'cross-entropy',
      logY: true,
      series: [
        { name: 'train', points: pts((e) => e.trainLoss) },
        { name: 'validation', points: pts((e) => e.validationLoss) },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'ops-accuracy.svg'),
    lineChart({
      title: 'Operations task: accuracy',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: [
        { name: 'train', points: pts((e) => e.trainAccuracy) },
        { name: 'validation', points: pts((e) => e.validationAccuracy) },
      ],
    }),
  );
  const a = r.attentionExample;
  // Averaged over heads: one map a reader can hold beside the sequence.
  const mean = a.weights[0].map((row, i) => row.map((_, j) => a.weights.reduce((s, h) => s + h[i][j], 0) / a.weights.length));
  writeFileSync(
    join(dir, 'ops-attention.svg'),
    heatmap({
      title: `Block 2 attention (mean of ${a.weights.length} heads) on ${a.text}`,
      rowLabels: a.tokens.map((t, i) => `${i}:${t}`),
      colLabels: a.tokens.map((t, i) => `${i}:${t}`),
      values: mean,
    }),
  );
}
