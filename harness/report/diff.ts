// Two runs compared (`tconf diff`): per implementation, matched by name, what moved between an old and a new
// report.json. Pure: two reports in, a Diff out (spec/diff.schema.json), plus its Markdown rendering.
import { forMarkdownCell as cell, truncate } from '../bounded.js';
import type { Status } from '../run/runner.js';
import type { Counts, ResultEntry, RunReport } from './build.js';

export const DIFF_SCHEMA_VERSION = 1;
/** A worst error that grew or shrank by more than this factor is listed. */
export const ERROR_FACTOR = 10;
/** Rows per Markdown section by default: a pull-request comment stays readable (and under the host's size limit). */
export const DEFAULT_ROWS = 20;

export interface StatusMove {
  id: string;
  from: Status;
  to: Status;
  /** The new result's message (why it fails or is skipped), when it has one. */
  message?: string;
}

type Err = number | string;
export interface ErrorMove {
  id: string;
  from: { max_rel_error: Err; max_abs_error: Err };
  to: { max_rel_error: Err; max_abs_error: Err };
  /** How many times larger (error_grew) or smaller (error_shrank) the worst relative error is; ≥ ERROR_FACTOR. */
  factor: Err;
}

export interface ImplementationDiff {
  /** Its name in the new report. */
  name: string;
  /** Its name in the old report, when that differs (`tconf diff --rename OLD=NEW`). */
  old_name?: string;
  old: Counts;
  new: Counts;
  /** pass → fail or error. */
  newly_failing: StatusMove[];
  /** fail or error → pass. */
  newly_passing: StatusMove[];
  /** Ran (pass, fail, error) before, not now (skip, not-applicable). */
  newly_skipped: StatusMove[];
  /** Not run (skip, not-applicable) before, run now. */
  newly_run: StatusMove[];
  /** Largest factor first. */
  error_grew: ErrorMove[];
  error_shrank: ErrorMove[];
}

export interface DiffSide {
  file: string | null;
  date: string;
  suite_version: string;
  fixture_set_hash: string;
  profile: string;
  filter: string[];
  complete: boolean;
  claims: number;
}

export interface Diff {
  schema_version: number;
  old: DiffSide;
  new: DiffSide;
  fixture_set_changed: boolean;
  /** Claim ids in the new report only, and in the old only (a changed fixture set, another --filter, an interrupted run). */
  claims_added: string[];
  claims_removed: string[];
  /** Implementation names in one report only (an implementation is matched by its name). */
  only_old: string[];
  only_new: string[];
  implementations: ImplementationDiff[];
  /** The sum of every implementation's newly failing claims: `tconf diff` exits 1 when it is not 0. */
  newly_failing: number;
}

const RUN = new Set<Status>(['pass', 'fail', 'error']);
const FAILING = new Set<Status>(['fail', 'error']);
// Below its dtype's machine epsilon an error is rounding, so 0 → 1e-16 is no "factor of ten" move.
const EPSILON: Record<string, number> = { float64: 2 ** -52, float32: 2 ** -23 };

/** The report's number (non-finite ones are written as strings); NaN counts as the worst error there is. */
const magnitude = (x: Err): number => {
  const v = typeof x === 'number' ? x : Number(x);
  return Number.isNaN(v) ? Infinity : Math.abs(v);
};
const json = (x: number): Err => (Number.isFinite(x) ? x : String(x));

function counts(report: RunReport, name: string): Counts {
  const c: Counts = { total: 0, pass: 0, fail: 0, skip: 0, error: 0, 'not-applicable': 0 };
  for (const claim of report.claims) {
    const r = claim.results[name];
    if (!r) continue;
    c.total++;
    c[r.status]++;
  }
  return c;
}

/** The error move of one claim, or null: each side's relative error, floored at its dtype's epsilon, compared. */
export function errorMove(id: string, a: ResultEntry, b: ResultEntry, dtypes: [string, string]): ['grew' | 'shrank', ErrorMove] | null {
  if (a.max_rel_error === undefined || b.max_rel_error === undefined) return null;
  const x = Math.max(magnitude(a.max_rel_error), EPSILON[dtypes[0]] ?? EPSILON.float64);
  const y = Math.max(magnitude(b.max_rel_error), EPSILON[dtypes[1]] ?? EPSILON.float64);
  const side = (r: ResultEntry) => ({ max_rel_error: r.max_rel_error!, max_abs_error: r.max_abs_error ?? 'NaN' });
  if (y > ERROR_FACTOR * x) return ['grew', { id, from: side(a), to: side(b), factor: json(y / x) }];
  if (x > ERROR_FACTOR * y) return ['shrank', { id, from: side(a), to: side(b), factor: json(x / y) }];
  return null;
}

const factorOf = (m: ErrorMove) => magnitude(m.factor);

