// The diagnosis as the reports carry it: its report form, a diagnosis that throws turned into a one-line note,
// and what an implementation sends (its name, a scenario's error) made inert on the terminal and in summary.md
// (the HTML panel is checked in a browser by html.test.ts). On the small test suite: the mutant runs are cheap.
import { beforeAll, describe, expect, it } from 'vitest';
import { auditSuite } from '../audit/verdict.js';
import { referenceImplementation } from '../impls/reference.js';
import type { Implementation } from '../run/implementation.js';
import { runImplementation } from '../run/runner.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { buildReport } from './build.js';
import { DIAGNOSIS_ROWS, diagnoseRun, diagnosisLines, terminalLines, type DiagnosisEntry } from './diagnosis.js';
import { renderMarkdown } from './markdown.js';

const HOSTILE = '<img src=x onerror=alert(1)> *bold* `tick` \u001b[31mred\u001b]0;title\u0007 \u202eevil';

let suite: TestSuite;
beforeAll(async () => {
  suite = await makeTestSuite();
});

/** The reference, named and failing as told: its model scenarios throw `message`. */
const crashing = (name: string, message: string): Implementation => ({
  ...referenceImplementation,
  name,
  async run(s) {
    if (s.kind === 'model') throw new Error(message);
    return referenceImplementation.run(s);
  },
});

describe('the diagnosis in the reports', () => {
  it('a scenario that could not run: its error, cut to its first line, is made inert on the terminal and in summary.md', async () => {
    const impl = crashing(`impl ${HOSTILE}`, `${HOSTILE}\nsecond line`);
    const run = await runImplementation(impl, suite, { profile: 'float64' });
    const d = (await diagnoseRun(suite, run, { profile: 'float64', filter: [] })) as DiagnosisEntry;
    const crashed = run.scenarioErrors.map((e) => e.fixture);
    expect(crashed.length).toBeGreaterThan(0);
    expect(d.first_divergence).toBeNull();
    expect(d.per_scenario.map((f) => f.fixture)).toEqual(crashed);
    for (const f of d.per_scenario) expect(f.scenario_error).toContain(HOSTILE.split('\n')[0]);
    expect(d.per_scenario.some((f) => f.scenario_error?.includes('second line'))).toBe(false);

    const terminal = terminalLines(diagnosisLines(d, DIAGNOSIS_ROWS)).join('\n');
    expect(terminal).toContain('first wrong value: unknown (the failing scenarios could not be run)');
    expect(terminal).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(terminal).toContain('\\u{1b}[31mred');

    const report = buildReport(suite, [run], auditSuite(suite), { profile: 'float64', filter: [], version: 'test' });
    report.summary[impl.name].diagnosis = d;
    const md = renderMarkdown(report);
    const at = md.indexOf(': diagnosis\n');
    const section = md.slice(at, md.indexOf('\n## ', at));
    expect(md).toContain('## impl \\<img src=x onerror=alert(1)\\> \\*bold\\* \\`tick\\`');
    expect(section).toContain('could not be run: ');
    expect(section).not.toMatch(/(^|[^\\])<img|[\u001b\u0007\u202e]/);
    expect(section).not.toMatch(/(^|[^\\])`tick/);
  });

  it('a diagnosis that throws is a one-line note, never an exception', async () => {
    const run = await runImplementation(crashing('crashing', 'no'), suite, { profile: 'float64' });
    const broken = Object.defineProperty({ ...suite }, 'fixtures', {
      get() {
        throw new Error('cannot read the fixtures\nat somewhere');
      },
    });
    const d = await diagnoseRun(broken, run, { profile: 'float64', filter: [] });
    expect(d).toEqual({ unavailable: 'the diagnosis failed: cannot read the fixtures' });
    expect(terminalLines(diagnosisLines(d, DIAGNOSIS_ROWS))).toEqual(['no diagnosis: the diagnosis failed: cannot read the fixtures']);
  });
});
