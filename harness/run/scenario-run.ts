// Runs a fixture's scenario on any implementation. A model scenario's `then:` calls are resolved against
// the trace the implementation itself produced and sent back to it as a plain ops scenario, so
// implementations only ever see model scenarios and ops scenarios. SCENARIO_KINDS says, for each kind of a
// fixture's scenario, who computes its trace: the implementation under test, a committed log, or nobody.
import { makeConfig } from '../../reference/config.js';
import { initParams, paramSpecs } from '../../reference/params.js';
import type { Implementation, TraceValues } from './implementation.js';
import { readMeasurements } from '../fixtures/measurements.js';
import type { ModelScenario, Nested, OpCall, OpsScenario, Scenario, TraceRef } from '../fixtures/scenario.js';
import type { Fixture, MeasurementScenario } from '../fixtures/types.js';
import { select, toNested } from '../fixtures/tensors.js';
import { tensor } from '../../reference/tensor.js';

/**
 * A model scenario with every weight given: `init: { seed }` is part of the scenario's definition (the seeded
 * initialiser of reference/params.ts draws the weights not given), expanded here so that no implementation
 * needs that generator.
 */
export function materialize(s: ModelScenario): ModelScenario {
  if (!s.init) return s;
  const config = makeConfig(s.config);
  const drawn = initParams(config, s.init.seed);
  const weights: NonNullable<ModelScenario['weights']> = { ...s.weights };
  for (const p of paramSpecs(config)) weights[p.name] ??= tensor(p.shape, drawn[p.name]);
  const { init: _seed, ...rest } = s;
  return { ...rest, weights };
}

const isRef = (v: unknown): v is TraceRef => typeof v === 'object' && v !== null && !Array.isArray(v) && 'from' in v;

/**
 * Replaces `{ from, at }` arguments by the values they point at in `trace`. A call whose input the trace lacks
 * is left out (its outputs are then missing, and only the claims that read them are affected).
 */
export function resolveCalls(calls: OpCall[], trace: TraceValues): OpCall[] {
  const resolved: OpCall[] = [];
  for (const call of calls) {
    const args: OpCall['args'] = {};
    let complete = true;
    for (const [name, v] of Object.entries(call.args)) {
      if (!isRef(v)) args[name] = v;
      else if (trace[v.from]) args[name] = toNested(v.at ? select(trace[v.from], v.at) : trace[v.from]) as Nested;
      else complete = false;
    }
    if (complete) resolved.push({ ...call, args });
  }
  return resolved;
}

/** The trace paths a model scenario's `then:` call reads, by call id. */
export function callInputs(s: Scenario): Record<string, string[]> {
  if (s.kind !== 'model') return {};
  return Object.fromEntries(
    (s.then ?? []).map((c) => [
      c.id,
      Object.values(c.args)
        .filter(isRef)
        .map((r) => r.from),
    ]),
  );
}

/**
 * Runs a scenario; `paths` (when given) are the trace paths the caller will read, passed on as a hint. Each request
 * is told only the paths of its own scenario: the model request its own paths and the inputs of its `then:` calls,
 * the request of the `then:` calls their outputs.
 */
export async function runScenario(impl: Implementation, s: Scenario, paths?: string[]): Promise<TraceValues> {
  if (s.kind !== 'model') return impl.run(s, paths ? { paths } : undefined);
  const { then, ...model } = materialize(s);
  const thenIds = new Set((then ?? []).map((c) => c.id));
  const ofThen = (p: string) => thenIds.has(p.split('/')[0]);
  const froms = (then ?? []).flatMap((c) =>
    Object.values(c.args)
      .filter(isRef)
      .map((r) => r.from),
  );
  const modelPaths = paths && [...new Set([...paths.filter((p) => !ofThen(p)), ...froms])];
  const trace = await impl.run(model, modelPaths ? { paths: modelPaths } : undefined);
  const calls = resolveCalls(then ?? [], trace);
  if (!calls.length) return trace;
  const sent = new Set(calls.map((c) => c.id));
  const more = await impl.run({ kind: 'ops', calls }, paths ? { paths: paths.filter((p) => sent.has(p.split('/')[0])) } : undefined);
  return { ...trace, ...more };
}

type FixtureScenario = Fixture['scenario'];

interface ScenarioKindRules<S> {
  /** Whether the implementation under test computes its trace, so that a run judges it on the claims. */
  judged: boolean;
  /** What a run reports for each of its claims when it is not judged; absent: the claim kind's own reason. */
  notRun?: string;
  /** The trace its claims read (`paths`), from `impl` or from wherever the kind keeps its values. */
  trace(impl: Implementation, s: S, paths: string[]): Promise<TraceValues>;
}

/** Each kind of a fixture's scenario (spec/fixture.schema.json): who computes the values its claims read. */
export const SCENARIO_KINDS: { [K in FixtureScenario['kind']]: ScenarioKindRules<Extract<FixtureScenario, { kind: K }>> } = {
  model: { judged: true, trace: (impl, s: ModelScenario) => runScenario(impl, s) },
  ops: { judged: true, trace: (impl, s: OpsScenario) => runScenario(impl, s) },
  measurement: {
    judged: false,
    notRun: "measured by the reference's training run: no implementation involved",
    trace: async (_impl, s: MeasurementScenario, paths) => readMeasurements(s.log, paths),
  },
  none: {
    judged: false,
    trace: () => Promise.reject(new Error('unreachable: trace paths without a scenario are rejected at load')),
  },
};

/** The rules of a fixture scenario's kind. */
export const scenarioKind = (s: FixtureScenario): ScenarioKindRules<FixtureScenario> =>
  SCENARIO_KINDS[s.kind] as ScenarioKindRules<FixtureScenario>;
