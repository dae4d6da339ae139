// `tconf run`: the fixtures against one or more implementations, reports written, exit code for CI.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import pc from 'picocolors';
import { parse as parseYaml } from 'yaml';
import { auditFixtures } from '../audit/verdict.js';
import { compareToBaseline, readBaseline, writeBaseline } from '../baseline.js';
import { PROFILES, type ProfileName } from '../compare.js';
import type { Implementation } from '../implementation.js';
import { resolveImplementation } from '../impls/registry.js';
import { readGolden } from '../golden.js';
import type { LoadedFixture } from '../fixture.js';
import { buildReport, type RunReport } from '../report/build.js';
import { renderHtml } from '../report/html.js';
import { renderJUnit } from '../report/junit.js';
import { renderMarkdown } from '../report/markdown.js';
import { runImplementation, selectClaims, type ImplementationRun, type Overrides } from '../runner.js';

export interface RunCommandOptions {
  impl: string[];
  profile?: string;
  filter?: string[];
  reportDir: string;
  baseline?: string;
  updateBaseline?: boolean;
  timeout: string;
  overrides?: string;
  progress: boolean;
}

export const SUITE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

class UsageError extends Error {}

function readOverrides(file?: string): Overrides | undefined {
  if (!file) return undefined;
  const o = parseYaml(readFileSync(file, 'utf8')) as Overrides;
  if (!o || typeof o !== 'object') throw new UsageError(`${file}: expected a mapping implementation → { claim glob → { atol, rtol } }`);
  return o;
}

/** Writes JSON, JUnit XML, Markdown and HTML into the report directory; returns their paths. */
export function writeReports(report: RunReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['report.json', `${JSON.stringify(report, null, 1)}\n`],
    ['junit.xml', renderJUnit(report)],
    ['summary.md', renderMarkdown(report)],
    ['report.html', renderHtml(report)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

function summaryTable(report: RunReport): string {
  const rows = report.implementations.map((i) => {
    const c = report.summary[i.name].overall;
    return [i.name, i.dtype, String(c.pass), String(c.fail), String(c.error), String(c.skip), String(c['not-applicable'])];
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

/** Runs the command; returns the exit code (0 all passed or only known failures, 1 conformance failures). */
export async function runCommand(fixtures: LoadedFixture[], o: RunCommandOptions): Promise<number> {
  if (o.profile && !(o.profile in PROFILES)) throw new UsageError(`unknown profile '${o.profile}' (float64, float32)`);
  const timeoutMs = Number(o.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new UsageError(`--timeout must be a positive number of seconds`);
  const overrides = readOverrides(o.overrides);
  const filter = o.filter ?? [];
  const total = fixtures.reduce((n, lf) => n + (selectClaims(lf, filter).length ? 1 : 0), 0);
  if (!total) throw new UsageError(`no claim matches --filter ${filter.join(' ')}`);
  const bar = o.progress && process.stderr.isTTY ? new SingleBar({ format: '{impl} [{bar}] {value}/{total} {fixture}', stream: process.stderr, hideCursor: true }) : null;
  const runs: ImplementationRun[] = [];
  for (const name of o.impl) {
    let impl: Implementation;
    try {
      impl = await resolveImplementation(name, { timeoutMs });
    } catch (e) {
      throw new UsageError(`--impl ${name}: ${(e as Error).message}`);
    }
    const profile = (o.profile ?? impl.capabilities.dtype) as ProfileName;
    let done = 0;
    bar?.start(total, 0, { impl: impl.name, fixture: '' });
    try {
      runs.push(await runImplementation(impl, fixtures, readGolden, {
        profile, filter, overrides,
        onFixture: (_i, fixture) => bar?.update(done++, { fixture }),
      }));
    } finally {
      bar?.update(total, { fixture: '' });
      bar?.stop();
      await impl.close?.();
    }
  }
  const report = buildReport(fixtures, runs, readGolden, auditFixtures(fixtures, readGolden), { profile: o.profile ?? 'per implementation dtype', filter, version: SUITE_VERSION });
  let code = runs.some((r) => Object.values(r.results).some((x) => x.status === 'fail' || x.status === 'error')) ? 1 : 0;
  if (o.baseline) {
    const file = resolve(o.baseline);
    const b = readBaseline(file);
    report.baseline = Object.fromEntries(runs.map((r) => [r.info.name, compareToBaseline(r, b)]));
    code = Object.values(report.baseline).some((x) => x.new_failures.length) ? 1 : 0;
    if (o.updateBaseline) {
      writeBaseline(file, runs, b);
      console.log(`baseline written: ${file}`);
      code = 0;
    }
  }
  const written = writeReports(report, o.reportDir);
  console.log(summaryTable(report));
  if (report.baseline) {
    for (const [impl, b] of Object.entries(report.baseline)) {
      for (const id of b.new_failures) console.log(pc.red(`newly failing (${impl}): ${id}`));
      for (const id of b.newly_passing) console.log(pc.yellow(`newly passing (${impl}), remove from the baseline: ${id}`));
    }
  }
  for (const r of runs) for (const [id, x] of Object.entries(r.results)) if ((x.status === 'fail' || x.status === 'error') && !report.baseline?.[r.info.name]?.known_failures.includes(id)) console.log(`${pc.red(x.status)} ${r.info.name} ${id}: ${x.message ?? ''}`.split('\n')[0]);
  console.log(`reports: ${written.join(', ')}`);
  return code;
}

export { UsageError };
