// Runs a scenario through the certifier: the counterpart of harness/impls/reference.ts's runModel and runOps,
// with a model scenario's `then:` calls resolved as harness/run/scenario-run.ts resolves them, but against the
// certifier's own trace at full precision.
import { exactBinary } from '../exact.js';
import type { ModelScenario, OpCall, Scenario, TraceRef } from '../fixtures/scenario.js';
import { givenTensor, select } from '../fixtures/tensors.js';
import { makeConfig, type ModelConfig } from './config.js';
import { forward } from './model.js';
import { runOp, type Given } from './ops.js';
import { matShape, paramSpecs, sizeOf, type Params } from './params.js';
import { readBinary, readDecimal, reshape, scalar, tensor, type DecimalTensor, type DecimalTrace, type ReadNumber } from './tensor.js';
import { createOptimizer, readOptimizerSpec, trainStep, type Optimizer } from './training.js';

/** The float64 initial values of the parameters a scenario draws from `init` (the reference's seeded PRNG). */
export type InitialParams = Record<string, ArrayLike<number>>;

/** The parameters: given weights (read with `read`), the others from the seeded draws (read exactly). */
function modelParams(s: ModelScenario, c: ModelConfig, read: ReadNumber, initialParams?: InitialParams): Params {
  const specs = paramSpecs(c);
  const known = new Set(specs.map((sp) => sp.name));
  const params: Params = {};
  for (const [name, value] of Object.entries(s.weights ?? {})) {
    if (!known.has(name)) throw new Error(`weights.${name}: the model has no such parameter (it has ${[...known].join(', ')})`);
    const t = givenTensor(value, `weights.${name}`);
    const want = specs.find((sp) => sp.name === name)!.shape;
    if (sizeOf(t.shape) !== sizeOf(want) || (t.shape.length > 1 && t.shape.join() !== want.join())) {
      throw new Error(`weights.${name}: shape [${t.shape}] does not match the parameter's [${want}]`);
    }
    params[name] = reshape(Array.from(t.data, read), ...matShape(want));
  }
  for (const sp of specs) {
    if (params[sp.name]) continue;
    if (!s.init) throw new Error(`weights.${sp.name} is not given and the scenario has no init seed`);
    const init = initialParams?.[sp.name];
    if (!init) throw new Error(`${sp.name}: the scenario draws it from init seed ${s.init.seed}; pass its initial values as initialParams`);
    if (init.length !== sizeOf(sp.shape))
      throw new Error(`initialParams.${sp.name}: ${init.length} values, the parameter has ${sizeOf(sp.shape)}`);
    params[sp.name] = reshape(Array.from(init, exactBinary), ...matShape(sp.shape)); // float64 draws: their exact values
  }
  return params;
}

function runModel(s: ModelScenario, read: ReadNumber, initialParams?: InitialParams): DecimalTrace {
  const c = makeConfig(s.config);
  const params = modelParams(s, c, read, initialParams);
  const shapes = Object.fromEntries(paramSpecs(c).map((sp) => [sp.name, sp.shape]));
  const named = (prefix: string, ps: Params): DecimalTrace =>
    Object.fromEntries(Object.entries(ps).map(([n, M]) => [`${prefix}${n}`, tensor(shapes[n], M.flat())]));
  const trace: DecimalTrace = {};
  let opt: Optimizer | null = null;
  for (const step of s.steps) {
    if (step.do === 'forward') {
      const forwards = s.examples.map((ex) => forward(c, params, ex, read));
      forwards.forEach((f, i) => {
        for (const [name, v] of Object.entries(f.trace)) trace[`${step.id}/${i}/${name}`] = v;
      });
      if (forwards.every((f) => f.loss))
        trace[`${step.id}/loss`] = scalar(forwards.reduce((a, f) => a.plus(f.loss!), read(0)).div(forwards.length));
      Object.assign(trace, named(`${step.id}/param.`, params));
      continue;
    }
    opt ??= createOptimizer(readOptimizerSpec(s.optimizer ?? { kind: 'sgd', lr: 0.1 }, read));
    const r = trainStep(
      c,
      params,
      s.examples,
      opt,
      { trainable: step.trainable, clip: step.clip === undefined ? undefined : read(step.clip) },
      read,
    );
    r.forwards.forEach((f, i) => {
      for (const [name, v] of Object.entries({ ...f.trace, ...r.gradTraces[i] })) trace[`${step.id}/${i}/${name}`] = v;
    });
    trace[`${step.id}/loss`] = scalar(r.loss);
    trace[`${step.id}/grad_norm`] = scalar(r.gradNorm);
    Object.assign(
      trace,
      named(`${step.id}/grad.`, r.grads),
      named(`${step.id}/param.`, params),
      named(`${step.id}/adam.m.`, opt.adam.m),
      named(`${step.id}/adam.v.`, opt.adam.v),
      named(`${step.id}/momentum.v.`, opt.velocity),
    );
  }
  return trace;
}

