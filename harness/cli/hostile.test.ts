// Hostile command lines, input files and adapters, through the real `tconf` process: each ends in bounded
// time with a clear message and the right exit code, and where a run happened its reports are valid and lose
// no claim but the misbehaving scenario's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { IN_PROGRESS_FILE } from '../report/write.js';
import { helloOf, scriptAdapter, suiteOnDisk, tconf } from '../testing/cli.js';
import { makeTestSuite } from '../testing/suite.js';

let fixtureDir: string;
beforeAll(async () => {
  fixtureDir = suiteOnDisk(await makeTestSuite());
});

const reportSchema = (() => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, 'spec', 'report.schema.json'), 'utf8')));
})();
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `tconf-${prefix}-`));
const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
/** Checks the report set of a run: schema-valid JSON, no temporary files, no in-progress marker. */
function expectValidReports(dir: string) {
  const report = readReport(dir);
  expect(reportSchema(report), JSON.stringify(reportSchema.errors?.slice(0, 3))).toBe(true);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === IN_PROGRESS_FILE)).toEqual([]);
  return report;
}
const run = (impl: string[], more: string[] = [], timeoutMs = 60_000) => {
  const reports = tmp('reports');
  return tconf(['run', '--impl', ...impl, '--no-progress', '--report-dir', reports, ...more], { fixtureDir, timeoutMs }).then((r) => ({
    ...r,
    reports,
  }));
};

// matmul in plain JavaScript, for adapters that answer the small suite's one ops scenario correctly.
const MATMUL = `(req) => {
  if (req.scenario.kind !== 'ops') return { id: req.id, type: 'error', message: 'ops only' };
  const trace = {};
  for (const c of req.scenario.calls) {
    const { A, B } = c.args;
    const C = A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0)));
    trace[c.id + '/C'] = { shape: [C.length, C[0].length], data: C.flat() };
  }
  return { id: req.id, type: 'trace', trace };
}`;

describe('a handshake that fails ends the run at once (exit 2), killing the adapter', () => {
  it.each([
    ['speaks protocol version 2', `{ type: 'hello', protocol_version: 2, implementation: ${helloOf('v2')} }`, /protocol version 2/],
    ['answers hello with an error', `{ type: 'error', message: 'no' }`, /hello|handshake/i],
    ['declares an op that does not exist', helloOf('bad-caps', ['matmul', 'telepathy']), /capabilities\.ops/],
  ])('an adapter that %s', async (_what, hello, message) => {
    const r = await run([scriptAdapter({ hello })], [], 20_000);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.ms).toBeLessThan(15_000);
    expect(existsSync(join(r.reports, IN_PROGRESS_FILE))).toBe(false); // nothing was replaced, nothing is stale
  });

  it('a later implementation whose handshake fails still leaves the reports of those that ran, marked incomplete', async () => {
    const r = await run(
      ['reference', scriptAdapter({ hello: `{ type: 'hello', protocol_version: 2, implementation: ${helloOf('v2')} }` })],
      [],
      30_000,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/protocol version 2/);
    const report = expectValidReports(r.reports);
    expect(report.complete).toBe(false);
    expect(report.summary.reference.overall.pass).toBe(5);
  });

  it('SIGTERM while an adapter is still in its handshake is an interrupt (143), not a refusal', async () => {
    const reports = tmp('reports');
    let pid = 0;
    // a bare node reads its script from stdin and never answers hello: wait until the reference has run, then interrupt
    const done = tconf(
      ['run', '--impl', 'reference', `exec:${process.execPath}`, '--no-progress', '--report-dir', reports, '--timeout', '600'],
      { fixtureDir, timeoutMs: 60_000, onSpawn: (p) => (pid = p) },
    );
    for (let i = 0; i < 400 && !existsSync(join(reports, 'tconf-run-in-progress.txt')); i++)
      await new Promise((res) => setTimeout(res, 25));
    await new Promise((res) => setTimeout(res, 2500));
    process.kill(pid, 'SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    const report = expectValidReports(reports);
    expect(report.complete).toBe(false);
    expect(report.summary.reference.overall.pass).toBe(5);
  });

  it('a bare interpreter that waits on stdin: the handshake times out with a hint, and the run exits 2', async () => {
    const r = await run([`exec:${process.execPath}`], ['--timeout', '2'], 30_000);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hello/);
    expect(r.err).toMatch(/quote/);
  });

  it('an unquoted exec: value is caught before anything starts, with the fix', async () => {
    const r = await run(['exec:python3', 'adapter.py']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--impl "exec:python3 adapter.py"');
  });

  it.each([['3000000'], ['0'], ['-1'], ['soon'], ['Infinity']])('--timeout %s is refused, not overflowed', async (t) => {
    const r = await run(['reference'], ['--timeout', t]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--timeout must be a number of seconds/);
  });
});

