/** PE[pos, 2i] = sin(pos / 10000^(2i/d)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/d))  (fixed, not learned) */
export function sinusoidalPositions(T: number, d: number): Float64Array {
  const pe = new Float64Array(T * d);
  for (let pos = 0; pos < T; pos++) {
    for (let j = 0; j < d; j++) {
      const i2 = j - (j % 2);
      const angle = pos / Math.pow(10000, i2 / d);
      pe[pos * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return pe;
}

/** X[pos] = E[token_pos] + PE[pos]   (pe may be null: no positional encoding) */
export function embeddingForward(
  X: Float64Array, tokens: ArrayLike<number>, E: Float64Array, pe: Float64Array | null, d: number,
): void {
  for (let pos = 0; pos < tokens.length; pos++) {
    const e = tokens[pos] * d;
    for (let j = 0; j < d; j++) X[pos * d + j] = E[e + j] + (pe ? pe[pos * d + j] : 0);
  }
}

/** dE[token_pos] += dX[pos]   (+=: a token that occurs twice, like the comma of Max(1,6,2), sums both positions) */
export function embeddingBackward(dE: Float64Array, dX: Float64Array, tokens: ArrayLike<number>, d: number): void {
  for (let pos = 0; pos < tokens.length; pos++) {
    const e = tokens[pos] * d;
    for (let j = 0; j < d; j++) dE[e + j] += dX[pos * d + j];
  }
}
