// `tconf smoke`: a quick check that an implementation plugs in. It starts the implementation, checks its handshake
// (naming the field that is wrong), prints what it declares, runs one tiny scenario per declared op and per declared
// feature, and says what works, what fails and what to do next.
//
// The tiny scenarios are cut out of the suite itself, so their expected values are the certified golden ones and
// are judged by the runner (runImplementation), exactly as in `tconf run`:
// - an op: the smallest call of that op (fewest input numbers) in a fixture of single ops, with the claims that read
//   that call and nothing else; the fixture is run with only that call, so that nothing else of it is sent;
// - a feature: the model scenario with the fewest parameters whose required features include it and are otherwise
//   declared, without its `then:` calls (single ops, checked above) and the claims that read them.
//
// Exit codes: 0 every declared op and feature that the suite can exercise works (and at least one could be run);
// 1 something declared fails; 2 the handshake failed, the command line is wrong, or nothing declared could be run.
import { forTerminal, truncate } from '../bounded.js';
import { claimPaths } from '../fixtures/claim-kinds.js';
import { expectedTensor } from '../fixtures/claims.js';
import type { ModelScenario, OpCall, OpName, OpsScenario } from '../fixtures/scenario.js';
import type { Suite } from '../fixtures/suite.js';
import { claimId, type Claim, type LoadedFixture } from '../fixtures/types.js';
import { DEFAULT_MAX_LINE_BYTES, endAllChildren, HandshakeError } from '../impls/process.js';
import { resolveImplementation } from '../impls/registry.js';
import type { ProfileName } from '../run/compare.js';
import { requiredFeatures, type Feature, type Implementation } from '../run/implementation.js';
import { fixtureRequirements } from '../run/requirements.js';
import { runImplementation, type ClaimResult, type OperandResult } from '../run/runner.js';
import { makeConfig } from '../../reference/config.js';
import { countParams } from '../../reference/params.js';
import { checkImplWords, parseTimeout } from './run.js';
import { EXIT, UsageError } from './usage.js';

export interface SmokeCommandOptions {
  impl: string[];
  timeout: string;
}

/** A tiny scenario cut out of the suite: one fixture, restricted to what exercises one op or one feature. */
interface Probe {
  fixture: LoadedFixture;
  /** How the line names it: the claim ids (an op) or the fixture and its size (a feature). */
  label: string;
  /** The smaller the better: input numbers of the call, or parameters of the model. */
  size: number;
}

/** One declared op or feature: its probe, or why the suite has none that this implementation can run. */
interface Check {
  kind: 'op' | 'feature';
  name: string;
  probe?: Probe;
  none?: string;
  /** Features it needs that are not declared (when that is why it has no probe). */
  needs?: Feature[];
  /** Claims of the whole suite that need it: how much of the suite fixing it unlocks. */
  uses: number;
}

type Outcome = { mark: '✓'; line: string } | { mark: '✗'; line: string; filter: string[] } | { mark: '–'; line: string; skipped?: boolean };

/** The call a trace path of an ops scenario (or of a model's `then:`) reads: `<call>/<output>`. */
const callOf = (path: string) => path.split('/')[0];

/** Numbers (and other leaves) in an op call's arguments: the size of its inputs. */
function leaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + leaves(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + leaves(x), 0);
  return 1;
}

const judged = (c: Claim) => claimPaths(c).length > 0;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const restrict = (lf: LoadedFixture, scenario: ModelScenario | OpsScenario, claims: Claim[]): LoadedFixture => ({
  ...lf,
  fixture: { ...lf.fixture, scenario, claims },
});

