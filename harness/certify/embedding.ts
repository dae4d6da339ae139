// Mirrors reference/embedding.ts.
import { Decimal } from '../exact.js';
import { zeros, type Mat } from './tensor.js';

/** PE[pos, 2i] = sin(pos / 10000^(2i/d)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/d))   (fixed, not learned) */
export function sinusoidalPositions(T: number, d: number): Mat {
  return Array.from({ length: T }, (_, pos) =>
    Array.from({ length: d }, (_, j) => {
      const i2 = j - (j % 2);
      const angle = new Decimal(pos).div(new Decimal(10000).pow(new Decimal(i2).div(d)));
      return j % 2 === 0 ? angle.sin() : angle.cos();
    }),
  );
}

/** The tables an embedding reads: E [vocab x d] and the positions PE [T x d] (null: no positional encoding). */
export interface EmbeddingTables {
  E: Mat;
  pe: Mat | null;
}

/** X[pos] = E[token_pos] + PE[pos] */
export function embeddingForward(tokens: readonly number[], w: EmbeddingTables): Mat {
  const { E, pe } = w;
  return tokens.map((t, pos) => (pe ? E[t].map((e, j) => e.plus(pe[pos][j])) : E[t]));
}

/** dE[v] = Σ over the positions holding token v of dX[pos]   (a repeated token sums its positions) */
export function embeddingBackward(dX: Mat, tokens: readonly number[], vocab: number): Mat {
  return zeros(vocab, dX[0].length).map((row, v) =>
    tokens.reduce((acc, t, pos) => (t === v ? acc.map((x, j) => x.plus(dX[pos][j])) : acc), row),
  );
}
