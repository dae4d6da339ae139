// `tconf run`: the fixtures against one or more implementations, reports written, exit code for CI.
// Everything the user hands in (flags, baseline, overrides, report directory) is checked before the first
// implementation starts; an interrupt stops the run at the next scenario and still writes what ran. Each
// implementation that fails is diagnosed (its first wrong value, the classic mistake it matches) into the reports.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import pc from 'picocolors';
import { auditSuiteCached } from '../audit/cache.js';
import { baselineKey, compareToBaseline, nextBaseline, type Baseline } from '../run/baseline.js';
import { forTerminal, nameProblem, truncate } from '../bounded.js';
import { PROFILES, type ProfileName } from '../run/compare.js';
import type { Suite } from '../fixtures/suite.js';
import type { Implementation } from '../run/implementation.js';
import { MUTANT_NAMES } from '../impls/mutants.js';
import { DEFAULT_MAX_LINE_BYTES, endAllChildren, MAX_LINE_BYTES_LIMIT, MAX_TIMEOUT_MS } from '../impls/process-bounds.js';
import { KNOWN, resolveImplementation } from '../impls/registry.js';
import { buildReport, type RunReport } from '../report/build.js';
import { diagnoseRun, diagnosisLines, terminalLines } from '../report/diagnosis.js';
import { attachTimes, type RunTimes } from '../report/junit.js';
import { writeReports } from '../report/formats.js';
import { clearRunMarker, ensureWritableDir, markRunStarted, writeFileAtomically } from '../report/write.js';
import { claimId } from '../fixtures/types.js';
import { record, runImplementation, selectClaims, type ImplementationRun, type Overrides } from '../run/runner.js';
import { EXIT, UsageError } from './usage.js';
import { readUserFile, type UserFileProblem } from './user-files.js';

export interface RunCommandOptions {
  impl: string[];
  profile?: string;
  filter?: string[];
  reportDir: string;
  baseline?: string;
  updateBaseline?: boolean;
  timeout: string;
  maxLineBytes?: string;
  overrides?: string;
  progress: boolean;
  /** Exit 0 even when an implementation ran no claim at all (everything skipped or not applicable). */
  allowEmpty?: boolean;
  /** With a baseline: fail (exit 1) also when claims it lists now pass, so that the baseline is kept current. */
  strict?: boolean;
  /** The report JSON on stdout, and nothing else there (progress and messages go to stderr). */
  json?: boolean;
  /** Diagnose each failing implementation into the reports (default true; `--no-diagnose`). */
  diagnose?: boolean;
}

export const SUITE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** Longest implementation name a report will carry (a name is a table heading, a JUnit class, a file key). */
export const MAX_NAME_LENGTH = 100;

/**
 * Reads and checks `--overrides`: the schema, then every key: an implementation is an `--impl` word (what the
 * user types, like a baseline's keys), and every claim glob compiles and matches at least one claim of the suite
 * (a typo would otherwise loosen nothing, silently).
 */
function readOverrides(file: string | undefined, claimIds: string[]): Overrides | undefined {
  if (!file) return undefined;
  const check = (data: unknown): UserFileProblem[] => {
    const problems: UserFileProblem[] = [];
    for (const [impl, globs] of Object.entries(data as Overrides)) {
      if (!isImplWord(impl))
        problems.push({
          at: [impl],
          message: `unknown implementation '${truncate(impl, 80)}': a key is an --impl word (${KNOWN.join(', ')}, mutant:NAME, exec:COMMAND ARGS), as typed`,
        });
      for (const glob of Object.keys(globs)) {
        let match: (id: string) => boolean;
        try {
          match = picomatch(glob);
        } catch (e) {
          problems.push({ at: [impl, glob], message: `'${truncate(glob, 80)}' is not a glob (${(e as Error).message})` });
          continue;
        }
        if (!claimIds.some((id) => match(id)))
          problems.push({ at: [impl, glob], message: `'${truncate(glob, 80)}' matches no claim of the suite (see tconf list)` });
      }
    }
    return problems;
  };
  const o = readUserFile(file, 'overrides.schema.json', 'overrides file', check) as Overrides;
  if (!o || typeof o !== 'object')
    throw new UsageError(`overrides file ${file}: expected a mapping implementation → { claim glob → { atol, rtol } }`);
  return o;
}