describe('names', () => {
  it('an adapter called __proto__ is reported like any other', async () => {
    const r = await run([scriptAdapter({ hello: helloOf('__proto__'), onRun: MATMUL })]);
    expect(r.code).toBe(0);
    const report = expectValidReports(r.reports);
    expect(Object.keys(report.summary)).toEqual(['__proto__']);
    expect(report.summary.__proto__.overall.pass).toBe(1);
    expect(report.claims.find((c: { id: string }) => c.id === 'a-matmul/product').results.__proto__.status).toBe('pass');
  });

  it('the same --impl twice is refused; two implementations with one name are told apart visibly', async () => {
    const twice = await run(['reference', 'reference']);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/given twice/);
    const r = await run(['reference', scriptAdapter({ hello: helloOf('reference'), onRun: MATMUL })]);
    expect(r.err).toMatch(/reported as 'reference \(2\)'/);
    const report = expectValidReports(r.reports);
    expect(report.implementations.map((i: { name: string }) => i.name)).toEqual(['reference', 'reference (2)']);
    expect(report.summary.reference.overall.pass).toBe(5);
    expect(report.summary['reference (2)'].overall.pass).toBe(1);
  });
});

describe('user files are checked before the run (exit 2, file, line and field)', () => {
  const file = (name: string, text: string) => {
    const p = join(tmp('input'), name);
    writeFileSync(p, text);
    return p;
  };

  it.each([
    ['a tolerance that is a string', 'reference:\n  "*":\n    atol: big\n', /overrides\.yaml:3: reference\.\*\.atol: must be number/],
    ['a negative tolerance', 'reference:\n  "*": { rtol: -1 }\n', /reference\.\*\.rtol: must be >= 0/],
    ['an unknown key', 'reference:\n  "*": { atoll: 1 }\n', /unknown key 'atoll'/],
    ['an infinite tolerance', 'reference:\n  "*": { atol: .inf }\n', /finite/],
  ])('--overrides with %s', async (_what, text, message) => {
    const r = await run(['mutant:no-scale'], ['--overrides', file('overrides.yaml', text)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a missing overrides file', async () => {
    const r = await run(['reference'], ['--overrides', '/nonexistent/overrides.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/overrides file \/nonexistent\/overrides\.yaml: cannot be read \(ENOENT\)/);
  });

  it.each([
    ['not JSON', '{ nope', /baseline\.json:1/],
    ['null', 'null', /\(top level\): must be object/],
    ['an array', '[]', /must be object/],
    ['known_failures as a string', '{"version": 1, "known_failures": "all"}', /known_failures: must be object/],
    ['the wrong version', '{"version": 2, "known_failures": {}}', /version: must be 1/],
  ])('a --baseline that is %s', async (_what, text, message) => {
    const r = await run(['reference'], ['--baseline', file('baseline.json', text)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a --baseline that is a directory, or missing', async () => {
    const dir = await run(['reference'], ['--baseline', tmp('dir')]);
    expect(dir.code).toBe(2);
    expect(dir.err).toMatch(/is a directory/);
    const missing = await run(['reference'], ['--baseline', '/nonexistent/baseline.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such file \(create it with --update-baseline\)/);
  });

  it.each([
    ['a file', () => file('not-a-dir', 'x'), /is a file, not a directory/],
    ['in /sys', () => '/sys/tconf-reports', /cannot create \/sys\/tconf-reports/],
    ['in /proc', () => '/proc/tconf-reports', /cannot create \/proc\/tconf-reports/],
  ])('a --report-dir that is %s fails before the run', async (_what, dir, message) => {
    const r = await tconf(['run', '--no-progress', '--report-dir', dir()], { fixtureDir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).not.toMatch(/pass/); // nothing ran
  });
});

describe('what an adapter says is bounded and made inert before it is shown', () => {
  it('HTML and terminal escapes in an error message reach neither summary.md nor the terminal raw', async () => {
    const evil = '<img src=x onerror=alert(1)> \\u001b[31mred\\u001b[0m \\u001b]0;title\\u0007';
    const r = await run([scriptAdapter({ hello: helloOf('evil'), onRun: `(req) => ({ id: req.id, type: 'error', message: '${evil}' })` })]);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('\u001b');
    expect(r.out).toContain('\\u{1b}[31mred');
    const md = readFileSync(join(r.reports, 'summary.md'), 'utf8');
    // outside fenced code blocks (where Markdown renders text literally) no markup survives unescaped
    expect(md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '')).not.toMatch(/(^|[^\\])<img/);
    expect(md).toMatch(/^`{3,}text\n.*<img src=x/m);
    expect(md).not.toContain('\u001b');
    expectValidReports(r.reports);
  });

  it('a 3 MB error message costs its scenario, once, and the reports stay small', async () => {
    const r = await run([
      scriptAdapter({
        hello: helloOf('loud', ['matmul'], ['forward', 'backward', 'sgd', 'residual']),
        onRun: `(req) => req.scenario.kind === 'ops' ? (${MATMUL})(req) : { id: req.id, type: 'error', message: 'x'.repeat(3e6) }`,
      }),
    ]);
    expect(r.code).toBe(1);
    const report = expectValidReports(r.reports);
    expect(report.summary.loud.overall).toMatchObject({ pass: 1, error: 4 });
    expect(readFileSync(join(r.reports, 'report.json'), 'utf8').length).toBeLessThan(200_000);
    expect(report.implementations[0].scenario_errors[0].message).toMatch(/… \d+ bytes more$/);
    // one console line per scenario that could not run, not one per claim it cost
    expect(r.out.split('\n').filter((l) => l.startsWith('error loud')).length).toBe(2);
  });

  it('a 1 MB implementation name is refused at the handshake', async () => {
    const r = await run([scriptAdapter({ hello: helloOf('n'.repeat(1e6)) })]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/name/);
    expect(r.err.length).toBeLessThan(10_000);
  });

  it('a 70,000-character trace glob is refused at the handshake', async () => {
    const hello = JSON.stringify({
      name: 'globby',
      version: '1',
      language: 'JavaScript',
      dtype: 'float64',
      capabilities: { ops: ['matmul'], features: [], trace: ['('.repeat(70_000)] },
    });
    const r = await run([scriptAdapter({ hello })]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/trace/);
  });

  it('a line of 50 MB against a 1 MiB limit costs its scenario, with the harness held to a 200 MB heap', async () => {
    const reports = tmp('reports');
    const adapter = scriptAdapter({
      hello: helloOf('flood'),
      onRun: `(req) => { const chunk = 'x'.repeat(1 << 20); for (let i = 0; i < 50; i++) process.stdout.write(chunk); return null; }`,
    });
    const r = await tconf(
      ['run', '--impl', adapter, '--no-progress', '--report-dir', reports, '--max-line-bytes', String(1 << 20), '--timeout', '20'],
      { fixtureDir, timeoutMs: 60_000, nodeFlags: ['--max-old-space-size=200'] },
    );
    expect(r.code).toBe(1);
    expect(readReport(reports).implementations[0].scenario_errors[0].message).toMatch(/longer than 1048576 bytes/);
    expectValidReports(reports);
  });
});

describe('interrupts', () => {
  it('SIGTERM during a hanging scenario ends the adapter and writes the reports of what ran, marked interrupted', async () => {
    const pidFile = join(tmp('pid'), 'pid');
    const adapter = scriptAdapter({
      preamble: `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
      hello: helloOf('slow', ['matmul'], ['forward', 'residual']),
      onRun: `(req) => req.scenario.kind === 'ops' ? (${MATMUL})(req) : null`,
    });
    const reports = tmp('reports');
    let pid = 0;
    const done = tconf(['run', '--impl', adapter, '--no-progress', '--report-dir', reports, '--timeout', '600'], {
      fixtureDir,
      timeoutMs: 60_000,
      onSpawn: (p) => (pid = p),
    });
    // wait until the adapter hangs on the model scenario, then interrupt
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pid, 'SIGTERM');
    const r = await done;
    expect(r.code).toBe(143);
    expect(r.out).toMatch(/interrupted by SIGTERM/);
    const adapterPid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(adapterPid, 0)).toThrow();
    const report = expectValidReports(reports);
    expect(report.complete).toBe(false);
    expect(readFileSync(join(reports, 'summary.md'), 'utf8')).toMatch(/This run was interrupted/);
  });
});

describe('reports', () => {
  it('JUnit gives each test case exactly one outcome: an error is not also a failure', async () => {
    const r = await run([
      scriptAdapter({
        hello: helloOf('half', ['matmul'], ['forward', 'backward', 'sgd', 'residual']),
        onRun: `(req) => req.scenario.kind === 'ops' ? (${MATMUL})(req) : { id: req.id, type: 'error', message: 'not here' }`,
      }),
    ]);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(r.reports, 'junit.xml'), 'utf8'));
    expect(xml.testsuites['@_failures']).toBe('0');
    expect(xml.testsuites['@_errors']).toBe('4');
    const cases = [xml.testsuites.testsuite].flat().flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Array<
      Record<string, unknown>
    >;
    for (const c of cases) expect(['failure', 'error', 'skipped'].filter((k) => k in c).length).toBeLessThanOrEqual(1);
  });

  it('a crashed report write never leaves a mix: the marker of a run that did not finish stays', () => {
    const dir = tmp('reports');
    mkdirSync(dir, { recursive: true });
    // what a run does first; a run killed before writing its reports leaves exactly this behind
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(ROOT, 'harness', 'report', 'write.ts')}').then((m) => m.markRunStarted(${JSON.stringify(dir)}, 'test'))`,
      ],
      { cwd: ROOT },
    );
    expect(readFileSync(join(dir, IN_PROGRESS_FILE), 'utf8')).toMatch(/not this run's/);
  });
});

describe('the full suite on the reference', () => {
  it(
    'writes a report.json that validates against spec/report.schema.json (every claim, not a trimmed set), ' +
      'and matches the committed report of the same run',
    async () => {
      const reports = tmp('reports');
      const r = await tconf(['run', '--no-progress', '--report-dir', reports], { timeoutMs: 120_000 });
      expect(r.code).toBe(0);
      const report = expectValidReports(reports);
      expect(report.claims.length).toBeGreaterThan(900);
      expect(report.complete).toBe(true);
      // Refactoring must not move a claim's status, an expected value or a report's content. The committed
      // report is the same run minus its date; after an intended change, rewrite it with TCONF_WRITE_RUN_REPORT=1.
      const { date: _date, ...comparable } = report;
      const committed = join(ROOT, 'harness', 'testing', 'reference-run.report.json');
      if (process.env.TCONF_WRITE_RUN_REPORT) writeFileSync(committed, `${JSON.stringify(comparable, null, 1)}\n`);
      expect(comparable).toEqual(JSON.parse(readFileSync(committed, 'utf8')));
    },
  );
});
