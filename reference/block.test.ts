import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocBlockActivations, blockBackward, blockForward, blockGradTrace, blockTrace, blockWeights, type BlockShape } from './block.js';
import { makeConfig, type ModelConfig } from './config.js';
import { gradCheck } from './gradcheck.js';
import { backward, forward } from './model.js';
import { initParams, paramSpecs, zerosLike, type Params } from './params.js';
import { FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

/** Under mutation testing (TCONF_MUTATION=1, see vitest.stryker.config.ts) the finite-difference check runs fewer cases. */
const MUTATION = process.env.TCONF_MUTATION === '1';

/** Random small configurations with every switch of a block. */
const blockConfigs = fc.record({
  heads: fc.integer({ min: 1, max: 2 }),
  dk: fc.integer({ min: 2, max: 3 }), // d ≥ 4: layer norm over 2 features maps every row to ±(1, −1) and kills the gradient
  dFF: fc.constantFrom(0, 3, 6),
  layers: fc.integer({ min: 1, max: 2 }),
  T: fc.integer({ min: 1, max: 4 }),
  causal: fc.boolean(),
  layerNorm: fc.boolean(),
  attnProjection: fc.boolean(),
  attnResidual: fc.boolean(),
  ffnResidual: fc.boolean(),
  ffnBias: fc.boolean(),
});

type BlockConfig = typeof blockConfigs extends fc.Arbitrary<infer R> ? R : never;

const configOf = (b: BlockConfig): ModelConfig =>
  makeConfig({
    vocab: 5,
    dModel: 2 * b.heads * b.dk,
    heads: b.heads,
    dFF: b.dFF,
    layers: b.layers,
    seqLen: 4,
    causal: b.causal,
    layerNorm: b.layerNorm,
    attnProjection: b.attnProjection,
    attnResidual: b.attnResidual,
    ffnResidual: b.ffnResidual,
    ffnBias: b.ffnBias,
    outDim: 3,
  });

/** Every buffer of a block's activations, by name. */
function buffers(a: ReturnType<typeof allocBlockActivations>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = { res1: a.res1, h1: a.h1, out: a.out };
  for (const [name, v] of Object.entries(a.attn)) out[`attn.${name}`] = v;
  for (const [part, v] of [
    ['ln1', a.ln1],
    ['ffn', a.ffn],
    ['ln2', a.ln2],
  ] as const)
    if (v) for (const [name, b] of Object.entries(v)) out[`${part}.${name}`] = b;
  if (a.res2) out.res2 = a.res2;
  return out;
}

describe('one transformer block', () => {
  it("the model is its blocks: blockForward on the embedded input (then on each block's output) gives the model's activations", () => {
    fc.assert(
      fc.property(blockConfigs, fc.integer({ min: 1, max: 1e6 }), (cfg, seed) => {
        const c = configOf(cfg);
        const p = initParams(c, seed);
        const tokens = Array.from(randomArray(cfg.T, seed), (x) => Math.floor((x + 1) * 2.5));
        const f = forward(c, p, { tokens, target: 1 });
        const s: BlockShape = { T: cfg.T, config: c };
        let x = f.X;
        for (let l = 0; l < c.layers; l++) {
          const a = allocBlockActivations(s);
          blockForward(a, x, blockWeights(p, c, l), s);
          const want = buffers(f.blocks[l]);
          const got = buffers(a);
          expect(Object.keys(got)).toEqual(Object.keys(want));
          for (const name of Object.keys(want)) expect(Array.from(got[name]), `block ${l} ${name}`).toEqual(Array.from(want[name]));
          expect(blockTrace(`blocks.${l}`, a, s)).toEqual(
            Object.fromEntries(Object.entries(f.trace).filter(([n]) => n.startsWith(`blocks.${l}.`))),
          );
          x = a.out;
        }
      }),
      PROPERTY,
    );
  });

  it("blockBackward agrees with central differences, for the block's input and every weight, over random configurations", () => {
    fc.assert(
      fc.property(blockConfigs, fc.integer({ min: 1, max: 1e6 }), (cfg, seed) => {
        const c = configOf({ ...cfg, layers: 1 });
        const s: BlockShape = { T: cfg.T, config: c };
        const d = c.dModel;
        const inputs: Params = { x: randomArray(cfg.T * d, seed, 2) };
        const p = initParams(c, seed);
        for (const spec of paramSpecs(c))
          if (spec.name.startsWith('blocks.0.'))
            inputs[spec.name] =
              spec.name.endsWith('beta') || spec.name.includes('.b_') ? randomArray(p[spec.name].length, seed + 1, 0.5) : p[spec.name];
        const dout = randomArray(cfg.T * d, seed + 2);
        const run = () => {
          const a = allocBlockActivations(s);
          blockForward(a, inputs.x, blockWeights(inputs, c, 0), s);
          return a;
        };
        const loss = () => run().out.reduce((sum, y, i) => sum + y * dout[i], 0); // L = Σ dout ⊙ out
        const a = run();
        // the derivative does not exist at ReLU's kink: keep the stencil (steps of up to ~1e-3 here) off it
        fc.pre(!a.ffn || a.ffn.hidden.every((h) => Math.abs(h) > 1e-2));
        const grads: Params = Object.fromEntries(Object.entries(inputs).map(([n, v]) => [n, new Float64Array(v.length)]));
        const da = allocBlockActivations(s);
        da.out.set(dout);
        blockBackward({ x: grads.x, w: blockWeights(grads, c, 0), a: da }, { x: inputs.x, w: blockWeights(inputs, c, 0), a }, s);
        const rep = gradCheck(loss, inputs, grads, { order: 4, eps: 1e-4, floor: 1e-6 });
        expect(rep.tensors.map((t) => t.name).sort()).toEqual(Object.keys(inputs).sort());
        for (const t of rep.tensors) expect(t.normRelError, t.name).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      { ...PROPERTY, numRuns: MUTATION ? 10 : PROPERTY.numRuns },
    );
  });

  it("the model's backward is its blocks in reverse: blockBackward gives the model's gradients of each block", () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 6, layers: 2, seqLen: 3, causal: true, outDim: 3 });
    const p = initParams(c, 4);
    const f = forward(c, p, { tokens: [1, 4, 2], target: 2 });
    const grads = zerosLike(c);
    const gt = backward(c, p, f, grads, { traceGrads: true });
    const s: BlockShape = { T: 3, config: c };
    let dout = gt['grad.blocks.1.out'].data;
    for (let l = c.layers - 1; l >= 0; l--) {
      const da = allocBlockActivations(s);
      da.out.set(dout);
      const dx = new Float64Array(3 * c.dModel);
      const own = zerosLike(c);
      blockBackward(
        { x: dx, w: blockWeights(own, c, l), a: da },
        { x: l === 0 ? f.X : f.blocks[l - 1].out, w: blockWeights(p, c, l), a: f.blocks[l] },
        s,
      );
      expect(blockGradTrace(`blocks.${l}`, da, s)).toEqual(
        Object.fromEntries(Object.entries(gt).filter(([n]) => n.startsWith(`grad.blocks.${l}.`))),
      );
      for (const spec of paramSpecs(c))
        if (spec.name.startsWith(`blocks.${l}.`)) expect(Array.from(own[spec.name]), spec.name).toEqual(Array.from(grads[spec.name]));
      expect(Array.from(dx)).toEqual(Array.from(l === 0 ? gt['grad.X'].data : gt[`grad.blocks.${l - 1}.out`].data));
      dout = dx;
    }
  });

  it('a part switched off shares the buffer it passes on, for the activations and so for their gradients', () => {
    const c = makeConfig({
      vocab: 5,
      dModel: 4,
      heads: 2,
      dFF: 0,
      layers: 1,
      seqLen: 3,
      attnProjection: false,
      attnResidual: false,
      layerNorm: false,
    });
    const bare = allocBlockActivations({ T: 3, config: c });
    expect(bare.attn.out).toBe(bare.attn.context);
    expect(bare.res1).toBe(bare.attn.out);
    expect(bare.h1).toBe(bare.res1);
    expect(bare.out).toBe(bare.h1);
    expect([bare.ln1, bare.ffn, bare.res2, bare.ln2]).toEqual([null, null, null, null]);
    const noResidual = allocBlockActivations({ T: 3, config: makeConfig({ ...c, dFF: 4, ffnResidual: false }) });
    expect(noResidual.res2).toBe(noResidual.ffn!.out);
    expect(noResidual.out).toBe(noResidual.res2);
    const full = allocBlockActivations({
      T: 3,
      config: makeConfig({ ...c, dFF: 4, attnProjection: true, attnResidual: true, ffnResidual: true, layerNorm: true }),
    });
    expect(full.h1).toBe(full.ln1!.y);
    expect(full.out).toBe(full.ln2!.y);
    expect(new Set(Object.values(buffers(full))).size).toBe(Object.keys(buffers(full)).length - 2); // only h1 and out are aliases
  });

  it("adds the input's gradient onto what g.x holds, and the weight gradients onto what g.w holds", () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 4, layers: 1, seqLen: 3 });
    const s: BlockShape = { T: 3, config: c };
    const p = initParams(c, 8);
    const x = randomArray(12, 9);
    const a = allocBlockActivations(s);
    blockForward(a, x, blockWeights(p, c, 0), s);
    const dout = randomArray(12, 10);
    const once = (dx: Float64Array, grads: Params) => {
      const da = allocBlockActivations(s);
      da.out.set(dout);
      blockBackward({ x: dx, w: blockWeights(grads, c, 0), a: da }, { x, w: blockWeights(p, c, 0), a }, s);
    };
    const [dx0, g0] = [new Float64Array(12), zerosLike(c)];
    once(dx0, g0);
    const [dx1, g1] = [new Float64Array(12).fill(1), zerosLike(c)];
    once(dx1, g1);
    once(dx1, g1);
    dx1.forEach((v, i) => expect(v).toBeCloseTo(1 + 2 * dx0[i], 14));
    g1['blocks.0.ffn.W_1'].forEach((v, i) => expect(v).toBeCloseTo(2 * g0['blocks.0.ffn.W_1'][i], 14));
  });
});
