// The README's walkthrough, checked against the real thing: each step's code block is its file
// examples/walkthrough/step_N.py, and each step, run through the real `tconf run` over the whole suite, gets exactly
// the counts the README states after it (pass, the claims it adds, fail, error, skip), passes every claim its
// declared capabilities cover, and passes more than the step before. A fixture added or changed moves the counts
// and fails this test; `TCONF_WRITE_WALKTHROUGH=1 npx vitest run examples/walkthrough` then rewrites the code
// blocks, the requirements block and the result lines of the README's walkthrough (nothing else) from the runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonWith } from '../../harness/impls/registry.js';
import { ROOT } from '../../harness/paths.js';
import type { Requirements } from '../../harness/run/requirements.js';
import { type CliResult, tconf } from '../../harness/testing/cli.js';

const DIR = join(ROOT, 'examples', 'walkthrough');
const README = join(ROOT, 'README.md');
const HEADING = '## Walkthrough: from nothing to a full implementation';
const WRITE = process.env.TCONF_WRITE_WALKTHROUGH === '1';
const FIX = 'TCONF_WRITE_WALKTHROUGH=1 npx vitest run examples/walkthrough rewrites it';
/** The steps are stdlib-only Python: any python3 will do. */
const python = pythonWith('json');

export interface Stated {
  pass: number;
  added: number;
  fail: number;
  error: number;
  skip: number;
}

export interface Step {
  n: number;
  /** The code block between `<!-- walkthrough:step-N -->` and `<!-- /walkthrough:step-N -->`. */
  code: string;
  /** The text after the block, up to the next step's marker: the result line and what the run suggests. */
  after: string;
  stated: Stated;
}

const RESULT = /→ \*\*(\d+) claims pass\*\* \(\+(\d+)\), (\d+) fail, (\d+) error, (\d+) skipped/;
const resultLine = (s: Stated) => `→ **${s.pass} claims pass** (+${s.added}), ${s.fail} fail, ${s.error} error, ${s.skip} skipped`;
const openMarker = (n: number) => `<!-- walkthrough:step-${n} -->\n`;
const closeMarker = (n: number) => `<!-- /walkthrough:step-${n} -->`;
const codeBlock = (code: string) => `\`\`\`python\n${code}\`\`\`\n`;
/** A suggestion of the run's summary quoted in the text: `op softmax +13`. */
const HINT = /`((?:op|feature) [\w-]+) \+\d+`/g;
const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const REQUIREMENTS = /(<!-- walkthrough:requirements ([\w.-]+) -->\n```text\n)([\s\S]*?)(```\n)/g;

/** The walkthrough section of the README and where it starts. */
function section(readme: string): { at: number; text: string } {
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no '${HEADING}' section`);
  const at = start + HEADING.length + 2;
  const next = readme.slice(at).search(/^## /m);
  return { at, text: readme.slice(at, next < 0 ? undefined : at + next) };
}

/** The walkthrough's steps, read from the README; a missing or malformed piece is named. */
export function walkthroughSteps(readme: string): Step[] {
  const { text } = section(readme);
  const opens = [...text.matchAll(/<!-- walkthrough:step-(\d+) -->\n/g)];
  return opens.map((m, i) => {
    const n = Number(m[1]);
    const body = text.slice(m.index + m[0].length);
    const end = body.indexOf(closeMarker(n));
    if (end < 0) throw new Error(`README.md walkthrough step ${n}: no '${closeMarker(n)}' after its opening marker`);
    const inside = body.slice(0, end);
    if (!inside.startsWith('```python\n') || !inside.endsWith('\n```\n'))
      throw new Error(`README.md walkthrough step ${n}: the markers must hold one \`\`\`python block and nothing else`);
    const next = i + 1 < opens.length ? opens[i + 1].index - (m.index + m[0].length) : body.length;
    const after = body.slice(end + closeMarker(n).length, next);
    const r = RESULT.exec(after);
    if (!r) throw new Error(`README.md walkthrough step ${n}: no result line like '${RESULT.source}' after the code`);
    const [pass, added, fail, error, skip] = r.slice(1).map(Number);
    return { n, code: inside.slice('```python\n'.length, -'```\n'.length), after, stated: { pass, added, fail, error, skip } };
  });
}