/** Claim ids, short: `fixture/a`, `fixture/a, b, c`, `fixture/a, b, c and 4 more`. */
function claimList(fixture: string, claims: Claim[]): string {
  const ids = claims.map((c) => c.id);
  const shown = ids.slice(0, 3).join(', ');
  return `${fixture}/${shown}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
}

/** Every single-op probe of the suite, best (smallest) first per op. */
function opProbes(suite: Suite): Map<OpName, Probe> {
  const best = new Map<OpName, Probe>();
  for (const lf of suite.fixtures) {
    const s = lf.fixture.scenario;
    if (s.kind !== 'ops') continue;
    for (const call of s.calls as OpCall[]) {
      const claims = lf.fixture.claims.filter((c) => judged(c) && claimPaths(c).every((p) => callOf(p) === call.id));
      if (!claims.length) continue;
      const size = leaves(call.args);
      const known = best.get(call.op);
      if (known && known.size <= size) continue; // the first of equal size, in suite order
      best.set(call.op, {
        fixture: restrict(lf, { kind: 'ops', calls: [call] }, claims),
        label: claimList(lf.fixture.id, claims),
        size,
      });
    }
  }
  return best;
}

/** Every model scenario of the suite as a probe (without its `then:` calls), with the features it needs. */
function modelProbes(suite: Suite): { probe: Probe; needs: Feature[] }[] {
  const out: { probe: Probe; needs: Feature[] }[] = [];
  for (const lf of suite.fixtures) {
    const s = lf.fixture.scenario;
    if (s.kind !== 'model') continue;
    const { then, ...model } = s as ModelScenario;
    const thenIds = new Set((then ?? []).map((c) => c.id));
    const claims = lf.fixture.claims.filter((c) => judged(c) && !claimPaths(c).some((p) => thenIds.has(callOf(p))));
    if (!claims.length) continue;
    const size = countParams(makeConfig(model.config));
    out.push({
      probe: {
        fixture: restrict(lf, model, claims),
        label: `${lf.fixture.id}, ${plural(size, 'parameter')}`,
        size,
      },
      needs: requiredFeatures(model),
    });
  }
  return out;
}

/** How many claims of the suite need each op and each feature, by the runner's own requirements of each claim. */
function usage(suite: Suite): Map<string, number> {
  const n = new Map<string, number>();
  const add = (k: string) => n.set(k, (n.get(k) ?? 0) + 1);
  for (const lf of suite.fixtures)
    for (const req of fixtureRequirements(lf.fixture).values()) {
      for (const op of req?.ops ?? []) add(`op:${op}`);
      for (const f of req?.features ?? []) add(`feature:${f}`);
    }
  return n;
}

/** What to run for each declared op and feature, decided from the suite alone. */
function plan(suite: Suite, impl: Implementation): Check[] {
  const uses = usage(suite);
  const { ops, features } = impl.capabilities;
  const declared = new Set<string>(features);
  const singles = opProbes(suite);
  const checks: Check[] = [...new Set(ops)].map((op) => {
    const probe = singles.get(op);
    const n = uses.get(`op:${op}`) ?? 0;
    return probe
      ? { kind: 'op', name: op, probe, uses: n }
      : {
          kind: 'op',
          name: op,
          none: `nothing in the suite exercises it alone${n ? ` (${plural(n, 'claim')} use it after a model scenario: tconf run checks them)` : ''}`,
          uses: n,
        };
  });
  const models = modelProbes(suite);
  for (const f of [...new Set(features)]) {
    const n = uses.get(`feature:${f}`) ?? 0;
    const withIt = models.filter((m) => m.needs.includes(f));
    const runnable = withIt
      .filter((m) => m.needs.every((x) => declared.has(x)))
      .sort((a, b) => a.probe.size - b.probe.size || a.needs.length - b.needs.length);
    if (runnable.length) {
      checks.push({ kind: 'feature', name: f, probe: runnable[0].probe, uses: n });
      continue;
    }
    if (!withIt.length) {
      checks.push({ kind: 'feature', name: f, none: 'nothing in the suite exercises it', uses: n });
      continue;
    }
    // What every scenario with it needs beyond the declared features, or else what the closest one needs.
    const missing = (m: { needs: Feature[] }) => m.needs.filter((x) => !declared.has(x));
    const always = missing(withIt[0]).filter((x) => withIt.every((m) => missing(m).includes(x)));
    if (always.length) {
      checks.push({
        kind: 'feature',
        name: f,
        none: `${f} needs ${always.join(', ')}, which ${always.length === 1 ? 'is' : 'are'} not declared`,
        needs: always,
        uses: n,
      });
      continue;
    }
    const closest = [...withIt].sort((a, b) => missing(a).length - missing(b).length || a.probe.size - b.probe.size)[0];
    const more = missing(closest);
    checks.push({
      kind: 'feature',
      name: f,
      none: `the smallest scenario with it (${closest.probe.fixture.fixture.id}) also needs ${more.join(', ')}, which ${more.length === 1 ? 'is' : 'are'} not declared`,
      needs: more,
      uses: n,
    });
  }
  return checks;
}

/** Two numbers with just enough digits to tell them apart (at least 4, at most 17). */
function apart(x: number, e: number): [string, string] {
  for (let p = 4; p < 17; p++)
    if (x.toPrecision(p) !== e.toPrecision(p)) return [String(Number(x.toPrecision(p))), String(Number(e.toPrecision(p)))];
  return [String(x), String(e)];
}

/** "got 1.5 where 0.5 is expected" at the worst element of a failing operand, when it can be read. */
function gotExpected(op: OperandResult, suite: Suite, fixture: string): string {
  if (!op.actual || !op.actualShape || !op.worstIndex) return '';
  const flat = op.worstIndex.reduce((i, k, d) => i * op.actualShape![d] + k, 0);
  const expected = expectedTensor({ path: op.path, ...(op.at ? { at: op.at } : {}) }, suite.goldenOf(fixture));
  const e = expected?.data[flat];
  const x = op.actual[flat];
  if (e === undefined || x === undefined) return '';
  const [got, want] = apart(x, e);
  return `, got ${got} where ${want} is expected`;
}

/** A failing claim in a few words: the worst error and the tolerance, or the runner's own message. */
function failure(id: string, r: ClaimResult, suite: Suite, fixture: string): string {
  const op = r.operands.find((o) => o.pass === false);
  if (r.status === 'fail' && op && !op.nonFinite && op.maxAbsError !== undefined && r.tolerance) {
    const where = op.worstIndex?.length ? ` at [${op.worstIndex.join(',')}]` : '';
    return `${id}: ${op.path}: max abs error ${op.maxAbsError.toExponential(1)}${where}${gotExpected(op, suite, fixture)} (tolerance atol ${r.tolerance.atol} + rtol ${r.tolerance.rtol}·|e|)`;
  }
  return `${id}: ${r.status === 'error' ? 'error: ' : ''}${(r.message ?? r.status).split('\n')[0]}`;
}

/** Runs one probe through the runner and says what came of it. */
async function runProbe(impl: Implementation, probe: Probe, suite: Suite, profile: ProfileName): Promise<Outcome> {
  const run = await runImplementation(impl, { fixtures: [probe.fixture], goldenOf: suite.goldenOf }, { profile });
  const fixture = probe.fixture.fixture.id;
  const results = probe.fixture.fixture.claims.map((c) => ({
    id: claimId(probe.fixture.fixture, c),
    r: run.results[claimId(probe.fixture.fixture, c)],
  }));
  const bad = results.filter((x) => x.r && (x.r.status === 'fail' || x.r.status === 'error'));
  const passed = results.filter((x) => x.r?.status === 'pass');
  const skipped = results.filter((x) => !x.r || x.r.status === 'skip' || x.r.status === 'not-applicable');
  const skipNote = skipped.length
    ? `${plural(skipped.length, 'claim')} skipped: ${forTerminal(truncate((skipped[0].r?.message ?? 'not run').split('\n')[0], 200))}`
    : '';
  if (bad.length) {
    const first = forTerminal(truncate(failure(bad[0].id, bad[0].r, suite, fixture), 600));
    const tally = `${bad.length} of ${plural(results.length, 'claim')} ${bad.length === 1 ? 'fails' : 'fail'}${passed.length ? `, ${passed.length} pass` : ''}`;
    // What to rerun with `tconf run --filter`: the failing claims when they are few, else the whole fixture.
    const filter = probe.fixture.fixture.scenario.kind === 'model' || bad.length > 3 ? [fixture] : bad.map((x) => x.id);
    return { mark: '✗', line: `${first}; ${tally}`, filter };
  }
  if (!passed.length) return { mark: '–', line: `(${probe.label}) ${skipNote}`, skipped: true };
  const pass = `${plural(passed.length, 'claim')} ${passed.length === 1 ? 'passes' : 'pass'}`;
  return { mark: '✓', line: `(${probe.label}: ${pass}${skipNote ? `; ${skipNote}` : ''})` };
}

/** An `--impl` word as the user would type it again in a POSIX shell. */
function shellWord(word: string): string {
  return /^[\w:@%+=,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The handshake (or start-up) failure, as the smoke report's first and only check. */
function startFailure(word: string, e: unknown): number {
  const message = forTerminal(truncate(String((e as Error)?.message ?? e), 2000));
  const hint = (e as { hint?: string }).hint;
  const handshake = e instanceof HandshakeError;
  console.log(`✗ ${handshake ? 'handshake' : 'start'}  ${message}`);
  if (hint) console.log(`  hint: ${forTerminal(truncate(hint, 600))}`);
  console.log('');
  console.log(`verdict: ${handshake ? 'the handshake failed' : 'the implementation could not be started'}, so nothing was run`);
  console.log('what to do next:');
  console.log(
    handshake
      ? '  - fix what the message names (an invalid declaration names its field); the answer to hello is specified in spec/protocol.md (Handshake) and spec/protocol.schema.json'
      : '  - fix what the message says',
  );
  console.log(`  - then run tconf smoke --impl ${forTerminal(shellWord(word))} again`);
  return EXIT.usage;
}

/** Runs the command; returns the exit code. The suite is loaded (`load`) once the command line has been checked. */
export async function smokeCommand(load: () => Suite, o: SmokeCommandOptions): Promise<number> {
  const timeoutMs = parseTimeout(o.timeout);
  if (!o.impl?.length) throw new UsageError('--impl needs an implementation');
  checkImplWords(o.impl);
  if (o.impl.length > 1) throw new UsageError(`smoke checks one implementation at a time (got ${o.impl.length}); run it once for each`);
  const word = o.impl[0];
  const shown = forTerminal(shellWord(word));
  const suite = load();

  // An interrupt ends every implementation process group at once, then the command.
  const stop = (s: NodeJS.Signals) => {
    endAllChildren();
    process.exit(s === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  console.log(`tconf smoke --impl ${shown}`);
  let impl: Implementation;
  try {
    impl = await resolveImplementation(word, { timeoutMs, maxLineBytes: DEFAULT_MAX_LINE_BYTES });
  } catch (e) {
    return startFailure(word, e);
  }
  try {
    return await smoke(suite, impl, word);
  } finally {
    await impl.close?.();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function smoke(suite: Suite, impl: Implementation, word: string): Promise<number> {
  const text = (s: string, max = 100) => forTerminal(truncate(s, max));
  const caps = impl.capabilities;
  const list = (xs: readonly string[]) => (xs.length ? xs.map((x) => text(x)).join(', ') : 'none');
  console.log('✓ handshake');
  console.log(
    `implementation: ${text(impl.name)} ${text(impl.version) || '(no version)'}${impl.language ? ` (${text(impl.language)})` : ''}, dtype ${text(caps.dtype)}`,
  );
  console.log(`  ops (${caps.ops.length}): ${list(caps.ops)}`);
  console.log(`  features (${caps.features.length}): ${list(caps.features)}`);
  console.log(
    `  trace: ${
      caps.trace
        ? `only names matching ${caps.trace
            .slice(0, 10)
            .map((g) => text(g, 200))
            .join(', ')}${caps.trace.length > 10 ? ` and ${caps.trace.length - 10} more` : ''}`
        : 'every name (no trace globs declared)'
    }`,
  );

  const checks = plan(suite, impl);
  const profile = caps.dtype as ProfileName;
  const width = Math.max(0, ...checks.map((c) => c.name.length)) + 2;
  const done = new Map<LoadedFixture, Outcome>(); // features that share their smallest scenario run it once
  const outcomes: { check: Check; outcome: Outcome }[] = [];
  for (const kind of ['op', 'feature'] as const) {
    const mine = checks.filter((c) => c.kind === kind);
    console.log('');
    console.log(
      kind === 'op'
        ? `ops (one tiny scenario each, from the suite's fixtures)`
        : 'features (the smallest model scenario of the suite that has each)',
    );
    if (!mine.length) console.log('  none declared');
    for (const check of mine) {
      let outcome: Outcome;
      if (!check.probe) outcome = { mark: '–', line: check.none ?? '' };
      else {
        const known = done.get(check.probe.fixture);
        try {
          outcome = known ?? (await runProbe(impl, check.probe, suite, profile));
        } catch (e) {
          const first = `${check.probe.fixture.fixture.id}: ${text(String((e as Error)?.message ?? e).split('\n')[0], 300)}`;
          outcome = { mark: '✗', line: first, filter: [check.probe.fixture.fixture.id] };
        }
        done.set(check.probe.fixture, outcome);
      }
      outcomes.push({ check, outcome });
      console.log(`${outcome.mark} ${check.name.padEnd(width)}${outcome.line}`);
    }
  }
  const smallest = modelProbes(suite).sort((a, b) => a.probe.size - b.probe.size)[0];
  const start = smallest ? `${smallest.probe.fixture.fixture.id}: ${smallest.needs.join(', ')}` : null;
  return verdict(outcomes, impl, word, start);
}

