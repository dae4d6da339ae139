// The suite's strength: every mutant implementation (the reference with one classic mistake) must be caught by at
// least one fixture claim that the reference passes. A new mutant that survives fails here; add the fixture that
// catches it (`npx tconf mutants` shows the table).
import { describe, expect, it } from 'vitest';
import { REFERENCE_KERNELS } from '../../reference/kernels.js';
import { readGolden } from '../fixtures/golden.js';
import { loadFixtures } from '../fixtures/load.js';
import { byFixture, mutantTable, renderMutantTable } from './mutant-table.js';
import { MUTANT_NAMES, MUTANTS, mutantImplementation, mutantsImplementation } from './mutants.js';
import { referenceImplementation } from './reference.js';
import { resolveImplementation } from './registry.js';

/** The classic backpropagation bugs and the mistakes the seeds warn about (Appendix C and the worksheets' "Common Mistakes"). */
const REQUIRED = [
  'no-scale',
  'softmax-no-max',
  'softmax-diagonal',
  'gradient-ascent',
  'no-lr',
  'no-batch-mean',
  'dK-no-transpose',
  'dW-transposed',
  'dV-no-transpose',
  'qkv-not-summed',
  'embedding-overwrite',
  'relu-grad-at-zero',
  'no-relu',
  'residual-replaced',
  'ln-no-mean-term',
  'ln-no-variance-term',
  'adam-no-bias-correction',
  'adam-step-from-0',
  'ce-grad-sign',
  'mse-no-2',
  'wrong-position',
  'weights-transposed',
  'no-recompute',
  'update-per-example',
  'clip-by-value',
  'scale-by-dk',
  'softmax-columns',
  'ce-grad-through-softmax',
  'residual-grad-one-path',
  'bias-grad-mean',
  'ln-grad-no-gamma',
  'mse-no-mean',
  'adam-eps-in-sqrt',
  'adam-no-v-correction',
  'momentum-ema',
  'optimizer-state-reset',
  'grads-not-zeroed',
  'frozen-updated',
  'clip-per-tensor',
];

describe('the mutant catalogue', () => {
  it('holds every required mistake once, each with a description and the place that warns about it', () => {
    expect(MUTANT_NAMES).toEqual(expect.arrayContaining(REQUIRED));
    expect(new Set(MUTANT_NAMES).size).toBe(MUTANT_NAMES.length);
    for (const m of MUTANTS) {
      expect(m.mistake.length, m.name).toBeGreaterThan(10);
      expect(m.source, m.name).toMatch(/^00[0-4] /);
      // the value it touches first is one value, not any: no pattern matches a loss or a bare input
      for (const path of ['', 'f/loss', 'f/0/loss', 'f/0/tokens']) expect(path, m.name).not.toMatch(m.touches);
    }
  });

  it('each mutant changes the reference in a few kernels or one training hook, never wholesale', () => {
    for (const m of MUTANTS) {
      const { kernels = {}, ...hooks } = m.variant();
      const changed = Object.keys(kernels).length + Object.keys(hooks).length;
      expect(changed, m.name).toBeGreaterThan(0);
      expect(Object.keys(kernels).length, m.name).toBeLessThanOrEqual(3);
      for (const k of Object.keys(kernels)) expect(REFERENCE_KERNELS, `${m.name}: ${k}`).toHaveProperty(k);
    }
  });

  it("resolves mutant:NAME as an implementation with the reference's capabilities; an unknown name lists the known ones", async () => {
    const impl = await resolveImplementation('mutant:no-scale', { timeoutMs: 1000 });
    expect(impl.name).toBe('mutant:no-scale');
    expect(impl.capabilities).toEqual(referenceImplementation.capabilities);
    await expect(resolveImplementation('mutant:nope', { timeoutMs: 1000 })).rejects.toThrow(/unknown mutant 'nope' \(known: no-scale, /);
    expect(() => mutantImplementation('')).toThrow(/unknown mutant/);
  });

  it('switches several mistakes on together when they compose, and refuses two that swap the same kernel', () => {
    expect(mutantsImplementation(['no-scale', 'no-lr']).name).toBe('mutant:no-scale+no-lr');
    expect(() => mutantsImplementation(['no-scale', 'scale-by-dk'])).toThrow(/'no-scale' and 'scale-by-dk' change the same kernel/);
    expect(() => mutantsImplementation([])).toThrow(/no mutant named/);
  });

  it("a mutant really computes something else: no-scale gives the unscaled scores on the book's Example 1 numbers", async () => {
    const call = {
      id: 'a',
      op: 'attention' as const,
      args: {
        Q: [
          [0.1, 0],
          [0, 0.1],
        ],
        K: [
          [0.1, 0],
          [0, 0.1],
        ],
        V: [
          [0.1, 0],
          [0, 0.1],
        ],
        heads: 1,
        causal: false,
      },
    };
    const ref = await referenceImplementation.run({ kind: 'ops', calls: [call] });
    const mut = await mutantImplementation('no-scale').run({ kind: 'ops', calls: [call] });
    expect(Array.from(mut['a/scaled'].data)).toEqual(Array.from(ref['a/scores'].data));
    expect(ref['a/scaled'].data[0]).toBeCloseTo(0.01 / Math.SQRT2, 15);
  });
});

describe('tconf mutants', () => {
  it('every mutant is caught by at least one fixture claim the reference passes (100%)', async () => {
    const { fixtures, problems } = loadFixtures();
    expect(problems).toEqual([]);
    const table = await mutantTable({ fixtures, goldenOf: readGolden });
    expect(table.referenceFailures).toEqual([]);
    expect(table.rows.map((r) => r.mutant)).toEqual(MUTANT_NAMES);
    const survivors = table.rows.filter((r) => !r.caught).map((r) => r.mutant);
    expect(survivors, 'mutants that no claim catches: add a fixture that does (see `npx tconf mutants`)').toEqual([]);
    for (const r of table.rows) expect(r.failed + r.errored, r.mutant).toBe(r.claims.length);
    expect(renderMutantTable(table)).toContain(`${MUTANTS.length}/${MUTANTS.length} mutants caught (100%)`);
  });

  it('summarises the catching claims fixture by fixture', () => {
    expect(byFixture(['a/x', 'a/y', 'b/z', 'c/w'])).toBe('a ×2, b ×1, +1 more');
    expect(byFixture(['a/x'])).toBe('a ×1');
    expect(byFixture([])).toBe('-');
  });
});
