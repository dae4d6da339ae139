import { afterAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../reference/config.js';
import { initParams } from '../reference/params.js';
import { createOptimizer } from '../reference/training.js';
import { batchGradients } from '../reference/training.js';
import { createEngine, type BatchEngine } from './engine.js';
import { opsDataset } from './ops-data.js';

const c = makeConfig({ dModel: 16, heads: 4, dFF: 32 }); // the Stage 10 vocabulary and sequence, smaller widths
const init = initParams(c, 11);
const batch = opsDataset(3).train.slice(0, 13); // an odd size: unequal shards
const engines: BatchEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
});

const maxRel = (a: Float64Array, b: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-300, Math.abs(b[i])));
  return m;
};

describe('data-parallel batches', () => {
  it('gives the reference batch gradient in one thread, and the same to rounding over 2 and 3 workers', async () => {
    const ref = batchGradients(c, initParams(c, 11), batch);
    for (const threads of [1, 2, 3]) {
      const e = createEngine(c, init, threads);
      engines.push(e);
      const r = await e.gradients(batch);
      expect(r.loss).toBeCloseTo(ref.loss, 13);
      for (const [k, g] of Object.entries(ref.grads)) {
        if (threads === 1) expect(r.grads[k]).toEqual(g);
        else expect(maxRel(r.grads[k], g), `${threads} threads, ${k}`).toBeLessThan(1e-9);
      }
    }
  });

  it('keeps a multi-step Adam run in step with the single-thread run', async () => {
    const one = createEngine(c, init, 1);
    const two = createEngine(c, init, 2);
    engines.push(one, two);
    const [o1, o2] = [createOptimizer({ kind: 'adam', lr: 0.01 }), createOptimizer({ kind: 'adam', lr: 0.01 })];
    const names = Object.keys(init);
    for (let step = 0; step < 3; step++) {
      o1.step(one.params, (await one.gradients(batch)).grads, names);
      o2.step(two.params, (await two.gradients(batch)).grads, names);
    }
    for (const k of names) expect(maxRel(two.params[k], one.params[k]), k).toBeLessThan(1e-9);
    const [a, b] = [await one.evaluate(batch), await two.evaluate(batch)];
    expect(b.correct).toBe(a.correct);
    expect(b.lossSum).toBeCloseTo(a.lossSum, 10);
  });

  it('turns a failing shard into a rejected batch with the reason', async () => {
    const e = createEngine(c, init, 2);
    engines.push(e);
    await expect(e.gradients([...batch, { tokens: [1, 2], target: 99 }])).rejects.toThrow(/class index/);
  });

  it('rejects a thread count that is not a positive integer', () => {
    expect(() => createEngine(c, init, 0)).toThrow(/positive integer/);
  });
});
