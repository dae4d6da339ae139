import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { initParams } from '../reference/params.js';
import { evaluate, FIBONACCI_CONFIG, makeSequence, PHI, runFibonacci, sequenceStream } from './fibonacci.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Fibonacci data', () => {
  it('scales each sequence by its largest input magnitude, keeping the recurrence', () => {
    const s = makeSequence(1, 1, 8);
    expect(s.scale).toBe(21);
    expect(s.values.map((v) => v * 21)).toEqual([1, 1, 2, 3, 5, 8, 13, 21, 34]);
    expect(s.example.inputs).toHaveLength(8);
    expect(s.example.target).toEqual([34 / 21]);
    const next = sequenceStream(7);
    for (let i = 0; i < 200; i++) {
      const q = next();
      const T = q.example.inputs!.length;
      expect(T).toBeGreaterThanOrEqual(3);
      expect(T).toBeLessThanOrEqual(8);
      expect(Math.max(...q.values.slice(0, T).map(Math.abs))).toBeCloseTo(1, 15);
      for (let n = 2; n <= T; n++) expect(q.values[n]).toBeCloseTo(q.values[n - 1] + q.values[n - 2], 14);
    }
  });

  it('is the same stream for the same seed, and another for another seed', () => {
    const a = sequenceStream(3),
      b = sequenceStream(3),
      c = sequenceStream(4);
    const xs = Array.from({ length: 5 }, () => a().values);
    expect(Array.from({ length: 5 }, () => b().values)).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c().values)).not.toEqual(xs);
  });

  it('measures attention mass against uniform attention exactly when the scores are all equal', () => {
    const p = initParams(FIBONACCI_CONFIG, 1);
    p['blocks.0.attn.W_Q'].fill(0); // scores 0: each query spreads evenly over its visible keys
    const next = sequenceStream(11);
    const seqs = Array.from({ length: 50 }, next);
    const e = evaluate(FIBONACCI_CONFIG, p, seqs);
    expect(e.attention.massLastTwo).toBeCloseTo(e.attention.uniformMassLastTwo, 12);
    expect(e.attention.uniformMassLastTwo).toBeCloseTo(mean(seqs.map((s) => 2 / s.example.inputs!.length)), 12);
    e.attention.byOffset.forEach((v, k) => expect(v).toBeCloseTo(e.attention.uniformByOffset[k], 12));
    expect(e.attention.uniformByOffset[0]).toBeCloseTo(mean(seqs.map((s) => 1 / s.example.inputs!.length)), 12);
    // baselines from their definitions
    const rms = Math.sqrt(mean(seqs.map((s) => s.values[s.values.length - 1] ** 2)));
    const golden = Math.sqrt(mean(seqs.map((s) => (PHI * s.values[s.values.length - 2] - s.values[s.values.length - 1]) ** 2)));
    expect(e.targetRms).toBeCloseTo(rms, 12);
    expect(e.baselines.goldenRatio.rmse).toBeCloseTo(golden, 12);
  });
});

describe('runFibonacci', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconf-fibonacci-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains (the loss falls by more than half) and writes the log, the plots and the README', async () => {
    const lines: string[] = [];
    const r = await runFibonacci({
      steps: 300,
      seed: 1,
      outDir: dir,
      log: (l) => lines.push(l),
      command: 'npx tconf train fibonacci --steps 300',
    });
    expect(r.losses).toHaveLength(300);
    expect(mean(r.losses.slice(-20))).toBeLessThan(0.5 * mean(r.losses.slice(0, 20)));
    // even this short run beats predicting the last value
    expect(r.heldOut.rmse).toBeLessThan(r.heldOut.baselines.persistence.rmse);
    expect(r.heldOut.attention.massLastTwo).toBeGreaterThan(0);
    expect(r.heldOut.attention.massLastTwo).toBeLessThanOrEqual(1);
    expect(r.elapsedMs).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('held-out RMSE'))).toBe(true);

    for (const f of ['fibonacci.json', 'fibonacci-loss.svg', 'fibonacci-attention.svg', 'README.md'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const log = JSON.parse(readFileSync(join(dir, 'fibonacci.json'), 'utf8'));
    expect(log.command).toBe('npx tconf train fibonacci --steps 300');
    expect(log.recipe).toMatchObject({ steps: 300, seed: 1, model: { layers: 1, head: 'regression', mseFactor: 0.5 } });
    expect(log.heldOut.rmse).toBe(r.heldOut.rmse);
    for (const f of ['fibonacci-loss.svg', 'fibonacci-attention.svg'])
      expect(XMLValidator.validate(readFileSync(join(dir, f), 'utf8')), f).toBe(true);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('`npx tconf train fibonacci --steps 300`');
    expect(readme).toContain(r.heldOut.rmse.toExponential(2));
  });

  it('is deterministic for a seed', async () => {
    const a = await runFibonacci({ steps: 5, seed: 3 });
    const b = await runFibonacci({ steps: 5, seed: 3 });
    expect(b.losses).toEqual(a.losses);
    expect(b.heldOut.rmse).toBe(a.heldOut.rmse);
  });

  it('rejects bad options', async () => {
    await expect(runFibonacci({ steps: 0, seed: 1 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(runFibonacci({ steps: 1, seed: -1 })).rejects.toThrow(/seed must be a non-negative integer/);
  });
});
