// Mirrors reference/losses.ts. The reference's `scale` (1/N of a batch mean) is not mirrored: the certifier
// differentiates each example's own loss and averages in training.ts.
import type { Decimal } from '../exact.js';
import { sum, type Vec } from './tensor.js';

/** L = −ln p[target]   (natural log; p = softmax(logits), the caller's softmaxForward) */
export function crossEntropyForward(probs: Vec, target: number): Decimal {
  return probs[target].ln().neg();
}

/** dlogits = p − onehot(target) */
export function crossEntropyBackward(probs: Vec, target: number): Vec {
  return probs.map((p, j) => (j === target ? p.minus(1) : p));
}

/** L = factor · (1/n) Σ (y − t)² */
export function mseForward(y: Vec, t: Vec, factor: Decimal): Decimal {
  return factor.times(sum(y.map((v, j) => v.minus(t[j]).pow(2)))).div(y.length);
}

/** dy = 2·factor/n · (y − t) */
export function mseBackward(y: Vec, t: Vec, factor: Decimal): Vec {
  return y.map((v, j) => v.minus(t[j]).times(2).times(factor).div(y.length));
}
