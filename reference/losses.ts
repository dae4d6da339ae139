import { softmaxForward } from './softmax.js';

/** p = softmax(logits);  L = −ln p[target]   (natural log) */
export function crossEntropyForward(
  probs: Float64Array, logits: Float64Array, target: number, n: number, softmax: typeof softmaxForward = softmaxForward,
): number {
  softmax(probs, logits, 1, n);
  return -Math.log(probs[target]);
}

/** dlogits += scale · (p − onehot(target))   (scale = 1/N when the loss is a batch mean) */
export function crossEntropyBackward(dlogits: Float64Array, probs: Float64Array, target: number, n: number, scale = 1): void {
  for (let j = 0; j < n; j++) dlogits[j] += scale * (probs[j] - (j === target ? 1 : 0));
}

/** L = factor · (1/n) Σ (y − t)²   (Stage 10's exercise 1 uses factor 0.5 with n = 1: 0.5·(y − t)²) */
export function mseForward(y: Float64Array, t: ArrayLike<number>, n: number, factor: number): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += (y[j] - t[j]) * (y[j] - t[j]);
  return (factor * s) / n;
}

/** dy += scale · 2·factor/n · (y − t) */
export function mseBackward(dy: Float64Array, y: Float64Array, t: ArrayLike<number>, n: number, factor: number, scale = 1): void {
  for (let j = 0; j < n; j++) dy[j] += (scale * 2 * factor * (y[j] - t[j])) / n;
}