/** Reads `--baseline`: a missing file is an error unless the run is to write it. */
function readBaselineFile(file: string, willWrite: boolean): Baseline {
  if (!existsSync(file)) {
    if (willWrite) return { version: 1, known_failures: record() };
    throw new UsageError(`--baseline ${file}: no such file (create it with --update-baseline)`);
  }
  return readUserFile(file, 'baseline.schema.json', 'baseline') as Baseline;
}

export function parseTimeout(s: string): number {
  const ms = Number(s) * 1000;
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TIMEOUT_MS)
    throw new UsageError(`--timeout must be a number of seconds from 0.001 to ${MAX_TIMEOUT_MS / 1000} (got '${truncate(s, 40)}')`);
  return ms;
}

function parseMaxLineBytes(s: string | undefined): number {
  if (s === undefined) return DEFAULT_MAX_LINE_BYTES;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1024 || n > MAX_LINE_BYTES_LIMIT)
    throw new UsageError(
      `--max-line-bytes must be a whole number of bytes from 1024 to ${MAX_LINE_BYTES_LIMIT} (got '${truncate(s, 40)}')`,
    );
  return n;
}

/** A word `--impl` accepts: a known implementation, a known mutant, or an `exec:` command. */
const isImplWord = (w: string) =>
  (KNOWN as readonly string[]).includes(w) || w.startsWith('exec:') || (w.startsWith('mutant:') && MUTANT_NAMES.includes(w.slice(7)));

/**
 * Checks the `--impl` words before anything starts. A word that names no implementation right after an
 * `exec:` word is almost always that command's argument, split off because the value was not quoted.
 */
export function checkImplWords(words: string[]): void {
  const seen = new Set<string>();
  words.forEach((w, i) => {
    if (!isImplWord(w)) {
      if (w.startsWith('mutant:'))
        throw new UsageError(`--impl ${truncate(w, 80)}: no such mutant (see tconf mutants: ${MUTANT_NAMES.join(', ')})`);
      const prev = words[i - 1];
      const hint = prev?.startsWith('exec:')
        ? `; if it is an argument of '${truncate(prev, 80)}', quote the whole value: --impl "${truncate(`${prev} ${w}`, 120)}"`
        : '';
      throw new UsageError(
        `unknown implementation '${truncate(w, 80)}' (known: ${KNOWN.join(', ')}, mutant:NAME, exec:COMMAND ARGS)${hint}`,
      );
    }
    if (w.startsWith('exec:') && !w.slice(5).trim()) throw new UsageError('--impl exec: needs a command after the colon');
    if (seen.has(w)) throw new UsageError(`--impl ${truncate(w, 80)} is given twice`);
    seen.add(w);
  });
}

/** A name no other implementation of this run has: the implementation's own, or it with a visible suffix. */
function uniqueName(name: string, taken: Set<string>): string {
  let label = name;
  for (let k = 2; taken.has(label); k++) label = `${name} (${k})`;
  taken.add(label);
  return label;
}

function summaryTable(report: RunReport): string {
  const rows = report.implementations.map((i) => {
    const c = report.summary[i.name].overall;
    return [forTerminal(i.name), i.dtype, String(c.pass), String(c.fail), String(c.error), String(c.skip), String(c['not-applicable'])];
  });
  const head = ['implementation', 'dtype', 'pass', 'fail', 'error', 'skip', 'n/a'];
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (r: string[]) => r.map((x, k) => x.padEnd(width[k])).join('  ');
  const colour = (r: string[]) => {
    const s = line(r);
    return Number(r[3]) || Number(r[4]) ? pc.red(s) : pc.green(s);
  };
  return [pc.bold(line(head)), ...rows.map(colour)].join('\n');
}

