// JUnit XML for CI systems: one <testsuite> per implementation and fixture, one <testcase> per claim.
// The attributes are chosen for how the common readers use them:
// - classname `tconf.<impl>.<fixture>` (dots and spaces inside a name replaced by `_`): Jenkins splits it at the
//   last dot into package `tconf.<impl>` and class `<fixture>`; GitLab shows it as the case's suite; dorny's
//   test-reporter groups by it inside the testsuite.
// - `file` a repository-relative path and `line` its own attribute, which action-junit-report annotates.
// - a claim the baseline lists as a known failure is <skipped message="known failure: …">, so that a gated run
//   that exits 0 reads green to a CI test reporter too; a new failure is <failure>, an error <error>.
// - system-out only where there is something to read (failures and errors): a passing case is one element.
import { hostname } from 'node:os';
import type { RunReport } from './build.js';

/** How long each fixture took per implementation; not in report.json, which must be the same run to run. */
export interface RunTimes {
  /** Implementation name → fixture id → when its scenario started and how long it took. */
  byImpl: Record<string, Record<string, { started: Date; ms: number }>>;
  hostname?: string;
}

const times = new WeakMap<RunReport, RunTimes>();
/** Attaches a run's timings to its report, for the JUnit rendering (report.json stays reproducible). */
export function attachTimes(report: RunReport, t: RunTimes): void {
  times.set(report, t);
}

