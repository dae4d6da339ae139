// The TF.js engine as a conformance-suite implementation (float32, in process). Gradients come from TF.js's
// autodiff and parameter updates from its own optimizers (tf.train.sgd / momentum / adam). It produces the
// forward trace, every parameter's gradient (per example and for the batch) and the updated parameters, and
// declares exactly those trace names: intermediate gradients and optimizer state are skipped, not failed.
import * as tf from '@tensorflow/tfjs-core';
import { FEATURES, type Capabilities, type Implementation, type TraceValues } from '../../harness/run/implementation.js';
import type { ModelScenario, Nested, OpCall, OpsScenario, Scenario } from '../../harness/fixtures/scenario.js';
import { fromNested, givenTensor } from '../../harness/fixtures/tensors.js';
import { makeConfig, type ModelConfig } from '../../reference/config.js';
import { paramSpecs, type Params } from '../../reference/params.js';
import { scalar, tensor, type Tensor } from '../../reference/tensor.js';
import type { OptimizerSpec } from '../../reference/training.js';
import { tfjsAttention, tfjsCrossEntropy, tfjsForward, tfjsLayerNorm, tfjsLossAndGrads, tfjsMse, tfjsRelu, tfjsSoftmax } from './model.js';

const OP_OUTPUTS = [
  'C',
  'y',
  'value',
  'max',
  'shifted',
  'exps',
  'sum',
  'dx',
  'dz',
  'dgamma',
  'dbeta',
  'weights',
  'context',
  'dQ',
  'dK',
  'dV',
  'probs',
  'loss',
  'dlogits',
  'dy',
  'trajectory',
];

export const TFJS_CAPABILITIES: Capabilities = {
  dtype: 'float32',
  ops: [
    'matmul',
    'matvec',
    'dot',
    'outer',
    'subtract',
    'softmax',
    'relu',
    'layer_norm',
    'attention',
    'cross_entropy',
    'mse',
    'sgd',
    'momentum',
    'adam',
  ],
  // every model feature: its model follows the reference's configuration switches
  features: [...FEATURES],
  trace: [
    'X',
    'blocks.*',
    'final_repr',
    'logits',
    'probs',
    'prediction',
    'loss',
    'grad_norm',
    'param.*',
    'grad.embedding.E',
    'grad.input.*',
    'grad.head.*',
    'grad.blocks.*.attn.W_*',
    'grad.blocks.*.ffn.[Wb]_*',
    'grad.blocks.*.ln[12].gamma',
    'grad.blocks.*.ln[12].beta',
    ...OP_OUTPUTS,
  ],
};

/** The shape of a forward trace name for a sequence of T positions. */
function traceShape(c: ModelConfig, name: string, T: number): number[] {
  if (/\.attn\.(scores|scaled|weights)$/.test(name)) return [c.heads, T, T];
  if (/\.ffn\.(hidden|act)$/.test(name)) return [T, c.dFF];
  if (name === 'final_repr') return [c.dModel];
  if (name === 'logits' || name === 'probs' || name === 'prediction') return [c.outDim];
  return [T, c.dModel];
}

/**
 * The scenario's optimizer on TF.js variables (spec/conventions.md 15, 16, 19, 20), written with tf ops: TF.js's own
 * optimizers keep their moments by position in the list of gradients, so a trainable set that changes between
 * steps hands one parameter's moments to another (or fails on their shapes). Adam's t counts optimizer steps.
 */
class VariableOptimizer {
  private readonly slots = new Map<string, tf.Variable>();
  private t = 0;
  constructor(private readonly spec: OptimizerSpec) {}