/** The terminal's explanation of the table's columns that are not plain outcomes. */
export const LEGEND =
  "skip: needs an op or feature the implementation does not declare (what each would run is listed above); n/a: a claim about the document's own arithmetic, which involves no implementation (the audit checks it)";

/** Lines of failures the terminal shows per implementation; summary.md and report.html list every one. */
export const MAX_FAILURE_LINES = 20;
/** Lines of an adapter's stderr tail the terminal shows (the reports keep the whole evidence). */
const STDERR_LINES = 6;
const STDERR_MARK = '\n--- stderr';

/**
 * Per implementation: its failures grouped by scenario, one line each (the count and the first failing claim),
 * a scenario that could not run as one line and its adapter's stderr tail once; claims the baseline lists are
 * counted, not listed. At most MAX_FAILURE_LINES lines per implementation, then how many more.
 */
export function failureLines(runs: ImplementationRun[], report: RunReport): string[] {
  const lines: string[] = [];
  for (const r of runs) {
    const name = forTerminal(r.info.name);
    const known = new Set(report.baseline?.[r.info.name]?.known_failures ?? []);
    const crashed = new Map(r.scenarioErrors.map((e) => [e.fixture, e]));
    const byFixture = new Map<string, Array<[string, { status: string; message?: string }]>>();
    let knownCount = 0;
    for (const [id, x] of Object.entries(r.results)) {
      if (x.status !== 'fail' && x.status !== 'error') continue;
      if (known.has(id)) {
        knownCount++;
        continue;
      }
      const fixture = id.slice(0, id.indexOf('/'));
      byFixture.set(fixture, [...(byFixture.get(fixture) ?? []), [id, x]]);
    }
    if (!byFixture.size && !knownCount) continue;
    const count = [...byFixture.values()].reduce((n, xs) => n + xs.length, 0);
    const knownNote = knownCount ? `${knownCount} known failure(s) in the baseline, not listed (see summary.md)` : '';
    lines.push(
      pc.bold(
        count
          ? `${name}: ${count} ${report.baseline ? 'new ' : ''}failing claim(s) in ${byFixture.size} scenario(s)${knownNote ? `; ${knownNote}` : ''}`
          : `${name}: ${knownNote}`,
      ),
    );
    // Each line, and whether it is a scenario's own line (not its stderr), for the count of those left out.
    const body: Array<{ text: string; scenario: boolean }> = [];
    const add = (text: string, scenario = true) => body.push({ text, scenario });
    const tails = new Set<string>();
    for (const [fixture, xs] of byFixture) {
      const e = crashed.get(fixture);
      if (e) {
        add(`${pc.red('error')} ${name} ${fixture}: ${e.claims} claim(s) not run: ${forTerminal(truncate(e.message.split('\n')[0], 300))}`);
        const at = e.message.indexOf(STDERR_MARK);
        const tail = at < 0 ? '' : e.message.slice(at + 1);
        if (tail && !tails.has(tail)) {
          tails.add(tail);
          const tailLines = tail.split('\n');
          const shown = [tailLines[0], ...tailLines.slice(1).slice(-STDERR_LINES)];
          for (const l of shown) add(pc.dim(`  | ${forTerminal(truncate(l, 300))}`), false);
        } else if (tail) add(pc.dim('  | (the same stderr as above)'), false);
        continue;
      }
      const [id, first] = xs[0];
      const statuses = [...new Set(xs.map(([, x]) => x.status))].join('/');
      add(
        `${pc.red(statuses)} ${name} ${fixture}: ${xs.length} claim(s), first ${id}: ${forTerminal(truncate((first.message ?? '').split('\n')[0], 300))}`,
      );
    }
    if (body.length > MAX_FAILURE_LINES) {
      const left = body.slice(MAX_FAILURE_LINES - 1).filter((l) => l.scenario).length;
      lines.push(
        ...body.slice(0, MAX_FAILURE_LINES - 1).map((l) => l.text),
        `… and ${left} more scenario(s) with failures, see summary.md`,
      );
    } else lines.push(...body.map((l) => l.text));
  }
  return lines;
}

