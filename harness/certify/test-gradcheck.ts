// Test support: gradient checks in decimal arithmetic. A central difference with h = 1e-15 at 40 digits errs by
// ~h² (truncation) + 1e-40/h (rounding), about 1e-25: a backward that agrees to 1e-20 is the derivative of its
// forward, checked without any formula of the reference.
import { Decimal } from '../exact.js';
import type { Mat } from './tensor.js';
import { sum } from './tensor.js';

const H = new Decimal('1e-15');

/** Deterministic small numbers in (−1, 1) (a linear congruential sequence, seeded). */
export function numbers(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return new Decimal(s % 20001).minus(10000).div(10007);
  };
  return { next, mat: (r: number, c: number): Mat => Array.from({ length: r }, () => Array.from({ length: c }, next)) };
}

/** Σ U ⊙ Y: the loss whose gradient with respect to Y is U. */
export const dotAll = (U: Mat, Y: Mat): Decimal => sum(U.flatMap((row, i) => row.map((u, j) => u.times(Y[i][j]))));

/** ∂loss/∂M by central differences, M perturbed in place (and restored) entry by entry. */
export function numericGrad(M: Mat, loss: () => Decimal, every = 1): (Decimal | null)[][] {
  let k = 0;
  return M.map((row, i) =>
    row.map((x, j) => {
      if (k++ % every !== 0) return null;
      M[i][j] = x.plus(H);
      const up = loss();
      M[i][j] = x.minus(H);
      const down = loss();
      M[i][j] = x;
      return up.minus(down).div(H.times(2));
    }),
  );
}

/** The entries where an analytic gradient and a numeric one differ by more than tol·(1 + |numeric|). */
export function mismatches(analytic: Mat, numeric: (Decimal | null)[][], tol = 1e-20): string[] {
  const out: string[] = [];
  numeric.forEach((row, i) =>
    row.forEach((n, j) => {
      if (n === null) return;
      const a = analytic[i][j];
      if (a.minus(n).abs().gt(n.abs().plus(1).times(tol)))
        out.push(`[${i}][${j}]: ${a.toSignificantDigits(12)} vs numeric ${n.toSignificantDigits(12)}`);
    }),
  );
  return out;
}
