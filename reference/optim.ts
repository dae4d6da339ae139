// Optimizers and gradient clipping over named parameter tensors. Each step updates params[name] in place for
// every name in `names` (the trainable ones), reading grads[name].
export type Tensors = Record<string, Float64Array>;

/** W ← W − lr · g */
export function sgdStep(params: Tensors, grads: Tensors, names: readonly string[], o: { lr: number }): void {
  const { lr } = o;
  for (const name of names) {
    const w = params[name];
    const g = grads[name];
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
  }
}

export interface MomentumOptions {
  lr: number;
  beta: number;
  /** The velocity v of each name, created (at 0) on its first step. */
  velocity: Tensors;
}

/** v ← β·v + g;  W ← W − lr · v   (heavy-ball momentum, the convention of PyTorch's SGD; v starts at 0) */
export function momentumStep(params: Tensors, grads: Tensors, names: readonly string[], o: MomentumOptions): void {
  const { lr, beta, velocity } = o;
  for (const name of names) {
    const w = params[name];
    const g = grads[name];
    const v = (velocity[name] ??= new Float64Array(w.length));
    for (let i = 0; i < w.length; i++) {
      v[i] = beta * v[i] + g[i];
      w[i] -= lr * v[i];
    }
  }
}

export interface AdamState {
  /**
   * Steps taken so far; the step being taken is t = step + 1 (counted from 1). One counter for the optimizer, shared
   * by every parameter, whether or not earlier steps trained it (spec/conventions.md, convention 16).
   */
  step: number;
  m: Tensors;
  v: Tensors;
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAM_DEFAULTS: AdamHyper = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export function adamInit(): AdamState {
  return { step: 0, m: {}, v: {} };
}

/** The bias correction 1 − βᵗ of step t (counted from 1). */
export const adamBiasCorrection = (beta: number, t: number): number => 1 - Math.pow(beta, t);

export interface AdamOptions {
  state: AdamState;
  hyper: AdamHyper;
  /** The bias correction (adamBiasCorrection by default; the kernel table passes its own entry). */
  correction?: typeof adamBiasCorrection;
}

/**
 * t ← t + 1;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 * W ← W − lr · (m / (1−β1ᵗ)) / (sqrt(v / (1−β2ᵗ)) + ε)
 */
export function adamStep(params: Tensors, grads: Tensors, names: readonly string[], o: AdamOptions): void {
  const { state, hyper: h, correction = adamBiasCorrection } = o;
  state.step += 1;
  const t = state.step;
  const c1 = correction(h.beta1, t);
  const c2 = correction(h.beta2, t);
  for (const name of names) {
    const w = params[name];
    const m = (state.m[name] ??= new Float64Array(w.length));
    const v = (state.v[name] ??= new Float64Array(w.length));
    adamTensor(w, grads[name], m, v, h, c1, c2);
  }
}

/**
 * One tensor's update of adamStep, c1 and c2 the step's bias corrections. A function of its own: V8 optimizes a
 * small function called once per tensor early, where the same loop inside adamStep runs slowly in a cold process.
 */
function adamTensor(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, h: AdamHyper, c1: number, c2: number): void {
  const { lr, beta1, beta2, eps } = h; // locals: V8 then keeps them in registers through the loop
  for (let i = 0; i < w.length; i++) {
    const mi = beta1 * m[i] + (1 - beta1) * g[i];
    const vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    w[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}

/** ‖g‖ = sqrt(Σ over all named tensors of g²) */
export function globalNorm(grads: Tensors, names: readonly string[]): number {
  let s = 0;
  for (const name of names) {
    const g = grads[name];
    for (let i = 0; i < g.length; i++) s += g[i] * g[i]; // an index, not for…of: the iterator is several times slower
  }
  return Math.sqrt(s);
}

/** If ‖g‖ > maxNorm: g ← g · maxNorm / ‖g‖. Returns the norm before clipping. */
export function clipGradNorm(grads: Tensors, maxNorm: number, names: readonly string[]): number {
  const norm = globalNorm(grads, names);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const name of names) {
      const g = grads[name];
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  }
  return norm;
}
