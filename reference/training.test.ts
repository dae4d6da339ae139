import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeConfig } from './config.js';
import { adamInit, adamStep, clipGradNorm, globalNorm, momentumStep, sgdStep } from './optim.js';
import { cloneParams, initParams } from './params.js';
import { REFERENCE_KERNELS } from './kernels.js';
import { PROPERTY } from './testing/fd.js';
import { batchGradients, createOptimizer, gdQuadratic, optimizerTrajectory, trainStep } from './training.js';

const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 8, layers: 2, seqLen: 4 });
const batch = [
  { tokens: [1, 2, 3], target: 0 },
  { tokens: [4, 4], target: 2 },
  { tokens: [0, 1, 0, 1], target: 3 },
];

describe('batches', () => {
  it('the batch loss is the mean of the example losses and its gradient the mean of their gradients', () => {
    const p = initParams(c, 2);
    const whole = batchGradients(c, p, batch);
    const parts = batch.map((ex) => batchGradients(c, p, [ex]));
    expect(whole.loss).toBeCloseTo(parts.reduce((s, r) => s + r.loss, 0) / 3, 14);
    for (const [name, g] of Object.entries(whole.grads))
      for (let i = 0; i < g.length; i++)
        expect(g[i]).toBeCloseTo((parts[0].grads[name][i] + parts[1].grads[name][i] + parts[2].grads[name][i]) / 3, 14);
  });

  it('traced runs give each example its own (unaveraged) parameter gradient', () => {
    const p = initParams(c, 2);
    const traced = batchGradients(c, p, batch, { traceGrads: true });
    const alone = batchGradients(c, p, [batch[1]]);
    const g = traced.gradTraces[1]['grad.head.W_out'].data;
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(alone.grads['head.W_out'][i], 15);
  });
});

