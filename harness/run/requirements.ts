// What each claim needs of an implementation, computed once per fixture: the single ops whose calls it reads,
// the model features of its scenario (when it reads the model's trace, directly or through a `then:` call's
// inputs), and the trace names it reads. Skipping is decided from these, claim by claim: a claim is run and
// judged when the implementation has everything it needs, whatever else its fixture holds.
import picomatch from 'picomatch';
import { claimPaths } from '../fixtures/claim-kinds.js';
import type { OpCall, OpName, Scenario } from '../fixtures/scenario.js';
import type { Claim, Fixture } from '../fixtures/types.js';
import { requiredFeatures, type Capabilities, type Feature } from './implementation.js';
import { callInputs, scenarioKind } from './scenario-run.js';

export interface Requirements {
  /** The single ops of the calls whose outputs it reads (an ops scenario's calls, a model's `then:` calls). */
  ops: OpName[];
  /** The model features of its scenario, when it reads a model's trace (empty for an ops scenario). */
  features: Feature[];
  /** The trace names it reads (the last part of each path), with those a `then:` call it reads takes as input. */
  trace: string[];
  /** The same values by their whole trace paths (what a path glob of the implementation's `trace` is matched against). */
  paths: string[];
}

/** What an implementation lacks of a claim's requirements; a claim lacking nothing is run. */
export interface Missing {
  ops: OpName[];
  features: Feature[];
  trace: string[];
}

const nameOf = (path: string) => path.split('/').at(-1)!;
const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** What every claim of a judged fixture looks up: its scenario, its calls by id, and their inputs (once per fixture). */
interface FixtureScenario {
  s: Scenario;
  calls: Map<string, OpCall>;
  inputs: Record<string, string[]>;
  features: Feature[];
}

/**
 * A claim's requirements, or null when it involves no implementation (exact arithmetic only, a measurement, a
 * scenario no implementation computes: `fs` null).
 */
function requirementsOf(fs: FixtureScenario | null, c: Claim): Requirements | null {
  const paths = claimPaths(c);
  if (!paths.length || !fs) return null;
  const { s, calls, inputs, features } = fs;
  const ops: OpName[] = [];
  const read: string[] = [];
  let model = false;
  for (const p of paths) {
    const call = calls.get(p.split('/')[0]);
    read.push(p);
    if (call) ops.push(call.op);
    // a model's own path, or a `then:` call reading the model's trace: the model must run
    if (s.kind === 'model') model = true;
    if (call && s.kind === 'model') read.push(...(inputs[call.id] ?? []));
  }
  return { ops: unique(ops), features: model ? features : [], trace: unique(read.map(nameOf)), paths: unique(read) };
}

/** A capability claim needs what it names and everything the claims that exercise it need (it is decided by them). */
function capabilityRequirements(c: Claim, reqs: Map<string, Requirements | null>): Requirements {
  const of = (c.exercised_by ?? []).flatMap((id) => reqs.get(id) ?? []);
  return {
    ops: unique([...((c.requires?.ops ?? []) as OpName[]), ...of.flatMap((r) => r.ops)]),
    features: unique([...((c.requires?.features ?? []) as Feature[]), ...of.flatMap((r) => r.features)]),
    trace: unique(of.flatMap((r) => r.trace)),
    paths: unique(of.flatMap((r) => r.paths)),
  };
}

const cache = new WeakMap<Fixture, Map<string, Requirements | null>>();

/** Every claim's requirements in a fixture, by claim id (its own id, not `<fixture>/<claim>`); computed once. */
export function fixtureRequirements(f: Fixture): Map<string, Requirements | null> {
  let reqs = cache.get(f);
  if (!reqs) {
    let fs: FixtureScenario | null = null;
    if (scenarioKind(f.scenario).judged) {
      const s = f.scenario as Scenario;
      const calls = new Map((s.kind === 'ops' ? s.calls : (s.then ?? [])).map((call) => [call.id, call]));
      fs = { s, calls, inputs: callInputs(s), features: requiredFeatures(s) };
    }
    reqs = new Map(f.claims.map((c) => [c.id, requirementsOf(fs, c)]));
    for (const c of f.claims) if (c.kind === 'capability') reqs.set(c.id, capabilityRequirements(c, reqs));
    cache.set(f, reqs);
  }
  return reqs;
}

/** One claim's requirements (null: no implementation involved). */
export const claimRequirements = (f: Fixture, c: Claim): Requirements | null => fixtureRequirements(f).get(c.id) ?? null;

/** Whether an implementation produces a trace path, from the globs it declared (spec/protocol.md, "Handshake"). */
export type Traced = (path: string) => boolean;

// The matcher of an implementation's `trace` globs (null: it produces every path). A glob without '/' is matched
// against the trace name, the last part of the path (`probs`, `grad.head.*`); a glob with '/' against the whole
// path, where `*` stays within one part: `*/loss` is a step's batch loss, `*/*/loss` each example's.
export function tracedBy(globs: string[] | undefined): Traced | null {
  if (!globs) return null;
  const byName = globs.filter((g) => !g.includes('/'));
  const byPath = globs.filter((g) => g.includes('/'));
  const name = byName.length ? picomatch(byName) : () => false;
  const path = byPath.length ? picomatch(byPath) : () => false;
  return (p) => name(nameOf(p)) || path(p);
}

/** What `caps` lacks of `req`; `traced` matches the trace paths the implementation declares it produces (null: all). */
export function missingOf(caps: Pick<Capabilities, 'ops' | 'features'>, req: Requirements, traced: Traced | null): Missing {
  return {
    ops: req.ops.filter((op) => !caps.ops.includes(op)),
    features: req.features.filter((x) => !caps.features.includes(x)),
    trace: traced ? unique(req.paths.filter((p) => !traced(p)).map(nameOf)) : [],
  };
}

/** The capabilities missing, one word each (`op softmax`, `feature backward`, `trace probs`); empty: none. */
export const missingList = (m: Missing): string[] => [
  ...m.ops.map((x) => `op ${x}`),
  ...m.features.map((x) => `feature ${x}`),
  ...m.trace.map((x) => `trace ${x}`),
];

/** The skip message naming what is missing: "op not supported: softmax; features not supported: backward, adam". */
export function skipMessage(m: Missing): string {
  const parts: string[] = [];
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  if (m.ops.length) parts.push(`${plural(m.ops.length, 'op', 'ops')} not supported: ${m.ops.join(', ')}`);
  if (m.features.length) parts.push(`${plural(m.features.length, 'feature', 'features')} not supported: ${m.features.join(', ')}`);
  if (m.trace.length) parts.push(`does not trace ${m.trace.map((x) => `'${x}'`).join(', ')}`);
  return parts.join('; ');
}