interface Listed {
  id: string;
  fixture: string;
  requirements: Requirements | null;
}

interface StepRun extends CliResult {
  report: {
    implementations: { name: string; capabilities: { ops: string[]; features: string[] } }[];
    claims: { id: string; results: Record<string, { status: string }> }[];
    summary: Record<string, { overall: Record<string, number> }>;
  };
}

/** The step files on disk, by number. */
const stepNumbers = () =>
  readdirSync(DIR)
    .map((f) => /^step_(\d+)\.py$/.exec(f))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
const stepFile = (n: number) => readFileSync(join(DIR, `step_${n}.py`), 'utf8');

/** The distinct [ops, features] of a fixture's claims, one JSON line each, as the README's one-liner prints them. */
const requirementsText = (claims: Listed[], fixture: string) => {
  const distinct = new Set<string>();
  for (const c of claims)
    if (c.fixture === fixture && c.requirements) distinct.add(JSON.stringify([c.requirements.ops, c.requirements.features]));
  return distinct.size ? `${[...distinct].join('\n')}\n` : '';
};

const counts = (run: StepRun, before: number): Stated => {
  const o = run.report.summary[run.report.implementations[0].name].overall;
  return { pass: o.pass, added: o.pass - before, fail: o.fail, error: o.error, skip: o.skip };
};

/** The README with its walkthrough's code blocks, requirements blocks and result lines made what they should be. */
function rewritten(readme: string, claims: Listed[], runs: Map<number, StepRun>): string {
  const { at, text } = section(readme);
  let s = text.replace(
    REQUIREMENTS,
    (_, open: string, fixture: string, _old: string, close: string) => open + requirementsText(claims, fixture) + close,
  );
  let before = 0;
  for (const n of stepNumbers()) {
    const a = s.indexOf(openMarker(n));
    const b = s.indexOf(closeMarker(n), a);
    if (a < 0 || b < 0)
      throw new Error(`README.md walkthrough: add the markers of step ${n} (${openMarker(n).trim()} … ${closeMarker(n)})`);
    s = s.slice(0, a + openMarker(n).length) + codeBlock(stepFile(n)) + s.slice(b);
    const run = runs.get(n);
    if (!run) continue;
    const from = s.indexOf(closeMarker(n), a) + closeMarker(n).length;
    const m = RESULT.exec(s.slice(from));
    const got = counts(run, before);
    if (m) s = s.slice(0, from + m.index) + resultLine(got) + s.slice(from + m.index + m[0].length);
    // the run's suggestions quoted after the step (`feature ffn +23`), with the number this run printed
    const to = s.indexOf(openMarker(n + 1), from) < 0 ? s.length : s.indexOf(openMarker(n + 1), from);
    const after = s.slice(from, to).replace(HINT, (quoted: string, what: string) => {
      const printed = new RegExp(`${escapeRe(what)} \\+(\\d+)`).exec(run.out);
      return printed ? `\`${what} +${printed[1]}\`` : quoted;
    });
    s = s.slice(0, from) + after + s.slice(to);
    before = got.pass;
  }
  return readme.slice(0, at) + s + readme.slice(at + text.length);
}

let claims: Listed[];
/** What `tconf list --json` printed, for the README's one-liner. */
let listed: string;
const runs = new Map<number, StepRun>();
let readme: string;
let steps: Step[];

