import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward, type AttentionShape } from './attention.js';
import { selfAttentionBackward, selfAttentionForward } from './self_attention.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

const shapes = fc.record({ T: dims(4), heads: dims(3), dk: dims(3), causal: fc.boolean() });

describe('scaled dot-product attention', () => {
  it('scales by 1/sqrt(dk), masks the future when causal, and gives rows of weights that sum to 1', () => {
    fc.assert(
      fc.property(shapes, fc.integer(), ({ T, heads, dk, causal }, seed) => {
        const d = heads * dk;
        const s: AttentionShape = { T, d, heads, causal };
        const Q = randomArray(T * d, seed);
        const K = randomArray(T * d, seed + 1);
        const V = randomArray(T * d, seed + 2);
        const a = attentionForward(new Float64Array(T * d), Q, K, V, s);
        for (let h = 0; h < heads; h++)
          for (let i = 0; i < T; i++) {
            let sum = 0;
            for (let j = 0; j < T; j++) {
              const o = (h * T + i) * T + j;
              expect(a.scaled[o]).toBeCloseTo(a.scores[o] / Math.sqrt(dk), 14);
              if (causal && j > i) expect(a.weights[o]).toBe(0);
              sum += a.weights[o];
            }
            expect(sum).toBeCloseTo(1, 13);
          }
      }),
      PROPERTY,
    );
  });

  it('keeps heads apart: head h reads only its own columns of Q, K and V', () => {
    const s: AttentionShape = { T: 3, d: 4, heads: 2, causal: false };
    const Q = randomArray(12, 1);
    const K = randomArray(12, 2);
    const V = randomArray(12, 3);
    const base = new Float64Array(12);
    attentionForward(base, Q, K, V, s);
    const V2 = Float64Array.from(V);
    for (let j = 0; j < 3; j++) V2[j * 4 + 3] += 1; // change head 1's values only
    const moved = new Float64Array(12);
    attentionForward(moved, Q, K, V2, s);
    for (let i = 0; i < 3; i++) {
      expect(moved[i * 4]).toBe(base[i * 4]);
      expect(moved[i * 4 + 1]).toBe(base[i * 4 + 1]);
    }
  });

  it('backward to Q, K and V agrees with central differences', () => {
    fc.assert(
      fc.property(shapes, fc.integer(), ({ T, heads, dk, causal }, seed) => {
        const d = heads * dk;
        const s: AttentionShape = { T, d, heads, causal };
        const rep = checkOp(
          { Q: randomArray(T * d, seed, 2), K: randomArray(T * d, seed + 1, 2), V: randomArray(T * d, seed + 2) },
          ({ Q, K, V }) => {
            const ctx = new Float64Array(T * d);
            attentionForward(ctx, Q, K, V, s);
            return ctx;
          },
          ({ Q, K, V }, dctx) => {
            const cache = attentionForward(new Float64Array(T * d), Q, K, V, s);
            const g = { Q: new Float64Array(T * d), K: new Float64Array(T * d), V: new Float64Array(T * d) };
            attentionBackward(g.Q, g.K, g.V, dctx, Q, K, V, cache, s);
            return g;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('reports dL/dscores = dL/dscaled / sqrt(dk) in its gradient trace', () => {
    const s: AttentionShape = { T: 3, d: 4, heads: 1, causal: false };
    const Q = randomArray(12, 4);
    const K = randomArray(12, 5);
    const V = randomArray(12, 6);
    const cache = attentionForward(new Float64Array(12), Q, K, V, s);
    const out = { weights: new Float64Array(9), scaled: new Float64Array(9), scores: new Float64Array(9) };
    attentionBackward(new Float64Array(12), new Float64Array(12), new Float64Array(12), randomArray(12, 7), Q, K, V, cache, s, out);
    for (let i = 0; i < 9; i++) expect(out.scores[i]).toBeCloseTo(out.scaled[i] / 2, 15);
    expect(out.weights.some((x) => x !== 0)).toBe(true);
  });
});

describe('self-attention layer', () => {
  it('backward to X (Q, K and V paths summed) and to W_Q, W_K, W_V, W_O agrees with central differences', () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), fc.integer(), ({ T, heads, dk, causal }, withWO, seed) => {
        const d = heads * dk;
        const s: AttentionShape = { T, d, heads, causal };
        const inputs: Record<string, Float64Array> = {
          X: randomArray(T * d, seed, 2),
          W_Q: randomArray(d * d, seed + 1),
          W_K: randomArray(d * d, seed + 2),
          W_V: randomArray(d * d, seed + 3),
        };
        if (withWO) inputs.W_O = randomArray(d * d, seed + 4);
        const weights = (i: Record<string, Float64Array>) => ({ W_Q: i.W_Q, W_K: i.W_K, W_V: i.W_V, W_O: i.W_O ?? null });
        const rep = checkOp(
          inputs,
          (i) => selfAttentionForward(i.X, weights(i), s).out,
          (i, dout) => {
            const cache = selfAttentionForward(i.X, weights(i), s);
            const z = () => new Float64Array(d * d);
            const g = { W_Q: z(), W_K: z(), W_V: z(), W_O: withWO ? z() : null };
            const dX = new Float64Array(T * d);
            selfAttentionBackward(dX, g, dout, i.X, weights(i), cache, s);
            const out: Record<string, Float64Array> = { X: dX, W_Q: g.W_Q, W_K: g.W_K, W_V: g.W_V };
            if (g.W_O) out.W_O = g.W_O;
            return out;
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('without dX (null) it still gives the weight gradients, the same as with it', () => {
    const s: AttentionShape = { T: 3, d: 4, heads: 2, causal: true };
    const X = randomArray(12, 21);
    const w = { W_Q: randomArray(16, 22), W_K: randomArray(16, 23), W_V: randomArray(16, 24), W_O: randomArray(16, 25) };
    const cache = selfAttentionForward(X, w, s);
    const grads = () => ({ W_Q: new Float64Array(16), W_K: new Float64Array(16), W_V: new Float64Array(16), W_O: new Float64Array(16) });
    const a = grads();
    const b = grads();
    const dout = randomArray(12, 26);
    selfAttentionBackward(null, a, dout, X, w, cache, s);
    selfAttentionBackward(new Float64Array(12), b, dout, X, w, cache, s);
    for (const k of ['W_Q', 'W_K', 'W_V', 'W_O'] as const) expect(Array.from(a[k])).toEqual(Array.from(b[k]));
    expect(a.W_Q.some((x) => x !== 0)).toBe(true);
  });

  it('traces dQ, dK, dV and dcontext when asked, and adds dX onto what is there', () => {
    const s: AttentionShape = { T: 2, d: 2, heads: 1, causal: false };
    const X = randomArray(4, 31);
    const w = { W_Q: randomArray(4, 32), W_K: randomArray(4, 33), W_V: randomArray(4, 34), W_O: null };
    const cache = selfAttentionForward(X, w, s);
    expect(Array.from(cache.out)).toEqual(Array.from(cache.context)); // no W_O: the output is the context
    const g = { W_Q: new Float64Array(4), W_K: new Float64Array(4), W_V: new Float64Array(4), W_O: null };
    const trace = { Q: new Float64Array(4), K: new Float64Array(4), V: new Float64Array(4), context: new Float64Array(4) };
    const dout = randomArray(4, 35);
    const dX0 = new Float64Array(4);
    selfAttentionBackward(dX0, g, dout, X, w, cache, s, trace);
    const dX1 = Float64Array.of(1, 1, 1, 1);
    selfAttentionBackward(dX1, { W_Q: new Float64Array(4), W_K: new Float64Array(4), W_V: new Float64Array(4), W_O: null }, dout, X, w, cache, s);
    dX1.forEach((x, i) => expect(x).toBeCloseTo(1 + dX0[i], 15));
    expect(Array.from(trace.context)).toEqual(Array.from(dout));
    const dQ = new Float64Array(4);
    const dK = new Float64Array(4);
    const dV = new Float64Array(4);
    attentionBackward(dQ, dK, dV, dout, cache.Q, cache.K, cache.V, cache, s);
    expect(Array.from(trace.Q)).toEqual(Array.from(dQ));
    expect(Array.from(trace.K)).toEqual(Array.from(dK));
    expect(Array.from(trace.V)).toEqual(Array.from(dV));
  });
});

describe('multi-head attention is its heads side by side', () => {
  it('each head, run alone on its columns, gives the same context columns and the same gradient traces; context is overwritten', () => {
    const [T, dk, heads] = [3, 2, 2];
    const d = heads * dk;
    const s: AttentionShape = { T, d, heads, causal: true };
    const [Q, K, V, dC] = [1, 2, 3, 4].map((seed) => randomArray(T * d, seed));
    const context = new Float64Array(T * d).fill(Number.NaN); // a reused buffer: attention must overwrite it
    const cache = attentionForward(context, Q, K, V, s);
    const out = { weights: new Float64Array(heads * T * T), scaled: new Float64Array(heads * T * T), scores: new Float64Array(heads * T * T) };
    const zeros = () => new Float64Array(T * d);
    attentionBackward(zeros(), zeros(), zeros(), dC, Q, K, V, cache, s, out);
    const cols = (M: Float64Array, h: number) => Float64Array.from({ length: T * dk }, (_, i) => M[Math.floor(i / dk) * d + h * dk + (i % dk)]);
    for (let h = 0; h < heads; h++) {
      const one: AttentionShape = { T, d: dk, heads: 1, causal: true };
      const [q, k, v] = [cols(Q, h), cols(K, h), cols(V, h)];
      const c1 = new Float64Array(T * dk);
      const cache1 = attentionForward(c1, q, k, v, one);
      expect(Array.from(cols(context, h))).toEqual(Array.from(c1));
      const out1 = { weights: new Float64Array(T * T), scaled: new Float64Array(T * T), scores: new Float64Array(T * T) };
      const z = () => new Float64Array(T * dk);
      attentionBackward(z(), z(), z(), cols(dC, h), q, k, v, cache1, one, out1);
      for (const name of ['weights', 'scaled', 'scores'] as const) expect(Array.from(out[name].subarray(h * T * T, (h + 1) * T * T)), `${name} of head ${h}`).toEqual(Array.from(out1[name]));
    }
  });
});
