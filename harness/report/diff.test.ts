// The comparison of two reports on small hand-built ones: every kind of status movement, the factor-of-ten rule at
// its boundaries, implementations in one report only, a changed fixture set, and the escaping of what reports hold.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { forMarkdownCell } from '../bounded.js';
import { ROOT } from '../paths.js';
import type { Status } from '../run/runner.js';
import type { ResultEntry, RunReport } from './build.js';
import { type Diff, diffReports, ERROR_FACTOR, renderDiffJson, renderDiffMarkdown } from './diff.js';

const HASH_A = `sha256:${'a'.repeat(64)}`;
const HASH_B = `sha256:${'b'.repeat(64)}`;

/** A report: per implementation its dtype and its result per claim id (claims listed in first-seen order). */
function report(impls: Record<string, { dtype?: string; results: Record<string, ResultEntry> }>, hash = HASH_A): RunReport {
  const ids = [...new Set(Object.values(impls).flatMap((i) => Object.keys(i.results)))];
  return {
    schema_version: 1,
    suite: { name: 'transformer-conformance', version: '0.0.0' },
    fixture_set_hash: hash,
    date: '2026-01-01T00:00:00.000Z',
    profile: 'per implementation',
    filter: [],
    complete: true,
    implementations: Object.entries(impls).map(([name, i]) => ({
      name,
      version: '1',
      language: 'TypeScript',
      dtype: i.dtype ?? 'float64',
      capabilities: { ops: [], features: [] },
      scenario_errors: [],
    })),
    claims: ids.map((id) => ({
      id,
      fixture: id.split('/')[0],
      file: 'fixtures/x.yaml',
      line: 1,
      seed: null,
      section: null,
      document: false,
      kind: 'value',
      quote: '',
      printed: null,
      expected: null,
      audit: null,
      results: Object.fromEntries(Object.entries(impls).flatMap(([name, i]) => (i.results[id] ? [[name, i.results[id]]] : []))),
    })),
    fixture_sections: {},
    summary: {},
    // A cast, not a type annotation: the report gains fields over time that the comparison never reads.
  } as RunReport;
}

const st = (status: Status, message?: string): ResultEntry => ({ status, ...(message ? { message } : {}) });
const err = (rel: number | string, status: Status = 'pass'): ResultEntry =>
  ({ status, max_rel_error: rel, max_abs_error: rel }) as ResultEntry;
const pair = (a: Record<string, ResultEntry>, b: Record<string, ResultEntry>, dtypes: [string, string] = ['float64', 'float64']): Diff =>
  diffReports(report({ impl: { dtype: dtypes[0], results: a } }), report({ impl: { dtype: dtypes[1], results: b } }));

const KINDS = ['newly_failing', 'newly_passing', 'newly_skipped', 'newly_run'] as const;
type Kind = (typeof KINDS)[number] | null;

describe('status movements', () => {
  const table: Array<[Status, Status, Kind]> = [
    ['pass', 'fail', 'newly_failing'],
    ['pass', 'error', 'newly_failing'],
    ['fail', 'pass', 'newly_passing'],
    ['error', 'pass', 'newly_passing'],
    ['pass', 'skip', 'newly_skipped'],
    ['fail', 'skip', 'newly_skipped'],
    ['error', 'not-applicable', 'newly_skipped'],
    ['skip', 'pass', 'newly_run'],
    ['skip', 'fail', 'newly_run'],
    ['not-applicable', 'error', 'newly_run'],
    ['pass', 'pass', null],
    ['fail', 'error', null],
    ['error', 'fail', null],
    ['skip', 'skip', null],
    ['skip', 'not-applicable', null],
  ];
  const ids = table.map(([from, to], i) => `f/${i}-${from}-${to}`);
  const d = pair(
    Object.fromEntries(table.map(([from], i) => [ids[i], st(from)])),
    Object.fromEntries(table.map(([, to], i) => [ids[i], st(to, `now ${to}`)])),
  );
  const impl = d.implementations[0];

  it.each(table.map((row, i) => [...row, ids[i]] as const))('%s → %s: %s', (from, to, kind, id) => {
    for (const k of KINDS) {
      const found = impl[k].filter((m) => m.id === id);
      expect(found, k).toEqual(k === kind ? [{ id, from, to, message: `now ${to}` }] : []);
    }
  });

  it('counts the newly failing claims over implementations, and each side from its own results', () => {
    expect(d.newly_failing).toBe(table.filter(([, , k]) => k === 'newly_failing').length);
    for (const s of ['pass', 'fail', 'error', 'skip', 'not-applicable'] as const) {
      expect(impl.old[s]).toBe(table.filter(([from]) => from === s).length);
      expect(impl.new[s]).toBe(table.filter(([, to]) => to === s).length);
    }
    expect(impl.old.total).toBe(table.length);
    expect(d.claims_added).toEqual([]);
    expect(d.fixture_set_changed).toBe(false);
  });
});

