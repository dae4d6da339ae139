// Mirrors harness/impls/reference.ts's OP_TABLE: each op only reads its arguments (with their checks) and calls
// the certifier's functions, its outputs named as in OPS. An op rejects what the reference's rejects, and where
// the reference reads past a mismatch it rejects that too (mse and mlp_mse targets, gd_quadratic of 0 steps).
import { Decimal } from '../exact.js';
import type { OpCall, OpName } from '../fixtures/scenario.js';
import { fromNested } from '../fixtures/tensors.js';
import { attentionBackward, attentionForward } from './attention.js';
import { makeConfig, type ModelConfig } from './config.js';
import { modelCost } from './cost.js';
import { embeddingBackward } from './embedding.js';
import { ffnMse } from './ffn.js';
import { centralDifference } from './gradcheck.js';
import { layerNormBackward, layerNormForward } from './layernorm.js';
import { crossEntropyBackward, crossEntropyForward, mseBackward, mseForward } from './losses.js';
import { matmulForward } from './matmul.js';
import { clipGradNorm } from './optim.js';
import { countParams, type Params } from './params.js';
import { reluBackward, reluForward } from './relu.js';
import { softmaxBackward, softmaxForward, softmaxSteps } from './softmax.js';
import { matrix, reshape, scalar, stacked, tensor, vector, type DecimalTensor, type Mat, type ReadNumber, type Vec } from './tensor.js';
import { gdQuadratic, optimizerTrajectory, type OptimizerSpec } from './training.js';
import { dot, subtract } from './vector.js';

/** Numbers with their shape: a given argument, or a value taken (at full precision) from the certifier's own trace. */
export interface Given {
  shape: number[];
  flat: Vec;
}

/**
 * An op call's arguments, read with checks whose messages name the call: the scenario's given numbers (read with
 * `read`), or the values `resolved` from a trace.
 */
class Args {
  constructor(
    private readonly call: OpCall,
    private readonly resolved: Record<string, Given>,
    private readonly read: ReadNumber,
  ) {}

  get id(): string {
    return this.call.id;
  }

  has(name: string): boolean {
    return this.resolved[name] !== undefined || this.call.args[name] !== undefined;
  }

  /** A nested-list argument as its shape and its numbers as Decimals (shape and checks: harness/fixtures/tensors.ts). */
  tensor(name: string): Given {
    if (this.resolved[name]) return this.resolved[name];
    const v = this.call.args[name];
    if (v === undefined || typeof v === 'boolean' || (typeof v === 'object' && !Array.isArray(v)))
      throw new Error(`${this.id}.${name}: expected numbers`);
    const t = fromNested(v, `${this.id}.${name}`);
    return { shape: t.shape, flat: Array.from(t.data, this.read) };
  }

  /** A scalar argument at full precision. */
  num(name: string): Decimal {
    const g = this.resolved[name];
    if (g) {
      if (g.flat.length !== 1) throw new Error(`${this.id}.${name}: expected one number, got ${g.flat.length}`);
      return g.flat[0];
    }
    const v = this.call.args[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.id}.${name}: expected a finite number`);
    return this.read(v);
  }

  /** A number argument if given, else `fallback`. */
  numOr(name: string, fallback: number): Decimal {
    return this.has(name) ? this.num(name) : this.read(fallback);
  }

  /** An integer argument within [lo, hi]. */
  int(name: string, lo: number, hi = Infinity): number {
    const v = this.num(name).toNumber();
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${this.id}.${name}: expected an integer in ${lo}..${hi}, got ${v}`);
    return v;
  }

  /** A boolean argument: true only when given as true. */
  flag(name: string): boolean {
    return this.call.args[name] === true;
  }

  /** Argument `name` as a matrix (a vector is one row); anything with more dimensions is an error. */
  matrix(name: string): Mat {
    const x = this.tensor(name);
    if (x.shape.length === 0 || x.shape.length > 2)
      throw new Error(`${this.id}.${name}: expected a vector or a matrix, got shape [${x.shape}]`);
    return x.shape.length === 1 ? [x.flat] : reshape(x.flat, x.shape[0], x.shape[1]);
  }

  /** The optional upstream gradient, shaped like the output (rows × cols); the reference rejects any other size. */
  upstream(rows: number, cols: number): Mat {
    const u = this.tensor('upstream').flat;
    if (u.length !== rows * cols) throw new Error(`${this.id}.upstream: ${u.length} values for an output of ${rows * cols}`);
    return reshape(u, rows, cols);
  }

  sameSize(a: Vec, b: Vec, what: string): void {
    if (a.length !== b.length) throw new Error(`${this.id}: ${what} have ${a.length} and ${b.length} values`);
  }

  config(): ModelConfig {
    return makeConfig(this.call.args.config as Partial<ModelConfig>);
  }
}

type Outputs = Record<string, DecimalTensor>;

