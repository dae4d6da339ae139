// Skips through the real `tconf run`: grouped by the missing capability in every format, and a run in which an
// implementation ran no claim at all exits 2 (the reports still written) unless --allow-empty.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { IN_PROGRESS_FILE } from '../report/write.js';
import type { Requirements } from '../run/requirements.js';
import { suiteOnDisk, tconf } from '../testing/cli.js';
import { MIXED_FIXTURES, makeTestSuite, TEST_FIXTURES } from '../testing/suite.js';

let fixtureDir: string;
/** Claim id → requirements, as `tconf list --json` prints them. */
let requirements: Map<string, Requirements | null>;
beforeAll(async () => {
  fixtureDir = suiteOnDisk(await makeTestSuite({ ...TEST_FIXTURES, ...MIXED_FIXTURES }));
  const list = await tconf(['list', '--json'], { fixtureDir });
  expect(list.code).toBe(0);
  requirements = new Map(
    (JSON.parse(list.out) as Array<{ id: string; requirements: Requirements | null }>).map((r) => [r.id, r.requirements]),
  );
}, 60_000);

const reportSchema = (() => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, 'spec', 'report.schema.json'), 'utf8')));
})();
/** The report set of a run: schema-valid JSON, no temporary files, no in-progress marker. */
function validReport(dir: string) {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  expect(reportSchema(report), JSON.stringify(reportSchema.errors?.slice(0, 3))).toBe(true);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === IN_PROGRESS_FILE)).toEqual([]);
  return report;
}

/** The fake adapter (the reference over the protocol) declaring only these ops and features ('-': none). */
const declaring = (ops: string, features: string) =>
  `exec:${process.execPath} --import tsx ${join(ROOT, 'harness', 'testing', 'fake-impl.ts')} ok --ops ${ops} --features ${features}`;
const run = (impl: string[], more: string[] = []) => {
  const reports = mkdtempSync(join(tmpdir(), 'tconf-reports-'));
  return tconf(['run', '--impl', ...impl, '--no-progress', '--report-dir', reports, ...more], { fixtureDir, timeoutMs: 60_000 }).then(
    (r) => ({ ...r, reports }),
  );
};

/** What each claim misses of these capabilities, from the listed requirements (null: not involved, [] runs). */
function missingFor(ops: string[], features: string[]): Map<string, string[] | null> {
  return new Map(
    [...requirements].map(([id, r]) => [
      id,
      r && [
        ...r.ops.filter((x) => !ops.includes(x)).map((x) => `op ${x}`),
        ...r.features.filter((x) => !features.includes(x)).map((x) => `feature ${x}`),
      ],
    ]),
  );
}

describe('skips are grouped by the missing capability, with what each would unlock', () => {
  it('in report.json, on the terminal and in summary.md', async () => {
    const [ops, features] = [['dot'], ['forward']];
    const r = await run([declaring(ops.join(','), features.join(','))]);
    expect(r.code).toBe(0);
    const report = validReport(r.reports);
    const skips = report.summary['fake-ok'].skips;
    // expected, from the requirements `tconf list` prints
    const missing = [...missingFor(ops, features).values()].filter((m): m is string[] => !!m?.length);
    expect(skips.total).toBe(missing.length);
    expect(skips.several).toBe(missing.filter((m) => m.length > 1).length);
    const every = [...new Set(missing.flat())];
    expect(skips.by_missing.map((x: { missing: string }) => x.missing).sort()).toEqual(every.sort());
    for (const x of skips.by_missing) {
      expect(x.unlocks).toBe(missing.filter((m) => m.length === 1 && m[0] === x.missing).length);
      expect(x.needed_by).toBe(missing.filter((m) => m.includes(x.missing)).length);
    }
    expect(skips.total).toBe(skips.several + skips.by_missing.reduce((n: number, x: { unlocks: number }) => n + x.unlocks, 0));
    // most unlocked first
    const top = skips.by_missing[0];
    expect(top.unlocks).toBeGreaterThan(0);
    expect(top.unlocks).toBe(Math.max(...skips.by_missing.map((x: { unlocks: number }) => x.unlocks)));
    // each skipped claim says what it misses
    const probs = report.claims.find((c: { id: string }) => c.id === 'd-mixed/probs').results['fake-ok'];
    expect(probs).toMatchObject({ status: 'skip', message: 'op not supported: softmax', missing: ['op softmax'] });

    expect(r.out).toContain(`fake-ok: skipped ${skips.total} claim(s)`);
    expect(r.out).toContain(`${top.missing} +${top.unlocks}`);
    expect(r.out).toContain(`${skips.several} claim(s) need several missing capabilities`);

    const md = readFileSync(join(r.reports, 'summary.md'), 'utf8');
    expect(md).toContain('## Skipped: what each missing capability would run');
    expect(md).toContain(`| ${top.missing} | ${top.unlocks} | ${top.needed_by} |`);
    expect(md).toContain(`${skips.total} skipped, ${skips.total - skips.several} needing one capability, ${skips.several} needing several`);
  }, 60_000);

  it('the reference skips nothing: its summary has an empty skip group and no skip lines', async () => {
    const r = await run(['reference']);
    expect(r.code).toBe(0);
    expect(validReport(r.reports).summary.reference.skips).toEqual({ total: 0, several: 0, by_missing: [] });
    expect(r.out).not.toMatch(/skipped \d+ claim/);
    expect(readFileSync(join(r.reports, 'summary.md'), 'utf8')).not.toContain('## Skipped');
  }, 60_000);
});

describe('a run in which an implementation ran no claim at all', () => {
  it('exits 2 naming the implementation and its capabilities; the reports are still written', async () => {
    const r = await run(['reference', declaring('-', '-')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/tconf run: fake-ok ran no claim at all/);
    expect(r.err).toMatch(/declares ops: none; features: none/);
    expect(r.err).toMatch(/capabilities/);
    expect(r.err).toMatch(/--allow-empty/);
    expect(r.err).not.toMatch(/reference ran no claim/);
    const report = validReport(r.reports);
    const involved = [...requirements.values()].filter(Boolean).length;
    expect(report.summary['fake-ok'].overall).toMatchObject({ pass: 0, fail: 0, error: 0, skip: involved });
    expect(report.summary.reference.overall.pass).toBe(involved);
    expect(existsSync(join(r.reports, 'summary.md'))).toBe(true);
  }, 60_000);

  it('exits 0 with --allow-empty', async () => {
    const r = await run([declaring('-', '-')], ['--allow-empty']);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/ran no claim/);
    expect(validReport(r.reports).summary['fake-ok'].overall.pass).toBe(0);
  }, 60_000);

  it('a filter that keeps only claims no implementation is involved in is an empty run too', async () => {
    const r = await run(['reference'], ['--filter', 'a-matmul/arithmetic']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/reference ran no claim at all: all 1 selected claim\(s\) are not applicable/);
    expect(validReport(r.reports).summary.reference.overall).toMatchObject({ total: 1, 'not-applicable': 1 });
  }, 60_000);
});