// XML 1.0 cannot carry most control characters at all, even as references: they are shown as `\u{…}`.
const INVALID =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const visible = (s: string) => s.replace(INVALID, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Most text (ids, paths, numbers) is printable ASCII with nothing to escape: one test finds it, and only the
// rest goes through the escaping passes (the cold rendering of thousands of attributes is what this saves).
const NEEDS_ESCAPE_IN_TEXT = /[^\x20-\x7e\n\t]|[&<>"']/;
const NEEDS_ESCAPE_IN_ATTR = /[^\x20-\x7e]|[&<>"']/;
const escapeText = (s: string) =>
  visible(s)
    .replace(/[&<>"']/g, (c) => ENTITIES[c])
    .replace(/\r/g, '&#13;');
/** Text for an attribute value or element content (newlines in attributes kept as references). */
export const xml = (s: string) => (NEEDS_ESCAPE_IN_TEXT.test(s) ? escapeText(s) : s);
const attr = (s: string) => (NEEDS_ESCAPE_IN_ATTR.test(s) ? escapeText(s).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : s);
const attrs = (a: Record<string, string | number | undefined>) => {
  let out = '';
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) out += ` ${k}="${attr(String(v))}"`;
  }
  return out;
};

/** A part of a classname: no dots (Jenkins would split there) and no whitespace runs. */
export const classPart = (s: string) => s.replace(/[.\s]+/g, '_');
/** Seconds with millisecond precision, as JUnit's `time` expects. */
const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);
/** ISO 8601 to the second, in UTC. */
const stamp = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** Longest message attribute and body text kept per case (the full evidence is in report.json). */
const TEXT_LIMIT = 4000;
const cut = (s: string, max = TEXT_LIMIT) => (s.length > max ? `${s.slice(0, max)}… (see report.json)` : s);
/** The expected and actual values of a failure: enough to see the difference, the rest is in report.json. */
const VALUES_LIMIT = 600;

type Outcome = 'pass' | 'failure' | 'error' | 'skipped';
/** A claim whose scenario ran it (its share of the fixture's time); skipped and not-applicable ones did not. */
const ranHere = (status: string) => status === 'pass' || status === 'fail' || status === 'error';

export function renderJUnit(report: RunReport): string {
  const t = times.get(report);
  const host = t?.hostname ?? hostname();
  const suites: string[] = [];
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  for (const impl of report.implementations) {
    const known = new Set(report.baseline?.[impl.name]?.known_failures ?? []);
    const scenarioErrors = new Map(impl.scenario_errors.map((e) => [e.fixture, e]));
    const byFixture = new Map<string, RunReport['claims']>();
    for (const c of report.claims) {
      if (!c.results[impl.name]) continue;
      const list = byFixture.get(c.fixture);
      if (list) list.push(c);
      else byFixture.set(c.fixture, [c]);
    }
    for (const [fixture, claims] of byFixture) {
      const timing = t?.byImpl[impl.name]?.[fixture];
      // The claims of a fixture are judged from one run of its scenario: each that ran gets an equal share.
      let ran = 0;
      for (const c of claims) if (ranHere(c.results[impl.name].status)) ran++;
      const share = timing && ran ? timing.ms / ran : 0;
      const counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
      const cases: string[] = [];
      const classname = `tconf.${classPart(impl.name)}.${classPart(fixture)}`;
      for (const c of claims) {
        const r = c.results[impl.name];
        const outcome: Outcome =
          r.status === 'pass'
            ? 'pass'
            : r.status === 'skip' || r.status === 'not-applicable' || known.has(c.id)
              ? 'skipped'
              : r.status === 'fail'
                ? 'failure'
                : 'error';
        counts.tests++;
        if (outcome === 'failure') counts.failures++;
        if (outcome === 'error') counts.errors++;
        if (outcome === 'skipped') counts.skipped++;
        const head = `<testcase${attrs({
          name: c.id,
          classname,
          file: c.file,
          line: c.line,
          time: seconds(ranHere(r.status) ? share : 0),
        })}`;
        if (outcome === 'pass') {
          cases.push(`${head}/>`);
          continue;
        }
        let body: string;
        if (outcome === 'skipped') {
          const why = known.has(c.id)
            ? `known failure: ${r.message ?? r.status} (listed in the baseline)`
            : r.status === 'skip'
              ? `skip: ${r.message ?? 'not supported'}`
              : `n/a: ${r.message ?? 'involves no implementation'}`;
          body = `<skipped${attrs({ message: cut(why) })}/>`;
        } else {
          const detail = [
            `${c.file}:${c.line}`,
            `quote: ${c.quote}`,
            c.printed !== null ? `printed: ${JSON.stringify(c.printed)}` : '',
            r.max_abs_error !== undefined
              ? `max abs error ${r.max_abs_error}, max rel error ${r.max_rel_error}, worst index [${r.worst_index}]`
              : '',
            c.audit ? `audit: ${c.audit.verdict}${c.audit.error_kind ? ` (${c.audit.error_kind})` : ''}` : '',
            scenarioErrors.has(fixture) ? "the scenario's whole evidence is in this testsuite's system-err" : '',
          ]
            .filter(Boolean)
            .join('\n');
          const values = [
            c.expected ? `expected: ${JSON.stringify(c.expected)}` : '',
            r.actual ? `actual: ${JSON.stringify(r.actual)}` : '',
          ]
            .filter(Boolean)
            .join('\n');
          const tag = outcome;
          body =
            `<${tag}${attrs({ message: cut(r.message ?? r.status), type: outcome === 'failure' ? 'conformance' : 'error' })}>${xml(cut(detail))}</${tag}>` +
            (values ? `<system-out>${xml(cut(values, VALUES_LIMIT))}</system-out>` : '');
        }
        cases.push(`${head}>${body}</testcase>`);
      }
      const err = scenarioErrors.get(fixture);
      const ms = timing?.ms ?? 0;
      total.tests += counts.tests;
      total.failures += counts.failures;
      total.errors += counts.errors;
      total.skipped += counts.skipped;
      total.ms += ms;
      suites.push(
        `  <testsuite${attrs({
          name: `${impl.name}: ${fixture}`,
          ...counts,
          time: seconds(ms),
          timestamp: stamp(timing?.started ?? new Date(report.date)),
          hostname: host,
          file: claims[0].file,
        })}>\n` +
          '    <properties>' +
          [
            ['implementation', impl.name],
            ['profile', report.profile],
            ['complete', String(report.complete)],
          ]
            .map(([name, value]) => `<property${attrs({ name, value })}/>`)
            .join('') +
          '</properties>\n' +
          cases.map((x) => `    ${x}\n`).join('') +
          (err ? `    <system-err>${xml(err.message)}</system-err>\n` : '') +
          '  </testsuite>\n',
      );
    }
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'tconf', tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: seconds(total.ms) })}>\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}
