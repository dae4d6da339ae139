// The suite as an implementer gets it: built and packed from a copy of this repository, installed without
// network into an empty project, and the README's recipe for another repository run there as written (every
// `npx tconf …` of its implementer section, the config file where the section shows it), each command's reports
// landing in that project's working directory and nothing written into the installed package.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitCommand } from '../impls/registry.js';
import { ROOT } from '../paths.js';

interface Done {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a program without a shell; resolves when it has exited (killed after `timeoutMs`). */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<Done> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** What a checkout holds that is neither source nor committed data: left out of the copy that is built. */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', 'coverage', '.stryker-tmp', 'reports']);

/** Every file under `dir` (relative to ROOT), recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));

/**
 * The project's lockfile, seeded with the repository's resolved versions of the suite's runtime dependencies and
 * theirs: `npm install` resolves version ranges through the registry's metadata, which `npm ci` never caches,
 * while a locked version is taken from the tarball cache that `npm ci` of this repository filled.
 */
function seededLock(name: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const pkgs: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> = lock.packages;
  /** Node's resolution inside the lockfile's tree: the nearest node_modules/NAME from `from` upwards. */
  const resolveFrom = (from: string, dep: string): string => {
    for (let at = from; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
      const where = at ? `${at}/node_modules/${dep}` : `node_modules/${dep}`;
      if (pkgs[where]) return where;
      if (!at) throw new Error(`package-lock.json: ${dep} (needed by ${from || 'the root'}) is not in the tree`);
    }
  };
  const packages: Record<string, object> = { '': { name, version: '1.0.0' } };
  const todo = Object.keys(pkgs[''].dependencies ?? {}).map((d) => resolveFrom('', d));
  for (let at = todo.pop(); at !== undefined; at = todo.pop()) {
    if (packages[at]) continue;
    const { dev: _dev, ...entry } = pkgs[at] as { dev?: boolean };
    packages[at] = entry;
    const p = pkgs[at];
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) todo.push(resolveFrom(at, d));
  }
  return { name, version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** The implementer section of the README: its `npx tconf …` commands and its config file, in the page's order. */
function recipe(readme: string): Array<{ command: string[] } | { config: string }> {
  const start = readme.indexOf('\n## For implementers');
  expect(start, 'README.md has a "## For implementers" section').toBeGreaterThan(0);
  const section = readme.slice(start + 1, readme.indexOf('\n## ', start + 1));
  const steps: Array<{ at: number; step: { command: string[] } | { config: string } }> = [];
  for (const m of section.matchAll(/^```(sh|yaml)\n([\s\S]*?)^```$/gm)) {
    if (m[1] === 'yaml' && m[2].startsWith('# tconf.config.yaml\n')) steps.push({ at: m.index, step: { config: m[2] } });
    if (m[1] !== 'sh') continue;
    for (const line of m[2].split('\n'))
      if (line.startsWith('npx tconf ')) steps.push({ at: m.index, step: { command: splitCommand(line).slice(2) } });
  }
  // the smoke test is named inline, in prose
  for (const m of section.matchAll(/`(npx tconf smoke [^`]+)`/g))
    steps.push({ at: m.index, step: { command: splitCommand(m[1]).slice(2) } });
  return steps.sort((a, b) => a.at - b.at).map((s) => s.step);
}

/** The value of a flag in a command's words. */
const flag = (words: string[], name: string) => (words.includes(name) ? words[words.indexOf(name) + 1] : undefined);

describe('the installable package', () => {
  // a copy of the sources, the tarball and an installed project: tens of megabytes per run
  const work = mkdtempSync(join(tmpdir(), 'tconf-package-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds, packs, installs offline into an empty project, and runs the README recipe there', async () => {
    const t0 = Date.now();
    // Built in a copy, so that the checkout gets no dist/ (the linter would read it) and the pack sees only what the repository holds.
    const stage = join(work, 'stage');
    for (const e of readdirSync(ROOT)) if (!NOT_COPIED.has(e)) cpSync(join(ROOT, e), join(stage, e), { recursive: true });
    cpSync(join(ROOT, 'reports', 'training'), join(stage, 'reports', 'training'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
    const build = await run('npm', ['run', 'build'], stage);
    expect(build.code, build.out + build.err).toBe(0);

    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], stage);
    expect(packed.code, packed.err).toBe(0);
    const [pack] = JSON.parse(packed.out) as Array<{ filename: string; size: number; entryCount: number; files: Array<{ path: string }> }>;
    const files = new Set(pack.files.map((f) => f.path));
    console.log(`tarball ${pack.filename}: ${pack.size} bytes, ${pack.entryCount} files (built and packed in ${Date.now() - t0} ms)`);
    // what the command needs travels: the build, its report assets, the data and the spec
    for (const f of [
      'harness/bin/tconf.js',
      'dist/harness/cli/main.js',
      'dist/harness/report/html/report.css',
      'dist/harness/report/html/report.js',
    ])
      expect(files, f).toContain(f);
    const data = [...filesUnder('fixtures'), ...filesUnder('spec'), ...filesUnder('examples/python')].filter((f) => !f.endsWith('.ts'));
    for (const f of data) expect(files, f).toContain(f);
    for (const f of ['examples/python-numpy/tconf_numpy.py', 'examples/python-torch/tconf_torch.py']) expect(files, f).toContain(f);
    // the training logs the measurement fixtures read
    const logs = filesUnder('fixtures').flatMap((f) =>
      [...readFileSync(join(ROOT, f), 'utf8').matchAll(/^\s+log: (\S+)$/gm)].map((m) => m[1]),
    );
    expect(logs.length).toBeGreaterThan(0);
    for (const f of logs) expect(files, f).toContain(f);
    // and nothing else: no TypeScript (sources or tests), no reports but those logs, no bench or mutation-testing files
    const stray = [...files].filter(
      (f) =>
        f.endsWith('.ts') ||
        /^(bench|reference|train|harness\/(?!bin\/tconf\.js$))/.test(f) ||
        /stryker|vitest/.test(f) ||
        (f.startsWith('reports/') && !logs.includes(f)),
    );
    expect(stray).toEqual([]);

    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'an-implementation', version: '1.0.0', private: true })}\n`);
    writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(seededLock('an-implementation'), null, 1)}\n`);
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, pack.filename)], project);
    expect(install.code, install.out + install.err).toBe(0);
    const installed = join(project, 'node_modules', 'transformer-conformance');
    expect(existsSync(join(installed, 'harness', 'cli', 'main.ts'))).toBe(false);
    const listing = () => readdirSync(installed, { recursive: true }).map(String).sort();
    const shipped = listing();

    // spec/protocol.md's minimal adapter, as the README's commands name it
    const page = readFileSync(join(ROOT, 'spec', 'protocol.md'), 'utf8');
    const adapter = /^```python\n([\s\S]*?)^```$/m.exec(page.slice(page.indexOf('<!-- minimal-adapter:')));
    expect(adapter, 'the minimal adapter of spec/protocol.md').not.toBeNull();
    writeFileSync(join(project, 'my_adapter.py'), adapter![1]);

    // offline: npx must find the installed command, never ask the registry
    const env = { ...process.env, NO_COLOR: '1', npm_config_offline: 'true', TCONF_FIXTURE_DIR: undefined };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme, "the README's install line names the tarball npm pack writes").toContain(
      `npm install --save-dev PATH/TO/${pack.filename}`,
    );
    const steps = recipe(readme);
    let config: string | undefined;
    const ran: string[][] = [];
    for (const step of steps) {
      if ('config' in step) {
        writeFileSync(join(project, 'tconf.config.yaml'), step.config);
        config = step.config;
        continue;
      }
      const words = step.command;
      // where this run's reports must land, emptied first so that an earlier command's cannot stand in for them
      const dir = flag(words, '--report-dir') ?? (config && /^report_dir: (\S+)$/m.exec(config)?.[1]) ?? 'reports';
      if (words[0] === 'run') rmSync(join(project, dir), { recursive: true, force: true });
      const r = await run('npx', ['tconf', ...words], project, env);
      ran.push(words);
      expect(r.code, `npx tconf ${words.join(' ')}\n${r.out.slice(-2000)}\n${r.err.slice(-2000)}`).toBe(0);
      if (words[0] === '--version') expect(r.out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
      if (words[0] === 'run') {
        expect(existsSync(join(project, dir, 'report.json')), `${dir}/report.json in the project`).toBe(true);
        // the adapter ran, not the default reference (the config's implementations when no --impl is given)
        const report = JSON.parse(readFileSync(join(project, dir, 'report.json'), 'utf8'));
        expect(report.implementations.map((i: { name: string }) => i.name)).not.toContain('reference');
        const baseline = flag(words, '--baseline');
        if (baseline) expect(existsSync(join(project, baseline)), `${baseline} in the project`).toBe(true);
      }
    }
    // the recipe holds each stage: the version, the smoke test, a run, the baseline written then gated, a run from the config
    const runs = ran.filter((w) => w[0] === 'run');
    expect(ran.some((w) => w[0] === '--version')).toBe(true);
    expect(ran.some((w) => w[0] === 'smoke')).toBe(true);
    expect(runs.some((w) => w.includes('--baseline') && w.includes('--update-baseline'))).toBe(true);
    expect(runs.some((w) => w.includes('--baseline') && !w.includes('--update-baseline'))).toBe(true);
    expect(runs.some((w) => !w.includes('--impl'))).toBe(true);
    expect(config, 'the README shows a tconf.config.yaml').toBeDefined();
    expect(listing(), 'nothing written into the installed package').toEqual(shipped);

    // TF.js is not installed with the suite: --impl tfjs says what to install
    const tfjs = await run('npx', ['tconf', 'run', '--impl', 'tfjs', '--no-progress'], project, env);
    expect(tfjs.code).toBe(2);
    expect(tfjs.err).toContain('npm install @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu tsx');
    console.log(`packed, installed and ran ${ran.length} README commands in ${Date.now() - t0} ms`);
  }, 240_000);
});
