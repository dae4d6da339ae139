// The JUnit XML read the way CI tools read it: a strict well-formedness check, then the attributes Jenkins
// (classname split at the last dot), GitLab (classname + name as the key, file), action-junit-report (file,
// line) and dorny's test-reporter (suite name, time, failure/error/skipped) use.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditSuite } from '../audit/verdict.js';
import { referenceImplementation } from '../impls/reference.js';
import { compareToBaseline } from '../run/baseline.js';
import type { Implementation } from '../run/implementation.js';
import { runImplementation } from '../run/runner.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { buildReport, type RunReport } from './build.js';
import { attachTimes, classPart, renderJUnit } from './junit.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});
const parse = (xml: string) => {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as { testsuites: Node & { testsuite: Array<Node & { testcase: Node[] }> } };
};
const OUTCOMES = ['failure', 'error', 'skipped'] as const;
const outcomeOf = (c: Node) => OUTCOMES.filter((k) => k in c);
/** Jenkins: the class is what follows the last dot of classname, the package what precedes it. */
const jenkins = (classname: unknown) => {
  const k = String(classname).lastIndexOf('.');
  return { pkg: String(classname).slice(0, k), cls: String(classname).slice(k + 1) };
};
/** A name as the XML shows it: the control character made visible. */
const shown = (s: string) => s.replace(/\u001b/g, '\\u{1b}');
const packageOf = (impl: string) => shown(`tconf.${classPart(impl)}`);

let suite: TestSuite;
let report: RunReport;
const BROKEN = 'broken.v2 \u001b[31m<x>';
beforeAll(async () => {
  suite = await makeTestSuite();
  const broken: Implementation = {
    ...referenceImplementation,
    name: BROKEN,
    async run(s) {
      const t = await referenceImplementation.run(s);
      for (const k of Object.keys(t)) if (k.endsWith('/probs')) t[k] = { shape: t[k].shape, data: t[k].data.map((x) => x * 2) };
      return t;
    },
  };
  const crashing: Implementation = {
    ...referenceImplementation,
    name: 'crashing',
    async run(s) {
      if (s.kind === 'model') throw new Error('boom \u0007 <script>\n--- stderr (last lines) ---\ntrace');
      return referenceImplementation.run(s);
    },
  };
  const partial: Implementation = {
    ...referenceImplementation,
    name: 'partial',
    capabilities: { dtype: 'float64', ops: ['matmul'], features: ['forward'] },
  };
  const runs = [];
  for (const impl of [referenceImplementation, broken, crashing, partial])
    runs.push(await runImplementation(impl, suite, { profile: 'float64' }));
  report = buildReport(suite, runs, auditSuite(suite), { profile: 'float64', filter: [], version: 'test' });
  // the broken implementation's first failure is a known one
  const brokenRun = runs[1];
  const firstFailure = Object.keys(brokenRun.results).find((id) => brokenRun.results[id].status === 'fail')!;
  report.baseline = { [BROKEN]: compareToBaseline(brokenRun, { version: 1, known_failures: { [BROKEN]: [firstFailure] } }) };
});

