// `tconf diff` through the real command on two real runs: the reference, then mutant:no-scale relabelled as the
// reference (so that they compare as one implementation, as an upgrade that broke the attention scale would).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import type { RunReport } from '../report/build.js';
import { tconf } from '../testing/cli.js';
import { readReport } from './diff.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tconf-diff-'));
const MUTANT = 'mutant:no-scale';
const FAILING = ['fail', 'error'];

/** The report with one implementation's name replaced wherever the report names it. */
function relabel(r: RunReport, from: string, to: string): RunReport {
  const rename = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k === from ? to : k, v]));
  return {
    ...r,
    implementations: r.implementations.map((i) => (i.name === from ? { ...i, name: to } : i)),
    claims: r.claims.map((c) => ({ ...c, results: rename(c.results) })),
    summary: rename(r.summary),
  };
}

let oldFile = '';
let newFile = '';
let mutant: RunReport;
let reference: RunReport;

beforeAll(async () => {
  const [a, b] = [tmp(), tmp()];
  const runs = await Promise.all([
    tconf(['run', '--impl', 'reference', '--report-dir', a, '--no-progress'], { timeoutMs: 240_000 }),
    tconf(['run', '--impl', MUTANT, '--report-dir', b, '--no-progress', '--no-diagnose'], { timeoutMs: 240_000 }),
  ]);
  expect(runs.map((r) => r.code)).toEqual([0, 1]);
  oldFile = join(a, 'report.json');
  reference = JSON.parse(readFileSync(oldFile, 'utf8'));
  mutant = JSON.parse(readFileSync(join(b, 'report.json'), 'utf8'));
  newFile = join(b, 'relabelled.json');
  writeFileSync(newFile, JSON.stringify(relabel(mutant, MUTANT, 'reference'), null, 1));
}, 300_000);