describe('optimizers', () => {
  const one = (x: number) => ({ w: Float64Array.of(x) });

  it('SGD: W ← W − lr·g', () => {
    const p = one(0.234);
    sgdStep(p, one(-0.05), ['w'], { lr: 0.001 });
    expect(p.w[0]).toBeCloseTo(0.234 + 0.00005, 15);
  });

  it('momentum: v ← βv + g, W ← W − lr·v', () => {
    const p = one(0.5);
    const v = {};
    momentumStep(p, one(-0.1), ['w'], { lr: 0.01, beta: 0.9, velocity: v });
    momentumStep(p, one(-0.08), ['w'], { lr: 0.01, beta: 0.9, velocity: v });
    expect(p.w[0]).toBeCloseTo(0.5 + 0.01 * 0.1 + 0.01 * (0.9 * 0.1 + 0.08), 15);
  });

  it('Adam counts steps from 1: the first bias-corrected step moves each weight by lr·g/(|g| + ε)', () => {
    const p = one(0.5);
    const s = adamInit();
    adamStep(p, one(-0.1), ['w'], { state: s, hyper: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
    expect(s.step).toBe(1);
    expect(p.w[0]).toBeCloseTo(0.5 + (0.01 * 0.1) / (0.1 + 1e-8), 15);
  });

  it("Adam's second step uses both moments with bias correction 1 − βᵗ for t = 2", () => {
    const p = one(0);
    const s = adamInit();
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    adamStep(p, one(1), ['w'], { state: s, hyper: h });
    const after1 = p.w[0];
    adamStep(p, one(3), ['w'], { state: s, hyper: h });
    const m = 0.9 * 0.1 + 0.1 * 3;
    const v = 0.999 * 0.001 + 0.001 * 9;
    expect(p.w[0]).toBeCloseTo(after1 - (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8), 14);
  });

  it('clipping by global norm rescales to max_norm only when the norm exceeds it', () => {
    const g = { a: Float64Array.of(1.5), b: Float64Array.of(2) }; // ‖g‖ = 2.5
    expect(clipGradNorm(g, 1, ['a', 'b'])).toBe(2.5);
    expect(globalNorm(g, ['a', 'b'])).toBeCloseTo(1, 15);
    expect(g.a[0]).toBeCloseTo(0.6, 15);
    const small = { a: Float64Array.of(0.3) };
    clipGradNorm(small, 1, ['a']);
    expect(small.a[0]).toBe(0.3);
  });
});

describe('a training step', () => {
  it('updates only the trainable parameters, and the loss falls over a few Adam steps', () => {
    const p = initParams(c, 4);
    const before = cloneParams(p);
    const opt = createOptimizer({ kind: 'adam', lr: 0.01 });
    const first = trainStep(c, p, batch, opt, { trainable: ['head.W_out'] });
    expect(Array.from(p['blocks.0.attn.W_Q'])).toEqual(Array.from(before['blocks.0.attn.W_Q']));
    expect(Array.from(p['head.W_out'])).not.toEqual(Array.from(before['head.W_out']));
    let last = first.loss;
    const full = createOptimizer({ kind: 'adam', lr: 0.01 });
    for (let i = 0; i < 30; i++) last = trainStep(c, p, batch, full).loss;
    expect(last).toBeLessThan(first.loss * 0.5);
  });

  it('clips the global norm of the trainable gradients before the update', () => {
    const p = initParams(c, 4);
    const r = trainStep(c, p, batch, createOptimizer({ kind: 'sgd', lr: 0.1 }), { clip: 1e-3 });
    expect(r.gradNorm).toBeGreaterThan(1e-3);
    expect(globalNorm(r.grads, Object.keys(r.grads))).toBeCloseTo(1e-3, 12);
  });

  it('rejects an unknown trainable parameter name', () => {
    expect(() => trainStep(c, initParams(c, 1), batch, createOptimizer({ kind: 'sgd', lr: 0.1 }), { trainable: ['nope'] })).toThrow(
      /unknown parameter nope/,
    );
  });
});

describe('what batchGradients and trainStep return', () => {
  it('traces gradients only when asked, and the traced path averages to the same gradients', () => {
    const p = initParams(c, 4);
    const plain = batchGradients(c, p, batch);
    expect(plain.gradTraces).toEqual([]);
    const traced = batchGradients(c, p, batch, { traceGrads: true });
    expect(traced.gradTraces).toHaveLength(batch.length);
    for (const [name, g] of Object.entries(plain.grads)) {
      const scale = Math.max(...g.map(Math.abs));
      expect(scale, name).toBeGreaterThan(0);
      g.forEach((x, i) => expect(Math.abs(traced.grads[name][i] - x), `${name}[${i}]`).toBeLessThanOrEqual(1e-14 * scale));
    }
    expect(trainStep(c, cloneParams(p), batch, createOptimizer({ kind: 'sgd', lr: 0.1 })).gradTraces).toEqual([]);
    expect(trainStep(c, cloneParams(p), batch, createOptimizer({ kind: 'sgd', lr: 0.1 }), { traceGrads: true }).gradTraces).toHaveLength(
      batch.length,
    );
  });

  it('createOptimizer: sgd is W ← W − lr·g, momentum keeps its velocity across steps', () => {
    const p = initParams(c, 5);
    const { grads } = batchGradients(c, p, batch);
    const names = Object.keys(grads);
    const sgd = cloneParams(p);
    createOptimizer({ kind: 'sgd', lr: 0.5 }).step(sgd, grads, names);
    const mom = cloneParams(p);
    const m = createOptimizer({ kind: 'momentum', lr: 0.5, beta: 0.9 });
    m.step(mom, grads, names);
    m.step(mom, grads, names);
    for (const n of names) {
      p[n].forEach((w, i) => {
        expect(sgd[n][i]).toBe(w - 0.5 * grads[n][i]);
        // two steps with the same g: v₁ = g, v₂ = 0.9g + g; W₂ = W − lr·g − lr·1.9g
        expect(mom[n][i]).toBeCloseTo(w - 0.5 * grads[n][i] - 0.5 * (0.9 * grads[n][i] + grads[n][i]), 14);
      });
    }
  });
});

describe('the optimizer runs of the single-op fixtures', () => {
  it("optimizerTrajectory: the weights after each step, one step per |w| gradient values, the optimizer's state kept", () => {
    const w0 = Float64Array.of(1, -2);
    const grads = Float64Array.of(0.5, 0.25, -1, 2, 0, 0.5);
    for (const spec of [
      { kind: 'sgd', lr: 0.1 },
      { kind: 'momentum', lr: 0.1, beta: 0.9 },
      { kind: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6 },
    ] as const) {
      const ws = optimizerTrajectory(spec, w0, grads);
      expect(ws).toHaveLength(3);
      const opt = createOptimizer(spec);
      const p = { w: Float64Array.from(w0) };
      for (let s = 0; s < 3; s++) {
        opt.step(p, { w: grads.slice(2 * s, 2 * s + 2) }, ['w']);
        expect(Array.from(ws[s]), `${spec.kind} step ${s}`).toEqual(Array.from(p.w));
      }
    }
    expect(Array.from(w0)).toEqual([1, -2]); // the start is not moved
    expect(
      Array.from(optimizerTrajectory({ kind: 'sgd', lr: 0.5 }, Float64Array.of(1), Float64Array.of(2, 2)).flatMap((w) => Array.from(w))),
    ).toEqual([0, -1]);
    expect(optimizerTrajectory({ kind: 'sgd', lr: 0.5 }, Float64Array.of(1), new Float64Array(0))).toEqual([]);
  });

  it('optimizerTrajectory uses the kernel table it is given', () => {
    const doubled = {
      ...REFERENCE_KERNELS,
      sgdStep: (p: Record<string, Float64Array>, g: Record<string, Float64Array>, names: readonly string[], o: { lr: number }) =>
        sgdStep(p, g, names, { lr: 2 * o.lr }),
    };
    expect(Array.from(optimizerTrajectory({ kind: 'sgd', lr: 0.25 }, Float64Array.of(1), Float64Array.of(1), doubled)[0])).toEqual([0.5]);
  });

  it('gdQuadratic: w ← w − lr·(w − center), the minimum of ½(w − center)² approached geometrically', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        (w, center, lr, steps) => {
          const ws = gdQuadratic({ w, center, lr, steps });
          expect(ws).toHaveLength(steps);
          let x = w;
          for (let s = 0; s < steps; s++) {
            x -= lr * (x - center);
            expect(ws[s]).toBe(x);
            expect(Math.abs(ws[s] - center)).toBeLessThanOrEqual(Math.abs(w - center) + 1e-12);
          }
        },
      ),
      PROPERTY,
    );
    expect(gdQuadratic({ w: 0, center: 4, lr: 0.5, steps: 3 })).toEqual([2, 3, 3.5]);
  });
});
