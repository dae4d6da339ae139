// The first divergence: order the trace values a scenario's claims read by the dataflow of the computation
// (spec/fixtures.md "Trace paths": embedding → each block's forward names → head → loss → the backward in reverse
// → the update → the next step), and report the earliest value that fails, with the values before it that passed.
import { claimPaths } from '../fixtures/claim-kinds.js';
import { claimId, type Fixture, type LoadedFixture } from '../fixtures/types.js';
import type { Scenario } from '../fixtures/scenario.js';
import type { Status } from '../run/runner.js';

/** What the diagnosis needs of one claim's result: its status and, where known, each operand's own verdict. */
export interface ClaimOutcome {
  status: Status;
  message?: string;
  /** The runner's operands (the claim's reads with a trace path, in order); absent in a report (statuses only). */
  operands?: Array<{ path: string; pass?: boolean }>;
}

export type Outcomes = Record<string, ClaimOutcome>;

/** One trace value of a scenario, as its claims judged it. */
export interface ValueVerdict {
  path: string;
  pass: boolean;
  /** The claims that read it (ids). */
  claims: string[];
  /** Its position in the scenario's dataflow order (compare with `compareKeys`). */
  key: number[];
  /** Its position in the dataflow of any scenario: updates before it, phase (forward, backward, update), depth, op or model. */
  rank: number[];
}

export interface FixtureDivergence {
  fixture: string;
  /** The earliest value that fails (null: every value read passed). */
  first: ValueVerdict | null;
  /** The values before it, all passing, in dataflow order. */
  passedBefore: ValueVerdict[];
  /** Every value read, in dataflow order. */
  values: ValueVerdict[];
  /** The scenario could not be run (its claims are errors with no value): its evidence's first line; no value is known. */
  scenarioError?: string;
}

export interface Divergence {
  /** The scenarios with a failing value, each with its first one, and those that could not be run. */
  fixtures: FixtureDivergence[];
  /** The earliest failing value over all scenarios, by its rank (the operation's place in the dataflow). */
  earliest: { fixture: string; value: ValueVerdict } | null;
}

/** Lexicographic comparison of two keys. */
export function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const FORWARD_BLOCK = [
  'attn.Q',
  'attn.K',
  'attn.V',
  'attn.scores',
  'attn.scaled',
  'attn.weights',
  'attn.context',
  'attn.out',
  'res1',
  'ln1',
  'ffn.hidden',
  'ffn.act',
  'ffn.out',
  'res2',
  'ln2',
  'out',
];
const HEAD = ['final_repr', 'logits', 'prediction', 'probs', 'loss'];
// The backward of one block, from its output back to its input; a parameter's gradient follows the value it acts on.
const BACKWARD_BLOCK = [
  'out',
  'ln2',
  'ln2.gamma',
  'ln2.beta',
  'res2',
  'ffn.out',
  'ffn.W_2',
  'ffn.b_2',
  'ffn.act',
  'ffn.hidden',
  'ffn.W_1',
  'ffn.b_1',
  'ln1',
  'ln1.gamma',
  'ln1.beta',
  'res1',
  'attn.out',
  'attn.W_O',
  'attn.context',
  'attn.weights',
  'attn.V',
  'attn.W_V',
  'attn.scaled',
  'attn.scores',
  'attn.Q',
  'attn.W_Q',
  'attn.K',
  'attn.W_K',
];
const BLOCK_SPAN = 100;
const MAX_LAYERS = 1000;
const UNKNOWN = 1e9;

const PHASE = { forward: 0, backward: 1, update: 2 } as const;

/** A forward name's depth: X, then each block's names block by block, then the head. */
export function forwardDepth(name: string): number {
  if (name === 'X') return 0;
  const b = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (b) {
    const i = FORWARD_BLOCK.indexOf(b[2]);
    return 1 + Number(b[1]) * BLOCK_SPAN + (i < 0 ? BLOCK_SPAN - 1 : i);
  }
  const h = HEAD.indexOf(name);
  return h < 0 ? UNKNOWN : 1 + MAX_LAYERS * BLOCK_SPAN + h;
}

/** A gradient name's depth (the name after `grad.`): the head, then the blocks from the last to the first, then the input. */
export function backwardDepth(name: string): number {
  if (name === 'logits' || name === 'prediction') return 0;
  if (name.startsWith('head.')) return 1;
  if (name === 'final_repr') return 2;
  const b = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (b) {
    const i = BACKWARD_BLOCK.indexOf(b[2]);
    return 10 + (MAX_LAYERS - 1 - Number(b[1])) * BLOCK_SPAN + (i < 0 ? BLOCK_SPAN - 1 : i);
  }
  if (name === 'X') return 10 + MAX_LAYERS * BLOCK_SPAN;
  if (name.startsWith('embedding.') || name.startsWith('input.')) return 11 + MAX_LAYERS * BLOCK_SPAN;
  return UNKNOWN;
}