describe('JUnit XML as CI tools read it', () => {
  it('one testsuite per implementation and fixture, its counts equal to its cases, the root their sum', () => {
    const x = parse(renderJUnit(report));
    const suites = x.testsuites.testsuite;
    const expected = report.implementations.flatMap((i) => [
      ...new Set(report.claims.filter((c) => c.results[i.name]).map((c) => c.fixture)),
    ]);
    expect(suites).toHaveLength(expected.length);
    const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    for (const s of suites) {
      const cases = s.testcase;
      const counted = {
        tests: cases.length,
        failures: cases.filter((c) => 'failure' in c).length,
        errors: cases.filter((c) => 'error' in c).length,
        skipped: cases.filter((c) => 'skipped' in c).length,
      };
      expect({ tests: Number(s.tests), failures: Number(s.failures), errors: Number(s.errors), skipped: Number(s.skipped) }).toEqual(
        counted,
      );
      for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += counted[k];
      expect(Number(s.time)).toBeGreaterThanOrEqual(0);
      expect(s.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(typeof s.hostname).toBe('string');
    }
    const root = x.testsuites;
    expect({
      tests: Number(root.tests),
      failures: Number(root.failures),
      errors: Number(root.errors),
      skipped: Number(root.skipped),
    }).toEqual(sum);
    expect(sum.tests).toBe(report.claims.reduce((n, c) => n + Object.keys(c.results).length, 0));
  });

  it('classname splits into package tconf.<implementation> and class <fixture>; classname + name is unique', () => {
    const x = parse(renderJUnit(report));
    const keys = new Set<string>();
    for (const s of x.testsuites.testsuite) {
      const impl = report.implementations.find((i) => s.name === `${shown(i.name)}: ${String(s.testcase[0].name).split('/')[0]}`);
      expect(impl, String(s.name)).toBeDefined();
      for (const c of s.testcase) {
        const claim = report.claims.find((k) => k.id === c.name)!;
        const { pkg, cls } = jenkins(String(c.classname));
        expect(pkg).toBe(packageOf(impl!.name));
        expect(cls).toBe(claim.fixture);
        expect(pkg.split('.')).toHaveLength(2);
        keys.add(`${c.classname}\u0000${c.name}`);
      }
    }
    expect(keys.size).toBe(x.testsuites.testsuite.reduce((n, s) => n + s.testcase.length, 0));
  });

  it('file is a path to the fixture, line a number of its own', () => {
    const x = parse(renderJUnit(report));
    for (const s of x.testsuites.testsuite)
      for (const c of s.testcase) {
        const claim = report.claims.find((k) => k.id === c.name)!;
        expect(c.file).toBe(claim.file);
        expect(String(c.file)).not.toMatch(/:\d+$/);
        expect(existsSync(isAbsolute(claim.file) ? claim.file : join(suite.dir, claim.file)) || existsSync(claim.file)).toBe(true);
        expect(c.line).toBe(String(claim.line));
        expect(Number(c.time)).toBeGreaterThanOrEqual(0);
      }
  });

  it('one outcome per case; a pass carries nothing, failures and errors carry their output', () => {
    const x = parse(renderJUnit(report));
    for (const s of x.testsuites.testsuite)
      for (const c of s.testcase) {
        const implName = report.implementations.find((i) => jenkins(c.classname).pkg === packageOf(i.name))!.name;
        const status = report.claims.find((k) => k.id === c.name)!.results[implName].status;
        expect(outcomeOf(c).length).toBeLessThanOrEqual(1);
        if (status === 'pass') expect(Object.keys(c).filter((k) => !['name', 'classname', 'file', 'line', 'time'].includes(k))).toEqual([]);
        if ('system-out' in c) expect(outcomeOf(c).filter((o) => o !== 'skipped')).toHaveLength(1);
      }
  });

  it('a known failure is skipped with the reason; a new one is a failure; a skip and an n/a say which', () => {
    const x = parse(renderJUnit(report));
    const b = report.baseline![BROKEN];
    const cases = x.testsuites.testsuite.flatMap((s) => s.testcase);
    const brokenCases = cases.filter((c) => jenkins(c.classname).pkg === packageOf(BROKEN));
    const known = brokenCases.filter((c) => b.known_failures.includes(String(c.name)));
    expect(known).toHaveLength(b.known_failures.length);
    for (const c of known) expect((c.skipped as Node).message).toMatch(/^known failure: /);
    const fresh = brokenCases.filter((c) => b.new_failures.includes(String(c.name)));
    expect(fresh.length).toBe(b.new_failures.length);
    for (const c of fresh) expect(outcomeOf(c)).toEqual(['failure']);
    const skips = cases.filter((c) => 'skipped' in c).map((c) => String((c.skipped as Node).message));
    expect(skips.some((m) => m.startsWith('skip: '))).toBe(true);
    expect(skips.some((m) => m.startsWith('n/a: '))).toBe(true);
  });

  it("a scenario error: each claim an error, the evidence once in the suite's system-err, no raw control character", () => {
    const xml = renderJUnit(report);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const x = parse(xml);
    const crashed = x.testsuites.testsuite.filter((s) => String(s.name).startsWith('crashing: ') && 'system-err' in s);
    const expected = report.implementations.find((i) => i.name === 'crashing')!.scenario_errors;
    expect(crashed).toHaveLength(expected.length);
    for (const s of crashed) {
      expect(String(s['system-err'])).toContain('<script>');
      for (const c of s.testcase) expect(outcomeOf(c)).toEqual(['error']);
    }
  });

  it('timings attached to the report become time, timestamp and hostname', () => {
    const started = new Date('2026-01-02T03:04:05.678Z');
    const byImpl: Record<string, Record<string, { started: Date; ms: number }>> = { reference: { 'b-forward': { started, ms: 1500 } } };
    const timed = { ...report };
    attachTimes(timed, { byImpl, hostname: 'ci-runner-1' });
    const s = parse(renderJUnit(timed)).testsuites.testsuite.find((k) => k.name === 'reference: b-forward')!;
    expect(s).toMatchObject({ time: '1.500', timestamp: '2026-01-02T03:04:05Z', hostname: 'ci-runner-1' });
    const ran = s.testcase.filter((c) => outcomeOf(c).length === 0);
    expect(ran.reduce((n, c) => n + Number(c.time), 0)).toBeCloseTo(1.5, 2);
  });
});
