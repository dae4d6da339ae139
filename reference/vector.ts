// The vector operations of the book's Chapter 2 that are not matrix products.

/** a · b = Σ_i a_i b_i, summed from i = 0 (b as long as a) */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = s + a[i] * b[i];
  return s;
}

/** y = a − b, entry by entry (y, b as long as a); overwrites y */
export function subtract(y: Float64Array, a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) y[i] = a[i] - b[i];
}
