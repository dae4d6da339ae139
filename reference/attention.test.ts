import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocAttentionActivations,
  attentionBackward,
  attentionForward,
  type AttentionActivations,
  type AttentionShape,
} from './attention.js';
import { allocSelfAttentionActivations, selfAttentionBackward, selfAttentionForward, type SelfAttentionWeights } from './self_attention.js';
import { checkOp, dims, FD_TOLERANCE, PROPERTY, randomArray } from './testing/fd.js';

const shapes = fc.record({ T: dims(4), heads: dims(3), dk: dims(3), causal: fc.boolean() });

/** Attention run on the given Q, K, V. */
function attend(Q: Float64Array, K: Float64Array, V: Float64Array, s: AttentionShape): AttentionActivations {
  const a = { ...allocAttentionActivations(s), Q, K, V };
  attentionForward(a, s);
  return a;
}

/** The gradients of attention's activations, from the upstream gradient of the context. */
function attendBackward(f: AttentionActivations, dcontext: Float64Array, s: AttentionShape): AttentionActivations {
  const g = { ...allocAttentionActivations(s), context: dcontext };
  attentionBackward(g, f, s);
  return g;
}

describe('scaled dot-product attention', () => {
  it('scales by 1/sqrt(dk), masks the future when causal, and gives rows of weights that sum to 1', () => {
    fc.assert(
      fc.property(shapes, fc.integer(), ({ T, heads, dk, causal }, seed) => {
        const d = heads * dk;
        const s: AttentionShape = { T, d, heads, causal };
        const a = attend(randomArray(T * d, seed), randomArray(T * d, seed + 1), randomArray(T * d, seed + 2), s);
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
    const base = attend(Q, K, V, s).context;
    const V2 = Float64Array.from(V);
    for (let j = 0; j < 3; j++) V2[j * 4 + 3] += 1; // change head 1's values only
    const moved = attend(Q, K, V2, s).context;
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
          ({ Q, K, V }) => attend(Q, K, V, s).context,
          ({ Q, K, V }, dctx) => {
            const g = attendBackward(attend(Q, K, V, s), dctx, s);
            return { Q: g.Q, K: g.K, V: g.V };
          },
          seed,
        );
        expect(rep.maxRelError).toBeLessThanOrEqual(FD_TOLERANCE);
      }),
      PROPERTY,
    );
  });

  it('gives dL/dscores = dL/dscaled / sqrt(dk) among the gradients of its activations', () => {
    const s: AttentionShape = { T: 3, d: 4, heads: 1, causal: false };
    const g = attendBackward(attend(randomArray(12, 4), randomArray(12, 5), randomArray(12, 6), s), randomArray(12, 7), s);
    for (let i = 0; i < 9; i++) expect(g.scores[i]).toBeCloseTo(g.scaled[i] / 2, 15);
    expect(g.weights.some((x) => x !== 0)).toBe(true);
  });

  it('overwrites its outputs: a second forward into the same buffers gives the same activations', () => {
    const s: AttentionShape = { T: 3, d: 4, heads: 2, causal: true };
    const a = { ...allocAttentionActivations(s), Q: randomArray(12, 8), K: randomArray(12, 9), V: randomArray(12, 10) };
    for (const b of [a.scores, a.scaled, a.weights, a.context]) b.fill(Number.NaN);
    attentionForward(a, s);
    const first = [a.scores, a.scaled, a.weights, a.context].map((b) => Array.from(b));
    attentionForward(a, s);
    expect([a.scores, a.scaled, a.weights, a.context].map((b) => Array.from(b))).toEqual(first);
    expect(first.flat().every(Number.isFinite)).toBe(true);
  });
});