  /** One step on the named variables with the given gradients; every other variable and its state stay as they are. */
  step(variables: Map<string, tf.Variable>, grads: Record<string, ArrayLike<number>>): void {
    this.t++;
    const s = this.spec;
    tf.tidy(() => {
      for (const [name, g64] of Object.entries(grads)) {
        const p = variables.get(name)!;
        const g = tf.tensor(Float32Array.from(g64), p.shape);
        if (s.kind === 'sgd') p.assign(tf.sub(p, tf.mul(g, s.lr)));
        else if (s.kind === 'momentum') {
          const v = this.slot(`${name}/v`, p);
          v.assign(tf.add(tf.mul(v, s.beta), g));
          p.assign(tf.sub(p, tf.mul(v, s.lr)));
        } else {
          const [lr, b1, b2, eps] = [s.lr ?? 0.001, s.beta1 ?? 0.9, s.beta2 ?? 0.999, s.eps ?? 1e-8];
          const m = this.slot(`${name}/m`, p);
          const v = this.slot(`${name}/v`, p);
          m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
          v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
          const mHat = tf.div(m, 1 - b1 ** this.t);
          const vHat = tf.div(v, 1 - b2 ** this.t);
          p.assign(tf.sub(p, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), lr)));
        }
      }
    });
  }

  private slot(key: string, like: tf.Variable): tf.Variable {
    let v = this.slots.get(key);
    if (!v) this.slots.set(key, (v = tf.variable(tf.zerosLike(like), false)));
    return v;
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
  }
}

/** TF.js's own optimizer, for the single-variable ops `sgd`, `momentum`, `adam` (where its state layout is harmless). */
function tfOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (spec.kind === 'sgd') return tf.train.sgd(spec.lr);
  if (spec.kind === 'momentum') return tf.train.momentum(spec.lr, spec.beta);
  return tf.train.adam(spec.lr ?? 0.001, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.eps ?? 1e-8);
}

let scenarioCounter = 0;

function runModel(s: ModelScenario): TraceValues {
  const c = makeConfig(s.config);
  const specs = paramSpecs(c);
  const params: Params = {};
  for (const p of specs) {
    const w = s.weights?.[p.name];
    if (w === undefined) throw new Error(`weights.${p.name} is not given`);
    params[p.name] = givenTensor(w, `weights.${p.name}`).data;
  }
  const shapes = Object.fromEntries(specs.map((p) => [p.name, p.shape]));
  const trace: TraceValues = {};
  const prefix = `tconf${scenarioCounter++}`;
  const variables = new Map<string, tf.Variable>();
  let optimizer: VariableOptimizer | null = null;
  const forwardAll = (step: string) => {
    let loss = 0;
    s.examples.forEach((ex, i) => {
      const f = tfjsForward(c, params, ex);
      const T = (ex.tokens ?? ex.inputs)!.length;
      for (const [name, data] of Object.entries(f.trace)) trace[`${step}/${i}/${name}`] = tensor(traceShape(c, name, T), data);
      if (!Number.isNaN(f.loss)) trace[`${step}/${i}/loss`] = scalar(f.loss);
      loss += f.loss;
    });
    if (!Number.isNaN(loss)) trace[`${step}/loss`] = scalar(loss / s.examples.length);
  };
  try {
    for (const step of s.steps) {
      forwardAll(step.id);
      if (step.do === 'train') {
        s.examples.forEach((ex, i) => {
          for (const [name, g] of Object.entries(tfjsLossAndGrads(c, params, [ex]).grads))
            trace[`${step.id}/${i}/grad.${name}`] = tensor(shapes[name], g);
        });
        const { grads } = tfjsLossAndGrads(c, params, s.examples);
        const trainable = step.trainable ?? specs.map((p) => p.name);
        const norm = Math.sqrt(trainable.reduce((acc, n) => acc + grads[n].reduce((a, x) => a + x * x, 0), 0));
        if (step.clip !== undefined && norm > step.clip) for (const n of trainable) grads[n] = grads[n].map((x) => (x * step.clip!) / norm);
        trace[`${step.id}/grad_norm`] = scalar(norm);
        for (const [name, g] of Object.entries(grads)) trace[`${step.id}/grad.${name}`] = tensor(shapes[name], g);
        optimizer ??= new VariableOptimizer(s.optimizer ?? { kind: 'sgd', lr: 0.1 });
        for (const n of trainable)
          if (!variables.has(n)) variables.set(n, tf.variable(tf.tensor(Float32Array.from(params[n]), shapes[n]), true, `${prefix}/${n}`));
        optimizer.step(variables, Object.fromEntries(trainable.map((n) => [n, grads[n]])));
        for (const n of trainable) params[n] = Float64Array.from(variables.get(n)!.dataSync());
      }
      for (const [name, w] of Object.entries(params)) trace[`${step.id}/param.${name}`] = tensor(shapes[name], Float64Array.from(w));
    }
  } finally {
    optimizer?.dispose();
    for (const v of variables.values()) v.dispose();
  }
  return trace;
}