describe('tconf diff', () => {
  it('reference → mutant:no-scale: every failure of the mutant is newly failing, exit 1, a Markdown headline', async () => {
    // The comparison is only this simple because the reference fails nothing.
    expect(reference.claims.filter((c) => FAILING.includes(c.results.reference.status))).toEqual([]);
    const failures = mutant.claims.filter((c) => FAILING.includes(c.results[MUTANT].status)).length;
    expect(failures).toBeGreaterThan(0);
    const r = await tconf(['diff', oldFile, newFile], { timeoutMs: 120_000 });
    expect([r.code, r.err]).toEqual([1, '']);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`## tconf diff: ✗ ${failures} newly failing, 0 newly passing`);
    expect(r.out).toContain(`Same fixture set: \`${reference.fixture_set_hash}\``);
    expect(r.out).toContain(`### reference: ${failures} newly failing`);
    expect(r.out).toContain(`| and ${failures - 20} more | | | |`);
  }, 120_000);

  it('--json: validates against spec/diff.schema.json and holds the same count', async () => {
    const r = await tconf(['diff', '--json', oldFile, newFile], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const diff = JSON.parse(r.out);
    const validate = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
      JSON.parse(readFileSync(join(ROOT, 'spec', 'diff.schema.json'), 'utf8')),
    );
    expect(validate(diff), JSON.stringify(validate.errors)).toBe(true);
    const failing = mutant.claims.filter((c) => FAILING.includes(c.results[MUTANT].status)).map((c) => c.id);
    expect(diff.newly_failing).toBe(failing.length);
    expect(diff.implementations[0].newly_failing.map((m: { id: string }) => m.id)).toEqual(failing);
    expect([diff.only_old, diff.only_new, diff.claims_added, diff.claims_removed]).toEqual([[], [], [], []]);
  }, 120_000);

  it('the other way round nothing newly fails (exit 0); unrelabelled the names are in one report each, and --rename pairs them', async () => {
    const back = await tconf(['diff', newFile, oldFile], { timeoutMs: 120_000 });
    expect(back.code).toBe(0);
    expect(back.out.split('\n')[0]).toMatch(/^## tconf diff: ✓ no new failures, \d+ newly passing$/);
    const apart = await tconf(['diff', '--json', oldFile, join(newFile, '..', 'report.json')], { timeoutMs: 120_000 });
    expect(apart.code).toBe(0);
    expect(JSON.parse(apart.out)).toMatchObject({ only_old: ['reference'], only_new: [MUTANT], implementations: [] });
    // --rename pairs them without editing the file: the same movements as the relabelled report's
    const relabelled = JSON.parse((await tconf(['diff', '--json', oldFile, newFile], { timeoutMs: 120_000 })).out);
    const paired = await tconf(['diff', '--json', oldFile, join(newFile, '..', 'report.json'), '--rename', `reference=${MUTANT}`], {
      timeoutMs: 120_000,
    });
    expect(paired.code).toBe(1);
    const p = JSON.parse(paired.out);
    expect(p.implementations[0]).toMatchObject({ name: MUTANT, old_name: 'reference' });
    expect({ ...p.implementations[0], name: 'reference', old_name: undefined }).toEqual({
      ...relabelled.implementations[0],
      old_name: undefined,
    });
    const wrong = await tconf(['diff', oldFile, oldFile, '--rename', 'reference=nope'], { timeoutMs: 120_000 });
    expect([wrong.code, wrong.out]).toEqual([2, '']);
    expect(wrong.err).toMatch(/--rename reference=nope: the new report has no implementation 'nope' \(it has: reference\)/);
  }, 120_000);

  it('bad input: exit 2, naming the file, the line and the field', async () => {
    const d = tmp();
    // A small valid report (three claims), so that each case costs a process start, not parsing megabytes.
    const small = join(d, 'small.json');
    const text = JSON.stringify({ ...reference, claims: reference.claims.slice(0, 3) }, null, 1);
    writeFileSync(small, text);
    const lineOf = (t: string, needle: string, from = 0) => t.slice(0, t.indexOf(needle, from)).split('\n').length;
    const wrongVersion = join(d, 'v2.json');
    writeFileSync(wrongVersion, text.replace('"schema_version": 1', '"schema_version": 2'));
    const wrongStatus = join(d, 'status.json');
    const second = text.indexOf(`"id": ${JSON.stringify(reference.claims[1].id)}`);
    const statusText = text.slice(0, second) + text.slice(second).replace('"status": "pass"', '"status": "passed"');
    writeFileSync(wrongStatus, statusText);
    const notJson = join(d, 'summary.md');
    writeFileSync(notJson, '{\n  "a": 1,\n  oops\n}\n');
    const twice = join(d, 'twice.json');
    const r = JSON.parse(text) as RunReport;
    writeFileSync(twice, JSON.stringify({ ...r, implementations: [...r.implementations, r.implementations[0]] }, null, 1));
    const cases: Array<[string[], RegExp]> = [
      [[wrongVersion, small], new RegExp(`${wrongVersion}:${lineOf(text, '"schema_version"')}: schema_version: must be 1`)],
      [
        [small, wrongStatus],
        new RegExp(
          `${wrongStatus}:${lineOf(statusText, '"status": "passed"')}: claims\\.1\\.results\\.reference\\.status: must be equal to one of the allowed values`,
        ),
      ],
      [[small, notJson], new RegExp(`${notJson}:3: not JSON`)],
      [[small, join(d, 'missing.json')], /missing\.json: cannot be read \(ENOENT\)/],
      [[d, small], /is a directory/],
      [[small, twice], /twice\.json:\d+: implementations\.1\.name: a second implementation named 'reference'/],
      [['--rows', '0', small, small], /--rows 0: must be a whole number/],
    ];
    // Checked in process (each problem named); two through the command, for the exit code and stderr.
    for (const [args, message] of cases) {
      if (args[0] === '--rows') continue;
      const bad = args.find((f) => f !== small)!;
      expect(() => readReport(bad), args.join(' ')).toThrow(message);
    }
    for (const [args, message] of [cases[0], cases.at(-1)!]) {
      const x = await tconf(['diff', ...args], { timeoutMs: 120_000 });
      expect([x.code, x.out], args.join(' ')).toEqual([2, '']);
      expect(x.err).toMatch(message);
    }
  }, 240_000);
});
