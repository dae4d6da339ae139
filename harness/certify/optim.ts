// Mirrors reference/optim.ts: optimizers and gradient clipping over named parameters. Like the reference's, each
// step updates params[name] in place for every name in `names` (and the velocity or Adam state it is given).
import type { Decimal } from '../exact.js';
import type { Params } from './params.js';
import { add, ONE, scale, sum, zeros, type Mat } from './tensor.js';

const zerosLike = (A: Mat): Mat => zeros(A.length, A[0].length);

/** W ← W − lr · g */
export function sgdStep(params: Params, grads: Params, names: readonly string[], o: { lr: Decimal }): void {
  for (const n of names) params[n] = add(params[n], scale(grads[n], o.lr.neg()));
}

export interface MomentumOptions {
  lr: Decimal;
  beta: Decimal;
  /** The velocity v of each name, created (at 0) on its first step. */
  velocity: Params;
}

/** v ← β·v + g;  W ← W − lr · v   (heavy-ball momentum; v starts at 0) */
export function momentumStep(params: Params, grads: Params, names: readonly string[], o: MomentumOptions): void {
  for (const n of names) {
    const v = add(scale(o.velocity[n] ?? zerosLike(grads[n]), o.beta), grads[n]);
    o.velocity[n] = v;
    params[n] = add(params[n], scale(v, o.lr.neg()));
  }
}

export interface AdamState {
  /** Steps taken so far; the step being taken is t = step + 1 (counted from 1). */
  step: number;
  m: Params;
  v: Params;
}

export interface AdamHyper {
  lr: Decimal;
  beta1: Decimal;
  beta2: Decimal;
  eps: Decimal;
}

/** Adam's defaults of the conventions, as given numbers; pinned to the reference's by optim.test.ts. */
export const ADAM_DEFAULTS = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

export function adamInit(): AdamState {
  return { step: 0, m: {}, v: {} };
}

/** The bias correction 1 − βᵗ of step t (counted from 1). */
export const adamBiasCorrection = (beta: Decimal, t: number): Decimal => ONE.minus(beta.pow(t));

export interface AdamOptions {
  state: AdamState;
  hyper: AdamHyper;
}

/**
 * t ← t + 1;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 * W ← W − lr·(m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε)
 */
export function adamStep(params: Params, grads: Params, names: readonly string[], o: AdamOptions): void {
  const { state, hyper: h } = o;
  state.step += 1;
  const t = state.step;
  const c1 = adamBiasCorrection(h.beta1, t);
  const c2 = adamBiasCorrection(h.beta2, t);
  for (const n of names) {
    const g = grads[n];
    const m = (state.m[n] ?? zerosLike(g)).map((r, i) => r.map((x, j) => h.beta1.times(x).plus(ONE.minus(h.beta1).times(g[i][j]))));
    const v = (state.v[n] ?? zerosLike(g)).map((r, i) => r.map((x, j) => h.beta2.times(x).plus(ONE.minus(h.beta2).times(g[i][j].pow(2)))));
    state.m[n] = m;
    state.v[n] = v;
    params[n] = params[n].map((r, i) => r.map((w, j) => w.minus(h.lr.times(m[i][j].div(c1)).div(v[i][j].div(c2).sqrt().plus(h.eps)))));
  }
}

/** ‖g‖ = sqrt(Σ over the named tensors of g²) */
export function globalNorm(grads: Params, names: readonly string[]): Decimal {
  return sum(names.flatMap((n) => grads[n].flat().map((x) => x.pow(2)))).sqrt();
}

/** If ‖g‖ > maxNorm: g ← g · maxNorm / ‖g‖. Returns the norm before clipping. */
export function clipGradNorm(grads: Params, maxNorm: Decimal, names: readonly string[]): Decimal {
  const norm = globalNorm(grads, names);
  if (norm.gt(maxNorm)) for (const n of names) grads[n] = scale(grads[n], maxNorm.div(norm));
  return norm;
}
