/** PE[pos, 2i] = sin(pos / 10000^(2i/d)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/d))  (fixed, not learned); pe [T x d] */
export function sinusoidalPositions(pe: Float64Array, T: number, d: number): void {
  for (let pos = 0; pos < T; pos++) {
    for (let j = 0; j < d; j++) {
      const i2 = j - (j % 2);
      const angle = pos / Math.pow(10000, i2 / d);
      pe[pos * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
}

/** The tables an embedding reads: E [vocab x d] and the positions PE [T x d] (null: no positional encoding). */
export interface EmbeddingTables {
  E: Float64Array;
  pe: Float64Array | null;
}

/** X[pos] = E[token_pos] + PE[pos]   (X [T x d], T = tokens.length) */
export function embeddingForward(X: Float64Array, tokens: ArrayLike<number>, w: EmbeddingTables, d: number): void {
  const { E, pe } = w;
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