describe('self-attention layer', () => {
  const weightsOf = (i: Record<string, Float64Array>): SelfAttentionWeights => ({ W_Q: i.W_Q, W_K: i.W_K, W_V: i.W_V, W_O: i.W_O ?? null });
  const run = (X: Float64Array, w: SelfAttentionWeights, s: AttentionShape) => {
    const a = allocSelfAttentionActivations({ ...s, projection: w.W_O !== null });
    selfAttentionForward(a, X, w, s);
    return a;
  };
  const zeroGrads = (w: SelfAttentionWeights): SelfAttentionWeights => ({
    W_Q: new Float64Array(w.W_Q.length),
    W_K: new Float64Array(w.W_K.length),
    W_V: new Float64Array(w.W_V.length),
    W_O: w.W_O && new Float64Array(w.W_O.length),
  });
  /** The gradients from dout: of X into dX (or not, when null), of the weights and of the activations. */
  const back = (dX: Float64Array | null, X: Float64Array, w: SelfAttentionWeights, dout: Float64Array, s: AttentionShape) => {
    const a = run(X, w, s);
    const da = allocSelfAttentionActivations({ ...s, projection: w.W_O !== null });
    da.out.set(dout);
    const g = { x: dX, w: zeroGrads(w), a: da };
    selfAttentionBackward(g, { x: X, w, a }, s);
    return g;
  };

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
        const rep = checkOp(
          inputs,
          (i) => run(i.X, weightsOf(i), s).out,
          (i, dout) => {
            const g = back(new Float64Array(T * d), i.X, weightsOf(i), dout, s);
            const out: Record<string, Float64Array> = { X: g.x!, W_Q: g.w.W_Q, W_K: g.w.W_K, W_V: g.w.W_V };
            if (g.w.W_O) out.W_O = g.w.W_O;
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
    const dout = randomArray(12, 26);
    const a = back(null, X, w, dout, s);
    const b = back(new Float64Array(12), X, w, dout, s);
    for (const k of ['W_Q', 'W_K', 'W_V', 'W_O'] as const) expect(Array.from(a.w[k]!)).toEqual(Array.from(b.w[k]!));
    expect(a.w.W_Q.some((x) => x !== 0)).toBe(true);
  });

  it('gives dQ, dK, dV and dcontext among the gradients of its activations, and adds dX onto what is there', () => {
    const s: AttentionShape = { T: 2, d: 2, heads: 1, causal: false };
    const X = randomArray(4, 31);
    const w = { W_Q: randomArray(4, 32), W_K: randomArray(4, 33), W_V: randomArray(4, 34), W_O: null };
    const a = run(X, w, s);
    expect(a.out).toBe(a.context); // no W_O: the output is the context, the same buffer
    const dout = randomArray(4, 35);
    const g0 = back(new Float64Array(4), X, w, dout, s);
    const g1 = back(Float64Array.of(1, 1, 1, 1), X, w, dout, s);
    g1.x!.forEach((x, i) => expect(x).toBeCloseTo(1 + g0.x![i], 15));
    expect(Array.from(g0.a.context)).toEqual(Array.from(dout));
    const ga = attendBackward(a, dout, s);
    expect(Array.from(g0.a.Q)).toEqual(Array.from(ga.Q));
    expect(Array.from(g0.a.K)).toEqual(Array.from(ga.K));
    expect(Array.from(g0.a.V)).toEqual(Array.from(ga.V));
  });
});

describe('multi-head attention is its heads side by side', () => {
  it('each head, run alone on its columns, gives the same context columns and the same activation gradients; context is overwritten', () => {
    const [T, dk, heads] = [3, 2, 2];
    const d = heads * dk;
    const s: AttentionShape = { T, d, heads, causal: true };
    const [Q, K, V, dC] = [1, 2, 3, 4].map((seed) => randomArray(T * d, seed));
    const f = { ...allocAttentionActivations(s), Q, K, V };
    f.context.fill(Number.NaN); // a reused buffer: attention must overwrite it
    attentionForward(f, s);
    const g = attendBackward(f, dC, s);
    const cols = (M: Float64Array, h: number) =>
      Float64Array.from({ length: T * dk }, (_, i) => M[Math.floor(i / dk) * d + h * dk + (i % dk)]);
    for (let h = 0; h < heads; h++) {
      const one: AttentionShape = { T, d: dk, heads: 1, causal: true };
      const f1 = attend(cols(Q, h), cols(K, h), cols(V, h), one);
      expect(Array.from(cols(f.context, h))).toEqual(Array.from(f1.context));
      const g1 = attendBackward(f1, cols(dC, h), one);
      for (const name of ['weights', 'scaled', 'scores'] as const)
        expect(Array.from(g[name].subarray(h * T * T, (h + 1) * T * T)), `${name} of head ${h}`).toEqual(Array.from(g1[name]));
    }
  });
});
