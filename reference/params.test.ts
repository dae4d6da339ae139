import { describe, expect, it } from 'vitest';
import { BOOK_2X2, makeConfig, STAGE10_CONFIG } from './config.js';
import { cloneParams, countParams, initParams, paramSpecs, sizeOf, zerosLike } from './params.js';
import { mulberry32, normal } from './prng.js';

describe('parameters', () => {
  it(
    'counts what the Stage 10 model allocates: embeddings, 2 × (W_Q,W_K,W_V,W_O + FFN with biases + 2 layer norms), ' +
      'output weights and bias',
    () => {
      const V = 20,
        d = 64,
        ff = 256,
        L = 2;
      const perBlock = 4 * d * d + (d * ff + ff + ff * d + d) + 2 * (2 * d);
      expect(countParams(STAGE10_CONFIG)).toBe(V * d + L * perBlock + (d * V + V));
      expect(countParams(STAGE10_CONFIG)).toBe(102036);
    },
  );

  it("drops the parts a config switches off (the book's 2×2 model: E, W_Q, W_K, W_V, and a 2×4 W_O)", () => {
    const book = BOOK_2X2;
    expect(paramSpecs(book).map((s) => `${s.name}:${s.shape.join('x')}`)).toEqual([
      'embedding.E:4x2',
      'blocks.0.attn.W_Q:2x2',
      'blocks.0.attn.W_K:2x2',
      'blocks.0.attn.W_V:2x2',
      'head.W_out:2x4',
    ]);
  });

  it('initialises reproducibly from a seed', () => {
    const a = initParams(STAGE10_CONFIG, 42);
    const b = initParams(STAGE10_CONFIG, 42);
    const other = initParams(STAGE10_CONFIG, 43);
    expect(Array.from(a['blocks.1.ffn.W_2'])).toEqual(Array.from(b['blocks.1.ffn.W_2']));
    expect(Array.from(a['blocks.1.ffn.W_2'])).not.toEqual(Array.from(other['blocks.1.ffn.W_2']));
    expect(Array.from(a['blocks.0.ln1.gamma']).every((x) => x === 1)).toBe(true);
    expect(Array.from(a['head.b_out']).every((x) => x === 0)).toBe(true);
  });

  it('the Stage 10 configuration is the model the seed describes, with the conventions of spec/conventions.md', () => {
    expect(STAGE10_CONFIG).toEqual({
      vocab: 20,
      dModel: 64,
      heads: 4,
      dFF: 256,
      layers: 2,
      seqLen: 8,
      causal: false,
      positional: 'sinusoidal',
      input: 'tokens',
      inDim: 0,
      attnProjection: true,
      attnResidual: true,
      ffnResidual: true,
      layerNorm: true,
      ffnBias: true,
      lnEps: 1e-5,
      head: 'classification',
      outDim: 20,
      headBias: true,
      mseFactor: 0.5,
    });
  });

  it('lays out continuous input and a regression head: W_in [inDim×d] and b_in, no embedding; no head at all for head none', () => {
    const c = makeConfig({
      input: 'continuous',
      inDim: 3,
      dModel: 4,
      heads: 1,
      dFF: 0,
      layers: 1,
      layerNorm: false,
      head: 'regression',
      outDim: 2,
    });
    expect(paramSpecs(c).map((s) => `${s.name}:${s.shape.join('x')}:${s.init}`)).toEqual([
      'input.W_in:3x4:xavier',
      'input.b_in:4:zeros',
      'blocks.0.attn.W_Q:4x4:xavier',
      'blocks.0.attn.W_K:4x4:xavier',
      'blocks.0.attn.W_V:4x4:xavier',
      'blocks.0.attn.W_O:4x4:xavier',
      'head.W_out:4x2:xavier',
      'head.b_out:2:zeros',
    ]);
    expect(paramSpecs(makeConfig({ head: 'none' })).some((s) => s.name.startsWith('head.'))).toBe(false);
    const full = paramSpecs(makeConfig({ layers: 1 })).map((s) => `${s.name}:${s.init}`);
    expect(full).toEqual([
      'embedding.E:normal',
      'blocks.0.attn.W_Q:xavier',
      'blocks.0.attn.W_K:xavier',
      'blocks.0.attn.W_V:xavier',
      'blocks.0.attn.W_O:xavier',
      'blocks.0.ln1.gamma:ones',
      'blocks.0.ln1.beta:zeros',
      'blocks.0.ffn.W_1:xavier',
      'blocks.0.ffn.b_1:zeros',
      'blocks.0.ffn.W_2:xavier',
      'blocks.0.ffn.b_2:zeros',
      'blocks.0.ln2.gamma:ones',
      'blocks.0.ln2.beta:zeros',
      'head.W_out:xavier',
      'head.b_out:zeros',
    ]);
  });

  it('draws embeddings from N(0, 1) and weight matrices Xavier-normal, std sqrt(2/(fan_in + fan_out))', () => {
    const p = initParams(STAGE10_CONFIG, 7);
    const stats = (w: Float64Array) => {
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      return { mean, std: Math.sqrt(w.reduce((a, x) => a + (x - mean) ** 2, 0) / w.length) };
    };
    const e = stats(p['embedding.E']);
    expect(Math.abs(e.mean)).toBeLessThan(0.1);
    expect(e.std).toBeGreaterThan(0.9);
    expect(e.std).toBeLessThan(1.1);
    for (const [name, fanIn, fanOut] of [
      ['blocks.0.ffn.W_1', 64, 256],
      ['blocks.1.attn.W_V', 64, 64],
      ['head.W_out', 64, 20],
    ] as const) {
      const s = stats(p[name]);
      expect(s.std / Math.sqrt(2 / (fanIn + fanOut)), name).toBeGreaterThan(0.93);
      expect(s.std / Math.sqrt(2 / (fanIn + fanOut)), name).toBeLessThan(1.07);
      expect(Math.abs(s.mean), name).toBeLessThan(0.3 * s.std);
    }
    expect(Array.from(p['blocks.1.ln2.beta']).every((x) => x === 0)).toBe(true);
  });

  it('zero tensors and deep copies shaped like the parameters', () => {
    const p = initParams(STAGE10_CONFIG, 1);
    const z = zerosLike(STAGE10_CONFIG);
    for (const s of paramSpecs(STAGE10_CONFIG)) {
      expect(z[s.name].length).toBe(sizeOf(s.shape));
      expect(z[s.name].every((x) => x === 0)).toBe(true);
    }
    const q = cloneParams(p);
    expect(Object.keys(q)).toEqual(Object.keys(p));
    expect(Array.from(q['head.W_out'])).toEqual(Array.from(p['head.W_out']));
    q['head.W_out'][0] += 1;
    expect(q['head.W_out'][0]).not.toBe(p['head.W_out'][0]);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 4])).toBe(12);
  });

  it('rejects inconsistent configurations', () => {
    expect(() => makeConfig({ dModel: 10, heads: 4 })).toThrow(/not divisible/);
    expect(() => makeConfig({ vocab: 0 })).toThrow(/vocab must be a positive integer/);
  });
});

describe('the initialisation stream', () => {
  it('draws the tensors in spec order from one normal stream, each taking exactly its own entries', () => {
    const c = makeConfig({ vocab: 5, dModel: 4, heads: 2, dFF: 6, layers: 2, seqLen: 3 });
    const randn = normal(mulberry32(42));
    const p = initParams(c, 42);
    for (const s of paramSpecs(c)) {
      const std = s.init === 'xavier' ? Math.sqrt(2 / (s.shape[0] + s.shape[1])) : 1;
      const replay = Array.from(p[s.name], () => (s.init === 'ones' ? 1 : s.init === 'normal' || s.init === 'xavier' ? std * randn() : 0));
      expect(Array.from(p[s.name]), s.name).toEqual(replay);
    }
  });
});