/**
 * `renames`: old name → new name, for an implementation that changed its name between the runs; every other
 * implementation is matched by its name.
 */
export function diffReports(
  a: RunReport,
  b: RunReport,
  files: { old?: string; new?: string } = {},
  renames: ReadonlyMap<string, string> = new Map(),
): Diff {
  const side = (r: RunReport, file?: string): DiffSide => ({
    file: file ?? null,
    date: r.date,
    suite_version: r.suite.version,
    fixture_set_hash: r.fixture_set_hash,
    profile: r.profile,
    filter: r.filter,
    complete: r.complete,
    claims: r.claims.length,
  });
  const oldClaims = new Map(a.claims.map((c) => [c.id, c]));
  const newIds = new Set(b.claims.map((c) => c.id));
  const renamedFrom = new Map([...renames].map(([o, n]) => [n, o]));
  const oldNameOf = (n: string) => renamedFrom.get(n) ?? (renames.has(n) ? undefined : n);
  const newNames = new Set(b.implementations.map((i) => i.name));
  const matched = new Set(b.implementations.map((i) => oldNameOf(i.name)));
  const implementations: ImplementationDiff[] = [];
  for (const impl of b.implementations) {
    const was = oldNameOf(impl.name);
    const before = a.implementations.find((i) => i.name === was);
    if (!before) continue;
    const d: ImplementationDiff = {
      name: impl.name,
      ...(before.name !== impl.name ? { old_name: before.name } : {}),
      old: counts(a, before.name),
      new: counts(b, impl.name),
      newly_failing: [],
      newly_passing: [],
      newly_skipped: [],
      newly_run: [],
      error_grew: [],
      error_shrank: [],
    };
    for (const claim of b.claims) {
      const y = claim.results[impl.name];
      const x = oldClaims.get(claim.id)?.results[before.name];
      if (!x || !y) continue;
      const move: StatusMove = { id: claim.id, from: x.status, to: y.status, ...(y.message !== undefined ? { message: y.message } : {}) };
      if (x.status === 'pass' && FAILING.has(y.status)) d.newly_failing.push(move);
      else if (FAILING.has(x.status) && y.status === 'pass') d.newly_passing.push(move);
      else if (RUN.has(x.status) && !RUN.has(y.status)) d.newly_skipped.push(move);
      else if (!RUN.has(x.status) && RUN.has(y.status)) d.newly_run.push(move);
      const e = errorMove(claim.id, x, y, [before.dtype, impl.dtype]);
      if (e) (e[0] === 'grew' ? d.error_grew : d.error_shrank).push(e[1]);
    }
    // Stable sort: equal factors stay in the report's claim order.
    d.error_grew.sort((p, q) => factorOf(q) - factorOf(p) || 0);
    d.error_shrank.sort((p, q) => factorOf(q) - factorOf(p) || 0);
    implementations.push(d);
  }
  return {
    schema_version: DIFF_SCHEMA_VERSION,
    old: side(a, files.old),
    new: side(b, files.new),
    fixture_set_changed: a.fixture_set_hash !== b.fixture_set_hash,
    claims_added: b.claims.filter((c) => !oldClaims.has(c.id)).map((c) => c.id),
    claims_removed: a.claims.filter((c) => !newIds.has(c.id)).map((c) => c.id),
    only_old: a.implementations.map((i) => i.name).filter((n) => !matched.has(n)),
    only_new: [...newNames].filter((n) => !implementations.some((d) => d.name === n)),
    implementations,
    newly_failing: implementations.reduce((s, d) => s + d.newly_failing.length, 0),
  };
}

