// The float64 reference, plugged in as an implementation like any other. Model scenarios run the model of
// reference/ step by step; op scenarios go through OP_TABLE, whose entries only read the scenario's arguments (with
// their shape checks) and call the reference's functions.
import { allocAttentionActivations, attentionBackward, attentionForward } from '../../reference/attention.js';
import { makeConfig, type ModelConfig } from '../../reference/config.js';
import { modelCost } from '../../reference/cost.js';
import { allocFFNActivations, ffnMse } from '../../reference/ffn.js';
import { centralDifference } from '../../reference/gradcheck.js';
import { REFERENCE_KERNELS, type Kernels } from '../../reference/kernels.js';
import { allocLayerNormActivations, layerNormForward } from '../../reference/layernorm.js';
import { crossEntropyForward, mseForward } from '../../reference/losses.js';
import { matmulForward } from '../../reference/matmul.js';
import { forward, type Example, type Forward } from '../../reference/model.js';
import { countParams, initParams, paramSpecs, sizeOf, type Params } from '../../reference/params.js';
import { allocSoftmaxSteps, softmaxSteps } from '../../reference/softmax.js';
import { scalar, tensor, type Tensor } from '../../reference/tensor.js';
import {
  createOptimizer,
  gdQuadratic,
  optimizerTrajectory,
  trainStep,
  type Optimizer,
  type OptimizerSpec,
} from '../../reference/training.js';
import { dot, subtract } from '../../reference/vector.js';
import { FEATURES, type Implementation, type TraceValues } from '../run/implementation.js';
import {
  OPS,
  type Bare,
  type ModelScenario,
  type Nested,
  type OpCall,
  type OpName,
  type OpsScenario,
  type Scenario,
} from '../fixtures/scenario.js';
import { fromNested, givenTensor } from '../fixtures/tensors.js';

function modelParams(s: ModelScenario, config: ReturnType<typeof makeConfig>): Params {
  const specs = paramSpecs(config);
  const params: Params = s.init ? initParams(config, s.init.seed) : {};
  const known = new Set(specs.map((p) => p.name));
  for (const [name, value] of Object.entries(s.weights ?? {})) {
    if (!known.has(name)) throw new Error(`weights.${name}: the model has no such parameter (it has ${[...known].join(', ')})`);
    const t = givenTensor(value, `weights.${name}`);
    const want = specs.find((p) => p.name === name)!.shape;
    if (sizeOf(t.shape) !== sizeOf(want) || (t.shape.length > 1 && t.shape.join() !== want.join())) {
      throw new Error(`weights.${name}: shape [${t.shape}] does not match the parameter's [${want}]`);
    }
    params[name] = t.data;
  }
  for (const p of specs) if (!params[p.name]) throw new Error(`weights.${p.name} is not given and the scenario has no init seed`);
  return params;
}

/** What a `forward` step hands to ReferenceVariant.forwardStep. */
export interface ForwardStep {
  config: ModelConfig;
  params: Params;
  examples: Example[];
  kernels: Kernels;
  /** The last train step's forward passes (null before the first train step). */
  previous: Forward[] | null;
}

/**
 * What a variant of the reference changes (the mutants of harness/impls/mutants.ts): its kernel table, and
 * optionally the training step or the forward passes of a `forward` step.
 */
export interface ReferenceVariant {
  name: string;
  version: string;
  kernels: Kernels;
  /** One training step (default: reference/training.ts's trainStep). */
  trainStep?: typeof trainStep;
  /** The forward passes of a `forward` step (default: recomputed). */
  forwardStep?: (step: ForwardStep) => Forward[];
}

const recomputed = ({ config, params, examples, kernels }: ForwardStep): Forward[] =>
  examples.map((ex) => forward(config, params, ex, kernels));

