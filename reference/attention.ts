import { softmaxBackward, softmaxForward } from './softmax.js';

/** Shapes of one sequence: T positions, d = heads·dk features; head h owns columns [h·dk, (h+1)·dk). */
export interface AttentionShape {
  T: number;
  d: number;
  heads: number;
  causal: boolean;
}

/** What the forward pass keeps: per head [heads×T×T] raw scores Q Kᵀ, scaled scores, softmax weights. */
export interface AttentionCache {
  scores: Float64Array;
  scaled: Float64Array;
  weights: Float64Array;
}

/**
 * context_h = softmax(Q_h K_hᵀ / sqrt(dk) + mask) V_h, heads concatenated into context[T×d].
 * The causal mask hides keys j > i (weight exactly 0); raw and scaled scores are kept unmasked.
 */
export function attentionForward(
  context: Float64Array, Q: Float64Array, K: Float64Array, V: Float64Array, s: AttentionShape,
): AttentionCache {
  const { T, d, heads, causal } = s;
  const dk = d / heads;
  const scale = 1 / Math.sqrt(dk);
  const scores = new Float64Array(heads * T * T);
  const scaled = new Float64Array(heads * T * T);
  const weights = new Float64Array(heads * T * T);
  const masked = new Float64Array(T);
  const row = new Float64Array(T);
  context.fill(0, 0, T * d);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    for (let i = 0; i < T; i++) {
      const o = (h * T + i) * T;
      for (let j = 0; j < T; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += Q[i * d + c0 + c] * K[j * d + c0 + c];
        scores[o + j] = dot;
        scaled[o + j] = dot * scale;
        masked[j] = causal && j > i ? -Infinity : dot * scale;
      }
      softmaxForward(row, masked, 1, T);
      weights.set(row, o);
      for (let j = 0; j < T; j++) {
        const w = row[j];
        if (w === 0) continue;
        for (let c = 0; c < dk; c++) context[i * d + c0 + c] += w * V[j * d + c0 + c];
      }
    }
  }
  return { scores, scaled, weights };
}

/** Optional buffers [heads×T×T] that receive dL/dweights, dL/dscaled and dL/dscores for the trace. */
export interface AttentionGradTrace {
  weights?: Float64Array;
  scaled?: Float64Array;
  scores?: Float64Array;
}

/**
 * dweights = dcontext_h V_hᵀ;  dV_h += weightsᵀ dcontext_h;  dscaled = softmax backward;
 * dscores = dscaled / sqrt(dk);  dQ_h += dscores K_h;  dK_h += dscoresᵀ Q_h.
 */
export function attentionBackward(
  dQ: Float64Array, dK: Float64Array, dV: Float64Array, dcontext: Float64Array,
  Q: Float64Array, K: Float64Array, V: Float64Array, cache: AttentionCache, s: AttentionShape,
  out: AttentionGradTrace = {},
): void {
  const { T, d, heads } = s;
  const dk = d / heads;
  const scale = 1 / Math.sqrt(dk);
  const dw = new Float64Array(T);
  const dsc = new Float64Array(T);
  for (let h = 0; h < heads; h++) {
    const c0 = h * dk;
    for (let i = 0; i < T; i++) {
      const o = (h * T + i) * T;
      const w = cache.weights.subarray(o, o + T);
      for (let j = 0; j < T; j++) {
        let g = 0;
        for (let c = 0; c < dk; c++) {
          const dc = dcontext[i * d + c0 + c];
          g += dc * V[j * d + c0 + c];
          dV[j * d + c0 + c] += w[j] * dc;
        }
        dw[j] = g;
      }
      dsc.fill(0);
      softmaxBackward(dsc, dw, w, 1, T);
      if (out.weights) out.weights.set(dw, o);
      if (out.scaled) out.scaled.set(dsc, o);
      for (let j = 0; j < T; j++) {
        const g = dsc[j] * scale;
        if (out.scores) out.scores[o + j] = g;
        if (g === 0) continue;
        for (let c = 0; c < dk; c++) {
          dQ[i * d + c0 + c] += g * K[j * d + c0 + c];
          dK[j * d + c0 + c] += g * Q[i * d + c0 + c];
        }
      }
    }
  }
}