beforeAll(async () => {
  const list = await tconf(['list', '--json'], { timeoutMs: 60_000 });
  expect(list.code, list.err).toBe(0);
  listed = list.out;
  claims = JSON.parse(listed);
  if (python)
    for (const n of stepNumbers()) {
      const reports = mkdtempSync(join(tmpdir(), 'tconf-walkthrough-'));
      const impl = `exec:${python} examples/walkthrough/step_${n}.py`;
      const r = await tconf(['run', '--impl', impl, '--no-progress', '--report-dir', reports], { timeoutMs: 120_000 });
      expect(r.code, `step ${n}: ${r.out}${r.err}`).toBe(0);
      runs.set(n, { ...r, report: JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8')) });
    }
  if (WRITE) {
    const old = readFileSync(README, 'utf8'); // read just before writing: others edit the README too
    const now = rewritten(old, claims, runs);
    if (now !== old) writeFileSync(README, now);
  }
  readme = readFileSync(README, 'utf8');
  steps = walkthroughSteps(readme);
}, 600_000);

describe("README.md's walkthrough", () => {
  it('shows every step file, in order, exactly as it is on disk', () => {
    expect(steps.map((s) => s.n)).toEqual(stepNumbers());
    expect(steps.map((s) => s.n)).toEqual(steps.map((_, i) => i + 1));
    for (const s of steps) expect(s.code, `README.md step ${s.n} differs from step_${s.n}.py (${FIX})`).toBe(stepFile(s.n));
  });

  it("shows each fixture's requirements as the README's `tconf list --json` one-liner prints them", () => {
    const shown = [...section(readme).text.matchAll(REQUIREMENTS)];
    expect(shown.length).toBeGreaterThan(0);
    for (const [, , fixture, text] of shown) {
      expect(requirementsText(claims, fixture), `no claim of ${fixture} has requirements`).not.toBe('');
      expect(text, `README.md: the requirements of ${fixture} (${FIX})`).toBe(requirementsText(claims, fixture));
    }
  });

  it('prints that with the one-liner the README shows', () => {
    const { text } = section(readme);
    for (const [whole, , fixture, shown] of text.matchAll(REQUIREMENTS)) {
      // the ```sh block just before the requirements block: `npx tconf list --json | node -e '…'`
      const before = text.slice(0, text.indexOf(whole));
      const m = /```sh\nnpx tconf list --json \| node -e '([^']*)'\n```\n\s*$/.exec(before);
      expect(m, `README.md: no \`npx tconf list --json | node -e '…'\` block right before the requirements of ${fixture}`).not.toBeNull();
      expect(m![1]).toContain(JSON.stringify(fixture));
      const r = spawnSync(process.execPath, ['-e', m![1]], { input: listed, encoding: 'utf8', shell: false, timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(shown);
    }
  });

  it.skipIf(!python)('each step passes what the README says it does, and more than the step before', () => {
    let before = 0;
    for (const s of steps) {
      const run = runs.get(s.n)!;
      const got = counts(run, before);
      expect(got, `step ${s.n}: the README's result line is stale (${FIX})`).toEqual(s.stated);
      expect(got.fail + got.error, `step ${s.n}`).toBe(0);
      expect(got.pass, `step ${s.n} must pass more than step ${s.n - 1}`).toBeGreaterThan(before);

      // every claim the declared ops and features cover passes: nothing the step claims to do is skipped
      const impl = run.report.implementations[0];
      const caps = impl.capabilities;
      const runsIt = (req: Requirements) =>
        req.ops.every((op) => caps.ops.includes(op)) && req.features.every((f) => caps.features.includes(f));
      const covered = claims.filter((c) => c.requirements !== null && runsIt(c.requirements));
      expect(covered.length, `step ${s.n}`).toBe(got.pass);
      const status = new Map(run.report.claims.map((c) => [c.id, c.results[impl.name].status]));
      for (const c of covered) expect(`${c.id}: ${status.get(c.id)}`).toBe(`${c.id}: pass`);

      // "every claim of `book-5.7`": each fixture the text names so runs whole
      for (const m of s.after.matchAll(/every claim of `([\w.-]+)`/g)) {
        const of = claims.filter((c) => c.fixture === m[1] && c.requirements);
        expect(of.length, `step ${s.n}: fixture ${m[1]}`).toBeGreaterThan(0);
        for (const c of of) expect(`${c.id}: ${status.get(c.id)}`).toBe(`${c.id}: pass`);
      }
      // the run's suggestions the text quotes (`op softmax +13`) are what the run printed
      for (const [quoted] of s.after.matchAll(HINT))
        expect(run.out, `step ${s.n}: ${quoted} (${FIX})`).toMatch(new RegExp(`${escapeRe(quoted.slice(1, -1))}(?!\\d)`));
      before = got.pass;
    }
  });
});