function runModel(s: ModelScenario, v: ReferenceVariant): TraceValues {
  const { kernels } = v;
  const config = makeConfig(s.config);
  const params = modelParams(s, config);
  const shapes = Object.fromEntries(paramSpecs(config).map((p) => [p.name, p.shape]));
  const examples = s.examples.map((e) => ({ ...e }));
  const trace: TraceValues = {};
  let opt: Optimizer | null = null;
  let previous: Forward[] | null = null;
  for (const step of s.steps) {
    if (step.do === 'forward') {
      let loss = 0;
      (v.forwardStep ?? recomputed)({ config, params, examples, kernels, previous }).forEach((f, i) => {
        for (const [name, value] of Object.entries(f.trace)) trace[`${step.id}/${i}/${name}`] = value;
        loss += f.loss;
      });
      if (!Number.isNaN(loss)) trace[`${step.id}/loss`] = scalar(loss / examples.length);
      for (const [name, w] of Object.entries(params)) trace[`${step.id}/param.${name}`] = tensor(shapes[name], Float64Array.from(w));
      continue;
    }
    opt ??= createOptimizer(s.optimizer ?? { kind: 'sgd', lr: 0.1 }, kernels);
    const r = (v.trainStep ?? trainStep)(config, params, examples, opt, {
      trainable: step.trainable,
      clip: step.clip,
      traceGrads: true,
      kernels,
    });
    previous = r.forwards;
    r.forwards.forEach((f, i) => {
      for (const [name, value] of Object.entries(f.trace)) trace[`${step.id}/${i}/${name}`] = value;
      for (const [name, value] of Object.entries(r.gradTraces[i])) trace[`${step.id}/${i}/${name}`] = value;
    });
    trace[`${step.id}/loss`] = scalar(r.loss);
    trace[`${step.id}/grad_norm`] = scalar(r.gradNorm);
    for (const [name, g] of Object.entries(r.grads)) trace[`${step.id}/grad.${name}`] = tensor(shapes[name], Float64Array.from(g));
    for (const [name, w] of Object.entries(params)) trace[`${step.id}/param.${name}`] = tensor(shapes[name], Float64Array.from(w));
    for (const [name, m] of Object.entries(opt.adam.m)) trace[`${step.id}/adam.m.${name}`] = tensor(shapes[name], Float64Array.from(m));
    for (const [name, m2] of Object.entries(opt.adam.v)) trace[`${step.id}/adam.v.${name}`] = tensor(shapes[name], Float64Array.from(m2));
    for (const [name, vel] of Object.entries(opt.velocity))
      trace[`${step.id}/momentum.v.${name}`] = tensor(shapes[name], Float64Array.from(vel));
  }
  return trace;
}

/** An op's input names, without their optional markers (the names OPS gives it). */
type InputName<K extends OpName> = Bare<(typeof OPS)[K]['inputs'][number]>;

/**
 * An op call's arguments, read with checks whose messages name the call (`<id>.<argument>`). Typed by the op: an
 * entry of OP_TABLE can read only the inputs OPS gives its op, so the table cannot drift from the catalogue.
 */
class Args<K extends OpName = OpName> {
  constructor(private readonly call: OpCall) {}

  get id(): string {
    return this.call.id;
  }

  has(name: InputName<K>): boolean {
    return this.call.args[name] !== undefined;
  }

  tensor(name: InputName<K>): Tensor {
    return fromNested(this.call.args[name] as Nested, `${this.id}.${name}`);
  }

