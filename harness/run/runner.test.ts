import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Implementation } from './implementation.js';
import { ProcessImplementation } from '../impls/process.js';
import { referenceImplementation } from '../impls/reference.js';
import { ROOT } from '../paths.js';
import { runImplementation, type ImplementationRun } from './runner.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';

let suite: TestSuite;
beforeAll(async () => {
  suite = await makeTestSuite();
});

/** The misbehaving adapter of harness/testing/fake-impl.ts; `mode` may carry its flags after a space. */
const fake = (mode: string, timeoutMs = 10_000) =>
  ProcessImplementation.start([process.execPath, '--import', 'tsx', join(ROOT, 'harness', 'testing', 'fake-impl.ts'), ...mode.split(' ')], {
    timeoutMs,
    cwd: ROOT,
  });

async function runWith(impl: Implementation): Promise<ImplementationRun> {
  try {
    return await runImplementation(impl, suite, { profile: 'float64' });
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

  it('fails a wrong value with the size of the error and the worst element', async () => {
    const wrong: Implementation = {
      ...referenceImplementation,
      name: 'off-by-a-bit',
      async run(s) {
        const t = await referenceImplementation.run(s);
        if (t['p/C']) t['p/C'] = { shape: t['p/C'].shape, data: t['p/C'].data.map((x, i) => (i === 3 ? x + 1e-6 : x)) };
        return t;
      },
    };
    const r = (await runWith(wrong)).results['a-matmul/product'];
    expect(r.status).toBe('fail');
    expect(r.operands[0].maxAbsError).toBeCloseTo(1e-6, 12);
    expect(r.operands[0].worstIndex).toEqual([1, 1]);
    expect(r.message).toMatch(/max abs error 1\.000e-6 at \[1,1\]/);
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

afterAll(() => undefined);
