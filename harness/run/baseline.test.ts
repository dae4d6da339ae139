import { describe, expect, it } from 'vitest';
import { baselineKey, compareToBaseline, nextBaseline, type Baseline } from './baseline.js';
import { record, type ClaimResult, type ImplementationRun } from './runner.js';

function runOf(name: string, statuses: Record<string, ClaimResult['status']>): ImplementationRun {
  const results = record<ClaimResult>();
  for (const [id, status] of Object.entries(statuses)) results[id] = { status, operands: [] };
  return {
    info: { name, version: '1', language: 'x', capabilities: { dtype: 'float64', ops: [], features: [] } },
    results,
    scenarioErrors: [],
    complete: true,
  };
}

describe('the baseline of known failures', () => {
  const baseline: Baseline = { version: 1, known_failures: { impl: ['a/1', 'a/2', 'a/3'] } };

  it('separates new failures, known ones and listed claims that now pass', () => {
    const run = runOf('impl', { 'a/1': 'fail', 'a/2': 'pass', 'a/3': 'skip', 'a/4': 'error', 'a/5': 'pass' });
    expect(compareToBaseline(run, baseline)).toEqual({ new_failures: ['a/4'], newly_passing: ['a/2'], known_failures: ['a/1'] });
  });

  it('an implementation the baseline does not know has only new failures, whatever its name', () => {
    for (const name of ['other', '__proto__', 'constructor']) {
      expect(compareToBaseline(runOf(name, { 'a/1': 'fail' }), baseline).new_failures).toEqual(['a/1']);
    }
  });

  it('rewrites the entries of the implementations that ran and keeps the others', () => {
    const next = nextBaseline([runOf('new', { 'b/1': 'error', 'b/2': 'pass' })], baseline);
    expect(next).toEqual({ version: 1, known_failures: { impl: ['a/1', 'a/2', 'a/3'], new: ['b/1'] } });
    expect(Object.getPrototypeOf(next.known_failures)).toBeNull();
  });
});

describe('baseline keys: the --impl word as typed', () => {
  const baseline: Baseline = { version: 1, known_failures: { numpy: ['a/1'], 'torch-example': ['a/2'] } };

  it('reads the entry under the word, and falls back to an old entry under the implementation name', () => {
    expect(baselineKey(baseline, 'numpy', 'numpy-example')).toEqual({ key: 'numpy', legacy: false });
    expect(baselineKey(baseline, 'torch', 'torch-example')).toEqual({ key: 'torch-example', legacy: true });
    expect(baselineKey(baseline, 'tfjs', 'tfjs-example')).toEqual({ key: 'tfjs', legacy: false });
    const run = runOf('numpy-example', { 'a/1': 'fail', 'a/2': 'fail' });
    expect(compareToBaseline(run, baseline, 'numpy').known_failures).toEqual(['a/1']);
  });

  it('rewrites an old entry under the word and drops the name key', () => {
    const run = runOf('torch-example', { 'a/3': 'fail' });
    const next = nextBaseline([run], baseline, () => 'torch');
    expect(next.known_failures).toEqual({ numpy: ['a/1'], torch: ['a/3'] });
  });
});