/** Failing scenarios the terminal lists per diagnosis (summary.md and report.html list more). */
const DIAGNOSIS_TERMINAL_ROWS = 3;

/** Per diagnosed implementation: a heading and its diagnosis, short, in plain words. */
export function diagnosisBlocks(report: RunReport): string[] {
  return report.implementations.flatMap((i) => {
    const d = report.summary[i.name].diagnosis;
    if (!d) return [];
    const lines = terminalLines(diagnosisLines(d, DIAGNOSIS_TERMINAL_ROWS, ' (see summary.md)'), '  ');
    return [pc.bold(`${forTerminal(i.name)}: diagnosis${'unavailable' in d ? '' : ` of its ${d.failing} failing claim(s)`}`), ...lines];
  });
}

/** Above this many claims in a run, the mutant runs behind a diagnosis take more than a moment: the terminal says so. */
const ANNOUNCE_DIAGNOSIS_CLAIMS = 100;

/**
 * Diagnoses each run that has failing claims into its summary (baseline or not: a known failure is still a
 * mistake). The mutants run in process, each run's own claims. A signal is handled between two implementations:
 * those not yet diagnosed say so.
 */
async function diagnoseFailing(
  suite: Suite,
  runs: ImplementationRun[],
  report: RunReport,
  o: { profile?: string; filter: string[]; say: (s: string) => void; stopped: () => NodeJS.Signals | null },
): Promise<void> {
  const failing = runs.filter(failed);
  if (!failing.length) return;
  const t0 = performance.now();
  const slow = report.claims.length > ANNOUNCE_DIAGNOSIS_CLAIMS && failing.some((r) => r.complete) && !o.stopped();
  if (slow)
    o.say(
      pc.dim(
        `diagnosing ${failing.map((r) => forTerminal(r.info.name)).join(', ')}: the ${MUTANT_NAMES.length} mutants run in process to find the mistake (several seconds; --no-diagnose skips it)…`,
      ),
    );
  for (const r of failing) {
    await new Promise((go) => setImmediate(go)); // a signal that came during the last diagnosis is handled here
    report.summary[r.info.name].diagnosis =
      r.complete && !o.stopped()
        ? await diagnoseRun(suite, r, { profile: (o.profile ?? r.info.capabilities.dtype) as ProfileName, filter: o.filter })
        : { unavailable: 'the run was interrupted' };
  }
  if (slow) o.say(pc.dim(`diagnosed in ${((performance.now() - t0) / 1000).toFixed(1)} s`));
}

const failed = (r: ImplementationRun) => Object.values(r.results).some((x) => x.status === 'fail' || x.status === 'error');

/** How many entries of a skip summary the terminal shows (summary.md and report.html list every one). */
const SKIP_LINE_ENTRIES = 8;

/**
 * Per implementation that skipped claims: what each missing capability would unlock (the claims that need only
 * it), then how many claims need several and the capabilities they need most.
 */
