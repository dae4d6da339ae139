import { describe, expect, it } from 'vitest';
import { makeConfig, STAGE10_CONFIG } from './config.js';
import { countParams, initParams, paramSpecs } from './params.js';

describe('parameters', () => {
  it('counts what the Stage 10 model allocates: embeddings, 2 × (W_Q,W_K,W_V,W_O + FFN with biases + 2 layer norms), output weights and bias', () => {
    const V = 20, d = 64, ff = 256, L = 2;
    const perBlock = 4 * d * d + (d * ff + ff + ff * d + d) + 2 * (2 * d);
    expect(countParams(STAGE10_CONFIG)).toBe(V * d + L * perBlock + (d * V + V));
    expect(countParams(STAGE10_CONFIG)).toBe(102036);
  });

  it('drops the parts a config switches off (the book\'s 2×2 model: E, W_Q, W_K, W_V, and a 2×4 W_O)', () => {
    const book = makeConfig({ vocab: 4, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 2, positional: 'none', attnProjection: false, attnResidual: false, layerNorm: false, outDim: 4, headBias: false });
    expect(paramSpecs(book).map((s) => `${s.name}:${s.shape.join('x')}`)).toEqual([
      'embedding.E:4x2', 'blocks.0.attn.W_Q:2x2', 'blocks.0.attn.W_K:2x2', 'blocks.0.attn.W_V:2x2', 'head.W_out:2x4',
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

  it('rejects inconsistent configurations', () => {
    expect(() => makeConfig({ dModel: 10, heads: 4 })).toThrow(/not divisible/);
    expect(() => makeConfig({ vocab: 0 })).toThrow(/vocab must be a positive integer/);
  });
});
