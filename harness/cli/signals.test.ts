// What CI reads of a run, through the real `tconf run`: the exit code, junit.xml, summary.md and the terminal
// agree. A gated run that exits 0 has no <failure> in its JUnit; --strict fails on claims the baseline lists
// that now pass; the baseline is keyed by the --impl word as typed; the terminal shows failures grouped and
// capped, the summary table after them and a verdict last; --json prints only the report on stdout.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { scriptAdapter, suiteOnDisk, tconf } from '../testing/cli.js';
import { makeTestSuite, TEST_FIXTURES } from '../testing/suite.js';
import { MAX_FAILURE_LINES } from './run.js';

let fixtureDir: string;
/** The small suite and, for the cap, many copies of its model fixture (each a scenario the mutant fails). */
let manyDir: string;
const COPIES = MAX_FAILURE_LINES + 5;
beforeAll(async () => {
  fixtureDir = suiteOnDisk(await makeTestSuite());
  const many: Record<string, string> = { ...TEST_FIXTURES };
  for (let k = 0; k < COPIES; k++)
    many[`b-forward-${k}.yaml`] = TEST_FIXTURES['b-forward.yaml'].replace('id: b-forward\n', `id: b-forward-${k}\n`);
  manyDir = suiteOnDisk(await makeTestSuite(many));
}, 120_000);

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `tconf-${prefix}-`));
const run = (impl: string[], more: string[] = [], dir = fixtureDir) => {
  const reports = tmp('reports');
  return tconf(['run', '--impl', ...impl, '--no-progress', '--report-dir', reports, ...more], { fixtureDir: dir, timeoutMs: 120_000 }).then(
    (r) => ({ ...r, reports }),
  );
};
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const report = (dir: string) => JSON.parse(read(dir, 'report.json'));
const junitCases = (dir: string) => {
  const x = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(read(dir, 'junit.xml'));
  return {
    root: x.testsuites as Record<string, string>,
    cases: [x.testsuites.testsuite].flat().flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Array<Record<string, unknown>>,
  };
};
const lines = (out: string) => out.split('\n').filter((l) => l.length);
const fakeImpl = (mode: string) => `exec:${process.execPath} --import tsx ${join(ROOT, 'harness', 'testing', 'fake-impl.ts')} ${mode}`;
const MUTANT = 'mutant:no-scale';

describe('a run gated by a baseline', () => {
  it('exits 0 with the known failures skipped in JUnit and marked in summary.md; the verdict says so', async () => {
    const file = join(tmp('baseline'), 'baseline.json');
    const first = await run([MUTANT], ['--baseline', file, '--update-baseline']);
    expect(first.code).toBe(0);
    const failing = report(first.reports)
      .claims.filter((c: { results: Record<string, { status: string }> }) => ['fail', 'error'].includes(c.results[MUTANT].status))
      .map((c: { id: string }) => c.id);
    expect(failing.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).known_failures).toEqual({ [MUTANT]: failing });

    const gated = await run([MUTANT], ['--baseline', file]);
    expect(gated.code).toBe(0);
    const { root, cases } = junitCases(gated.reports);
    expect(root.failures).toBe('0');
    expect(root.errors).toBe('0');
    const known = cases.filter((c) =>
      String((c.skipped as Record<string, string> | undefined)?.message ?? '').startsWith('known failure: '),
    );
    expect(known.map((c) => c.name).sort()).toEqual([...failing].sort());
    const md = read(gated.reports, 'summary.md');
    expect(md).toContain(`0 new, ${failing.length} known failure(s) (baseline)`);
    for (const id of failing) expect(md).toMatch(new RegExp(`\\| \`${id}\` \\| (fail|error) \\| known failure \\|`));
    const last = lines(gated.out).at(-1)!;
    expect(last).toMatch(/^PASS: /);
    expect(last).toContain(`${failing.length} known failure(s) (baseline)`);
  }, 120_000);

  it('--strict fails (exit 1) on a claim the baseline lists that now passes, and says to update the baseline', async () => {
    const file = join(tmp('baseline'), 'baseline.json');
    const first = await run([MUTANT], ['--baseline', file, '--update-baseline']);
    const passing = report(first.reports)
      .claims.filter((c: { results: Record<string, { status: string }> }) => c.results[MUTANT].status === 'pass')
      .map((c: { id: string }) => c.id);
    const b = JSON.parse(readFileSync(file, 'utf8'));
    b.known_failures[MUTANT].push(passing[0]);
    writeFileSync(file, JSON.stringify(b));

    const lenient = await run([MUTANT], ['--baseline', file]);
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain(`1 claim(s) the baseline lists now pass: ${passing[0]}`);
    const strict = await run([MUTANT], ['--baseline', file, '--strict']);
    expect(strict.code).toBe(1);
    const last = lines(strict.out).at(-1)!;
    expect(last).toMatch(/^FAIL: 1 claim\(s\) the baseline lists now pass \(--strict\): run with --update-baseline/);
    expect(report(strict.reports).baseline[MUTANT].newly_passing).toEqual([passing[0]]);

    const alone = await run([MUTANT], ['--strict']);
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/--strict needs --baseline/);
  }, 120_000);

  it('a missing baseline file is a usage error (exit 2) unless --update-baseline writes it', async () => {
    const file = join(tmp('baseline'), 'missing.json');
    const r = await run([MUTANT], ['--baseline', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no such file \(create it with --update-baseline\)/);
  });

  it('is keyed by the --impl word as typed; an entry under the implementation name is read, with a note, and rewritten', async () => {
    const impl = fakeImpl('nan@2');
    const file = join(tmp('baseline'), 'baseline.json');
    const first = await run([impl], ['--baseline', file, '--update-baseline']);
    expect(first.code).toBe(0);
    const name = report(first.reports).implementations[0].name;
    expect(name).not.toBe(impl);
    const written = JSON.parse(readFileSync(file, 'utf8')).known_failures;
    expect(Object.keys(written)).toEqual([impl]);

    // an older baseline, keyed by the name the adapter gives itself
    writeFileSync(file, JSON.stringify({ version: 1, known_failures: { [name]: written[impl] } }));
    const legacy = await run([impl], ['--baseline', file]);
    expect(legacy.code).toBe(0);
    expect(legacy.out).toMatch(/is keyed by the implementation's name/);
    expect(report(legacy.reports).baseline[name].known_failures).toEqual(written[impl]);
    await run([impl], ['--baseline', file, '--update-baseline']);
    expect(JSON.parse(readFileSync(file, 'utf8')).known_failures).toEqual({ [impl]: written[impl] });
  }, 120_000);
});

