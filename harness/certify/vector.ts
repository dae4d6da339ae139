// Mirrors reference/vector.ts: the vector operations that are not matrix products.
import type { Decimal } from '../exact.js';
import { sum, type Vec } from './tensor.js';

/** a · b = Σ_i a_i b_i */
export const dot = (a: Vec, b: Vec): Decimal => sum(a.map((x, i) => x.times(b[i])));

/** a − b, entry by entry */
export const subtract = (a: Vec, b: Vec): Vec => a.map((x, i) => x.minus(b[i]));
