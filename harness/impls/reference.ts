// The float64 reference, plugged in as an implementation like any other.
import { attentionBackward, attentionForward } from '../../reference/attention.js';
import { makeConfig, type ModelConfig } from '../../reference/config.js';
import { backwardFlops, forwardFlops, storedActivations, trainingMemory } from '../../reference/cost.js';
import { ffnBackward, ffnForward } from '../../reference/ffn.js';
import { REFERENCE_KERNELS, type Kernels } from '../../reference/kernels.js';
import { layerNormForward } from '../../reference/layernorm.js';
import { crossEntropyForward, mseForward } from '../../reference/losses.js';
import { matmulForward } from '../../reference/matmul.js';
import { forward, type Example, type Forward } from '../../reference/model.js';
import { ADAM_DEFAULTS, adamInit } from '../../reference/optim.js';
import { countParams, initParams, paramSpecs, sizeOf, type Params } from '../../reference/params.js';
import { scalar, tensor, type Tensor } from '../../reference/tensor.js';
import { createOptimizer, trainStep, type Optimizer } from '../../reference/training.js';
import { FEATURES, type Implementation, type TraceValues } from '../run/implementation.js';
import { OPS, type ModelScenario, type Nested, type OpCall, type OpName, type OpsScenario, type Scenario } from '../fixtures/scenario.js';
import { fromNested } from '../fixtures/tensors.js';

function modelParams(s: ModelScenario, config: ReturnType<typeof makeConfig>): Params {
  const specs = paramSpecs(config);
  const params: Params = s.init ? initParams(config, s.init.seed) : {};
  const known = new Set(specs.map((p) => p.name));
  for (const [name, value] of Object.entries(s.weights ?? {})) {
    if (!known.has(name)) throw new Error(`weights.${name}: the model has no such parameter (it has ${[...known].join(', ')})`);
    const t = fromNested(value, `weights.${name}`);
    const want = specs.find((p) => p.name === name)!.shape;
    if (sizeOf(t.shape) !== sizeOf(want) || (t.shape.length > 1 && t.shape.join() !== want.join())) {
      throw new Error(`weights.${name}: shape [${t.shape}] does not match the parameter's [${want}]`);
    }
    params[name] = t.data;
  }
  for (const p of specs) if (!params[p.name]) throw new Error(`weights.${p.name} is not given and the scenario has no init seed`);
  return params;
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
  /** The forward passes of a `forward` step; `previous`: the last train step's passes (default: recomputed). */
  forwardStep?: (c: ModelConfig, params: Params, examples: Example[], kernels: Kernels, previous: Forward[] | null) => Forward[];
}

const recomputed: NonNullable<ReferenceVariant['forwardStep']> = (c, params, examples, kernels) => examples.map((ex) => forward(c, params, ex, kernels));

function runModel(s: ModelScenario, v: ReferenceVariant): TraceValues {
  const k = v.kernels;
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
      (v.forwardStep ?? recomputed)(config, params, examples, k, previous).forEach((f, i) => {
        for (const [name, value] of Object.entries(f.trace)) trace[`${step.id}/${i}/${name}`] = value;
        loss += f.loss;
      });
      if (!Number.isNaN(loss)) trace[`${step.id}/loss`] = scalar(loss / examples.length);
      for (const [name, w] of Object.entries(params)) trace[`${step.id}/param.${name}`] = tensor(shapes[name], Float64Array.from(w));
      continue;
    }
    opt ??= createOptimizer(s.optimizer ?? { kind: 'sgd', lr: 0.1 }, k);
    const r = (v.trainStep ?? trainStep)(config, params, examples, opt, { trainable: step.trainable, clip: step.clip, traceGrads: true }, k);
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
    for (const [name, vel] of Object.entries(opt.velocity)) trace[`${step.id}/momentum.v.${name}`] = tensor(shapes[name], Float64Array.from(vel));
  }
  return trace;
}

