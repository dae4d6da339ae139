// The float64 reference against the independent 40-digit certifier, path by path, on scenarios that between
// them switch every model feature and call every single operation (test-scenarios.ts); and the certifier
// accepting and rejecting exactly the scenarios the reference accepts and rejects.
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../reference/config.js';
import { initParams } from '../../reference/params.js';
import { referenceImplementation } from '../impls/reference.js';
import { runScenario } from '../run/scenario-run.js';
import type { ModelScenario, Scenario } from '../fixtures/scenario.js';
import { certifyScenario } from './index.js';
import { agreement, BOOK_CONFIG, BOOK_WEIGHTS, MODEL_SCENARIOS, OPS_SCENARIO, type Agreement } from './test-scenarios.js';

/** The seeded initial weights the certifier takes as input (drawn by the reference's PRNG, here in the test only). */
function initialFor(s: Scenario) {
  return s.kind === 'model' && s.init ? initParams(makeConfig(s.config), s.init.seed) : undefined;
}

const summary: string[] = [];

describe('the decimal certifier against the float64 reference', () => {
  const all: [string, Scenario][] = [...Object.entries(MODEL_SCENARIOS), ['every op in OPS', OPS_SCENARIO]];

  // 'binary': the certifier reads the given numbers as the float64 values the reference computes on, so any
  // difference is the reference's arithmetic; 'decimal': as the literals they are written as.
  it.each(all)('%s', async (name, s) => {
    const ref = await runScenario(referenceImplementation, s);
    const cert = certifyScenario(s, initialFor(s), undefined, { inputs: 'binary' });
    // the certifier covers exactly the paths the reference produces
    expect(Object.keys(cert).sort()).toEqual(Object.keys(ref).sort());
    const a = agreement(ref, cert);
    expect(a.failures.slice(0, 20)).toEqual([]);
    expect(a.compared).toBeGreaterThan(0);
    const d = agreement(ref, certifyScenario(s, initialFor(s)));
    // reading 1.0002 and 0.9998 as decimals moves (1.0002 − 0.9998)/2e-4 by 1.1e-13 of itself: input rounding, amplified
    expect(d.failures.filter((f) => !f.startsWith('cd/gradient'))).toEqual([]);
    const fmt = (x: Agreement) =>
      `max rel ${x.maxRel.toExponential(2)}, max normwise ${x.maxNormwise.toExponential(2)}, ${x.byTensorScale} by tensor scale`;
    const beyond = d.failures.length ? `; beyond tolerance: ${d.failures.join('; ')}` : '';
    summary.push(
      `${name}: ${Object.keys(ref).length} paths, ${a.compared} values\n` +
        `  binary inputs:  ${fmt(a)}\n` +
        `  decimal inputs: ${fmt(d)}${beyond}`,
    );
  });

  it('the scenarios exercise clipping that fires, every optimizer, and per-example grads of repeated tokens', async () => {
    const full = MODEL_SCENARIOS['full small model (2 layers, 2 heads, causal, LN, FFN, positions), repeated tokens, Adam with clip'];
    const cert = certifyScenario(full, initialFor(full));
    expect(cert['t1/grad_norm'].data[0].gt(0.5)).toBe(true);
    // token 1 occurs twice in example 0: its embedding gradient is the sum over both positions
    const gX = cert['t1/0/grad.X'].data;
    const gE = cert['t1/0/grad.embedding.E'].data;
    for (let j = 0; j < 8; j++)
      expect(
        gE[8 + j]
          .minus(gX[j].plus(gX[16 + j]))
          .abs()
          .lt(1e-35),
      ).toBe(true);
    const reg = MODEL_SCENARIOS['regression head, continuous input, momentum, subset, clip'];
    const rc = certifyScenario(reg, initialFor(reg));
    expect(rc['t3/grad_norm'].data[0].gt(0.1)).toBe(true);
    expect(Object.keys(rc).filter((k) => k.startsWith('t1/momentum.v.')).length).toBe(3);
    const sw = MODEL_SCENARIOS['switches off: no residuals, no FFN biases, no head bias, W_O on, LN eps 1e-3, SGD with clip'];
    expect(certifyScenario(sw, initialFor(sw))['t1/grad_norm'].data[0].gt(0.05)).toBe(true);
  });

  it('keeps only the requested paths, and asks for the seeded weights instead of drawing them', () => {
    const book = MODEL_SCENARIOS['book 2×2: forward, one SGD step, forward'];
    const some = certifyScenario(book, undefined, ['f0/0/probs', 't1/param.head.W_out', 'no/such/path']);
    expect(Object.keys(some).sort()).toEqual(['f0/0/probs', 't1/param.head.W_out']);
    const full = MODEL_SCENARIOS['full small model (2 layers, 2 heads, causal, LN, FFN, positions), repeated tokens, Adam with clip'];
    expect(() => certifyScenario(full)).toThrow(/initialParams/);
  });

  it('summary', () => {
    console.log(summary.join('\n'));
  });
});

