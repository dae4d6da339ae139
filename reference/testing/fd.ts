// Test support: finite-difference checks of one operation's backward function.
import fc from 'fast-check';
import { gradCheck, type GradCheckReport } from '../gradcheck.js';
import { mulberry32 } from '../prng.js';

/** Uniform values in (−scale, scale) from a seed. */
export function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/**
 * Checks `backward` against central differences of L = Σ r ⊙ forward(inputs), r a seeded random
 * upstream gradient. `backward(inputs, r)` returns the analytical dL/d(input) for the inputs it covers.
 */
export function checkOp(
  inputs: Record<string, Float64Array>,
  forward: (inputs: Record<string, Float64Array>) => Float64Array,
  backward: (inputs: Record<string, Float64Array>, dOut: Float64Array) => Record<string, Float64Array>,
  seed: number,
): GradCheckReport {
  const out = forward(inputs);
  const r = randomArray(out.length, seed ^ 0x5bd1e995);
  const loss = () => {
    const y = forward(inputs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  return gradCheck(loss, inputs, backward(inputs, r), { order: 4, eps: 1e-4 });
}

/** The tolerance every backward function must meet against central differences. */
export const FD_TOLERANCE = 1e-6;

/** Fixed-seed fast-check settings, so a property run is reproducible on every machine. */
export const PROPERTY = { seed: 20261123, numRuns: 40 } as const;

export const dims = (max: number) => fc.integer({ min: 1, max });
