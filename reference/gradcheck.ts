// Gradient checking by central finite differences in float64.
import { mulberry32 } from './prng.js';
import type { Params } from './params.js';

export interface GradCheckOptions {
  /** Step h (relative to max(1, |θ|)). */
  eps?: number;
  /** 2: (L(θ+h) − L(θ−h)) / 2h;  4: the fourth-order stencil (8(L(θ+h) − L(θ−h)) − (L(θ+2h) − L(θ−2h))) / 12h. */
  order?: 2 | 4;
  /** Check at most this many entries per tensor, chosen by a seeded PRNG (default: all). */
  samplePerTensor?: number;
  seed?: number;
  /** Relative errors are |a − n| / max(|a|, |n|, floor): entries both below the floor are judged absolutely. */
  floor?: number;
}

export interface TensorCheck {
  name: string;
  checked: number;
  maxAbsError: number;
  maxRelError: number;
  /** Flat index of the entry with the largest relative error. */
  worstIndex: number;
  /** Normwise relative error: max |a − n| / max(max |a|, max |n|, floor) over the checked entries. */
  normRelError: number;
}

export interface GradCheckReport {
  tensors: TensorCheck[];
  maxAbsError: number;
  maxRelError: number;
}

const relError = (a: number, n: number, floor: number): number => Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor);

/** dL/dθ ≈ (L(θ + h) − L(θ − h)) / 2h */
export const centralDifference = (lossPlus: number, lossMinus: number, h: number): number => (lossPlus - lossMinus) / (2 * h);

function numericalDerivative(loss: () => number, w: Float64Array, i: number, eps: number, order: 2 | 4): number {
  const x = w[i];
  const h = eps * Math.max(1, Math.abs(x));
  const at = (v: number) => {
    w[i] = v;
    return loss();
  };
  let g: number;
  if (order === 2) g = centralDifference(at(x + h), at(x - h), h);
  else g = (8 * (at(x + h) - at(x - h)) - (at(x + 2 * h) - at(x - 2 * h))) / (12 * h); // differences first: equal losses give exactly 0
  w[i] = x;
  return g;
}

/**
 * Compares analytical gradients with central differences of `loss` (which reads `params`, perturbed in place
 * and restored), entry by entry over every tensor in `analytical` or a seeded sample of each.
 */
export function gradCheck(loss: () => number, params: Params, analytical: Params, o: GradCheckOptions = {}): GradCheckReport {
  const eps = o.eps ?? 1e-5;
  const order = o.order ?? 2;
  const floor = o.floor ?? 1e-8;
  const rand = mulberry32(o.seed ?? 1);
  const tensors: TensorCheck[] = [];
  for (const [name, grad] of Object.entries(analytical)) {
    const w = params[name];
    if (!w) throw new Error(`gradCheck: no parameter ${name}`);
    let idx = [...grad.keys()];
    if (o.samplePerTensor !== undefined && idx.length > o.samplePerTensor) {
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      idx = idx.slice(0, o.samplePerTensor);
    }
    const t: TensorCheck = { name, checked: idx.length, maxAbsError: 0, maxRelError: 0, worstIndex: -1, normRelError: 0 };
    let scale = 0;
    for (const i of idx) {
      const n = numericalDerivative(loss, w, i, eps, order);
      const abs = Math.abs(grad[i] - n);
      const rel = relError(grad[i], n, floor);
      t.maxAbsError = Math.max(t.maxAbsError, abs);
      scale = Math.max(scale, Math.abs(grad[i]), Math.abs(n));
      if (rel > t.maxRelError || t.worstIndex < 0) {
        t.maxRelError = Math.max(t.maxRelError, rel);
        t.worstIndex = i;
      }
    }
    t.normRelError = t.maxAbsError / Math.max(scale, floor);
    tensors.push(t);
  }
  return {
    tensors,
    maxAbsError: Math.max(0, ...tensors.map((t) => t.maxAbsError)),
    maxRelError: Math.max(0, ...tensors.map((t) => t.maxRelError)),
  };
}

/**
 * The directional ("fast") check: one random unit direction u over all tensors, comparing
 * Σ g·u with (L(θ + h u) − L(θ − h u)) / 2h. Two loss evaluations instead of two per entry.
 */
export function directionalCheck(
  loss: () => number,
  params: Params,
  analytical: Params,
  o: { eps?: number; seed?: number } = {},
): { analytical: number; numerical: number; relError: number } {
  const eps = o.eps ?? 1e-5;
  const rand = mulberry32(o.seed ?? 1);
  const names = Object.keys(analytical);
  const dir: Params = {};
  let norm = 0;
  for (const n of names) {
    dir[n] = Float64Array.from(analytical[n], () => rand() * 2 - 1);
    for (const x of dir[n]) norm += x * x;
  }
  norm = Math.sqrt(norm);
  let a = 0;
  for (const n of names) {
    const u = dir[n];
    for (let i = 0; i < u.length; i++) {
      u[i] /= norm;
      a += analytical[n][i] * u[i];
    }
  }
  const saved: Params = {};
  for (const n of names) saved[n] = Float64Array.from(params[n]);
  const lossAt = (k: number) => {
    for (const n of names) {
      const w = params[n];
      const u = dir[n];
      for (let i = 0; i < w.length; i++) w[i] = saved[n][i] + k * u[i];
    }
    return loss();
  };
  const plus = lossAt(eps);
  const minus = lossAt(-eps);
  for (const n of names) params[n].set(saved[n]);
  const numerical = centralDifference(plus, minus, eps);
  return { analytical: a, numerical, relError: relError(a, numerical, 1e-300) };
}
