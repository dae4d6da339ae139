// `tconf diff OLD.json NEW.json`: what moved between two runs' report.json, as Markdown (a pull-request comment)
// or JSON (spec/diff.schema.json). Both files are checked against spec/report.schema.json first (exit 2).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { forTerminal, truncate } from '../bounded.js';
import { ROOT } from '../paths.js';
import type { RunReport } from '../report/build.js';
import { DEFAULT_ROWS, diffReports, renderDiffJson, renderDiffMarkdown } from '../report/diff.js';
import { EXIT, UsageError } from './usage.js';
import { describe, segments } from './user-files.js';

/** A report of many implementations is megabytes; past this it cannot be a report (and JSON.parse would choke). */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;
const MAX_PROBLEMS = 20;

// Its own Ajv: the report schema uses format date-time, which a bare Ajv would warn about on stderr.
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
const ajv = new Ajv2020.default({
  allErrors: true,
  strict: false,
  formats: { 'date-time': (s: string) => ISO_DATE.test(s) && !Number.isNaN(Date.parse(s)) },
});
let validateReport: ReturnType<typeof ajv.compile> | undefined;

/** Problems as `file:line: field: message`; lines are found by re-parsing with positions, only when there are problems. */
function located(file: string, text: string, problems: Array<{ at: Array<string | number>; message: string }>): string {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lines = [
    ...new Set(
      problems.map(({ at, message }) => {
        const node = doc.getIn(at, true);
        const line = isNode(node) && node.range ? lc.linePos(node.range[0]).line : 1;
        return `${file}:${line}: ${at.length ? at.join('.') : '(top level)'}: ${message}`;
      }),
    ),
  ];
  const shown = lines.slice(0, MAX_PROBLEMS).map((l) => forTerminal(truncate(l, 300)));
  return `${shown.join('\n  ')}${lines.length > MAX_PROBLEMS ? `\n  and ${lines.length - MAX_PROBLEMS} more` : ''}`;
}

/** What the schema cannot say: names and ids are unique, every result belongs to a listed implementation. */
function consistency(r: RunReport): Array<{ at: Array<string | number>; message: string }> {
  const problems: Array<{ at: Array<string | number>; message: string }> = [];
  const names = new Set<string>();
  r.implementations.forEach((impl, i) => {
    if (names.has(impl.name))
      problems.push({ at: ['implementations', i, 'name'], message: `a second implementation named '${impl.name}'` });
    names.add(impl.name);
  });
  const ids = new Set<string>();
  r.claims.forEach((c, i) => {
    if (ids.has(c.id)) problems.push({ at: ['claims', i, 'id'], message: `a second claim with id '${c.id}'` });
    ids.add(c.id);
    for (const name of Object.keys(c.results))
      if (!names.has(name))
        problems.push({ at: ['claims', i, 'results', name], message: 'a result of an implementation the report does not list' });
  });
  return problems;
}

/** Reads and checks one report.json; every problem is a UsageError naming the file, the line and the field. */
export function readReport(file: string): RunReport {
  let text: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${file}: is a directory, not a report.json`);
    if (st.size > MAX_REPORT_BYTES) throw new UsageError(`${file}: ${st.size} bytes, more than the ${MAX_REPORT_BYTES} a report may have`);
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof TypeError) throw new UsageError(`${file}: not UTF-8 text`);
    throw new UsageError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const at = /at position (\d+)/.exec((e as Error).message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : 1;
    throw new UsageError(
      `${file}:${line}: not JSON (${truncate((e as Error).message, 200)}); tconf diff reads the report.json of tconf run`,
    );
  }
  validateReport ??= ajv.compile(JSON.parse(readFileSync(join(ROOT, 'spec', 'report.schema.json'), 'utf8')));
  if (!validateReport(data)) {
    const problems = (validateReport.errors ?? []).map((e) => ({ at: segments(e.instancePath), message: describe(e) }));
    throw new UsageError(`${file} is not a valid report (spec/report.schema.json):\n  ${located(file, text, problems)}`);
  }
  const report = data as RunReport;
  const problems = consistency(report);
  if (problems.length) throw new UsageError(`${file} is not a consistent report:\n  ${located(file, text, problems)}`);
  return report;
}

export interface DiffCommandOptions {
  json?: boolean;
  rows?: string;
  /** OLD=NEW: the implementation called OLD in the old report is called NEW in the new one. */
  rename?: string[];
}

/** The --rename pairs, each name checked against the report it must be in. */
function renames(words: string[], a: RunReport, b: RunReport): Map<string, string> {
  const pairs = new Map<string, string>();
  const show = (s: string) => forTerminal(truncate(s, 120));
  for (const w of words) {
    const at = w.indexOf('=');
    if (at <= 0 || at === w.length - 1) throw new UsageError(`--rename ${show(w)}: expected OLD=NEW, two implementation names`);
    const [from, to] = [w.slice(0, at), w.slice(at + 1)];
    if (!a.implementations.some((i) => i.name === from))
      throw new UsageError(
        `--rename ${show(w)}: the old report has no implementation '${show(from)}' (it has: ${show(a.implementations.map((i) => i.name).join(', '))})`,
      );
    if (!b.implementations.some((i) => i.name === to))
      throw new UsageError(
        `--rename ${show(w)}: the new report has no implementation '${show(to)}' (it has: ${show(b.implementations.map((i) => i.name).join(', '))})`,
      );
    if (pairs.has(from) || [...pairs.values()].includes(to))
      throw new UsageError(`--rename ${show(w)}: '${show(from)}' or '${show(to)}' is paired twice`);
    pairs.set(from, to);
  }
  return pairs;
}

/** Exit 1 when a claim that passed now fails or errors, 0 otherwise; a UsageError (exit 2) for bad input. */
export function diffCommand(oldFile: string, newFile: string, o: DiffCommandOptions): number {
  const rows = o.rows === undefined ? DEFAULT_ROWS : Number(o.rows);
  if (!Number.isInteger(rows) || rows < 1)
    throw new UsageError(`--rows ${forTerminal(truncate(String(o.rows), 40))}: must be a whole number ≥ 1`);
  const [a, b] = [readReport(oldFile), readReport(newFile)];
  const diff = diffReports(a, b, { old: oldFile, new: newFile }, renames(o.rename ?? [], a, b));
  process.stdout.write(o.json ? renderDiffJson(diff) : `${renderDiffMarkdown(diff, { rows })}\n`);
  return diff.newly_failing ? EXIT.failures : EXIT.ok;
}