const arg = (call: OpCall, name: string): Tensor => fromNested(call.args[name] as Nested, `${call.id}.${name}`);
const num = (call: OpCall, name: string): number => {
  const v = call.args[name];
  if (typeof v !== 'number') throw new Error(`${call.id}.${name}: expected a number`);
  return v;
};
const rowsCols = (t: Tensor): [number, number] => (t.shape.length === 1 ? [1, t.shape[0]] : [t.shape[0], t.shape[1]]);
const out = (x: tf.Tensor): Tensor => tensor(x.shape, Float64Array.from(x.dataSync()));

/** A small op computed with TF.js tensors, the result copied out and every tensor released. */
function tfOp(f: () => tf.Tensor): Tensor {
  const r = tf.tidy(f);
  const o = out(r);
  r.dispose();
  return o;
}

function runOp(call: OpCall): Record<string, Tensor> {
  const f32 = (t: Tensor) => tf.tensor(Float32Array.from(t.data), t.shape);
  const flat = (t: Tensor) => tf.tensor1d(Float32Array.from(t.data));
  switch (call.op) {
    case 'matmul':
      return {
        C: tfOp(() =>
          tf.matMul(tf.reshape(f32(arg(call, 'A')), rowsCols(arg(call, 'A'))), tf.reshape(f32(arg(call, 'B')), rowsCols(arg(call, 'B')))),
        ),
      };
    case 'matvec':
      return { y: tfOp(() => tf.reshape(tf.matMul(f32(arg(call, 'M')), tf.reshape(f32(arg(call, 'x')), [-1, 1])), [-1])) };
    case 'dot':
      // Both read flat (spec/ops.md): a [2×2] and a [4] are two vectors of four values.
      return { value: tfOp(() => tf.dot(flat(arg(call, 'a')), flat(arg(call, 'b')))) };
    case 'outer':
      return { C: tfOp(() => tf.outerProduct(f32(arg(call, 'a')) as tf.Tensor1D, f32(arg(call, 'b')) as tf.Tensor1D)) };
    case 'subtract':
      return { value: tfOp(() => tf.reshape(tf.sub(flat(arg(call, 'a')), flat(arg(call, 'b'))), arg(call, 'a').shape)) };
    case 'softmax': {
      const x = arg(call, 'x');
      const [rows, n] = rowsCols(x);
      const x2 = () => tf.reshape(f32(x), [rows, n]);
      const perRow = (t: tf.Tensor) => (x.shape.length === 1 ? tf.reshape(t, []) : t);
      const res: Record<string, Tensor> = {
        max: tfOp(() => perRow(tf.max(x2(), 1))),
        shifted: tfOp(() => tf.reshape(tf.sub(x2(), tf.max(x2(), 1, true)), x.shape)),
        exps: tfOp(() => tf.reshape(tf.exp(tf.sub(x2(), tf.max(x2(), 1, true))), x.shape)),
        sum: tfOp(() => perRow(tf.sum(tf.exp(tf.sub(x2(), tf.max(x2(), 1, true))), 1))),
      };
      const up = call.args.upstream !== undefined ? arg(call, 'upstream').data : new Float64Array(rows * n);
      const r = tfjsSoftmax(x.data, rows, n, up);
      res.y = tensor(x.shape, r.y);
      if (call.args.upstream !== undefined) res.dx = tensor(x.shape, r.dx);
      return res;
    }
    case 'relu': {
      const z = arg(call, 'z');
      const r = tfjsRelu(z.data, call.args.upstream !== undefined ? arg(call, 'upstream').data : new Float64Array(z.data.length));
      return { y: tensor(z.shape, r.y), ...(call.args.upstream !== undefined ? { dz: tensor(z.shape, r.dz) } : {}) };
    }
    case 'layer_norm': {
      const x = arg(call, 'x');
      const [rows, n] = rowsCols(x);
      const up = call.args.upstream !== undefined ? arg(call, 'upstream').data : new Float64Array(rows * n);
      const r = tfjsLayerNorm(x.data, arg(call, 'gamma').data, arg(call, 'beta').data, rows, n, num(call, 'eps'), up);
      return {
        y: tensor(x.shape, r.y),
        ...(call.args.upstream !== undefined
          ? { dx: tensor(x.shape, r.dx), dgamma: tensor([n], r.dgamma), dbeta: tensor([n], r.dbeta) }
          : {}),
      };
    }
    case 'attention': {
      const Q = arg(call, 'Q');
      const [T, d] = rowsCols(Q);
      const heads = num(call, 'heads');
      const up = call.args.upstream !== undefined ? arg(call, 'upstream').data : new Float64Array(T * d);
      const r = tfjsAttention(Q.data, arg(call, 'K').data, arg(call, 'V').data, { T, d, heads, causal: call.args.causal === true }, up);
      const res: Record<string, Tensor> = { weights: tensor([heads, T, T], r.weights), context: tensor([T, d], r.context) };
      if (call.args.upstream !== undefined)
        Object.assign(res, { dQ: tensor([T, d], r.dQ), dK: tensor([T, d], r.dK), dV: tensor([T, d], r.dV) });
      return res;
    }
    case 'cross_entropy': {
      const logits = arg(call, 'logits');
      const r = tfjsCrossEntropy(logits.data, num(call, 'target'), logits.data.length);
      return { probs: tensor([logits.data.length], r.probs), loss: scalar(r.loss), dlogits: tensor([logits.data.length], r.dlogits) };
    }
    case 'mse': {
      const y = arg(call, 'y');
      const r = tfjsMse(y.data, arg(call, 't').data, y.data.length, num(call, 'factor'));
      return { loss: scalar(r.loss), dy: tensor(y.shape, r.dy) };
    }
    case 'sgd':
    case 'momentum':
    case 'adam': {
      const w0 = arg(call, 'w');
      const grads = arg(call, 'grads').data;
      const n = w0.data.length;
      const spec: OptimizerSpec =
        call.op === 'sgd'
          ? { kind: 'sgd', lr: num(call, 'lr') }
          : call.op === 'momentum'
            ? { kind: 'momentum', lr: num(call, 'lr'), beta: num(call, 'beta') }
            : { kind: 'adam', lr: num(call, 'lr'), beta1: num(call, 'beta1'), beta2: num(call, 'beta2'), eps: num(call, 'eps') };
      const opt = tfOptimizer(spec);
      const name = `tconf-op${scenarioCounter++}`;
      const v = tf.variable(tf.tensor1d(Float32Array.from(w0.data)), true, name);
      const rows: number[] = [];
      try {
        for (let s = 0; s < grads.length / n; s++) {
          const g = tf.tensor1d(Float32Array.from(grads.subarray(s * n, (s + 1) * n)));
          opt.applyGradients({ [name]: g });
          g.dispose();
          rows.push(...v.dataSync());
        }
      } finally {
        opt.dispose();
        v.dispose();
      }
      return { trajectory: tensor([rows.length / n, n], Float64Array.from(rows)) };
    }
    default:
      throw new Error(`op ${call.op} is not implemented by the TF.js example`);
  }
}

function runOps(s: OpsScenario): TraceValues {
  const trace: TraceValues = {};
  for (const call of s.calls) for (const [name, t] of Object.entries(runOp(call))) trace[`${call.id}/${name}`] = t;
  return trace;
}

export function createTfjsImplementation(): Implementation {
  return {
    name: 'tfjs',
    version: `tfjs-core ${tf.version_core}`,
    language: 'TypeScript (TensorFlow.js, CPU backend)',
    capabilities: TFJS_CAPABILITIES,
    async run(s: Scenario) {
      return s.kind === 'model' ? runModel(s) : runOps(s);
    },
  };
}
