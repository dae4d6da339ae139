// Mirrors the one function of reference/gradcheck.ts a fixture computes (the op central_difference).
import type { Decimal } from '../exact.js';

/** dL/dθ ≈ (L(θ + h) − L(θ − h)) / 2h */
export const centralDifference = (lossPlus: Decimal, lossMinus: Decimal, h: Decimal): Decimal => lossPlus.minus(lossMinus).div(h.times(2));