/** The sub-tensor at a prefix index (harness/fixtures/tensors.ts's select, applied to the positions of the data). */
function selectDecimal(t: DecimalTensor, at: number[], where: string): Given {
  try {
    const picked = select({ shape: t.shape, data: Float64Array.from(t.data.keys()) }, at);
    return { shape: picked.shape, flat: Array.from(picked.data, (i) => t.data[i]) };
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

const isRef = (v: unknown): v is TraceRef => typeof v === 'object' && v !== null && !Array.isArray(v) && 'from' in v;

/**
 * `{ from, at }` arguments resolved from `trace`; null when the trace lacks one, and the call is then left out,
 * as harness/run/scenario-run.ts leaves it out of the run of an implementation.
 */
function resolveRefs(call: OpCall, trace: DecimalTrace): Record<string, Given> | null {
  const out: Record<string, Given> = {};
  for (const [name, v] of Object.entries(call.args)) {
    if (!isRef(v)) continue;
    const t = trace[v.from];
    if (!t) return null;
    out[name] = selectDecimal(t, v.at ?? [], `${call.id}.${name}`);
  }
  return out;
}

function runOps(calls: OpCall[], read: ReadNumber, trace: DecimalTrace = {}): DecimalTrace {
  const out: DecimalTrace = {};
  for (const call of calls) {
    const resolved = resolveRefs(call, trace);
    if (!resolved) continue;
    for (const [name, v] of Object.entries(runOp(call, resolved, read))) out[`${call.id}/${name}`] = v;
  }
  return out;
}

export interface CertifyOptions {
  /**
   * How the scenario's given numbers are read: 'decimal' (default) as the decimal literals they are written as
   * (0.1 is one tenth), the values a document means; 'binary' as the exact value of the float64 each literal
   * parses to, the values the reference computes on, which isolates its arithmetic rounding from the rounding
   * of its inputs. Seeded initialParams are float64 draws and are always read exactly.
   */
  inputs?: 'decimal' | 'binary';
}

/**
 * Every trace path the reference produces for the scenario, recomputed at 40 significant digits (for a model
 * scenario with `then:` calls, also theirs). initialParams: the initial values of the parameters a scenario
 * draws from `init` (the reference's seeded PRNG is not re-implemented here). paths: keep only these paths.
 */
export function certifyScenario(
  scenario: Scenario,
  initialParams?: InitialParams,
  paths?: string[],
  options: CertifyOptions = {},
): DecimalTrace {
  const read = options.inputs === 'binary' ? readBinary : readDecimal;
  let all: DecimalTrace;
  if (scenario.kind === 'ops') all = runOps(scenario.calls, read);
  else {
    const model = runModel(scenario, read, initialParams);
    all = { ...model, ...runOps(scenario.then ?? [], read, model) };
  }
  if (!paths) return all;
  const keep: DecimalTrace = {};
  for (const p of paths) if (all[p]) keep[p] = all[p];
  return keep;
}
