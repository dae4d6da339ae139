import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { trainOps, type OpsTrainResult } from './ops.js';
import type { Spread } from './spread.js';

const dir = mkdtempSync(join(tmpdir(), 'tconf-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tconf train ops, short', () => {
  let r: OpsTrainResult;
  it('trains the Stage 10 model on the operations task over 2 workers, and the loss falls', async () => {
    r = await trainOps({
      epochs: 3,
      seeds: [1],
      threads: 2,
      trainLimit: 320,
      validationLimit: 96,
      profileEpochs: [0],
      outDir: dir,
      stopAt: 1.01,
    });
    expect(r.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    const [first, last] = [r.epochs[0], r.epochs[3]];
    expect(last.trainLoss).toBeLessThan(0.6 * first.trainLoss);
    expect(last.validationLoss).toBeLessThan(0.6 * first.validationLoss);
    expect(last.validationAccuracy).toBeGreaterThan(first.validationAccuracy);
    for (const e of r.epochs.slice(1)) expect(e.gradNorm).toBeGreaterThan(0);
  }, 120_000);

  it('measures the gradient profile and the ReLU sparsity it records', () => {
    const p = r.profiles[0];
    expect(p.epoch).toBe(0);
    for (const k of ['logits', 'W_output', 'final_repr', 'block2_params', 'block1_params', 'embeddings'] as const)
      expect(p[k]).toBeGreaterThan(0);
    for (const z of p.reluZeroFraction) expect(z).toBeGreaterThan(0.2), expect(z).toBeLessThan(0.8);
  });

  it('writes the log, the curves and the attention map', () => {
    const log = JSON.parse(readFileSync(join(dir, 'ops.json'), 'utf8'));
    expect(log.epochs).toHaveLength(4);
    expect(log.recipe.parameters).toBe(102036);
    expect(log.attentionExample.text).toBe('Max(1,6,2)');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/\| 3 \| [0-9.e-]+ \| [0-9.]+% \|/); // the epoch table reaches the last epoch
    for (const f of ['ops-loss.svg', 'ops-accuracy.svg', 'ops-attention.svg']) {
      const svg = readFileSync(join(dir, f), 'utf8');
      expect(XMLValidator.validate(svg), f).toBe(true);
      expect(new XMLParser().parse(svg).svg, f).toBeDefined();
    }
  });
});

describe('tconf train ops over several seeds', () => {
  it('keeps every run, and gives each figure as its range over them', async () => {
    const out = join(dir, 'seeds');
    const r = await trainOps({
      epochs: 1,
      seeds: [3, 4],
      threads: 1,
      trainLimit: 32,
      validationLimit: 32,
      profileEpochs: [0, 1],
      outDir: out,
      stopAt: 1.01,
    });
    expect(r.runs.map((run) => run.seed)).toEqual([3, 4]);
    expect(r.seed).toBe(3);
    expect(r.epochs).toEqual(r.runs[0].epochs);
    expect(r.runs[0].final.trainLoss).not.toBe(r.runs[1].final.trainLoss); // the seeds really differ
    const range = r.range as { final: Record<string, Spread>; profiles: { reluZeroFraction: Spread }[] };
    const losses = r.runs.map((run) => run.final.trainLoss);
    expect(range.final.trainLoss).toEqual([Math.min(...losses), Math.max(...losses)]);
    expect(range.profiles[1].reluZeroFraction).toHaveLength(2); // per block, each a [min, max]
    const log = JSON.parse(readFileSync(join(out, 'ops.json'), 'utf8'));
    expect(log.seeds).toEqual([3, 4]);
    expect(log.range.final.trainLoss).toEqual(range.final.trainLoss);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(
      /\*\*Over seeds 3, 4\*\*[\s\S]*\| final train loss \| [0-9.]+ – [0-9.]+ \|/,
    );
  }, 120_000);
});
