// Batches, optimizers and one training step; and the optimizer runs of the single-op fixtures.
import type { ModelConfig } from './config.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import { backward, forward, type Example, type Forward } from './model.js';
import { ADAM_DEFAULTS, adamInit, globalNorm, type AdamState, type Tensors } from './optim.js';
import { paramSpecs, zerosLike, type Params } from './params.js';
import { tensor, type Trace } from './tensor.js';

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; beta: number }
  | { kind: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number };

/** An optimizer with its state (momentum velocity, Adam moments and step count). */
export interface Optimizer {
  spec: OptimizerSpec;
  velocity: Tensors;
  adam: AdamState;
  step(params: Params, grads: Params, names: readonly string[]): void;
}

export function createOptimizer(spec: OptimizerSpec, kernels: Kernels = REFERENCE_KERNELS): Optimizer {
  if (!['sgd', 'momentum', 'adam'].includes(spec.kind))
    throw new Error(`unknown optimizer '${(spec as { kind: string }).kind}' (sgd, momentum, adam)`);
  const o: Optimizer = {
    spec,
    velocity: {},
    adam: adamInit(),
    step(params, grads, names) {
      if (spec.kind === 'sgd') kernels.sgdStep(params, grads, names, { lr: spec.lr });
      else if (spec.kind === 'momentum') kernels.momentumStep(params, grads, names, { lr: spec.lr, beta: spec.beta, velocity: o.velocity });
      else
        kernels.adamStep(params, grads, names, {
          state: o.adam,
          hyper: { ...ADAM_DEFAULTS, ...definedOnly(spec) },
          correction: kernels.adamBiasCorrection,
        });
    },
  };
  return o;
}

function definedOnly(spec: Extract<OptimizerSpec, { kind: 'adam' }>): Partial<typeof ADAM_DEFAULTS> {
  const out: Partial<typeof ADAM_DEFAULTS> = {};
  for (const key of ['lr', 'beta1', 'beta2', 'eps'] as const) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
}

export interface BatchResult {
  /** Mean of the examples' losses. */
  loss: number;
  /** Gradients of the mean loss (each example's gradient averaged). */
  grads: Params;
  forwards: Forward[];
  /** Per example, when traced: intermediate gradients and that example's own parameter gradients (of L_i, not L_i / N). */
  gradTraces: Trace[];
}

export interface BatchOptions {
  /** Trace each example's gradients (gradTraces); default false. */
  traceGrads?: boolean;
  kernels?: Kernels;
}

/**
 * g += e / divisor, element by element. A function of its own: a cold process soon optimizes a small hot function,
 * where the same loop inside batchGradients ran slowly (tens of ms on the Stage 10 batch of two).
 */
function addDivided(g: Float64Array, e: Float64Array, divisor: number): void {
  for (let i = 0; i < g.length; i++) g[i] += e[i] / divisor;
}

/** Forward and backward over a batch; the loss is the mean, so gradients are averaged. */
export function batchGradients(c: ModelConfig, p: Params, examples: Example[], o: BatchOptions = {}): BatchResult {
  const { traceGrads = false, kernels = REFERENCE_KERNELS } = o;
  if (examples.length === 0) throw new Error('a batch needs at least one example');
  const n = examples.length;
  const divisor = kernels.batchDivisor(n);
  const grads = zerosLike(c);
  const forwards: Forward[] = [];
  const gradTraces: Trace[] = [];
  let loss = 0;
  for (const ex of examples) {
    const f = forward(c, p, ex, kernels);
    forwards.push(f);
    loss += f.loss;
    if (!traceGrads) {
      backward(c, p, f, grads, { scale: 1 / divisor, kernels });
      continue;
    }
    const own = zerosLike(c);
    const gt = backward(c, p, f, own, { traceGrads: true, kernels });
    for (const s of paramSpecs(c)) {
      gt[`grad.${s.name}`] = tensor(s.shape, own[s.name]);
      addDivided(grads[s.name], own[s.name], divisor);
    }
    gradTraces.push(gt);
  }
  return { loss: loss / n, grads, forwards, gradTraces };
}

export interface StepOptions {
  /** Parameters to update (default: all). Gradients are computed for all of them regardless. */
  trainable?: readonly string[];
  /** Clip the global gradient norm (over the trainable parameters) to this value. */
  clip?: number;
  traceGrads?: boolean;
  kernels?: Kernels;
}

export interface StepResult extends BatchResult {
  /** Global gradient norm before clipping (over the trainable parameters). */
  gradNorm: number;
}

/** forward → mean loss → backward → (clip) → optimizer update, in place on `params`. */
export function trainStep(c: ModelConfig, params: Params, examples: Example[], opt: Optimizer, o: StepOptions = {}): StepResult {
  const { kernels = REFERENCE_KERNELS } = o;
  const names = o.trainable ?? paramSpecs(c).map((s) => s.name);
  for (const n of names) if (!(n in params)) throw new Error(`unknown parameter ${n}`);
  const r = batchGradients(c, params, examples, { traceGrads: o.traceGrads ?? false, kernels });
  const gradNorm = o.clip !== undefined ? kernels.clipGradNorm(r.grads, o.clip, names) : globalNorm(r.grads, names);
  opt.step(params, r.grads, names);
  return { ...r, gradNorm };
}

/**
 * An optimizer fed given gradients: from w0 [n], one step per n values of `grads` (steps × n, step by step).
 * Returns the weights after each step.
 */
export function optimizerTrajectory(
  spec: OptimizerSpec,
  w0: Float64Array,
  grads: Float64Array,
  kernels: Kernels = REFERENCE_KERNELS,
): Float64Array[] {
  const n = w0.length;
  const opt = createOptimizer(spec, kernels);
  const p = { w: Float64Array.from(w0) };
  const out: Float64Array[] = [];
  for (let s = 0; s < grads.length / n; s++) {
    opt.step(p, { w: grads.slice(s * n, (s + 1) * n) }, ['w']);
    out.push(Float64Array.from(p.w));
  }
  return out;
}

/** Gradient descent on L(w) = ½(w − center)², whose gradient is w − center: the weight after each of `steps` steps. */
export function gdQuadratic(o: { w: number; center: number; lr: number; steps: number }, kernels: Kernels = REFERENCE_KERNELS): number[] {
  const p = { w: Float64Array.of(o.w) };
  const out: number[] = [];
  for (let s = 0; s < o.steps; s++) {
    kernels.sgdStep(p, { w: Float64Array.of(p.w[0] - o.center) }, ['w'], { lr: o.lr });
    out.push(p.w[0]);
  }
  return out;
}