export function skipLines(report: RunReport): string[] {
  const lines: string[] = [];
  for (const i of report.implementations) {
    const s = report.summary[i.name].skips;
    if (!s.total) continue;
    lines.push(
      `${forTerminal(i.name)}: skipped ${s.total} claim(s); declaring one missing capability would run the +N claims that need only it:`,
    );
    const alone = s.by_missing.filter((x) => x.unlocks > 0);
    if (alone.length) {
      const shown = alone.slice(0, SKIP_LINE_ENTRIES).map((x) => `${forTerminal(x.missing)} +${x.unlocks}`);
      const more = alone.length - shown.length;
      lines.push(`  ${shown.join(', ')}${more ? `, … and ${more} more (see summary.md)` : ''}`);
    }
    if (s.several) {
      const most = [...s.by_missing].sort((a, b) => b.needed_by - a.needed_by).slice(0, 3);
      lines.push(
        `  ${s.several} claim(s) need several missing capabilities; the most needed: ${most.map((x) => `${forTerminal(x.missing)} (${x.needed_by})`).join(', ')}`,
      );
    }
  }
  return lines;
}

/** The implementations that ran no claim at all: every result skipped or not applicable. */
function emptyRuns(runs: ImplementationRun[]): ImplementationRun[] {
  return runs.filter((r) => !Object.values(r.results).some((x) => x.status === 'pass' || x.status === 'fail' || x.status === 'error'));
}

/** What to tell the user about an implementation that ran nothing, pointing at its declared capabilities. */
function emptyRunMessage(r: ImplementationRun): string {
  const all = Object.values(r.results);
  const skipped = all.filter((x) => x.status === 'skip').length;
  const na = all.length - skipped;
  const caps = r.info.capabilities;
  const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');
  const why = skipped
    ? `${skipped} claim(s) skipped for what it does not declare, ${na} not applicable (no implementation involved)`
    : `all ${na} selected claim(s) are not applicable (no implementation involved): widen --filter`;
  return (
    `${forTerminal(r.info.name)} ran no claim at all: ${why}. It declares ops: ${forTerminal(truncate(list(caps.ops), 300))}; ` +
    `features: ${forTerminal(truncate(list(caps.features), 300))}${caps.trace ? `; trace: ${forTerminal(truncate(caps.trace.join(', '), 300))}` : ''}. ` +
    'Declare what it supports in its capabilities (the hello answer, spec/protocol.md; the skip summary above says what each ' +
    'missing capability would run), or pass --allow-empty to accept a run that checks nothing.'
  );
}