describe('the factor-of-ten rule', () => {
  const x = 2 ** -10; // a power of two: x·10 and its neighbours are exact
  const above = (v: number) => v * (1 + 2 ** -52);
  const eps64 = 2 ** -52;
  const eps32 = 2 ** -23;
  const table: Array<[string, number | string, number | string, 'grew' | 'shrank' | null, [string, string]?]> = [
    ['exactly ten times larger is not more than ten', x, ERROR_FACTOR * x, null],
    ['just over ten times larger grew', x, above(ERROR_FACTOR * x), 'grew'],
    ['exactly ten times smaller is not more than ten', ERROR_FACTOR * x, x, null],
    ['just over ten times smaller shrank', above(ERROR_FACTOR * x), x, 'shrank'],
    ['0 → ten float64 epsilons: rounding, not a move', 0, ERROR_FACTOR * eps64, null],
    ['0 → just over ten float64 epsilons grew', 0, above(ERROR_FACTOR * eps64), 'grew'],
    ['float32: 0 → ten float32 epsilons is rounding', 0, ERROR_FACTOR * eps32, null, ['float32', 'float32']],
    ['float32 → float64 at rounding level shrank by the epsilons’ ratio', eps32, 0, 'shrank', ['float32', 'float64']],
    ['NaN counts as infinitely worse', x, 'NaN', 'grew'],
    ['Infinity → finite shrank', 'Infinity', x, 'shrank'],
    ['Infinity → Infinity did not move', 'Infinity', 'Infinity', null],
  ];
  it.each(table)('%s', (_name, from, to, kind, dtypes) => {
    const d = pair({ 'f/c': err(from) }, { 'f/c': err(to) }, dtypes);
    const { error_grew, error_shrank } = d.implementations[0];
    expect(error_grew.length).toBe(kind === 'grew' ? 1 : 0);
    expect(error_shrank.length).toBe(kind === 'shrank' ? 1 : 0);
    const m = [...error_grew, ...error_shrank][0];
    if (m) {
      expect(m.from.max_rel_error).toBe(from);
      expect(m.to.max_rel_error).toBe(to);
      expect(typeof m.factor === 'string' || m.factor > ERROR_FACTOR).toBe(true);
    }
  });

  it('the floor is the dtype epsilon: float32 → float64 at rounding level is that ratio exactly', () => {
    const m = pair({ 'f/c': err(eps32) }, { 'f/c': err(0) }, ['float32', 'float64']).implementations[0].error_shrank[0];
    expect(m.factor).toBe(eps32 / eps64);
  });

  it('compares no claim without an error on both sides, and lists the largest factor first', () => {
    const d = pair(
      { 'f/skip': st('skip'), 'f/small': err(x), 'f/big': err(x), 'f/inf': err(x) },
      { 'f/skip': err(1), 'f/small': err(100 * x), 'f/big': err(1e6 * x), 'f/inf': err('Infinity', 'fail') },
    );
    expect(d.implementations[0].error_grew.map((m) => m.id)).toEqual(['f/inf', 'f/big', 'f/small']);
    expect(d.implementations[0].error_grew[0].factor).toBe('Infinity');
  });
});