describe('--overrides keys', () => {
  it.each([
    [
      'an unknown implementation',
      'numpy-example:\n  "b-forward/*": { atol: 1 }\n',
      /overrides\.yaml:1: numpy-example: unknown implementation/,
    ],
    [
      'a glob that matches no claim',
      'reference:\n  "a-matmul/*": { atol: 1 }\n  "nothing/*": { atol: 1 }\n',
      /overrides\.yaml:3: reference\.nothing\/\*: '.*' matches no claim/,
    ],
    ['an unknown tolerance key', 'reference:\n  "a-matmul/*": { atl: 1 }\n', /overrides\.yaml:2: .*unknown key 'atl'/],
  ])('%s is an error naming file and line (exit 2)', async (_what, text, message) => {
    const file = join(tmp('overrides'), 'overrides.yaml');
    writeFileSync(file, text);
    const r = await run(['reference'], ['--overrides', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe('the terminal', () => {
  it('failures grouped per scenario and capped, the summary table after them, the verdict last', async () => {
    const r = await run(['reference', MUTANT], [], manyDir);
    expect(r.code).toBe(1);
    const rep = report(r.reports);
    const failingScenarios = new Set(
      rep.claims
        .filter((c: { results: Record<string, { status: string }> }) => ['fail', 'error'].includes(c.results[MUTANT].status))
        .map((c: { fixture: string }) => c.fixture),
    );
    expect(failingScenarios.size).toBeGreaterThan(MAX_FAILURE_LINES);
    const out = lines(r.out);
    const mine = out.filter((l) => l.startsWith(`fail ${MUTANT} `));
    expect(mine).toHaveLength(MAX_FAILURE_LINES - 1);
    const more = out.findIndex((l) => l.startsWith('… and '));
    expect(out[more]).toBe(`… and ${failingScenarios.size - mine.length} more scenario(s) with failures, see summary.md`);
    const table = out.findIndex((l) => /^implementation\s+dtype\s+pass/.test(l));
    expect(table).toBeGreaterThan(more);
    expect(out[table + 1]).toMatch(/^reference\s/);
    expect(out[table + 2]).toMatch(new RegExp(`^${MUTANT}\\s`));
    expect(out.some((l) => l.startsWith('skip: ') && l.includes('n/a: '))).toBe(true);
    const pass = rep.summary[MUTANT].overall.pass;
    const runnable = rep.summary[MUTANT].overall.total - rep.summary[MUTANT].overall['not-applicable'];
    expect(out.at(-1)).toMatch(new RegExp(`^FAIL: .*${MUTANT}: ${pass} of ${runnable} runnable claims pass.* \\(\\d+\\.\\d s\\)$`));
  }, 120_000);

  it("an adapter's stderr tail is printed once, however many scenarios it cost", async () => {
    const adapter = scriptAdapter({
      hello: `${JSON.stringify({ name: 'crashy', version: '1', language: 'JavaScript', dtype: 'float64', capabilities: { ops: ['matmul'], features: ['forward', 'backward', 'sgd', 'residual'] } })}`,
      onRun: `(req) => { process.stderr.write('the adapter says: oops\\n'); process.exit(3); }`,
    });
    const r = await run([adapter]);
    expect(r.code).toBe(1);
    const crashed = report(r.reports).implementations[0].scenario_errors.length;
    expect(crashed).toBeGreaterThan(1);
    const out = lines(r.out);
    expect(out.filter((l) => l.startsWith('error crashy '))).toHaveLength(crashed);
    expect(out.filter((l) => l.includes('the adapter says: oops'))).toHaveLength(1);
  }, 60_000);

  it('--json prints the report on stdout and nothing else, valid against spec/report.schema.json', async () => {
    const r = await run([MUTANT], ['--json']);
    expect(r.code).toBe(1);
    const printed = JSON.parse(r.out);
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(read(ROOT, 'spec/report.schema.json')));
    expect(validate(printed), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(printed).toEqual(report(r.reports));
    expect(lines(r.err).at(-1)).toMatch(/^FAIL: /);
  }, 60_000);
});
