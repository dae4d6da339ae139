// The losses of the two heads. Each reads the whole of its buffers: n = probs.length (or y.length).

/** L = −ln p[target]   (natural log; p = softmax(logits), the caller's softmaxForward) */
export function crossEntropyForward(probs: Float64Array, target: number): number {
  return -Math.log(probs[target]);
}

/** dlogits += scale · (p − onehot(target))   (scale = 1/N when the loss is a batch mean) */
export function crossEntropyBackward(dlogits: Float64Array, probs: Float64Array, target: number, scale = 1): void {
  for (let j = 0; j < probs.length; j++) dlogits[j] += scale * (probs[j] - (j === target ? 1 : 0));
}

/** L = factor · (1/n) Σ (y − t)²   (Stage 10's exercise 1 uses factor 0.5 with n = 1: 0.5·(y − t)²) */
export function mseForward(y: Float64Array, t: ArrayLike<number>, factor: number): number {
  const n = y.length;
  let s = 0;
  for (let j = 0; j < n; j++) s += (y[j] - t[j]) * (y[j] - t[j]);
  return (factor * s) / n;
}

export interface MseOptions {
  /** The loss's factor (see mseForward). */
  factor: number;
  /** What the gradient is multiplied by (1/N for a batch mean); 1 by default. */
  scale?: number;
}

/** dy += scale · 2·factor/n · (y − t) */
export function mseBackward(dy: Float64Array, y: Float64Array, t: ArrayLike<number>, o: MseOptions): void {
  const { factor, scale = 1 } = o;
  const n = y.length;
  for (let j = 0; j < n; j++) dy[j] += (scale * 2 * factor * (y[j] - t[j])) / n;
}
