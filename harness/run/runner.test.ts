import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpName } from '../fixtures/scenario.js';
import type { Feature, Implementation, RunOptions as RequestOptions } from './implementation.js';
import { ProcessImplementation } from '../impls/process.js';
import { referenceImplementation } from '../impls/reference.js';
import { ROOT } from '../paths.js';
import { runImplementation, type ImplementationRun } from './runner.js';
import { MIXED_FIXTURES, makeTestSuite, type TestSuite } from '../testing/suite.js';
import { claimRequirements } from './requirements.js';

let suite: TestSuite;
let mixed: TestSuite;
beforeAll(async () => {
  suite = await makeTestSuite();
  mixed = await makeTestSuite(MIXED_FIXTURES);
});

/** The misbehaving adapter of harness/testing/fake-impl.ts; `mode` may carry its flags after a space. */
const fake = (mode: string, timeoutMs = 10_000) =>
  ProcessImplementation.start([process.execPath, '--import', 'tsx', join(ROOT, 'harness', 'testing', 'fake-impl.ts'), ...mode.split(' ')], {
    timeoutMs,
    cwd: ROOT,
  });

async function runWith(impl: Implementation, on: TestSuite = suite): Promise<ImplementationRun> {
  try {
    return await runImplementation(impl, on, { profile: 'float64' });
  } finally {
    await impl.close?.();
  }
}

const statuses = (run: ImplementationRun) => Object.fromEntries(Object.entries(run.results).map(([id, r]) => [id, r.status]));