type Args = OpCall['args'];
const t = (args: Args, name: string, id: string): Tensor => fromNested(args[name] as Nested, `${id}.${name}`);
const num = (args: Args, name: string, id: string): number => {
  const v = args[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${id}.${name}: expected a finite number`);
  return v;
};
/** A vector as one row, or a matrix; anything with more dimensions is an error. */
const rowsCols = (x: Tensor, where = 'argument'): [number, number] => {
  if (x.shape.length === 0 || x.shape.length > 2) throw new Error(`${where}: expected a vector or a matrix, got shape [${x.shape}]`);
  return x.shape.length === 1 ? [1, x.shape[0]] : [x.shape[0], x.shape[1]];
};
const sameSize = (id: string, a: Tensor, b: Tensor, what: string): void => {
  if (a.data.length !== b.data.length) throw new Error(`${id}: ${what} have ${a.data.length} and ${b.data.length} values`);
};
/** An integer argument within [lo, hi]. */
const int = (args: Args, name: string, id: string, lo: number, hi = Infinity): number => {
  const v = num(args, name, id);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${id}.${name}: expected an integer in ${lo}..${hi}, got ${v}`);
  return v;
};
/** The optional upstream gradient, which must match the output's size. */
const upstream = (args: Args, id: string, size: number): Float64Array => {
  const u = t(args, 'upstream', id);
  if (u.data.length !== size) throw new Error(`${id}.upstream: ${u.data.length} values for an output of ${size}`);
  return u.data;
};
const trajectory = (ws: number[][]) => tensor([ws.length, ws[0].length], Float64Array.from(ws.flat()));

