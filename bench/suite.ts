// The whole fixture suite's wall time on the reference: from the command line (`tconf run`, a child process,
// its time split into start-up, load, compute and report writing, beside `node -e ''` and `tconf validate`), in
// process, and through the process protocol (the same reference behind a TypeScript adapter in a child process,
// sending tensors as JSON lists or as base64 float64 bytes), measured side by side in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Implementation } from '../harness/run/implementation.js';
import { ProcessImplementation } from '../harness/impls/process.js';
import { referenceImplementation } from '../harness/impls/reference.js';
import { loadSuite } from '../harness/fixtures/suite.js';
import { ROOT } from '../harness/paths.js';
import { runImplementation } from '../harness/run/runner.js';

const ROUNDS = 5;

async function timeSuite(impl: Implementation): Promise<{ ms: number; claims: number }> {
  const { suite } = loadSuite();
  const t0 = performance.now();
  const run = await runImplementation(impl, suite!, { profile: 'float64' });
  const ms = performance.now() - t0;
  const bad = Object.entries(run.results).filter(([, r]) => r.status === 'fail' || r.status === 'error');
  if (bad.length) throw new Error(`${impl.name}: ${bad.length} claims failed, e.g. ${bad[0][0]}: ${bad[0][1].message}`);
  return { ms, claims: Object.keys(run.results).length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const adapter = (...flags: string[]) =>
  ProcessImplementation.start([process.execPath, '--import', 'tsx', join(ROOT, 'harness', 'testing', 'fake-impl.ts'), 'ok', ...flags], {
    timeoutMs: 120_000,
    cwd: ROOT,
  });

interface Timeline {
  marks: Record<string, { at: number; detail?: string }>;
  exit: number;
}

/** One spawn (no shell) of the command line: its wall time, and the marks bench/timeline.mjs printed. */
function spawnTimed(args: string[], env: Record<string, string> = {}): { ms: number; timeline?: Timeline } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    shell: false,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr.slice(-2000)}`);
  const line = r.stderr.split('\n').findLast((l) => l.startsWith('tconf-timeline '));
  return { ms, timeline: line ? (JSON.parse(line.slice('tconf-timeline '.length)) as Timeline) : undefined };
}

/** `tconf run` on the reference from the command line, its phases, and peers spawned the same way. */
function commandLineBench(): void {
  const bin = join(ROOT, 'harness', 'bin', 'tconf.js');
  const hook = join(ROOT, 'bench', 'timeline.mjs');
  const reports = mkdtempSync(join(tmpdir(), 'tconf-bench-'));
  const peers = [
    { label: "node -e ''", args: ['-e', ''] },
    { label: 'tconf --version', args: [bin, '--version'] },
    { label: 'tconf validate', args: [bin, 'validate'] },
    // with an empty cache directory each time: every fixture parsed and checked, the audit computed, the
    // golden files parsed (what a run costs the first time, or after an edit of the code or of a fixture)
    { label: 'tconf run, cache empty', args: [bin, 'run', '--impl', 'reference', '--report-dir', reports, '--no-progress'], cold: true },
    {
      label: 'tconf run --impl reference',
      args: ['--import', hook, bin, 'run', '--impl', 'reference', '--report-dir', reports, '--no-progress'],
    },
  ].map((p) => ({ cold: false, ...p, ms: [] as number[], timelines: [] as Timeline[] }));
  const spawn = (p: (typeof peers)[number]) => {
    if (!p.cold) return spawnTimed(p.args);
    const cache = mkdtempSync(join(tmpdir(), 'tconf-bench-cache-'));
    try {
      return spawnTimed(p.args, { TCONF_CACHE_DIR: cache });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  };
  try {
    for (const p of peers) spawn(p); // warm-up: the file system cache, and the derived-data cache written once
    for (let i = 0; i < ROUNDS; i++)
      for (const p of peers) {
        const r = spawn(p);
        p.ms.push(r.ms);
        if (r.timeline) p.timelines.push(r.timeline);
      }
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
  const run = peers[peers.length - 1];
  const via = run.timelines[0]?.marks.loading?.detail ?? 'unknown';
  console.log(`command line: harness/bin/tconf.js running ${via}; spawned without a shell, median of ${ROUNDS} after one warm-up each`);
  const base = median(peers[0].ms);
  for (const p of peers)
    console.log(
      `${p.label.padEnd(28)} ${median(p.ms).toFixed(0).padStart(6)} ms  ${(median(p.ms) / base).toFixed(2)}x${p === run ? ' (target < 0.8 s)' : ''}`,
    );
  // Each phase runs from one mark to the next; "the rest" is the summary, the exit and the process's own start and end.
  const phase = (f: (t: Timeline, m: (name: string) => number) => number) =>
    median(
      run.timelines.map((t) =>
        f(t, (name) => {
          const at = t.marks[name]?.at;
          if (at === undefined) throw new Error(`tconf run printed no '${name}' mark (harness/cli/main.ts, harness/report/write.ts)`);
          return at;
        }),
      ),
    );
  const split: Array<[string, number]> = [
    ['start-up (node + modules)', phase((_, m) => m('loading'))],
    ['load (fixtures, schema, goldens, hash)', phase((_, m) => m('loaded') - m('loading'))],
    ['run (the reference on every scenario, judged)', phase((_, m) => m('ran') - m('loaded'))],
    ['audit (from the cache)', phase((_, m) => m('audited') - m('ran'))],
    ['report building and rendering', phase((_, m) => m('writing') - m('audited'))],
    ['report writing (files)', phase((_, m) => m('written') - m('writing'))],
    ['the rest (summary, exit, process)', median(run.timelines.map((t, i) => run.ms[i] - t.marks.written.at))],
  ];
  console.log('split of tconf run --impl reference (medians):');
  for (const [label, ms] of split) console.log(`  ${label.padEnd(48)} ${ms.toFixed(0).padStart(5)} ms`);
}

export async function runSuiteBench(): Promise<void> {
  commandLineBench();
  const peers: Array<{ label: string; impl: Implementation; ms: number[] }> = [
    { label: 'in process', impl: referenceImplementation, ms: [] },
    { label: 'protocol, JSON lists', impl: await adapter(), ms: [] },
    { label: 'protocol, base64 float64', impl: await adapter('--base64'), ms: [] },
  ];
  let claims = 0;
  try {
    for (const p of peers) await timeSuite(p.impl); // warm-up of every side
    for (let i = 0; i < ROUNDS; i++) {
      for (const p of peers) {
        const r = await timeSuite(p.impl);
        p.ms.push(r.ms);
        claims = r.claims;
      }
    }
  } finally {
    for (const p of peers) await p.impl.close?.();
  }
  const base = median(peers[0].ms);
  console.log(`claims per run: ${claims}; median of ${ROUNDS} rounds after one warm-up each; adapter: TypeScript, child process`);
  for (const p of peers) {
    const ms = median(p.ms);
    console.log(
      `${p.label.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / base).toFixed(2)}x${p === peers[0] ? '' : ' (target < 2x)'}`,
    );
  }
}