describe('running the suite in process', () => {
  it('passes the reference on every claim that involves an implementation', async () => {
    const run = await runWith(referenceImplementation);
    expect(statuses(run)).toEqual({
      'a-matmul/product': 'pass',
      'a-matmul/arithmetic': 'not-applicable',
      'b-forward/probs': 'pass',
      'b-forward/weights': 'pass',
      'c-train/grad': 'pass',
      'c-train/improved': 'pass',
    });
    const probs = run.results['b-forward/probs'].operands[0];
    expect(probs.maxAbsError).toBe(0);
    expect(probs.worstIndex).toEqual([0]);
  });

  /** The reference with one element of the product p/C off by 1e-6. */
  const wrong: Implementation = {
    ...referenceImplementation,
    name: 'off-by-a-bit',
    async run(s) {
      const t = await referenceImplementation.run(s);
      if (t['p/C']) t['p/C'] = { shape: t['p/C'].shape, data: t['p/C'].data.map((x, i) => (i === 3 ? x + 1e-6 : x)) };
      return t;
    },
  };

  it('fails a wrong value with the size of the error and the worst element', async () => {
    const r = (await runWith(wrong)).results['a-matmul/product'];
    expect(r.status).toBe('fail');
    expect(r.operands[0].maxAbsError).toBeCloseTo(1e-6, 12);
    expect(r.operands[0].worstIndex).toEqual([1, 1]);
    expect(r.message).toMatch(/max abs error 1\.000e-6 at \[1,1\]/);
  });

  it("loosens the tolerance of the claims an override's glob matches, for the implementation it names only", async () => {
    const loose = { atol: 1e-5 };
    const run = (overrides: Record<string, Record<string, Partial<{ atol: number; rtol: number }>>>) =>
      runImplementation(wrong, suite, { profile: 'float64', overrides });
    const r = (await run({ 'off-by-a-bit': { 'a-matmul/*': loose, 'b-*/*': { rtol: 0.5 } } })).results;
    expect(r['a-matmul/product'].status).toBe('pass');
    expect(r['a-matmul/product'].tolerance).toEqual({ atol: 1e-5, rtol: 1e-9 });
    expect(r['b-forward/probs'].tolerance).toEqual({ atol: 1e-12, rtol: 0.5 });
    expect(r['c-train/grad'].tolerance).toEqual({ atol: 1e-12, rtol: 1e-9 });
    expect((await run({ other: { 'a-matmul/*': loose } })).results['a-matmul/product'].status).toBe('fail');
  });

  it('skips, never fails, what an implementation declares it cannot do', async () => {
    const opsOnly: Implementation = {
      ...referenceImplementation,
      name: 'ops-only',
      capabilities: { dtype: 'float64', ops: ['matmul'], features: [] },
    };
    const s = statuses(await runWith(opsOnly));
    expect(s['a-matmul/product']).toBe('pass');
    expect(s['b-forward/probs']).toBe('skip');
    expect(s['c-train/grad']).toBe('skip');
  });

  it('skips claims on trace names an implementation does not declare', async () => {
    const partial: Implementation = {
      ...referenceImplementation,
      name: 'partial',
      capabilities: { ...referenceImplementation.capabilities, trace: ['probs', 'C'] },
    };
    const s = statuses(await runWith(partial));
    expect(s['b-forward/probs']).toBe('pass');
    expect(s['a-matmul/product']).toBe('pass');
    expect(s['b-forward/weights']).toBe('skip');
    expect(s['c-train/grad']).toBe('skip');
  });

  it('matches a trace glob with a slash against the whole path: a step-level value apart from each example', async () => {
    const declaring = (trace: string[]): Implementation => ({
      ...referenceImplementation,
      name: 'globs',
      capabilities: { ...referenceImplementation.capabilities, trace },
    });
    const stepLevel = statuses(await runWith(declaring(['*/grad.*'])));
    expect([stepLevel['c-train/grad'], stepLevel['c-train/improved']]).toEqual(['pass', 'skip']);
    const perExample = statuses(await runWith(declaring(['*/*/probs'])));
    expect([perExample['c-train/grad'], perExample['c-train/improved']]).toEqual(['skip', 'pass']);
  });

  it('turns a throwing implementation into errors for that scenario only', async () => {
    const flaky: Implementation = {
      ...referenceImplementation,
      name: 'flaky',
      async run(s) {
        if (s.kind === 'ops') throw new Error('boom');
        return referenceImplementation.run(s);
      },
    };
    const run = await runWith(flaky);
    expect(run.results['a-matmul/product']).toMatchObject({ status: 'error', message: 'scenario error: boom' });
    expect(run.scenarioErrors).toEqual([{ fixture: 'a-matmul', message: 'boom', claims: 1 }]);
    expect(run.results['b-forward/probs'].status).toBe('pass');
  });
});