/** One operation on its inputs, every output named as in OPS, computed with the kernel table `k`. */
function runOp(call: OpCall, k: Kernels): Record<string, Tensor> {
  const { args, id } = call;
  switch (call.op) {
    case 'matmul': {
      const A = t(args, 'A', id);
      const B = t(args, 'B', id);
      const [m, inner] = rowsCols(A, `${id}.A`);
      const [k2, n] = rowsCols(B, `${id}.B`);
      if (inner !== k2) throw new Error(`${id}: A is ${m}×${inner} but B is ${k2}×${n}`);
      const C = new Float64Array(m * n);
      matmulForward(C, A.data, B.data, m, inner, n);
      return { C: tensor([m, n], C) };
    }
    case 'matvec': {
      const M = t(args, 'M', id);
      const x = t(args, 'x', id);
      const [m, n] = rowsCols(M, `${id}.M`);
      if (x.data.length !== n) throw new Error(`${id}: M is ${m}×${n} but x has ${x.data.length} values`);
      const y = new Float64Array(m);
      matmulForward(y, M.data, x.data, m, n, 1);
      return { y: tensor([m], y) };
    }
    case 'dot': {
      sameSize(id, t(args, 'a', id), t(args, 'b', id), 'a and b');
      const a = t(args, 'a', id).data;
      const b = t(args, 'b', id).data;
      return { value: scalar(a.reduce((s, x, i) => s + x * b[i], 0)) };
    }
    case 'subtract': {
      const a = t(args, 'a', id);
      sameSize(id, a, t(args, 'b', id), 'a and b');
      const b = t(args, 'b', id).data;
      return { value: tensor(a.shape, a.data.map((x, i) => x - b[i])) };
    }
    case 'outer': {
      const a = t(args, 'a', id).data;
      const b = t(args, 'b', id).data;
      const C = new Float64Array(a.length * b.length);
      matmulForward(C, a, b, a.length, 1, b.length);
      return { C: tensor([a.length, b.length], C) };
    }
    case 'softmax': {
      const x = t(args, 'x', id);
      const [rows, n] = rowsCols(x, `${id}.x`);
      const y = new Float64Array(x.data.length);
      k.softmaxForward(y, x.data, rows, n);
      // The worksheet's steps, row by row: max, x − max, exp(x − max), their sum.
      const max = new Float64Array(rows);
      const shifted = new Float64Array(rows * n);
      const sum = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        max[r] = Math.max(...x.data.subarray(r * n, (r + 1) * n));
        for (let j = 0; j < n; j++) shifted[r * n + j] = x.data[r * n + j] - max[r];
      }
      const exps = shifted.map(Math.exp);
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) sum[r] += exps[r * n + j];
      const perRow = (v: Float64Array) => (x.shape.length === 1 ? scalar(v[0]) : tensor([rows], v));
      const out: Record<string, Tensor> = { max: perRow(max), shifted: tensor(x.shape, shifted), exps: tensor(x.shape, exps), sum: perRow(sum), y: tensor(x.shape, y) };
      if (args.upstream !== undefined) {
        const dx = new Float64Array(y.length);
        k.softmaxBackward(dx, upstream(args, id, y.length), y, rows, n);
        out.dx = tensor(x.shape, dx);
      }
      return out;
    }
    case 'relu': {
      const z = t(args, 'z', id);
      const y = new Float64Array(z.data.length);
      k.reluForward(y, z.data, y.length);
      const out: Record<string, Tensor> = { y: tensor(z.shape, y) };
      if (args.upstream !== undefined) {
        const dz = new Float64Array(y.length);
        k.reluBackward(dz, upstream(args, id, y.length), z.data, y.length);
        out.dz = tensor(z.shape, dz);
      }
      return out;
    }
    case 'cross_entropy': {
      const logits = t(args, 'logits', id);
      const n = logits.data.length;
      const target = int(args, 'target', id, 0, n - 1);
      const probs = new Float64Array(n);
      const loss = crossEntropyForward(probs, logits.data, target, n, k.softmaxForward);
      const d = new Float64Array(n);
      k.crossEntropyBackward(d, probs, target, n);
      return { probs: tensor([n], probs), loss: scalar(loss), dlogits: tensor([n], d) };
    }
    case 'cross_entropy_grad': {
      const probs = t(args, 'probs', id);
      const n = probs.data.length;
      const d = new Float64Array(n);
      k.crossEntropyBackward(d, probs.data, int(args, 'target', id, 0, n - 1), n);
      return { dlogits: tensor([n], d) };
    }
    case 'mse': {
      const y = t(args, 'y', id);
      const target = t(args, 't', id).data;
      const n = y.data.length;
      const factor = num(args, 'factor', id);
      const dy = new Float64Array(n);
      k.mseBackward(dy, y.data, target, n, factor);
      return { loss: scalar(mseForward(y.data, target, n, factor)), dy: tensor(y.shape, dy) };
    }
    case 'layer_norm': {
      const x = t(args, 'x', id);
      const [rows, n] = rowsCols(x, `${id}.x`);
      const gamma = t(args, 'gamma', id).data;
      const beta = t(args, 'beta', id).data;
      const y = new Float64Array(rows * n);
      const mean = new Float64Array(rows);
      const rstd = new Float64Array(rows);
      layerNormForward(y, mean, rstd, x.data, gamma, beta, rows, n, num(args, 'eps', id));
      const out: Record<string, Tensor> = { y: tensor(x.shape, y) };
      if (args.upstream !== undefined) {
        const dx = new Float64Array(rows * n);
        const dg = new Float64Array(n);
        const db = new Float64Array(n);
        k.layerNormBackward(dx, dg, db, upstream(args, id, rows * n), x.data, gamma, mean, rstd, rows, n);
        Object.assign(out, { dx: tensor(x.shape, dx), dgamma: tensor([n], dg), dbeta: tensor([n], db) });
      }
      return out;
    }
    case 'attention': {
      const Q = t(args, 'Q', id);
      const [T, d] = rowsCols(Q, `${id}.Q`);
      const heads = int(args, 'heads', id, 1, d);
      if (d % heads !== 0) throw new Error(`${id}: ${heads} heads do not divide ${d} features`);
      const shape = { T, d, heads, causal: args.causal === true };
      sameSize(id, Q, t(args, 'K', id), 'Q and K');
      sameSize(id, Q, t(args, 'V', id), 'Q and V');
      const K = t(args, 'K', id).data;
      const V = t(args, 'V', id).data;
      const context = new Float64Array(T * d);
      const cache = attentionForward(context, Q.data, K, V, shape, k);
      const hT = [heads, T, T];
      const out: Record<string, Tensor> = {
        scores: tensor(hT, cache.scores), scaled: tensor(hT, cache.scaled), weights: tensor(hT, cache.weights), context: tensor([T, d], context),
      };
      if (args.upstream !== undefined) {
        const g = { dQ: new Float64Array(T * d), dK: new Float64Array(T * d), dV: new Float64Array(T * d) };
        attentionBackward(g.dQ, g.dK, g.dV, upstream(args, id, T * d), Q.data, K, V, cache, shape, {}, k);
        for (const [name, v] of Object.entries(g)) out[name] = tensor([T, d], v);
      }
      return out;
    }
    case 'embedding_backward': {
      const tokens = Array.from(t(args, 'tokens', id).data);
      const dX = t(args, 'dX', id);
      const [rows, d] = rowsCols(dX, `${id}.dX`);
      const vocab = num(args, 'vocab', id);
      if (rows !== tokens.length) throw new Error(`${id}: ${tokens.length} tokens but dX has ${rows} rows`);
      for (const tok of tokens) if (!Number.isInteger(tok) || tok < 0 || tok >= vocab) throw new Error(`${id}: token ${tok} outside 0..${vocab - 1}`);
      const dE = new Float64Array(vocab * d);
      k.embeddingBackward(dE, dX.data, tokens, d);
      return { dE: tensor([vocab, d], dE) };
    }
    case 'mlp_mse': {
      const x = t(args, 'x', id);
      const [rows, din] = rowsCols(x, `${id}.x`);
      const W_1 = t(args, 'W_1', id);
      const W_2 = t(args, 'W_2', id);
      const [, dh] = rowsCols(W_1, `${id}.W_1`);
      const [, dout] = rowsCols(W_2, `${id}.W_2`);
      const w = { W_1: W_1.data, b_1: t(args, 'b_1', id).data, W_2: W_2.data, b_2: t(args, 'b_2', id).data };
      if (W_1.shape[0] !== din || W_2.shape[0] !== dh || w.b_1.length !== dh || w.b_2.length !== dout) {
        throw new Error(`${id}: x is ${rows}×${din}, W_1 [${W_1.shape}], b_1 [${w.b_1.length}], W_2 [${W_2.shape}], b_2 [${w.b_2.length}] do not chain`);
      }
      const c = ffnForward(x.data, w, rows, din, dh, dout, k);
      const target = t(args, 'target', id).data;
      const factor = num(args, 'factor', id);
      const doutput = new Float64Array(rows * dout);
      k.mseBackward(doutput, c.out, target, rows * dout, factor);
      const g = { W_1: new Float64Array(din * dh), b_1: new Float64Array(dh), W_2: new Float64Array(dh * dout), b_2: new Float64Array(dout) };
      const tr = { act: new Float64Array(rows * dh), hidden: new Float64Array(rows * dh) };
      ffnBackward(null, g, doutput, x.data, w, c, rows, din, dh, tr, dout, k);
      return {
        hidden: tensor([rows, dh], c.hidden), act: tensor([rows, dh], c.act), output: tensor([rows, dout], c.out),
        loss: scalar(mseForward(c.out, target, rows * dout, factor)), doutput: tensor([rows, dout], doutput),
        dW_2: tensor([dh, dout], g.W_2), db_2: tensor([dout], g.b_2), dact: tensor([rows, dh], tr.act), dhidden: tensor([rows, dh], tr.hidden),
        dW_1: tensor([din, dh], g.W_1), db_1: tensor([dh], g.b_1),
      };
    }
    case 'sgd':
    case 'momentum':
    case 'adam': {
      const w0 = t(args, 'w', id);
      const grads = t(args, 'grads', id);
      const n = w0.data.length;
      const steps = grads.data.length / n;
      if (!Number.isInteger(steps)) throw new Error(`${id}.grads: ${grads.data.length} values do not split into steps of ${n}`);
      const p = { w: Float64Array.from(w0.data) };
      const velocity = {};
      const adam = adamInit();
      const out: number[][] = [];
      for (let s = 0; s < steps; s++) {
        const g = { w: grads.data.slice(s * n, (s + 1) * n) };
        const lr = num(args, 'lr', id);
        if (call.op === 'sgd') k.sgdStep(p, g, lr, ['w']);
        else if (call.op === 'momentum') k.momentumStep(p, g, velocity, lr, num(args, 'beta', id), ['w']);
        else k.adamStep(p, g, adam, { ...ADAM_DEFAULTS, lr, beta1: num(args, 'beta1', id), beta2: num(args, 'beta2', id), eps: num(args, 'eps', id) }, ['w']);
        out.push(Array.from(p.w));
      }
      return { trajectory: trajectory(out) };
    }
    case 'gd_quadratic': {
      // loss = 0.5·(w − center)², so dL/dw = w − center
      const p = { w: Float64Array.of(num(args, 'w', id)) };
      const center = num(args, 'center', id);
      const out: number[][] = [];
      for (let s = 0; s < int(args, 'steps', id, 0); s++) {
        k.sgdStep(p, { w: Float64Array.of(p.w[0] - center) }, num(args, 'lr', id), ['w']);
        out.push([p.w[0]]);
      }
      return { trajectory: trajectory(out) };
    }
    case 'clip_grad_norm': {
      const g = t(args, 'g', id);
      const grads = { g: Float64Array.from(g.data) };
      const norm = k.clipGradNorm(grads, num(args, 'max_norm', id), ['g']);
      return { norm: scalar(norm), clipped: tensor(g.shape, grads.g) };
    }
    case 'central_difference':
      return { gradient: scalar((num(args, 'loss_plus', id) - num(args, 'loss_minus', id)) / (2 * num(args, 'eps', id))) };
    case 'param_count':
      return { count: scalar(countParams(makeConfig(args.config as object))) };
    case 'model_cost': {
      // One example of full length: what the forward pass keeps does not depend on the values.
      const c = makeConfig(args.config as object);
      const ex = c.input === 'tokens' ? { tokens: new Array<number>(c.seqLen).fill(0) } : { inputs: Array.from({ length: c.seqLen }, () => new Array<number>(c.inDim).fill(0)) };
      const m = trainingMemory(c, storedActivations(forward(c, initParams(c, 0), ex)));
      const bytes = (n: number) => scalar((n * (args.bytes_per_number === undefined ? 8 : num(args, 'bytes_per_number', id))) / (args.memory_unit === undefined ? 1 : num(args, 'memory_unit', id)));
      return {
        forward_flops: scalar(forwardFlops(c).total),
        backward_flops: scalar(backwardFlops(c).total),
        activations: scalar(m.activations),
        parameters: scalar(m.parameters),
        activation_memory: bytes(m.activations),
        parameter_memory: bytes(m.parameters),
        gradient_memory: bytes(m.gradients),
        adam_memory: bytes(m.adamState),
      };
    }
  }
}

function runOps(s: OpsScenario, k: Kernels): TraceValues {
  const trace: TraceValues = {};
  for (const call of s.calls) for (const [name, value] of Object.entries(runOp(call, k))) trace[`${call.id}/${name}`] = value;
  return trace;
}

/** The reference, or a variant of it, as an implementation: float64, every op and every model feature. */
export function createReferenceImplementation(v: ReferenceVariant = { name: 'reference', version: '0.1.0', kernels: REFERENCE_KERNELS }): Implementation {
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