/** What running a scenario comes to: the error it throws, or the trace paths it produces. */
async function outcome(run: () => unknown): Promise<{ error: string } | { paths: string[] }> {
  try {
    return { paths: Object.keys((await run()) as object).sort() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const REG: ModelScenario = {
  kind: 'model',
  config: {
    input: 'continuous',
    inDim: 2,
    dModel: 2,
    heads: 1,
    dFF: 0,
    layers: 1,
    seqLen: 2,
    positional: 'none',
    head: 'regression',
    outDim: 2,
    layerNorm: false,
  },
  init: { seed: 5 },
  examples: [
    {
      inputs: [
        [0.5, -1],
        [1, 0.25],
      ],
      target: [0.3, -0.7],
    },
  ],
  steps: [
    { id: 'f0', do: 'forward' },
    { id: 't1', do: 'train' },
  ],
};
const BOOK: ModelScenario = {
  kind: 'model',
  config: BOOK_CONFIG,
  weights: BOOK_WEIGHTS,
  examples: [{ tokens: [0, 1], target: 2 }],
  steps: [{ id: 't1', do: 'train' }],
};
const forwardOnly = (s: ModelScenario): ModelScenario => ({ ...s, steps: [{ id: 'f0', do: 'forward' }] });
const withExample = (s: ModelScenario, ex: ModelScenario['examples'][number]): ModelScenario => ({ ...s, examples: [ex] });

const REJECTED: [string, ModelScenario][] = [
  ['a regression target longer than outDim (forward)', forwardOnly(withExample(REG, { inputs: [[0.5, -1]], target: [0.3, -0.7, 9] }))],
  ['a regression target longer than outDim (train)', withExample(REG, { inputs: [[0.5, -1]], target: [0.3, -0.7, 9] })],
  ['a regression target shorter than outDim', forwardOnly(withExample(REG, { inputs: [[0.5, -1]], target: [0.3] }))],
  ['a class index as a regression target, trained', withExample(REG, { inputs: [[0.5, -1]], target: 1 })],
  ['a classification target outside the classes (forward)', forwardOnly(withExample(BOOK, { tokens: [0, 1], target: 4 }))],
  ['a classification target that is not an integer', withExample(BOOK, { tokens: [0, 1], target: 1.5 })],
  ['a list as a classification target, trained', withExample(BOOK, { tokens: [0, 1], target: [0, 1] })],
  ['an example without a target, trained', withExample(BOOK, { tokens: [0, 1] })],
  ['a sequence longer than seqLen', withExample(BOOK, { tokens: [0, 1, 2], target: 2 })],
  ['an empty sequence', withExample(BOOK, { tokens: [], target: 2 })],
  ['a token outside the vocabulary', withExample(BOOK, { tokens: [0, 4], target: 2 })],
  ['inputs of the wrong width', withExample(REG, { inputs: [[0.5, -1, 2]], target: [0.3, -0.7] })],
  ['an empty batch, trained', { ...BOOK, examples: [] }],
  ['an unknown trainable parameter', { ...BOOK, steps: [{ id: 't1', do: 'train', trainable: ['head.W_in'] }] }],
  [
    'weights of a parameter the model lacks',
    {
      ...BOOK,
      weights: {
        ...BOOK_WEIGHTS,
        'blocks.0.attn.W_O': [
          [1, 0],
          [0, 1],
        ],
      },
    },
  ],
  [
    'weights of the wrong shape',
    {
      ...BOOK,
      weights: {
        ...BOOK_WEIGHTS,
        'head.W_out': [
          [0.1, 0],
          [0, 0.1],
        ],
      },
    },
  ],
  ['a weight not given and no init seed', { ...BOOK, weights: { 'embedding.E': BOOK_WEIGHTS['embedding.E'] } }],
  ['an inconsistent config', { ...BOOK, config: { ...BOOK_CONFIG, heads: 3 } }],
  ['a model without a head, trained', { ...REG, config: { ...REG.config, head: 'none' }, examples: [{ inputs: [[0.5, -1]] }] }],
  ['an unknown optimizer', { ...BOOK, optimizer: { kind: 'rmsprop' } as unknown as ModelScenario['optimizer'] }],
];

const ACCEPTED: [string, ModelScenario][] = [
  ['a class index as a regression target, forward only (no loss)', forwardOnly(withExample(REG, { inputs: [[0.5, -1]], target: 1 }))],
  ['a list as a classification target, forward only (no loss)', forwardOnly(withExample(BOOK, { tokens: [0, 1], target: [0, 1] }))],
  [
    'an unknown optimizer that no step uses',
    forwardOnly({ ...BOOK, optimizer: { kind: 'rmsprop' } as unknown as ModelScenario['optimizer'] }),
  ],
];

describe('the certifier accepts and rejects exactly what the reference does', () => {
  it.each(REJECTED)("rejects %s, with the reference's message", async (_name, s) => {
    const ref = await outcome(() => runScenario(referenceImplementation, s));
    expect(ref).toHaveProperty('error');
    expect(await outcome(() => certifyScenario(s, initialFor(s)))).toEqual(ref);
  });

  it.each(ACCEPTED)('accepts %s, with the same trace paths', async (_name, s) => {
    const ref = await outcome(() => runScenario(referenceImplementation, s));
    expect(ref).toHaveProperty('paths');
    expect(await outcome(() => certifyScenario(s, initialFor(s)))).toEqual(ref);
  });

  it('a regression target longer than outDim is an error, not cut to outDim (the old certifier cut it)', () => {
    const s = forwardOnly(withExample(REG, { inputs: [[0.5, -1]], target: [0.3, -0.7, 9] }));
    expect(() => certifyScenario(s, initialFor(s))).toThrow('regression target must be a list of 2 numbers');
  });
});