const F = (name: string) => [PHASE.forward, forwardDepth(`blocks.0.${name}`)];
const B = (name: string) => [PHASE.backward, backwardDepth(`blocks.0.${name}`)];
const HEAD_F = (name: string) => [PHASE.forward, forwardDepth(name)];
const HEAD_B = (name: string) => [PHASE.backward, backwardDepth(name)];
const UPDATE = [PHASE.update, 1];

/** Where a single operation's output sits in the model's dataflow ([phase, depth]), for the order across scenarios. */
const OP_OUTPUT_RANK: Record<string, Record<string, number[]>> = {
  attention: {
    scores: F('attn.scores'),
    scaled: F('attn.scaled'),
    weights: F('attn.weights'),
    context: F('attn.context'),
    dQ: B('attn.Q'),
    dK: B('attn.K'),
    dV: B('attn.V'),
  },
  softmax: {
    max: F('attn.weights'),
    shifted: F('attn.weights'),
    exps: F('attn.weights'),
    sum: F('attn.weights'),
    y: F('attn.weights'),
    dx: B('attn.scaled'),
  },
  relu: { y: F('ffn.act'), dz: B('ffn.hidden') },
  layer_norm: { y: F('ln1'), dx: B('ln1'), dgamma: B('ln1.gamma'), dbeta: B('ln1.beta') },
  cross_entropy: { probs: HEAD_F('probs'), loss: HEAD_F('loss'), dlogits: HEAD_B('logits') },
  cross_entropy_grad: { dlogits: HEAD_B('logits') },
  mse: { loss: HEAD_F('loss'), dy: HEAD_B('prediction') },
  embedding_backward: { dE: HEAD_B('embedding.E') },
  mlp_mse: {
    hidden: F('ffn.hidden'),
    act: F('ffn.act'),
    output: F('ffn.out'),
    loss: HEAD_F('loss'),
    doutput: B('ffn.out'),
    dW_2: B('ffn.W_2'),
    db_2: B('ffn.b_2'),
    dact: B('ffn.act'),
    dhidden: B('ffn.hidden'),
    dW_1: B('ffn.W_1'),
    db_1: B('ffn.b_1'),
  },
  clip_grad_norm: { norm: [PHASE.backward, UNKNOWN - 1], clipped: [PHASE.update, 0] },
  sgd: { trajectory: UPDATE },
  momentum: { trajectory: UPDATE },
  adam: { trajectory: UPDATE },
  gd_quadratic: { trajectory: UPDATE },
};

/** A call's output's [phase, depth]; the plain arithmetic ops (matmul, dot, …) come before everything built on them. */
const opRank = (op: string | undefined, output: string): number[] =>
  (op && Object.hasOwn(OP_OUTPUT_RANK, op) && Object.hasOwn(OP_OUTPUT_RANK[op], output) && OP_OUTPUT_RANK[op][output]) || [-1, 0];

/**
 * The order key of a trace path in its scenario ([step or call, phase, depth, example]) and its rank across
 * scenarios ([train steps before it, phase, depth, 0 for a model's value or 1 for a single operation's]).
 */