/** A count (of parameters, FLOPs, numbers): an integer, exact as a Decimal. */
const count = (n: number): DecimalTensor => scalar(new Decimal(n));

/** An optimizer's trajectory on the given gradients: one step per |w| values of `grads`. */
function optimizerOp(a: Args, spec: (lr: Decimal) => OptimizerSpec): Outputs {
  const w = a.tensor('w').flat;
  const grads = a.tensor('grads').flat;
  if (grads.length % w.length !== 0) throw new Error(`${a.id}.grads: ${grads.length} values do not split into steps of ${w.length}`);
  return { trajectory: matrix(optimizerTrajectory(spec(a.num('lr')), w, grads)) };
}

/** Every op on its inputs. */
const OP_TABLE: Record<OpName, (a: Args) => Outputs> = {
  matmul: (a) => {
    const A = a.matrix('A');
    const B = a.matrix('B');
    if (A[0].length !== B.length) throw new Error(`${a.id}: A is ${A.length}×${A[0].length} but B is ${B.length}×${B[0].length}`);
    return { C: matrix(matmulForward(A, B)) };
  },
  matvec: (a) => {
    const M = a.matrix('M');
    const x = a.tensor('x').flat;
    if (x.length !== M[0].length) throw new Error(`${a.id}: M is ${M.length}×${M[0].length} but x has ${x.length} values`);
    return {
      y: vector(
        matmulForward(
          M,
          x.map((v) => [v]),
        ).map((r) => r[0]),
      ),
    }; // x as a column
  },
  dot: (a) => {
    const [x, y] = [a.tensor('a').flat, a.tensor('b').flat];
    a.sameSize(x, y, 'a and b');
    return { value: scalar(dot(x, y)) };
  },
  subtract: (a) => {
    const x = a.tensor('a');
    const y = a.tensor('b').flat;
    a.sameSize(x.flat, y, 'a and b');
    return { value: tensor(x.shape, subtract(x.flat, y)) };
  },
  outer: (a) => ({
    C: matrix(
      matmulForward(
        a.tensor('a').flat.map((v) => [v]),
        [a.tensor('b').flat],
      ),
    ),
  }), // a column times b a row
  softmax: (a) => {
    const { shape } = a.tensor('x');
    const X = a.matrix('x');
    const Y = softmaxForward(X);
    const steps = softmaxSteps(X);
    const perRow = (v: Vec) => (shape.length === 1 ? scalar(v[0]) : vector(v));
    const out: Outputs = {
      max: perRow(steps.max),
      shifted: tensor(shape, steps.shifted.flat()),
      exps: tensor(shape, steps.exps.flat()),
      sum: perRow(steps.sum),
      y: tensor(shape, Y.flat()),
    };
    if (a.has('upstream')) out.dx = tensor(shape, softmaxBackward(a.upstream(X.length, X[0].length), Y).flat());
    return out;
  },
  relu: (a) => {
    const z = a.tensor('z');
    const out: Outputs = { y: tensor(z.shape, reluForward(z.flat)) };
    if (a.has('upstream')) out.dz = tensor(z.shape, reluBackward(a.upstream(1, z.flat.length)[0], z.flat));
    return out;
  },
  cross_entropy: (a) => {
    const logits = a.tensor('logits').flat;
    const target = a.int('target', 0, logits.length - 1);
    const probs = softmaxForward([logits])[0];
    return { probs: vector(probs), loss: scalar(crossEntropyForward(probs, target)), dlogits: vector(crossEntropyBackward(probs, target)) };
  },
  cross_entropy_grad: (a) => {
    const probs = a.tensor('probs').flat;
    return { dlogits: vector(crossEntropyBackward(probs, a.int('target', 0, probs.length - 1))) };
  },
  mse: (a) => {
    const y = a.tensor('y');
    const t = a.tensor('t').flat;
    a.sameSize(y.flat, t, 'y and t');
    const factor = a.num('factor');
    return { loss: scalar(mseForward(y.flat, t, factor)), dy: tensor(y.shape, mseBackward(y.flat, t, factor)) };
  },
  layer_norm: (a) => {
    const { shape } = a.tensor('x');
    const x = a.matrix('x');
    const w = { gamma: a.tensor('gamma').flat, beta: a.tensor('beta').flat };
    const ln = layerNormForward(x, w, a.num('eps'));
    const out: Outputs = { y: tensor(shape, ln.y.flat()) };
    if (a.has('upstream')) {
      const g = layerNormBackward(a.upstream(x.length, x[0].length), { x, gamma: w.gamma, mean: ln.mean, rstd: ln.rstd });
      Object.assign(out, { dx: tensor(shape, g.dx.flat()), dgamma: vector(g.dgamma), dbeta: vector(g.dbeta) });
    }
    return out;
  },
  attention: (a) => {
    const Q = a.matrix('Q');
    const [T, d] = [Q.length, Q[0].length];
    const heads = a.int('heads', 1, d);
    if (d % heads !== 0) throw new Error(`${a.id}: ${heads} heads do not divide ${d} features`);
    const s = { T, d, heads, causal: a.flag('causal') };
    const [K, V] = ['K', 'V'].map((n) => {
      const m = a.tensor(n).flat;
      a.sameSize(Q.flat(), m, `Q and ${n}`);
      return reshape(m, T, d);
    });
    const f = attentionForward(Q, K, V, s);
    const out: Outputs = { scores: stacked(f.scores), scaled: stacked(f.scaled), weights: stacked(f.weights), context: matrix(f.context) };
    if (a.has('upstream')) {
      const g = attentionBackward(a.upstream(T, d), f, s);
      Object.assign(out, { dQ: matrix(g.Q), dK: matrix(g.K), dV: matrix(g.V) });
    }
    return out;
  },
  embedding_backward: (a) => {
    const tokens = a.tensor('tokens').flat.map((t) => t.toNumber());
    const dX = a.matrix('dX');
    const vocab = a.num('vocab').toNumber();
    if (dX.length !== tokens.length) throw new Error(`${a.id}: ${tokens.length} tokens but dX has ${dX.length} rows`);
    for (const tok of tokens)
      if (!Number.isInteger(tok) || tok < 0 || tok >= vocab) throw new Error(`${a.id}: token ${tok} outside 0..${vocab - 1}`);
    return { dE: matrix(embeddingBackward(dX, tokens, vocab)) };
  },
  mlp_mse: (a) => {
    const x = a.matrix('x');
    const w = { W_1: a.matrix('W_1'), b_1: a.tensor('b_1').flat, W_2: a.matrix('W_2'), b_2: a.tensor('b_2').flat };
    if (
      w.W_1.length !== x[0].length ||
      w.W_2.length !== w.W_1[0].length ||
      w.b_1.length !== w.W_1[0].length ||
      w.b_2.length !== w.W_2[0].length
    ) {
      throw new Error(`${a.id}: the shapes of x, W_1, b_1, W_2, b_2 do not chain`);
    }
    const target = a.tensor('target').flat;
    if (target.length !== x.length * w.W_2[0].length)
      throw new Error(`${a.id}: target has ${target.length} values, the output ${x.length * w.W_2[0].length}`);
    const { f, g, loss } = ffnMse(x, w, { target, factor: a.num('factor') });
    return {
      hidden: matrix(f.a.hidden),
      act: matrix(f.a.act),
      output: matrix(f.a.out),
      loss: scalar(loss),
      doutput: matrix(g.a.out),
      dW_2: matrix(g.w.W_2),
      db_2: vector(g.w.b_2!),
      dact: matrix(g.a.act),
      dhidden: matrix(g.a.hidden),
      dW_1: matrix(g.w.W_1),
      db_1: vector(g.w.b_1!),
    };
  },
  sgd: (a) => optimizerOp(a, (lr) => ({ kind: 'sgd', lr })),
  momentum: (a) => optimizerOp(a, (lr) => ({ kind: 'momentum', lr, beta: a.num('beta') })),
  adam: (a) => optimizerOp(a, (lr) => ({ kind: 'adam', lr, beta1: a.num('beta1'), beta2: a.num('beta2'), eps: a.num('eps') })),
  gd_quadratic: (a) => {
    const o = { w: a.num('w'), center: a.num('center'), steps: a.int('steps', 1), lr: a.num('lr') };
    return { trajectory: matrix(gdQuadratic(o).map((w) => [w])) };
  },
  clip_grad_norm: (a) => {
    const g = a.tensor('g');
    const grads: Params = { g: [g.flat] };
    const norm = clipGradNorm(grads, a.num('max_norm'), ['g']);
    return { norm: scalar(norm), clipped: tensor(g.shape, grads.g[0]) };
  },
  central_difference: (a) => ({ gradient: scalar(centralDifference(a.num('loss_plus'), a.num('loss_minus'), a.num('eps'))) }),
  param_count: (a) => ({ count: count(countParams(a.config())) }),
  model_cost: (a) => {
    const m = modelCost(a.config(), { bytesPerNumber: a.numOr('bytes_per_number', 8), memoryUnit: a.numOr('memory_unit', 1) });
    return {
      forward_flops: count(m.forwardFlops),
      backward_flops: count(m.backwardFlops),
      activations: count(m.activations),
      parameters: count(m.parameters),
      activation_memory: scalar(m.activationMemory),
      parameter_memory: scalar(m.parameterMemory),
      gradient_memory: scalar(m.gradientMemory),
      adam_memory: scalar(m.adamMemory),
    };
  },
};

/** One operation on its inputs (`resolved`: the arguments taken from a trace), every output named as in OPS. */
export function runOp(call: OpCall, resolved: Record<string, Given>, read: ReadNumber): Outputs {
  return OP_TABLE[call.op](new Args(call, resolved, read));
}