  num(name: InputName<K>): number {
    const v = this.call.args[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.id}.${name}: expected a finite number`);
    return v;
  }

  /** A number argument if given, else `fallback`. */
  numOr(name: InputName<K>, fallback: number): number {
    return this.has(name) ? this.num(name) : fallback;
  }

  /** An integer argument within [lo, hi]. */
  int(name: InputName<K>, lo: number, hi = Infinity): number {
    const v = this.num(name);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${this.id}.${name}: expected an integer in ${lo}..${hi}, got ${v}`);
    return v;
  }

  /** A boolean argument: true only when given as true. */
  flag(name: InputName<K>): boolean {
    return this.call.args[name] === true;
  }

  /** Argument `name`, read as `x`, as a vector (one row) or a matrix; anything with more dimensions is an error. */
  rowsCols(x: Tensor, name: InputName<K>): { rows: number; cols: number } {
    if (x.shape.length === 0 || x.shape.length > 2)
      throw new Error(`${this.id}.${name}: expected a vector or a matrix, got shape [${x.shape}]`);
    return x.shape.length === 1 ? { rows: 1, cols: x.shape[0] } : { rows: x.shape[0], cols: x.shape[1] };
  }

  /** The optional upstream gradient, which must match the output's size. */
  upstream(size: number): Float64Array {
    const u = fromNested(this.call.args.upstream as Nested, `${this.id}.upstream`);
    if (u.data.length !== size) throw new Error(`${this.id}.upstream: ${u.data.length} values for an output of ${size}`);
    return u.data;
  }

  sameSize(a: Tensor, b: Tensor, what: string): void {
    if (a.data.length !== b.data.length) throw new Error(`${this.id}: ${what} have ${a.data.length} and ${b.data.length} values`);
  }

  config(): ModelConfig {
    return makeConfig(this.call.args.config as object);
  }
}

/** Weights after each step, as a [steps x n] tensor. */
const trajectory = (ws: ArrayLike<number>[]) => tensor([ws.length, ws[0].length], Float64Array.from(ws.flatMap((w) => Array.from(w))));

/** Each op's outputs, named as in OPS ('dx?': present when the call gives an upstream gradient). */
type OutputName<K extends OpName> = (typeof OPS)[K]['outputs'][number];
type OpOutputs<K extends OpName> = { [N in OutputName<K> as N extends `${string}?` ? never : N]: Tensor } & {
  [N in OutputName<K> as N extends `${infer M}?` ? M : never]?: Tensor;
};
type OpTable = { [K in OpName]: (a: Args<K>, kernels: Kernels) => OpOutputs<K> };

/** An optimizer's trajectory on the given gradients: one step per |w| values of `grads` (at least one step). */
function optimizerOp(a: Args<'sgd' | 'momentum' | 'adam'>, kernels: Kernels, spec: (lr: number) => OptimizerSpec): { trajectory: Tensor } {
  const w = a.tensor('w');
  const grads = a.tensor('grads');
  const steps = grads.data.length / w.data.length;
  if (!Number.isInteger(steps)) throw new Error(`${a.id}.grads: ${grads.data.length} values do not split into steps of ${w.data.length}`);
  if (steps < 1) throw new Error(`${a.id}.grads: no values, so no step to take`);
  return { trajectory: trajectory(optimizerTrajectory(spec(a.num('lr')), w.data, grads.data, kernels)) };
}

