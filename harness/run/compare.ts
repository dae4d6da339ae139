// Conformance: is an implementation's value within tolerance of the certified expected value?
// |x − e| ≤ atol + rtol·|e|, element by element; the size of the error is always reported.
import type { Tensor } from '../../reference/tensor.js';

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * float64: an independent float64 implementation differs from the reference only by summation order,
 * ~1e-15 relative; rtol 1e-9 leaves room for ill-conditioned sums while any real bug is off by far more.
 * float32: machine epsilon 6e-8; a Stage 10 forward+backward accumulates a few hundred roundings, so
 * rtol 1e-4 with atol 1e-5 for gradients that cancel to near zero (measured against TF.js, see README).
 */
export const PROFILES = {
  float64: { atol: 1e-12, rtol: 1e-9 },
  float32: { atol: 1e-5, rtol: 1e-4 },
} as const satisfies Record<string, Tolerance>;
export type ProfileName = keyof typeof PROFILES;

export interface TensorComparison {
  pass: boolean;
  /** Number of elements compared. */
  size: number;
  maxAbsError: number;
  maxRelError: number;
  /** Index of the element furthest outside (or nearest to the edge of) its tolerance. */
  worstIndex: number[];
  /** Elements that are NaN or infinite in the actual value. */
  nonFinite: number;
}

function unflatten(i: number, shape: number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Compares two tensors of the same shape; throws when the shapes differ (the caller reports an error). */
export function compareTensors(actual: Tensor, expected: Tensor, tol: Tolerance): TensorComparison {
  if (actual.shape.join() !== expected.shape.join() || actual.data.length !== expected.data.length) {
    throw new Error(`shape [${actual.shape}] where [${expected.shape}] is expected`);
  }
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst = 0;
  let worstRatio = -1;
  let nonFinite = 0;
  // Plain assignments in this loop, no destructuring: it runs over every compared number, mostly in cold code.
  for (let i = 0; i < expected.data.length; i++) {
    const x = actual.data[i];
    const e = expected.data[i];
    if (!Number.isFinite(x)) {
      nonFinite++;
      if (worstRatio < Infinity) {
        worst = i;
        worstRatio = Infinity;
      }
      continue;
    }
    const abs = Math.abs(x - e);
    maxAbsError = Math.max(maxAbsError, abs);
    if (abs > 0) maxRelError = Math.max(maxRelError, abs / Math.max(Math.abs(e), Number.MIN_VALUE));
    const ratio = abs / (tol.atol + tol.rtol * Math.abs(e));
    if (ratio > worstRatio) {
      worst = i;
      worstRatio = ratio;
    }
  }
  if (nonFinite) [maxAbsError, maxRelError] = [Infinity, Infinity];
  return {
    pass: nonFinite === 0 && worstRatio <= 1,
    size: expected.data.length,
    maxAbsError,
    maxRelError,
    worstIndex: unflatten(worst, expected.shape),
    nonFinite,
  };
}
