// The `tconf` command as a real child process, for tests of what a user sees: exit code, output, time taken.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../paths.js';
import type { TestSuite } from './suite.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

export interface CliOptions {
  /** A fixture directory (TCONF_FIXTURE_DIR) instead of the repository's. */
  fixtureDir?: string;
  /** Killed (and the test told so by `signal`) after this long. */
  timeoutMs?: number;
  /** Extra node flags, e.g. a heap limit. */
  nodeFlags?: string[];
  /** Called once the process has started, with its pid (to signal it). */
  onSpawn?: (pid: number) => void;
}

/** Runs `tconf ARGS` through tsx and resolves when it has exited and closed its output. */
export function tconf(args: string[], o: CliOptions = {}): Promise<CliResult> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', 'tsx', join(ROOT, 'harness', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...(o.fixtureDir ? { TCONF_FIXTURE_DIR: o.fixtureDir } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.onSpawn?.(child.pid!);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: Date.now() - t0 });
    });
  });
}

/** Writes a test suite's fixtures and golden values where `tconf` (TCONF_FIXTURE_DIR) reads them. */
export function suiteOnDisk(suite: TestSuite): string {
  const dir = join(suite.dir, 'fixtures');
  mkdirSync(join(dir, 'golden'), { recursive: true });
  for (const lf of suite.fixtures) {
    const g = suite.goldenOf(lf.fixture.id);
    if (g) writeFileSync(join(dir, 'golden', `${lf.fixture.id}.json`), `${JSON.stringify(g, null, 1)}\n`);
  }
  return dir;
}

/**
 * A throwaway adapter: a Node script that answers hello with `hello` (the `implementation` object, or a whole
 * answer when it has `type`) and every run request with `onRun(request)`'s return value (an object to send,
 * a string to write as a raw line, or null to stay silent). Both are given as JavaScript source text.
 */
export function scriptAdapter(o: { hello: string; onRun?: string; preamble?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tconf-adapter-'));
  const file = join(dir, 'adapter.mjs');
  writeFileSync(
    file,
    `import { createInterface } from 'node:readline';
${o.preamble ?? ''}
const hello = ${o.hello};
const onRun = ${o.onRun ?? '() => null'};
const send = (x) => process.stdout.write(typeof x === 'string' ? x + '\\n' : JSON.stringify(x) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line);
  if (req.type === 'hello') return send(hello.type ? { id: req.id, ...hello } : { id: req.id, type: 'hello', protocol_version: 1, implementation: hello });
  if (req.type === 'shutdown') process.exit(0);
  const out = onRun(req);
  if (out !== null && out !== undefined) send(out);
});
`,
  );
  return `exec:${process.execPath} ${file}`;
}

/** An implementation object for a hello answer: float64, the given ops and features. */
export const helloOf = (name: string, ops: string[] = ['matmul'], features: string[] = []) =>
  JSON.stringify({ name, version: '0.0.1', language: 'JavaScript', dtype: 'float64', capabilities: { ops, features } });