/** Every op on its inputs, computed with the kernel table `kernels`. */
const OP_TABLE = {
  matmul: (a) => {
    const A = a.tensor('A');
    const B = a.tensor('B');
    const { rows: m, cols: k } = a.rowsCols(A, 'A');
    const { rows: k2, cols: n } = a.rowsCols(B, 'B');
    if (k !== k2) throw new Error(`${a.id}: A is ${m}×${k} but B is ${k2}×${n}`);
    const C = new Float64Array(m * n);
    matmulForward(C, A.data, B.data, { m, k, n });
    return { C: tensor([m, n], C) };
  },
  matvec: (a) => {
    const M = a.tensor('M');
    const x = a.tensor('x');
    const { rows: m, cols: n } = a.rowsCols(M, 'M');
    if (x.data.length !== n) throw new Error(`${a.id}: M is ${m}×${n} but x has ${x.data.length} values`);
    const y = new Float64Array(m);
    matmulForward(y, M.data, x.data, { m, k: n, n: 1 }); // x as a column
    return { y: tensor([m], y) };
  },
  dot: (a) => {
    a.sameSize(a.tensor('a'), a.tensor('b'), 'a and b');
    return { value: scalar(dot(a.tensor('a').data, a.tensor('b').data)) };
  },
  subtract: (a) => {
    const x = a.tensor('a');
    a.sameSize(x, a.tensor('b'), 'a and b');
    const y = new Float64Array(x.data.length);
    subtract(y, x.data, a.tensor('b').data);
    return { value: tensor(x.shape, y) };
  },
  outer: (a) => {
    const u = a.tensor('a').data;
    const v = a.tensor('b').data;
    const C = new Float64Array(u.length * v.length);
    matmulForward(C, u, v, { m: u.length, k: 1, n: v.length }); // a column times b a row
    return { C: tensor([u.length, v.length], C) };
  },
  softmax: (a, kernels) => {
    const x = a.tensor('x');
    const { rows, cols: n } = a.rowsCols(x, 'x');
    const s = { rows, n };
    const y = new Float64Array(x.data.length);
    kernels.softmaxForward(y, x.data, s);
    const steps = allocSoftmaxSteps(s);
    softmaxSteps(steps, x.data, s);
    const perRow = (v: Float64Array) => (x.shape.length === 1 ? scalar(v[0]) : tensor([rows], v));
    const out: OpOutputs<'softmax'> = {
      max: perRow(steps.max),
      shifted: tensor(x.shape, steps.shifted),
      exps: tensor(x.shape, steps.exps),
      sum: perRow(steps.sum),
      y: tensor(x.shape, y),
    };
    if (a.has('upstream')) {
      const dx = new Float64Array(y.length);
      kernels.softmaxBackward(dx, a.upstream(y.length), y, s);
      out.dx = tensor(x.shape, dx);
    }
    return out;
  },
  relu: (a, kernels) => {
    const z = a.tensor('z');
    const y = new Float64Array(z.data.length);
    kernels.reluForward(y, z.data, y.length);
    const out: OpOutputs<'relu'> = { y: tensor(z.shape, y) };
    if (a.has('upstream')) {
      const dz = new Float64Array(y.length);
      kernels.reluBackward(dz, a.upstream(y.length), z.data, y.length);
      out.dz = tensor(z.shape, dz);
    }
    return out;
  },
  cross_entropy: (a, kernels) => {
    const logits = a.tensor('logits');
    const n = logits.data.length;
    const target = a.int('target', 0, n - 1);
    const probs = new Float64Array(n);
    kernels.softmaxForward(probs, logits.data, { rows: 1, n });
    const loss = crossEntropyForward(probs, target);
    const dlogits = new Float64Array(n);
    kernels.crossEntropyBackward(dlogits, probs, target);
    return { probs: tensor([n], probs), loss: scalar(loss), dlogits: tensor([n], dlogits) };
  },
  cross_entropy_grad: (a, kernels) => {
    const probs = a.tensor('probs');
    const n = probs.data.length;
    const dlogits = new Float64Array(n);
    kernels.crossEntropyBackward(dlogits, probs.data, a.int('target', 0, n - 1));
    return { dlogits: tensor([n], dlogits) };
  },
  mse: (a, kernels) => {
    const y = a.tensor('y');
    const target = a.tensor('t').data;
    const factor = a.num('factor');
    const dy = new Float64Array(y.data.length);
    kernels.mseBackward(dy, y.data, target, { factor });
    return { loss: scalar(mseForward(y.data, target, factor)), dy: tensor(y.shape, dy) };
  },
  layer_norm: (a, kernels) => {
    const x = a.tensor('x');
    const { rows, cols: n } = a.rowsCols(x, 'x');
    const gamma = a.tensor('gamma').data;
    const beta = a.tensor('beta').data;
    const s = { rows, n, eps: a.num('eps') };
    const ln = allocLayerNormActivations(s);
    layerNormForward(ln, x.data, { gamma, beta }, s);
    const out: OpOutputs<'layer_norm'> = { y: tensor(x.shape, ln.y) };
    if (a.has('upstream')) {
      const g = { dx: new Float64Array(rows * n), dgamma: new Float64Array(n), dbeta: new Float64Array(n), dy: a.upstream(rows * n) };
      kernels.layerNormBackward(g, { x: x.data, gamma, mean: ln.mean, rstd: ln.rstd }, s);
      Object.assign(out, { dx: tensor(x.shape, g.dx), dgamma: tensor([n], g.dgamma), dbeta: tensor([n], g.dbeta) });
    }
    return out;
  },
  attention: (a, kernels) => {
    const Q = a.tensor('Q');
    const { rows: T, cols: d } = a.rowsCols(Q, 'Q');
    const heads = a.int('heads', 1, d);
    if (d % heads !== 0) throw new Error(`${a.id}: ${heads} heads do not divide ${d} features`);
    const s = { T, d, heads, causal: a.flag('causal') };
    a.sameSize(Q, a.tensor('K'), 'Q and K');
    a.sameSize(Q, a.tensor('V'), 'Q and V');
    const f = { ...allocAttentionActivations(s), Q: Q.data, K: a.tensor('K').data, V: a.tensor('V').data };
    attentionForward(f, s, kernels);
    const hT = [heads, T, T];
    const out: OpOutputs<'attention'> = {
      scores: tensor(hT, f.scores),
      scaled: tensor(hT, f.scaled),
      weights: tensor(hT, f.weights),
      context: tensor([T, d], f.context),
    };
    if (a.has('upstream')) {
      const g = { ...allocAttentionActivations(s), context: a.upstream(T * d) };
      attentionBackward(g, f, s, kernels);
      Object.assign(out, { dQ: tensor([T, d], g.Q), dK: tensor([T, d], g.K), dV: tensor([T, d], g.V) });
    }
    return out;
  },
  embedding_backward: (a, kernels) => {
    const tokens = Array.from(a.tensor('tokens').data);
    const dX = a.tensor('dX');
    const { rows, cols: d } = a.rowsCols(dX, 'dX');
    const vocab = a.num('vocab');
    if (rows !== tokens.length) throw new Error(`${a.id}: ${tokens.length} tokens but dX has ${rows} rows`);
    for (const tok of tokens)
      if (!Number.isInteger(tok) || tok < 0 || tok >= vocab) throw new Error(`${a.id}: token ${tok} outside 0..${vocab - 1}`);
    const dE = new Float64Array(vocab * d);
    kernels.embeddingBackward(dE, dX.data, tokens, d);
    return { dE: tensor([vocab, d], dE) };
  },
  mlp_mse: (a, kernels) => {
    const x = a.tensor('x');
    const { rows, cols: nin } = a.rowsCols(x, 'x');
    const W_1 = a.tensor('W_1');
    const W_2 = a.tensor('W_2');
    const hidden = a.rowsCols(W_1, 'W_1').cols;
    const nout = a.rowsCols(W_2, 'W_2').cols;
    const w = { W_1: W_1.data, b_1: a.tensor('b_1').data, W_2: W_2.data, b_2: a.tensor('b_2').data };
    if (W_1.shape[0] !== nin || W_2.shape[0] !== hidden || w.b_1.length !== hidden || w.b_2.length !== nout) {
      throw new Error(
        `${a.id}: x is ${rows}×${nin}, W_1 [${W_1.shape}], b_1 [${w.b_1.length}], W_2 [${W_2.shape}], b_2 [${w.b_2.length}] do not chain`,
      );
    }
    const s = { rows, nin, hidden, nout };
    const target = a.tensor('target').data;
    const factor = a.num('factor');
    const f = { x: x.data, w, a: allocFFNActivations(s) };
    const g = {
      x: null,
      w: {
        W_1: new Float64Array(nin * hidden),
        b_1: new Float64Array(hidden),
        W_2: new Float64Array(hidden * nout),
        b_2: new Float64Array(nout),
      },
      a: allocFFNActivations(s),
    };
    const loss = ffnMse(g, f, { target, factor }, s, kernels);
    return {
      hidden: tensor([rows, hidden], f.a.hidden),
      act: tensor([rows, hidden], f.a.act),
      output: tensor([rows, nout], f.a.out),
      loss: scalar(loss),
      doutput: tensor([rows, nout], g.a.out),
      dW_2: tensor([hidden, nout], g.w.W_2),
      db_2: tensor([nout], g.w.b_2),
      dact: tensor([rows, hidden], g.a.act),
      dhidden: tensor([rows, hidden], g.a.hidden),
      dW_1: tensor([nin, hidden], g.w.W_1),
      db_1: tensor([hidden], g.w.b_1),
    };
  },
  sgd: (a, kernels) => optimizerOp(a, kernels, (lr) => ({ kind: 'sgd', lr })),
  momentum: (a, kernels) => optimizerOp(a, kernels, (lr) => ({ kind: 'momentum', lr, beta: a.num('beta') })),
  adam: (a, kernels) =>
    optimizerOp(a, kernels, (lr) => ({ kind: 'adam', lr, beta1: a.num('beta1'), beta2: a.num('beta2'), eps: a.num('eps') })),
  gd_quadratic: (a, kernels) => {
    const o = { w: a.num('w'), center: a.num('center'), steps: a.int('steps', 1), lr: a.num('lr') };
    return { trajectory: trajectory(gdQuadratic(o, kernels).map((w) => [w])) };
  },
  clip_grad_norm: (a, kernels) => {
    const g = a.tensor('g');
    const grads = { g: Float64Array.from(g.data) };
    const norm = kernels.clipGradNorm(grads, a.num('max_norm'), ['g']);
    return { norm: scalar(norm), clipped: tensor(g.shape, grads.g) };
  },
  central_difference: (a) => ({ gradient: scalar(centralDifference(a.num('loss_plus'), a.num('loss_minus'), a.num('eps'))) }),
  param_count: (a) => ({ count: scalar(countParams(a.config())) }),
  model_cost: (a) => {
    const m = modelCost(a.config(), { bytesPerNumber: a.numOr('bytes_per_number', 8), memoryUnit: a.numOr('memory_unit', 1) });
    return {
      forward_flops: scalar(m.forwardFlops),
      backward_flops: scalar(m.backwardFlops),
      activations: scalar(m.activations),
      parameters: scalar(m.parameters),
      activation_memory: scalar(m.activationMemory),
      parameter_memory: scalar(m.parameterMemory),
      gradient_memory: scalar(m.gradientMemory),
      adam_memory: scalar(m.adamMemory),
    };
  },
} satisfies OpTable;

function runOps(s: OpsScenario, kernels: Kernels): TraceValues {
  const trace: TraceValues = {};
  for (const call of s.calls) {
    const outputs: Record<string, Tensor | undefined> = OP_TABLE[call.op](new Args(call), kernels);
    for (const [name, value] of Object.entries(outputs)) if (value) trace[`${call.id}/${name}`] = value;
  }
  return trace;
}

/** The reference, or a variant of it, as an implementation: float64, every op and every model feature. */
export function createReferenceImplementation(
  v: ReferenceVariant = { name: 'reference', version: '0.1.0', kernels: REFERENCE_KERNELS },
): Implementation {
  return {
    name: v.name,
    version: v.version,
    language: 'TypeScript',
    capabilities: { dtype: 'float64', ops: Object.keys(OPS) as OpName[], features: [...FEATURES] },
    async run(s: Scenario) {
      return s.kind === 'model' ? runModel(s, v) : runOps(s, v.kernels);
    },
  };
}

export const referenceImplementation: Implementation = createReferenceImplementation();
