// The `tconf run` command end to end: exit codes, every report format (the JSON validated against its schema,
// the JUnit XML parsed), baseline gating, and the diagnosis of a failing implementation in each format (off with
// --no-diagnose; a diagnosis that throws costs only itself).
import { stripVTControlCharacters } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../paths.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import type { RunReport } from '../report/build.js';
import { applyConfig } from './config.js';
import { runCommand, type RunCommandOptions } from './run.js';

// the diagnosis can be made to throw, to show that it never costs the run its reports
const boom = vi.hoisted(() => ({ on: false }));
vi.mock('../diagnose/match.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../diagnose/match.js')>();
  const diagnose: typeof m.diagnose = (...a) => (boom.on ? Promise.reject(new Error('mutants exploded\nsecond line')) : m.diagnose(...a));
  return { ...m, diagnose };
});

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
const reportOf = (dir: string) => JSON.parse(read(dir, 'report.json')) as RunReport;
const validReport = (() => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(read(ROOT, 'spec/report.schema.json')));
})();
/** What the command printed on stdout (console.log is silenced, not dropped). */
/** What the run printed, without its colours (CI turns them on). */
const printed = () =>
  stripVTControlCharacters(
    vi
      .mocked(console.log)
      .mock.calls.map((c) => String(c[0]))
      .join('\n'),
  );

describe('tconf run', () => {
  it('exits 0 when everything passes and writes four reports', async () => {
    const o = options({});
    expect(await runCommand(suite, o)).toBe(0);
    const report = JSON.parse(read(o.reportDir, 'report.json'));
    expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
    expect(report.summary.reference.overall).toMatchObject({ total: 6, pass: 5, 'not-applicable': 1, fail: 0 });
    expect(report.summary.reference.diagnosis).toBeUndefined(); // nothing fails: nothing to diagnose
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
    const r = reportOf(o.reportDir);
    expect(r.baseline![name]).toEqual({
      new_failures: ['b-forward/weights'],
      newly_passing: ['a-matmul/product'],
      known_failures: ['b-forward/probs'],
    });
    // a gated run still diagnoses; NaNs are no mutant's mistake
    const d = r.summary[name].diagnosis!;
    expect('unavailable' in d ? d.unavailable : d.matches).toEqual([]);
    expect(read(o.reportDir, 'summary.md')).toContain('- no known mistake matches');
  }, 60_000);

  it('diagnoses a failing implementation (not one that passes) in the terminal, summary.md, report.html and report.json', async () => {
    vi.mocked(console.log).mockClear();
    const o = options({ impl: ['reference', 'mutant:no-scale'] });
    expect(await runCommand(suite, o)).toBe(1);
    const report = reportOf(o.reportDir);
    expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
    expect(report.summary.reference.diagnosis).toBeUndefined();
    const d = report.summary['mutant:no-scale'].diagnosis!;
    if ('unavailable' in d) throw new Error(d.unavailable);
    const c = report.summary['mutant:no-scale'].overall;
    expect(d.failing).toBe(c.fail + c.error);
    expect(d.matches.map((m) => m.name)).toContain('no-scale');
    const first = `${d.first_divergence!.fixture}/${d.first_divergence!.path}`;
    const out = printed();
    expect(out).toContain(`mutant:no-scale: diagnosis of its ${d.failing} failing claim(s)\n  first wrong value: \`${first}\``);
    expect(out).toContain('behaves exactly like `no-scale`: attention scores not divided by sqrt(d_k); the seeds warn in');
    expect(out).not.toContain('reference: diagnosis');
    const md = read(o.reportDir, 'summary.md');
    expect(md).toContain(`## mutant:no-scale: diagnosis\n\n- first wrong value: \`${first}\``);
    expect(md).toContain('- behaves exactly like `no-scale`: attention scores not divided by sqrt(d\\_k)');
    expect(md).not.toContain('## reference: diagnosis');
    expect(read(o.reportDir, 'report.html')).toMatch(
      /<script type="application\/json" id="diagnosis-data">\{"legend":.*"lines":\{"mutant:no-scale":\[/,
    );
  });

  it('--no-diagnose, or diagnose: false in the config, leaves the diagnosis out', async () => {
    vi.mocked(console.log).mockClear();
    const o = applyConfig(options({ impl: ['mutant:no-scale'] }), { diagnose: false }, () => false);
    expect(o.diagnose).toBe(false);
    expect(await runCommand(suite, o)).toBe(1);
    expect(reportOf(o.reportDir).summary['mutant:no-scale'].diagnosis).toBeUndefined();
    expect(read(o.reportDir, 'summary.md')).not.toContain('diagnosis');
    expect(printed()).not.toContain('diagnosis');
  });

  it('a diagnosis that throws becomes a one-line note, and every report is still written', async () => {
    vi.mocked(console.log).mockClear();
    boom.on = true;
    try {
      const o = options({ impl: ['mutant:no-scale'] });
      expect(await runCommand(suite, o)).toBe(1);
      const report = reportOf(o.reportDir);
      expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
      expect(report.summary['mutant:no-scale'].diagnosis).toEqual({ unavailable: 'the diagnosis failed: mutants exploded' });
      expect(read(o.reportDir, 'summary.md')).toContain('- no diagnosis: the diagnosis failed: mutants exploded\n');
      expect(read(o.reportDir, 'junit.xml')).toContain('<testsuites');
      expect(printed()).toContain('mutant:no-scale: diagnosis\n  no diagnosis: the diagnosis failed: mutants exploded');
    } finally {
      boom.on = false;
    }
  });

  it('rejects an unknown implementation or profile as a usage error', async () => {
    await expect(runCommand(suite, options({ impl: ['nope'] }))).rejects.toThrow(/unknown implementation 'nope'/);
    await expect(runCommand(suite, options({ profile: 'float16' }))).rejects.toThrow(/unknown profile/);
  });
});