/** The Diff as JSON, with C1 controls and bidi overrides escaped too (JSON.stringify leaves them raw). */
export function renderDiffJson(diff: Diff): string {
  return `${JSON.stringify(diff, null, 1).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

const MESSAGE_CHARS = 160;
// Ids and names come from the reports too: bounded, so one absurd name cannot blow a comment's size limit.
const NAME_CHARS = 200;
const name = (s: string) => cell(truncate(s, NAME_CHARS));
const num = (x: Err) => (typeof x === 'number' ? x.toExponential(2) : cell(x));
const factorText = (x: Err) => {
  const v = magnitude(x);
  return Number.isFinite(v) ? `×${v < 1e4 ? v.toFixed(1) : v.toExponential(1)}` : '×∞';
};
const list = (xs: string[], rows: number) =>
  `${xs
    .slice(0, rows)
    .map((x) => name(x))
    .join(', ')}${xs.length > rows ? `, and ${xs.length - rows} more` : ''}`;
const sideText = (s: DiffSide) =>
  `${s.file !== null ? `${name(s.file)}, ` : ''}${name(s.date)}, suite ${name(s.suite_version)}, ${s.claims} claims${s.complete ? '' : ', **interrupted**'}`;

/** Markdown for a pull-request comment: a headline, a table per implementation, then each movement capped at `rows`. */
export function renderDiffMarkdown(diff: Diff, o: { rows?: number } = {}): string {
  const rows = o.rows ?? DEFAULT_ROWS;
  const total = (k: 'newly_passing' | 'newly_skipped' | 'newly_run') => diff.implementations.reduce((s, d) => s + d[k].length, 0);
  const out: string[] = [];
  out.push(
    diff.newly_failing
      ? `## tconf diff: ✗ ${diff.newly_failing} newly failing, ${total('newly_passing')} newly passing`
      : `## tconf diff: ✓ no new failures, ${total('newly_passing')} newly passing`,
    '',
    `Old: ${sideText(diff.old)}. New: ${sideText(diff.new)}.`,
    '',
  );
  if (diff.fixture_set_changed)
    out.push(`**The fixture set changed**: \`${cell(diff.old.fixture_set_hash)}\` → \`${cell(diff.new.fixture_set_hash)}\`.`, '');
  else out.push(`Same fixture set: \`${cell(diff.new.fixture_set_hash)}\`.`, '');
  if (diff.claims_added.length || diff.claims_removed.length) {
    const why = diff.fixture_set_changed ? '' : ' (same fixture set: another --filter, or an interrupted run)';
    if (diff.claims_added.length) out.push(`- ${diff.claims_added.length} claim(s) added${why}: ${list(diff.claims_added, rows)}`);
    if (diff.claims_removed.length) out.push(`- ${diff.claims_removed.length} claim(s) removed${why}: ${list(diff.claims_removed, rows)}`);
    out.push('');
  }
  if (diff.only_old.length) out.push(`- Only in the old report (not compared): ${list(diff.only_old, rows)}`);
  if (diff.only_new.length) out.push(`- Only in the new report (not compared): ${list(diff.only_new, rows)}`);
  if (diff.only_old.length || diff.only_new.length) out.push('');
  if (!diff.implementations.length) {
    out.push('No implementation is in both reports: nothing to compare (implementations are matched by name).', '');
    return out.join('\n');
  }
  out.push(
    `| implementation | pass (old → new) | newly failing | newly passing | newly skipped | newly run | error ×${ERROR_FACTOR}+ up | error ×${ERROR_FACTOR}+ down |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const d of diff.implementations)
    out.push(
      `| ${name(d.name)}${d.old_name !== undefined ? ` (was ${name(d.old_name)})` : ''} | ${d.old.pass}/${d.old.total} → ${d.new.pass}/${d.new.total} | ${[d.newly_failing, d.newly_passing, d.newly_skipped, d.newly_run, d.error_grew, d.error_shrank].map((x) => x.length).join(' | ')} |`,
    );
  out.push('');
  const capped = <T>(xs: T[], line: (x: T) => string) => {
    for (const x of xs.slice(0, rows)) out.push(line(x));
    if (xs.length > rows) out.push(`| and ${xs.length - rows} more | | | |`);
    out.push('');
  };
  const statusSection = (d: ImplementationDiff, title: string, xs: StatusMove[]) => {
    if (!xs.length) return;
    out.push(`### ${name(d.name)}: ${xs.length} ${title}`, '', '| claim | was | now | message |', '| --- | --- | --- | --- |');
    capped(
      xs,
      (m) => `| ${name(m.id)} | ${cell(m.from)} | ${cell(m.to)} | ${cell(truncate((m.message ?? '').split('\n')[0], MESSAGE_CHARS))} |`,
    );
  };
  const errorSection = (d: ImplementationDiff, title: string, xs: ErrorMove[]) => {
    if (!xs.length) return;
    out.push(
      `### ${name(d.name)}: ${xs.length} ${title}`,
      '',
      '| claim | worst relative error (old → new) | absolute (old → new) | factor |',
      '| --- | --- | --- | --- |',
    );
    capped(
      xs,
      (m) =>
        `| ${name(m.id)} | ${num(m.from.max_rel_error)} → ${num(m.to.max_rel_error)} | ${num(m.from.max_abs_error)} → ${num(m.to.max_abs_error)} | ${factorText(m.factor)} |`,
    );
  };
  for (const d of diff.implementations) {
    statusSection(d, 'newly failing (pass → fail or error)', d.newly_failing);
    statusSection(d, 'newly passing', d.newly_passing);
    statusSection(d, 'newly skipped (ran before, not now)', d.newly_skipped);
    statusSection(d, 'newly run (skipped before)', d.newly_run);
    errorSection(d, `whose worst error grew more than ${ERROR_FACTOR}×`, d.error_grew);
    errorSection(d, `whose worst error shrank more than ${ERROR_FACTOR}×`, d.error_shrank);
  }
  return out.join('\n');
}
