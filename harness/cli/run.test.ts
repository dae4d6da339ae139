// The `tconf run` command end to end: exit codes, every report format (the JSON validated against its schema,
// the JUnit XML parsed), and baseline gating.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../paths.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { runCommand, type RunCommandOptions } from './run.js';

let suite: TestSuite;
beforeAll(async () => {
  suite = await makeTestSuite();
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

const fakeImpl = (mode: string) => `exec:${process.execPath} --import tsx ${join(ROOT, 'harness', 'testing', 'fake-impl.ts')} ${mode}`;
const options = (o: Partial<RunCommandOptions>): RunCommandOptions => ({
  impl: ['reference'],
  reportDir: mkdtempSync(join(tmpdir(), 'tconf-reports-')),
  timeout: '10',
  progress: false,
  ...o,
});
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('tconf run', () => {
  it('exits 0 when everything passes and writes four reports', async () => {
    const o = options({});
    expect(await runCommand(suite, o)).toBe(0);
    const report = JSON.parse(read(o.reportDir, 'report.json'));
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(read(ROOT, 'spec/report.schema.json')));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.summary.reference.overall).toMatchObject({ total: 6, pass: 5, 'not-applicable': 1, fail: 0 });
    const xml = new XMLParser({ ignoreAttributes: false }).parse(read(o.reportDir, 'junit.xml'));
    const suites = [xml.testsuites.testsuite].flat();
    expect(suites.map((s: Record<string, string>) => s['@_name'])).toEqual([
      'reference: a-matmul',
      'reference: b-forward',
      'reference: c-train',
    ]);
    expect(suites.flatMap((s: { testcase: unknown }) => [s.testcase].flat())).toHaveLength(6);
    expect(read(o.reportDir, 'summary.md')).toContain('| reference | 0.1.0 | float64 | 5 | 0 | 0 | 0 | 1 | 6 |');
    expect(read(o.reportDir, 'report.html')).toContain('<script type="application/json" id="report-data">');
  });

  it('exits 1 on a conformance failure, and lists it in JUnit as a failure', async () => {
    const o = options({ impl: [fakeImpl('nan@2')] });
    expect(await runCommand(suite, o)).toBe(1);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(read(o.reportDir, 'junit.xml'));
    const cases = [xml.testsuites.testsuite].flat().flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Array<
      Record<string, unknown>
    >;
    expect(cases.filter((c) => c.failure)).toHaveLength(2);
  }, 30_000);

  it('filters by glob on claim id, fixture, tag or section', async () => {
    const o = options({ filter: ['model'] });
    await runCommand(suite, o);
    const ids = JSON.parse(read(o.reportDir, 'report.json')).claims.map((c: { id: string }) => c.id);
    expect(ids).toEqual(['b-forward/probs', 'b-forward/weights', 'c-train/grad', 'c-train/improved']);
    await expect(runCommand(suite, options({ filter: ['nothing-*'] }))).rejects.toThrow(/no claim matches/);
  });

  it('gates on a baseline keyed by the --impl word: known failures pass, new ones fail, fixed ones are reported', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tconf-baseline-')), 'baseline.json');
    const impl = fakeImpl('nan@2');
    const name = 'fake-nan';
    expect(await runCommand(suite, options({ impl: [impl], baseline: file, updateBaseline: true }))).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).known_failures[impl]).toEqual(['b-forward/probs', 'b-forward/weights']);
    expect(await runCommand(suite, options({ impl: [impl], baseline: file }))).toBe(0);
    writeFileSync(file, JSON.stringify({ version: 1, known_failures: { [name]: ['b-forward/probs', 'a-matmul/product'] } }));
    const o = options({ impl: [impl], baseline: file });
    expect(await runCommand(suite, o)).toBe(1);
    const b = JSON.parse(read(o.reportDir, 'report.json')).baseline[name];
    expect(b).toEqual({ new_failures: ['b-forward/weights'], newly_passing: ['a-matmul/product'], known_failures: ['b-forward/probs'] });
  }, 60_000);

  it('rejects an unknown implementation or profile as a usage error', async () => {
    await expect(runCommand(suite, options({ impl: ['nope'] }))).rejects.toThrow(/unknown implementation 'nope'/);
    await expect(runCommand(suite, options({ profile: 'float16' }))).rejects.toThrow(/unknown profile/);
  });
});