export function pathOrder(scenario: Scenario, path: string): { key: number[]; rank: number[] } {
  const parts = path.split('/');
  const output = parts.slice(1).join('/');
  if (scenario.kind === 'ops') {
    const i = scenario.calls.findIndex((c) => c.id === parts[0]);
    const r = opRank(scenario.calls[i]?.op, output);
    return { key: [i < 0 ? UNKNOWN : i, ...r, 0], rank: [0, ...r, 1] };
  }
  const trainSteps = (upTo: number) => scenario.steps.slice(0, upTo).filter((s) => s.do === 'train').length;
  const stepIndex = scenario.steps.findIndex((s) => s.id === parts[0]);
  if (stepIndex < 0) {
    // a `then` call, after every step, on values of the trace
    const i = (scenario.then ?? []).findIndex((c) => c.id === parts[0]);
    const at = scenario.steps.length + (i < 0 ? UNKNOWN : i);
    return { key: [at, ...opRank(scenario.then?.[i]?.op, output), 0], rank: [trainSteps(scenario.steps.length), PHASE.update + 1, i, 1] };
  }
  let phase: number;
  let depth: number;
  let example = 0;
  if (parts.length >= 3) {
    example = Number(parts[1]) || 0;
    const name = parts.slice(2).join('/');
    if (name.startsWith('grad.')) [phase, depth] = [PHASE.backward, backwardDepth(name.slice(5))];
    else [phase, depth] = [PHASE.forward, forwardDepth(name)];
  } else {
    const name = parts[1] ?? '';
    if (name === 'loss') [phase, depth] = [PHASE.forward, forwardDepth('loss') + 0.5];
    else if (name.startsWith('grad.'))
      [phase, depth] = [PHASE.backward, UNKNOWN / 2 + backwardDepth(name.slice(5))]; // the batch mean, after every example
    else if (name === 'grad_norm') [phase, depth] = [PHASE.backward, UNKNOWN - 1];
    else if (/^(adam|momentum)\./.test(name)) [phase, depth] = [PHASE.update, 0];
    else if (name.startsWith('param.')) [phase, depth] = [PHASE.update, 1];
    else [phase, depth] = [PHASE.update, UNKNOWN];
  }
  const before = trainSteps(stepIndex);
  // a forward step's `param.*` is the value it holds: given (first of all), or made by the last update
  const held = phase === PHASE.update && scenario.steps[stepIndex].do === 'forward';
  const rank = held ? (before ? [before - 1, PHASE.update, depth, 0] : [0, -2, 0, 0]) : [before, phase, depth, 0];
  return { key: [stepIndex, held ? -1 : phase, depth, example], rank };
}

/**
 * The verdict of each value a fixture's claims read. With per-operand verdicts a value fails when one of its reads
 * fails; with statuses only (a report) a failing claim is charged to the latest value it reads.
 */
export function valueVerdicts(lf: LoadedFixture, outcomes: Outcomes): ValueVerdict[] {
  const f: Fixture = lf.fixture;
  if (f.scenario.kind !== 'model' && f.scenario.kind !== 'ops') return [];
  const scenario = f.scenario as Scenario;
  const byPath = new Map<string, ValueVerdict>();
  const value = (path: string): ValueVerdict => {
    let v = byPath.get(path);
    if (!v) byPath.set(path, (v = { path, pass: true, claims: [], ...pathOrder(scenario, path) }));
    return v;
  };
  for (const c of f.claims) {
    const id = claimId(f, c);
    const o = Object.hasOwn(outcomes, id) ? outcomes[id] : undefined;
    if (!o || (o.status !== 'pass' && o.status !== 'fail' && o.status !== 'error')) continue;
    const paths = [...new Set(claimPaths(c))];
    if (!paths.length) continue;
    for (const p of paths) value(p).claims.push(id);
    if (o.status === 'pass') continue;
    const judged = o.operands?.filter((op) => op.pass !== undefined) ?? [];
    if (o.status === 'fail' && judged.some((op) => !op.pass)) {
      for (const op of judged) if (!op.pass) value(op.path).pass = false;
    } else if (o.status === 'error' && o.operands?.length) {
      // the read that erred is the first one without a verdict
      const erred = o.operands.find((op) => op.pass === undefined) ?? o.operands[o.operands.length - 1];
      value(erred.path).pass = false;
    } else {
      const latest = paths.map(value).sort((a, b) => compareKeys(b.key, a.key))[0];
      latest.pass = false;
    }
  }
  return [...byPath.values()].sort((a, b) => compareKeys(a.key, b.key) || a.path.localeCompare(b.path));
}

/** The first divergence of one fixture. */
export function fixtureDivergence(lf: LoadedFixture, outcomes: Outcomes): FixtureDivergence {
  const f = lf.fixture;
  const errored = f.claims
    .map((c) => (Object.hasOwn(outcomes, claimId(f, c)) ? outcomes[claimId(f, c)] : undefined))
    .find((o) => o?.status === 'error' && !o.operands?.length && o.message?.startsWith('scenario error'));
  if (errored) return { fixture: f.id, first: null, passedBefore: [], values: [], scenarioError: errored.message };
  const values = valueVerdicts(lf, outcomes);
  const i = values.findIndex((v) => !v.pass);
  return { fixture: lf.fixture.id, first: i < 0 ? null : values[i], passedBefore: i < 0 ? values : values.slice(0, i), values };
}

/** The first divergence of every fixture that has one, and the earliest over all of them. */
export function firstDivergence(fixtures: LoadedFixture[], outcomes: Outcomes): Divergence {
  const all = fixtures.map((lf) => fixtureDivergence(lf, outcomes)).filter((d) => d.first || d.scenarioError);
  let earliest: Divergence['earliest'] = null;
  for (const d of all)
    if (d.first && (!earliest || compareKeys(d.first.rank, earliest.value.rank) < 0)) earliest = { fixture: d.fixture, value: d.first! };
  return { fixtures: all, earliest };
}
