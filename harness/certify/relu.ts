// Mirrors reference/relu.ts.
import { ZERO, type Vec } from './tensor.js';

/** y = max(0, z) */
export function reluForward(z: Vec): Vec {
  return z.map((v) => (v.gt(0) ? v : ZERO));
}

/** dz = dy · [z > 0]   (ReLU'(0) = 0) */
export function reluBackward(dy: Vec, z: Vec): Vec {
  return dy.map((g, i) => (z[i].gt(0) ? g : ZERO));
}