describe('implementations and claims in one report only', () => {
  it('a renamed implementation is in one report each, and nothing is compared', () => {
    const d = diffReports(
      report({ 'impl 1.0': { results: { 'f/a': st('pass') } } }),
      report({ 'impl-v2': { results: { 'f/a': st('fail') } } }),
    );
    expect([d.only_old, d.only_new, d.implementations, d.newly_failing]).toEqual([['impl 1.0'], ['impl-v2'], [], 0]);
    const md = renderDiffMarkdown(d);
    expect(md).toMatch(/Only in the old report \(not compared\): impl 1\.0/);
    expect(md).toMatch(/Only in the new report \(not compared\): impl-v2/);
    expect(md).toMatch(/No implementation is in both reports/);
  });

  it('a rename pairs the two names: compared, named with what it was, and a name renamed away is not matched by itself', () => {
    const a = report({ 'impl 1.0': { results: { 'f/a': st('pass') } }, other: { results: { 'f/a': st('pass') } } });
    const b = report({ 'impl-v2': { results: { 'f/a': st('fail') } }, 'impl 1.0': { results: { 'f/a': st('fail') } } });
    const d = diffReports(a, b, {}, new Map([['impl 1.0', 'impl-v2']]));
    expect(d.implementations.map((i) => [i.name, i.old_name, i.newly_failing.length])).toEqual([['impl-v2', 'impl 1.0', 1]]);
    expect([d.only_old, d.only_new, d.newly_failing]).toEqual([['other'], ['impl 1.0'], 1]);
    expect(renderDiffMarkdown(d)).toContain('| impl-v2 (was impl 1.0) | 1/1 → 0/1 |');
  });

  it('matches the implementations both reports hold and names the others', () => {
    const d = diffReports(
      report({ kept: { results: { 'f/a': st('pass') } }, gone: { results: { 'f/a': st('pass') } } }),
      report({ fresh: { results: { 'f/a': st('fail') } }, kept: { results: { 'f/a': st('error') } } }),
    );
    expect(d.implementations.map((i) => i.name)).toEqual(['kept']);
    expect([d.only_old, d.only_new, d.newly_failing]).toEqual([['gone'], ['fresh'], 1]);
  });

  it('a changed fixture set: claims added and removed, both hashes in the Markdown', () => {
    const d = diffReports(
      report({ i: { results: { 'f/kept': st('pass'), 'f/old': st('pass') } } }, HASH_A),
      report({ i: { results: { 'f/kept': st('pass'), 'f/new': st('fail') } } }, HASH_B),
    );
    expect([d.fixture_set_changed, d.claims_added, d.claims_removed, d.newly_failing]).toEqual([true, ['f/new'], ['f/old'], 0]);
    const md = renderDiffMarkdown(d);
    expect(md).toContain(`**The fixture set changed**: \`${HASH_A}\` → \`${HASH_B}\``);
    expect(md).toMatch(/1 claim\(s\) added: f\/new/);
    expect(md).toMatch(/1 claim\(s\) removed: f\/old/);
  });
});

describe('rendering', () => {
  const n = 7;
  const ids = Array.from({ length: n }, (_, i) => `f/c${i}`);
  const d = pair(Object.fromEntries(ids.map((id) => [id, st('pass')])), Object.fromEntries(ids.map((id) => [id, st('fail', 'off')])));

  it('Markdown: a headline, a table, each section capped with "and N more"', () => {
    const rows = 3;
    const md = renderDiffMarkdown(d, { rows });
    expect(md.split('\n')[0]).toBe(`## tconf diff: ✗ ${n} newly failing, 0 newly passing`);
    expect(md).toContain(`### impl: ${n} newly failing`);
    expect(md).toContain(`| and ${n - rows} more | | | |`);
    for (const id of ids.slice(0, rows)) expect(md).toContain(`| ${id} | pass | fail | off |`);
    expect(md).not.toContain(ids[rows]);
    expect(renderDiffMarkdown(pair({ 'f/a': st('fail') }, { 'f/a': st('pass') })).split('\n')[0]).toBe(
      '## tconf diff: ✓ no new failures, 1 newly passing',
    );
  });

  it('escapes names, ids and messages from the reports for Markdown and the terminal; JSON keeps them, escaped', () => {
    const name = 'evil|\u001b[31m\u202e<b>';
    const hostile = diffReports(
      report({ [name]: { results: { 'f/`x`|': st('pass') } } }),
      report({ [name]: { results: { 'f/`x`|': st('fail', 'line1 \u009b\u0007 | *bold*\nline2') } } }),
    );
    const md = renderDiffMarkdown(hostile);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(md).toContain(`| ${forMarkdownCell(name)} | 1/1 → 0/1 |`);
    expect(md).toContain('f/\\`x\\`\\|');
    expect(md).not.toContain('line2');
    const text = renderDiffJson(hostile);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(text)).toEqual(hostile);
  });

  it('the JSON validates against spec/diff.schema.json, non-finite numbers as strings', () => {
    const validate = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
      JSON.parse(readFileSync(join(ROOT, 'spec', 'diff.schema.json'), 'utf8')),
    );
    const moved = pair({ 'f/a': err(1e-3), 'f/b': st('skip') }, { 'f/a': err('NaN', 'fail'), 'f/b': st('pass') });
    for (const x of [d, moved]) {
      const parsed = JSON.parse(renderDiffJson(x));
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