describe('running an external process', () => {
  it('speaks the protocol: handshake, capabilities, traces', async () => {
    const impl = await fake('ok');
    expect(impl.name).toBe('fake-ok');
    expect(impl.capabilities.dtype).toBe('float64');
    expect(Object.values(statuses(await runWith(impl))).filter((s) => s === 'pass')).toHaveLength(5);
  });

  it('accepts tensors sent as base64 float64 bytes, bit for bit', async () => {
    const run = await runWith(await fake('ok --base64'));
    expect(Object.values(statuses(run)).filter((s) => s === 'pass')).toHaveLength(5);
    expect(run.results['b-forward/probs'].operands[0].maxAbsError).toBe(0);
  });

  // Each fault hits the 2nd scenario (b-forward); the 1st and 3rd must still pass.
  it.each([
    ['crash@2', 'error', /exited \(code 3\)/],
    ['hang@2', 'error', /timed out/],
    ['garbage@2', 'error', /not JSON: this is not json/],
    ['wrong-id@2', 'error', /answered id 102, expected 2/],
    ['noise@2', 'error', /timed out[\s\S]*stderr[\s\S]*something went wrong inside/],
    ['error@2', 'error', /reported an error: not implemented here/],
    ['wrong-shape@2', 'error', /values for shape|shape \[/],
    ['nan@2', 'fail', /non-finite/],
    ['nan@2 --base64', 'fail', /non-finite/],
    ['bad-base64@2 --base64', 'error', /7 bytes, not a whole number of float64 values/],
  ])(
    '%s costs only that scenario, with evidence, and the run goes on',
    async (mode, status, evidence) => {
      const run = await runWith(await fake(mode, mode.startsWith('hang') || mode.startsWith('noise') ? 3000 : 10_000));
      expect(run.results['b-forward/probs'].status).toBe(status);
      // a scenario that could not run keeps its evidence once; a claim judged on a bad value carries its own
      const evidenceText =
        status === 'error' && run.scenarioErrors.length ? run.scenarioErrors[0].message : run.results['b-forward/probs'].message;
      expect(evidenceText).toMatch(evidence);
      expect(run.scenarioErrors.map((e) => e.fixture)).toEqual(status === 'error' && !mode.startsWith('wrong-shape') ? ['b-forward'] : []);
      expect(run.results['a-matmul/product'].status).toBe('pass');
      expect(run.results['c-train/grad'].status).toBe('pass');
      expect(run.results['c-train/improved'].status).toBe('pass');
    },
    30_000,
  );

  it('reports an implementation that fails its handshake', async () => {
    await expect(fake('bad-hello')).rejects.toThrow(/protocol does not allow|not a valid hello/);
  });

  it('reports a command that cannot be started', async () => {
    await expect(ProcessImplementation.start(['/nonexistent/impl'], { timeoutMs: 2000 })).rejects.toThrow(/could not start/);
  });
});

/** What one run request carried: the scenario's kind, the ops of its calls, the `paths` hint. */
interface Request {
  kind: string;
  ops: string[];
  paths?: string[];
}

/** The reference declaring only `ops` and `features`, recording every request it is sent. */
function subset(ops: OpName[], features: Feature[] = []): Implementation & { requests: Request[] } {
  const requests: Request[] = [];
  return {
    ...referenceImplementation,
    name: `subset(${ops.join(',')}|${features.join(',')})`,
    capabilities: { dtype: 'float64', ops, features },
    requests,
    async run(s, o?: RequestOptions) {
      requests.push({ kind: s.kind, ops: s.kind === 'ops' ? s.calls.map((c) => c.op) : [], paths: o?.paths });
      return referenceImplementation.run(s, o);
    },
  };
}

const runMixed = (impl: Implementation) => runWith(impl, mixed);

describe('skipping is decided claim by claim', () => {
  it('each claim has its requirements: the ops it reads, its model features, its trace names', () => {
    const req = (id: string) => {
      const [fixture, claim] = id.split('/');
      const f = mixed.fixtures.find((lf) => lf.fixture.id === fixture)!.fixture;
      return claimRequirements(f, f.claims.find((c) => c.id === claim)!);
    };
    expect(req('d-mixed/product')).toEqual({ ops: ['matmul'], features: [], trace: ['C'], paths: ['p/C'] });
    expect(req('d-mixed/both')).toMatchObject({ ops: ['matmul', 'dot'], features: [], trace: ['C', 'value'] });
    expect(req('d-mixed/arithmetic')).toBeNull(); // exact arithmetic: no implementation involved
    expect(req('e-then/probs')).toMatchObject({ ops: [], features: ['forward'], trace: ['probs'] });
    expect(req('e-then/softmax')).toMatchObject({ ops: ['softmax'], features: ['forward'], trace: ['y', 'logits'] });
  });

  it('an ops scenario: the claims of the supported ops are judged, the others skipped naming the op', async () => {
    const impl = subset(['matmul', 'dot']);
    const run = await runMixed(impl);
    expect(statuses(run)).toMatchObject({
      'd-mixed/product': 'pass',
      'd-mixed/dot': 'pass',
      'd-mixed/both': 'pass',
      'd-mixed/probs': 'skip',
      'd-mixed/arithmetic': 'not-applicable',
    });
    expect(run.results['d-mixed/probs']).toMatchObject({ message: 'op not supported: softmax', missing: ['op softmax'] });
    // only the supported calls are sent, with only the paths the judged claims read
    expect(impl.requests).toEqual([{ kind: 'ops', ops: ['matmul', 'dot'], paths: ['p/C', 'd/value'] }]);
  });

  it('a claim reading two ops is skipped when either is missing, naming what is missing', async () => {
    const run = await runMixed(subset(['softmax']));
    expect(statuses(run)).toMatchObject({ 'd-mixed/probs': 'pass', 'd-mixed/product': 'skip', 'd-mixed/both': 'skip' });
    expect(run.results['d-mixed/both']).toMatchObject({ message: 'ops not supported: matmul, dot', missing: ['op matmul', 'op dot'] });
  });

  it('a model scenario: its own claims run without the ops of its then: calls, which are left out of the request', async () => {
    const impl = subset([], ['forward']);
    const run = await runMixed(impl);
    expect(statuses(run)).toMatchObject({ 'e-then/probs': 'pass', 'e-then/softmax': 'skip', 'e-then/outer': 'skip' });
    expect(run.results['e-then/outer'].message).toBe('op not supported: outer');
    expect(impl.requests.filter((r) => r.kind === 'model')).toEqual([{ kind: 'model', ops: [], paths: ['f/0/probs'] }]);
  });

  it("a model's then: calls are filtered to the supported ops; each request's paths are its own scenario's", async () => {
    const impl = subset(['softmax'], ['forward']);
    const run = await runMixed(impl);
    expect(statuses(run)).toMatchObject({ 'e-then/probs': 'pass', 'e-then/softmax': 'pass', 'e-then/outer': 'skip' });
    const [model, then] = impl.requests.slice(-2); // e-then comes after d-mixed
    // the model request: its own claims' paths and the inputs of the then: calls sent; the then: request: their outputs
    expect(model).toEqual({ kind: 'model', ops: [], paths: ['f/0/probs', 'f/0/logits'] });
    expect(then).toEqual({ kind: 'ops', ops: ['softmax'], paths: ['sm/y'] });
  });

  it('a then: claim needs the model features too; a scenario none of whose claims can run is never sent', async () => {
    const impl = subset(['softmax', 'outer']);
    const run = await runMixed(impl);
    expect(run.results['e-then/softmax']).toMatchObject({
      status: 'skip',
      message: 'feature not supported: forward',
      missing: ['feature forward'],
    });
    expect(run.results['d-mixed/product'].status).toBe('skip');
    expect(impl.requests).toEqual([{ kind: 'ops', ops: ['softmax'], paths: ['s/y'] }]);
  });

  it('the reference runs every claim of the mixed fixtures', async () => {
    const s = Object.values(statuses(await runMixed(referenceImplementation)));
    expect(s.filter((x) => x === 'pass')).toHaveLength(7);
    expect(s.filter((x) => x !== 'pass')).toEqual(['not-applicable']);
  });

  it('over the protocol: an adapter declaring a subset of ops is sent only those calls and judged claim by claim', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'tconf-requests-')), 'requests.jsonl');
    const run = await runWith(await fake(`ok --ops matmul,softmax --features forward,residual --requests ${log}`), mixed);
    expect(statuses(run)).toEqual({
      'd-mixed/product': 'pass',
      'd-mixed/probs': 'pass',
      'd-mixed/dot': 'skip',
      'd-mixed/both': 'skip',
      'd-mixed/arithmetic': 'not-applicable',
      'e-then/probs': 'pass',
      'e-then/softmax': 'pass',
      'e-then/outer': 'skip',
    });
    const requests = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(requests).toEqual([
      { kind: 'ops', ops: ['matmul', 'softmax'], paths: ['p/C', 's/y'] },
      { kind: 'model', ops: [], paths: ['f/0/probs', 'f/0/logits'] },
      { kind: 'ops', ops: ['softmax'], paths: ['sm/y'] },
    ]);
  });
});

afterAll(() => undefined);