/** SIGINT/SIGTERM during a run: end every child at once, stop at the next scenario; a second signal exits. */
function interruptible(): { stopped: () => NodeJS.Signals | null; release: () => void } {
  let signal: NodeJS.Signals | null = null;
  const on = (s: NodeJS.Signals) => {
    endAllChildren();
    if (signal) process.exit(s === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
    signal = s;
    process.stderr.write(`\ntconf run: ${s}: stopping; the reports will hold what ran so far (a second ${s} exits at once)\n`);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { stopped: () => signal, release: () => (process.off('SIGINT', on), process.off('SIGTERM', on)) };
}

/** Runs the command; returns the exit code (0 all passed or only known failures, 1 conformance failures). */
export async function runCommand(suite: Suite, o: RunCommandOptions): Promise<number> {
  const { fixtures } = suite;
  // Everything the user typed or handed in is checked before anything starts.
  if (o.profile && !Object.hasOwn(PROFILES, o.profile))
    throw new UsageError(`unknown profile '${truncate(o.profile, 40)}' (float64, float32)`);
  const timeoutMs = parseTimeout(o.timeout);
  const maxLineBytes = parseMaxLineBytes(o.maxLineBytes);
  if (!o.impl.length) throw new UsageError('--impl needs at least one implementation');
  checkImplWords(o.impl);
  const overrides = readOverrides(
    o.overrides,
    fixtures.flatMap((lf) => lf.fixture.claims.map((c) => claimId(lf.fixture, c))),
  );
  const baselineFile = o.baseline ? resolve(o.baseline) : undefined;
  if (o.updateBaseline && !baselineFile) throw new UsageError('--update-baseline needs --baseline FILE');
  if (o.strict && !baselineFile)
    throw new UsageError('--strict needs --baseline FILE (it fails on claims the baseline lists that now pass)');
  const baseline = baselineFile ? readBaselineFile(baselineFile, !!o.updateBaseline) : undefined;
  const filter = o.filter ?? [];
  try {
    picomatch(filter.length ? filter : ['*']);
  } catch (e) {
    throw new UsageError(`--filter: not a glob (${(e as Error).message})`);
  }
  const total = fixtures.reduce((n, lf) => n + (selectClaims(lf, filter).length ? 1 : 0), 0);
  if (!total) throw new UsageError(`no claim matches --filter ${filter.join(' ')}`);
  try {
    ensureWritableDir(o.reportDir);
  } catch (e) {
    throw new UsageError(`--report-dir ${o.reportDir}: ${(e as Error).message}`);
  }
  const started = new Date();
  markRunStarted(o.reportDir, `tconf run started ${started.toISOString()} (pid ${process.pid})`);
  try {
    return await runAndReport(suite, o, { timeoutMs, maxLineBytes, overrides, baseline, baselineFile, filter, total, started });
  } catch (e) {
    clearRunMarker(o.reportDir); // nothing was replaced: the reports there are still one whole earlier run
    throw e;
  }
}

interface Checked {
  timeoutMs: number;
  maxLineBytes: number;
  overrides?: Overrides;
  baseline?: Baseline;
  baselineFile?: string;
  filter: string[];
  total: number;
  started: Date;
}

async function runAndReport(suite: Suite, o: RunCommandOptions, k: Checked): Promise<number> {
  const { timeoutMs, maxLineBytes, overrides, baseline, baselineFile, filter, total, started } = k;

  // the progress bar's package is loaded only for a terminal that shows it (it is a noticeable part of a cold start)
  const bar =
    o.progress && process.stderr.isTTY
      ? new (await import('cli-progress')).SingleBar({
          format: '{impl} [{bar}] {value}/{total} {fixture}',
          stream: process.stderr,
          hideCursor: true,
        })
      : null;
  const runs: ImplementationRun[] = [];
  /** Each run's `--impl` word as typed: the key of its baseline and overrides entries. */
  const wordOf = new Map<ImplementationRun, string>();
  const times: RunTimes = { byImpl: record() };
  const t0 = performance.now();
  const say = o.json ? (s: string) => console.error(s) : (s: string) => console.log(s);
  const taken = new Set<string>();
  const interrupt = interruptible();
  // An implementation that cannot start ends the run (exit 2), but what ran before it is still reported.
  let refused: UsageError | null = null;
  try {
    for (const word of o.impl) {
      if (interrupt.stopped()) break;
      let impl: Implementation;
      try {
        impl = await resolveImplementation(word, { timeoutMs, maxLineBytes });
      } catch (e) {
        if (interrupt.stopped()) break; // the interrupt ended its start-up: not the implementation's fault
        refused = new UsageError(
          `--impl ${truncate(word, 120)}: ${(e as Error).message}${(e as { hint?: string }).hint ? `\n  hint: ${(e as { hint?: string }).hint}` : ''}`,
        );
        break;
      }
      try {
        const bad = nameProblem(impl.name, 'the implementation name', MAX_NAME_LENGTH);
        if (bad) {
          refused = new UsageError(`--impl ${truncate(word, 120)}: ${bad}`);
          break;
        }
        const label = uniqueName(impl.name, taken);
        if (label !== impl.name)
          process.stderr.write(
            `tconf run: two implementations call themselves '${forTerminal(impl.name)}'; this one (--impl ${forTerminal(truncate(word, 120))}) is reported as '${forTerminal(label)}'\n`,
          );
        const profile = (o.profile ?? impl.capabilities.dtype) as ProfileName;
        let done = 0;
        bar?.start(total, 0, { impl: forTerminal(label), fixture: '' });
        // Each fixture's time runs from its start to the next one's (or the end of the implementation's run).
        const fixtureTimes = (times.byImpl[label] = record());
        let current: { fixture: string; at: number } | null = null;
        const close = () => {
          if (current) fixtureTimes[current.fixture].ms = performance.now() - current.at;
        };
        const mine = record<Overrides[string]>();
        if (overrides && Object.hasOwn(overrides, word)) mine[label] = overrides[word];
        const run = await runImplementation(impl, suite, {
          profile,
          filter,
          overrides: mine,
          label,
          onFixture: (_i, fixture) => {
            bar?.update(done++, { fixture });
            close();
            current = { fixture, at: performance.now() };
            fixtureTimes[fixture] = { started: new Date(), ms: 0 };
          },
          shouldStop: () => interrupt.stopped() !== null,
        });
        close();
        runs.push(run);
        wordOf.set(run, word);
      } finally {
        bar?.update(total, { fixture: '' });
        bar?.stop();
        await impl.close?.();
      }
    }
  } finally {
    interrupt.release();
  }

  if (refused && !runs.length) throw refused; // nothing ran: the earlier reports stay as they were
  performance.mark('tconf:ran'); // the phases, for `npm run bench suite` (see main.ts)
  const audits = await auditSuiteCached(suite);
  performance.mark('tconf:audited');
  const report = buildReport(suite, runs, audits, {
    profile: o.profile ?? 'per implementation dtype',
    filter,
    version: SUITE_VERSION,
    date: started,
  });
  if (interrupt.stopped() || refused) report.complete = false;
  attachTimes(report, times);
  // an interrupted run is not diagnosed (a signal during the diagnosis stops it at the next implementation)
  const diagnosing = o.diagnose === false ? null : interruptible();
  if (diagnosing)
    try {
      await diagnoseFailing(suite, runs, report, {
        profile: o.profile,
        filter,
        say,
        stopped: () => interrupt.stopped() ?? diagnosing.stopped(),
      });
    } finally {
      diagnosing.release();
    }
  let code: number = runs.some(failed) ? EXIT.failures : EXIT.ok;
  const notes: string[] = [];
  let newlyPassing = 0;
  if (baseline && baselineFile) {
    report.baseline = record();
    for (const r of runs) {
      const word = wordOf.get(r)!;
      const { key, legacy } = baselineKey(baseline, word, r.info.name);
      if (legacy)
        notes.push(
          `baseline ${forTerminal(baselineFile)}: the entry '${forTerminal(key)}' is keyed by the implementation's name; entries are keyed by the --impl word as typed ('${forTerminal(truncate(word, 120))}'): read it anyway${o.updateBaseline ? '; rewritten under the word' : '; --update-baseline rewrites it'}`,
        );
      report.baseline[r.info.name] = compareToBaseline(r, baseline, key);
    }
    const comparisons = Object.values(report.baseline);
    newlyPassing = comparisons.reduce((n, x) => n + x.newly_passing.length, 0);
    code = comparisons.some((x) => x.new_failures.length) || (o.strict && newlyPassing) ? EXIT.failures : EXIT.ok;
    if (o.updateBaseline && report.complete) {
      writeFileAtomically(
        baselineFile,
        `${JSON.stringify(
          nextBaseline(runs, baseline, (r) => wordOf.get(r)!),
          null,
          2,
        )}\n`,
      );
      notes.push(`baseline written: ${forTerminal(baselineFile)}`);
      code = EXIT.ok;
    }
  }
  const written = writeReports(report, o.reportDir);
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  for (const line of failureLines(runs, report)) say(line);
  for (const line of diagnosisBlocks(report)) say(line);
  for (const line of skipLines(report)) say(pc.yellow(line));
  if (report.baseline) {
    for (const [impl, b] of Object.entries(report.baseline)) {
      if (!b.newly_passing.length) continue;
      const shown = b.newly_passing.slice(0, 5);
      say(
        pc.yellow(
          `${forTerminal(impl)}: ${b.newly_passing.length} claim(s) the baseline lists now pass: ${shown.join(', ')}${b.newly_passing.length > shown.length ? `, … and ${b.newly_passing.length - shown.length} more (see summary.md)` : ''}; remove them with --update-baseline${o.strict ? '' : ' (--strict fails the run on them)'}`,
        ),
      );
    }
  }
  for (const n of notes) say(n);
  say(`reports: ${written.join(', ')}`);
  say(summaryTable(report));
  say(pc.dim(LEGEND));
  const elapsed = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const signal = interrupt.stopped() ?? diagnosing?.stopped() ?? null;
  if (refused) {
    say(pc.red(`FAIL: an implementation could not start (exit 2, see below); the reports hold the ${runs.length} that ran (${elapsed})`));
    throw refused; // after the reports of the implementations that did run
  }
  if (signal) {
    say(
      pc.yellow(
        `interrupted by ${signal}: the reports hold the scenarios that ran before it${o.updateBaseline ? '; the baseline was not rewritten' : ''}`,
      ),
    );
    say(pc.yellow(`INTERRUPTED by ${signal} after ${elapsed}: ${verdictCounts(runs, report)}`));
    return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  }
  // A run that checked nothing is not a green run: most often capabilities declared wrong (the reports stay written).
  const empty = o.allowEmpty ? [] : emptyRuns(runs);
  for (const r of empty) console.error(`tconf run: ${emptyRunMessage(r)}`);
  if (empty.length) {
    say(pc.red(`FAIL: ${empty.map((r) => forTerminal(r.info.name)).join(', ')} ran no claim at all (exit 2, see above), in ${elapsed}`));
    return EXIT.usage;
  }
  say(verdict(runs, report, { code, strict: !!o.strict, newlyPassing, elapsed }));
  return code;
}

/** Per implementation: how many of its runnable claims (all but n/a) passed, failed, were known or skipped. */
function verdictCounts(runs: ImplementationRun[], report: RunReport): string {
  return runs
    .map((r) => {
      const c = report.summary[r.info.name].overall;
      const runnable = c.total - c['not-applicable'];
      const known = report.baseline?.[r.info.name]?.known_failures.length ?? 0;
      const bad = c.fail + c.error - known;
      const skips = report.summary[r.info.name].skips.by_missing.slice(0, 2).map((x) => forTerminal(x.missing));
      const parts = [
        `${c.pass} of ${runnable} runnable claims pass`,
        bad ? `${bad} ${report.baseline ? 'new failure(s)' : 'fail or error'}` : '',
        known ? `${known} known failure(s) (baseline)` : '',
        c.skip ? `${c.skip} skipped (${skips.join(', ')}${report.summary[r.info.name].skips.by_missing.length > 2 ? ', …' : ''})` : '',
      ].filter(Boolean);
      return `${runs.length > 1 ? `${forTerminal(r.info.name)}: ` : ''}${parts.join(', ')}`;
    })
    .join('; ');
}

/** The run's last line: PASS or FAIL, why, the counts, the time taken. */
function verdict(
  runs: ImplementationRun[],
  report: RunReport,
  o: { code: number; strict: boolean; newlyPassing: number; elapsed: string },
): string {
  const counts = verdictCounts(runs, report);
  if (o.code === EXIT.ok) return pc.green(`PASS: ${counts} (${o.elapsed})`);
  const b = report.baseline;
  const newFailures = b ? Object.values(b).reduce((n, x) => n + x.new_failures.length, 0) : 0;
  const why = b
    ? [
        newFailures ? `${newFailures} new failure(s) (baseline)` : '',
        o.strict && o.newlyPassing
          ? `${o.newlyPassing} claim(s) the baseline lists now pass (--strict): run with --update-baseline to remove them`
          : '',
      ]
        .filter(Boolean)
        .join(', ')
    : 'conformance failures';
  return pc.red(`FAIL: ${why}; ${counts} (${o.elapsed})`);
}

export { UsageError } from './usage.js';
