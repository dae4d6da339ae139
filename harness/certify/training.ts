// Mirrors reference/training.ts: optimizers with their state, a batch's gradients, one training step; and the
// optimizer runs of the single-op fixtures.
import { Decimal } from '../exact.js';
import type { ModelConfig } from './config.js';
import { backward, forward, type Example, type Forward } from './model.js';
import { ADAM_DEFAULTS, adamInit, adamStep, clipGradNorm, globalNorm, momentumStep, sgdStep, type AdamState } from './optim.js';
import { paramSpecs, type Params } from './params.js';
import { add, divide, sum, tensor, type DecimalTrace, type ReadNumber, type Vec } from './tensor.js';

/** An optimizer as a scenario gives it: its hyper-parameters are given numbers (reference/training.ts's OptimizerSpec). */
export type GivenOptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; beta: number }
  | { kind: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number };

/** An optimizer with its hyper-parameters as Decimals (Adam's defaults filled in). */
export type OptimizerSpec =
  | { kind: 'sgd'; lr: Decimal }
  | { kind: 'momentum'; lr: Decimal; beta: Decimal }
  | { kind: 'adam'; lr: Decimal; beta1: Decimal; beta2: Decimal; eps: Decimal };

/** A scenario's optimizer read with `read`; Adam's missing hyper-parameters are the conventions' defaults. */
export function readOptimizerSpec(spec: GivenOptimizerSpec, read: ReadNumber): OptimizerSpec {
  if (!['sgd', 'momentum', 'adam'].includes(spec.kind))
    throw new Error(`unknown optimizer '${(spec as { kind: string }).kind}' (sgd, momentum, adam)`);
  if (spec.kind === 'sgd') return { kind: 'sgd', lr: read(spec.lr) };
  if (spec.kind === 'momentum') return { kind: 'momentum', lr: read(spec.lr), beta: read(spec.beta) };
  const h = (k: keyof typeof ADAM_DEFAULTS) => read(spec[k] ?? ADAM_DEFAULTS[k]);
  return { kind: 'adam', lr: h('lr'), beta1: h('beta1'), beta2: h('beta2'), eps: h('eps') };
}

/** An optimizer with its state (momentum velocity, Adam moments and step count). */
export interface Optimizer {
  spec: OptimizerSpec;
  velocity: Params;
  adam: AdamState;
  step(params: Params, grads: Params, names: readonly string[]): void;
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  const o: Optimizer = {
    spec,
    velocity: {},
    adam: adamInit(),
    step(params, grads, names) {
      if (spec.kind === 'sgd') sgdStep(params, grads, names, { lr: spec.lr });
      else if (spec.kind === 'momentum') momentumStep(params, grads, names, { lr: spec.lr, beta: spec.beta, velocity: o.velocity });
      else adamStep(params, grads, names, { state: o.adam, hyper: spec });
    },
  };
  return o;
}

export interface BatchResult {
  /** Mean of the examples' losses. */
  loss: Decimal;
  /** Gradients of the mean loss: ∇(1/N Σ L_i) = 1/N Σ ∇L_i. */
  grads: Params;
  forwards: Forward[];
  /** Per example: intermediate gradients and that example's own parameter gradients (of L_i, not L_i / N). */
  gradTraces: DecimalTrace[];
}

/** Forward and backward over a batch; the loss is the mean, so the gradients are averaged. */
export function batchGradients(c: ModelConfig, p: Params, examples: Example[], read: ReadNumber): BatchResult {
  if (examples.length === 0) throw new Error('a batch needs at least one example');
  const N = new Decimal(examples.length);
  const specs = paramSpecs(c);
  const forwards: Forward[] = [];
  const own: Params[] = [];
  const gradTraces: DecimalTrace[] = [];
  for (const ex of examples) {
    const f = forward(c, p, ex, read);
    forwards.push(f);
    const b = backward(c, p, f, read);
    own.push(b.grads);
    for (const s of specs) b.trace[`grad.${s.name}`] = tensor(s.shape, b.grads[s.name].flat());
    gradTraces.push(b.trace);
  }
  const grads: Params = Object.fromEntries(specs.map((s) => [s.name, own.map((g) => divide(g[s.name], N)).reduce(add)]));
  return { loss: sum(forwards.map((f) => f.loss!)).div(N), grads, forwards, gradTraces };
}

export interface StepOptions {
  /** Parameters to update (default: all). Gradients are computed for all of them regardless. */
  trainable?: readonly string[];
  /** Clip the global gradient norm (over the trainable parameters) to this value. */
  clip?: Decimal;
}

export interface StepResult extends BatchResult {
  /** Global gradient norm before clipping (over the trainable parameters). */
  gradNorm: Decimal;
}

/** forward → mean loss → backward → (clip) → optimizer update, in place on `params`. */
export function trainStep(
  c: ModelConfig,
  params: Params,
  examples: Example[],
  opt: Optimizer,
  o: StepOptions,
  read: ReadNumber,
): StepResult {
  const names = o.trainable ?? paramSpecs(c).map((s) => s.name);
  for (const n of names) if (!(n in params)) throw new Error(`unknown parameter ${n}`);
  const r = batchGradients(c, params, examples, read);
  const gradNorm = o.clip !== undefined ? clipGradNorm(r.grads, o.clip, names) : globalNorm(r.grads, names);
  opt.step(params, r.grads, names);
  return { ...r, gradNorm };
}

/** An optimizer fed given gradients: from w0 [n], one step per n values of `grads`. The weights after each step. */
export function optimizerTrajectory(spec: OptimizerSpec, w0: Vec, grads: Vec): Vec[] {
  const n = w0.length;
  const opt = createOptimizer(spec);
  const p: Params = { w: [w0] };
  const out: Vec[] = [];
  for (let s = 0; s < grads.length / n; s++) {
    opt.step(p, { w: [grads.slice(s * n, (s + 1) * n)] }, ['w']);
    out.push(p.w[0]);
  }
  return out;
}

/** Gradient descent on L(w) = ½(w − center)², whose gradient is w − center: the weight after each of `steps` steps. */
export function gdQuadratic(o: { w: Decimal; center: Decimal; lr: Decimal; steps: number }): Decimal[] {
  const p: Params = { w: [[o.w]] };
  const out: Decimal[] = [];
  for (let s = 0; s < o.steps; s++) {
    sgdStep(p, { w: [[p.w[0][0].minus(o.center)]] }, ['w'], { lr: o.lr });
    out.push(p.w[0][0]);
  }
  return out;
}