/** The name of a check, with its kind when an op and a feature share it (sgd, momentum, adam). */
function nameOf(check: Check, all: Check[]): string {
  return all.some((c) => c.name === check.name && c.kind !== check.kind) ? `${check.name} (${check.kind})` : check.name;
}

/** `start`: the smallest model scenario of the suite and the features it needs, the first one to aim for. */
function verdict(outcomes: { check: Check; outcome: Outcome }[], impl: Implementation, word: string, start: string | null): number {
  const shown = forTerminal(shellWord(word));
  const all = outcomes.map((x) => x.check);
  const named = (xs: { check: Check }[]) => xs.map((x) => nameOf(x.check, all)).join(', ');
  const failed = outcomes.filter((x) => x.outcome.mark === '✗');
  const passed = outcomes.filter((x) => x.outcome.mark === '✓');
  const untested = outcomes.filter((x) => x.outcome.mark === '–');
  const next: string[] = [];
  let code: number;
  console.log('');
  if (failed.length) {
    code = EXIT.failures;
    console.log(
      `verdict: FAIL: ${failed.length} of ${plural(outcomes.length, 'declared op or feature', 'declared ops and features')} ${failed.length === 1 ? 'fails' : 'fail'} (${named(failed)})${passed.length ? `; ${passed.length} work` : ''}`,
    );
    // Failures that share a scenario are one failure: grouped, the group that most claims of the suite need first.
    const groups = new Map<LoadedFixture | Check, typeof failed>();
    for (const x of failed) {
      const key = x.check.probe?.fixture ?? x.check;
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    const ranked = [...groups.values()]
      .map((g) => g.sort((a, b) => b.check.uses - a.check.uses))
      .sort((a, b) => b[0].check.uses - a[0].check.uses);
    const [head, ...rest] = ranked;
    const lead = head[0];
    const same = head.length > 1 ? ` (${named(head.slice(1))} ${head.length === 2 ? 'fails' : 'fail'} in the same scenario)` : '';
    next.push(`fix ${nameOf(lead.check, all)} first: ${plural(lead.check.uses, 'claim')} of the suite need it${same}`);
    const filter = (lead.outcome as Extract<Outcome, { mark: '✗' }>).filter;
    next.push(`see every claim of that scenario: npx tconf run --impl ${shown} --filter ${filter.map(shellWord).join(' ')}`);
    if (rest.length) {
      const shownGroups = rest.slice(0, 4).map((g) => `${g[0].check.probe ? `${g[0].check.probe.fixture.fixture.id}: ` : ''}${named(g)}`);
      next.push(`then: ${shownGroups.join('; ')}${rest.length > 4 ? `; and ${rest.length - 4} more scenarios` : ''}`);
    }
  } else if (!passed.length) {
    code = EXIT.usage;
    console.log(
      `verdict: NOTHING RUN: ${forTerminal(truncate(impl.name, 100))} declares nothing the suite can exercise on its own, so nothing was checked`,
    );
    next.push(
      `declare an op of harness/fixtures/scenario.ts that you implement (matmul is the simplest)${start ? `, or the features of the smallest model scenario (${start})` : ''}`,
    );
  } else {
    code = EXIT.ok;
    console.log(
      `verdict: OK: every declared op and feature that the suite can exercise works (${passed.length} of ${outcomes.length}${untested.length ? `; not exercised on its own: ${named(untested)}` : ''})`,
    );
  }
  const needs = new Map<Feature, string[]>();
  for (const x of untested) for (const f of x.check.needs ?? []) needs.set(f, [...(needs.get(f) ?? []), nameOf(x.check, all)]);
  // One line per set of checks waiting on the same features: "declare `backward` to run adam, momentum".
  const waiting = new Map<string, Feature[]>();
  for (const [f, what] of needs) waiting.set(what.join(', '), [...(waiting.get(what.join(', ')) ?? []), f]);
  for (const [what, fs] of waiting)
    next.push(
      `declare ${fs.map((f) => `\`${f}\``).join(', ')} (once ${fs.length === 1 ? 'it works' : 'they work'}) to run the scenarios of ${what}`,
    );
  const skipped = untested.filter((x) => (x.outcome as { skipped?: boolean }).skipped);
  if (skipped.length) next.push(`${named(skipped)}: every claim was skipped (see the trace globs you declare)`);
  if (code !== EXIT.usage)
    next.push(
      `${next.length ? 'then ' : ''}run the whole suite: npx tconf run --impl ${shown} (whatever is not declared is skipped, never failed)`,
    );
  console.log('what to do next:');
  for (const line of next) console.log(`  - ${line}`);
  return code;
}
