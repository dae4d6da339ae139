// Hostile adapters against the process protocol (harness/testing/fake-impl.ts): every case ends in bounded
// time, with a message that names what was wrong, with nothing of the adapter left running and nothing an
// adapter sent kept unbounded.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_LIMIT } from '../bounded.js';
import type { Implementation } from '../run/implementation.js';
import { ROOT } from '../paths.js';
import { runImplementation, type ImplementationRun } from '../run/runner.js';
import type { Scenario } from '../fixtures/scenario.js';
import { makeTestSuite, type TestSuite } from '../testing/suite.js';
import { endAllChildren, HandshakeError, MAX_TIMEOUT_MS, ProcessImplementation, type ProcessOptions } from './process.js';
import { referenceImplementation } from './reference.js';

const FAKE = join(ROOT, 'harness', 'testing', 'fake-impl.ts');
const PROCESS_TS = join(ROOT, 'harness', 'impls', 'process.ts');
const fakeArgv = (mode: string, ...flags: string[]) => [process.execPath, '--import', 'tsx', FAKE, mode, ...flags];
const start = (mode: string, o: Partial<ProcessOptions> = {}, ...flags: string[]) =>
  ProcessImplementation.start(fakeArgv(mode, ...flags), { timeoutMs: 10_000, cwd: ROOT, ...o });
const pidFile = () => join(mkdtempSync(join(tmpdir(), 'tconf-pid-')), 'pid');
const pids = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []);

/**
 * Whether a process is still running. A zombie is not: it has ended and only waits to be reaped by its parent.
 * That matters for a grandchild, whose parent (the adapter) is killed with it: it is re-parented to PID 1, and
 * the PID 1 of some containers and VMs never reaps, so kill(pid, 0) keeps succeeding on a dead process.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (at most 3 s) until none of `list` runs; true when none does. */
async function allGone(list: number[], strict = false): Promise<boolean> {
  const alive = (pid: number) => {
    if (!strict) return running(pid);
    try {
      process.kill(pid, 0); // our own child: Node reaps it, so it must vanish entirely
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 60 && list.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  return !list.some(alive);
}

/** The pids of processes whose parent is this one, that have not ended (for a child we have no pid file of). */
function myChildren(comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && name === comm && state !== 'Z') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** A promise's outcome and how long it took. */
async function timed<T>(p: Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> {
  const t0 = Date.now();
  try {
    const value = await p;
    return { value, ms: Date.now() - t0 };
  } catch (error) {
    return { error: error as Error, ms: Date.now() - t0 };
  }
}

/** Runs `node --import tsx --input-type=module -e CODE` and resolves when it has exited on its own (or was killed after `limitMs`). */
function nodeScript(code: string, limitMs: number): Promise<{ code: number | null; killed: boolean; out: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, limitMs);
  return new Promise((resolve) =>
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, killed, out, ms: Date.now() - t0 });
    }),
  );
}

let suite: TestSuite;
let ops: Scenario;
let reference: Record<string, string>;
const statuses = (run: ImplementationRun) => Object.fromEntries(Object.entries(run.results).map(([id, r]) => [id, r.status]));
async function runWith(impl: Implementation): Promise<ImplementationRun> {
  try {
    return await runImplementation(impl, suite, { profile: 'float64' });
  } finally {
    await impl.close?.();
  }
}

beforeAll(async () => {
  suite = await makeTestSuite();
  ops = suite.fixtures.find((lf) => lf.fixture.id === 'a-matmul')!.fixture.scenario as Scenario;
  reference = statuses(await runWith(referenceImplementation));
});

describe('a failed handshake rejects at once, names what was wrong, and kills the adapter', () => {
  it.each([
    ['hello-v2', /^the handshake failed: it speaks protocol version 2, the harness speaks 1$/],
    ['hello-garbage', /^the handshake failed: answered hello with a line that is not JSON: \{"id": 0, "type": "hel$/],
    ['hello-error', /^the handshake failed: answered hello with an error: cannot load the model weights$/],
    [
      'hello-bad-caps',
      /^the handshake failed: its answer is not a valid hello: implementation\.capabilities\.ops\[2\]: must be equal to one of the allowed values \(got "matmull"\); the line: \{"id":0,/,
    ],
    [
      'bad-hello',
      /^the handshake failed: its answer is not a valid hello: the answer: must have required property 'protocol_version'; the line: \{"id":0,"type":"hello"\}$/,
    ],
    ['line-before-hello', /^the handshake failed: answered hello with a line that is not JSON: fake adapter ready \(loading nothing\)$/],
    ['long-name', /^the handshake failed: its hello is refused: implementation\.name is 1048576 characters long \(at most 100\)$/],
    [
      'long-glob',
      /^the handshake failed: its hello is refused: implementation\.capabilities\.trace\[1\] is 70000 characters long \(at most 200\)$/,
    ],
    ['many-globs', /^the handshake failed: its hello is refused: implementation\.capabilities\.trace has 1001 globs \(at most 1000\)$/],
  ])(
    '%s',
    async (mode, message) => {
      const file = pidFile();
      const r = await timed(start(mode, { timeoutMs: 10_000 }, '--pid-file', file));
      expect(r.error).toBeInstanceOf(HandshakeError);
      expect(r.error!.message).toMatch(message);
      expect(r.ms).toBeLessThan(5000);
      expect(pids(file)).toHaveLength(1);
      expect(await allGone(pids(file), true)).toBe(true);
    },
    15_000,
  );

  it('an adapter that reads its input and never answers: "no answer to hello within N s", with a hint', async () => {
    const file = pidFile();
    const r = await timed(start('stdin-script', { timeoutMs: 1500 }, '--pid-file', file));
    expect(r.error).toBeInstanceOf(HandshakeError);
    expect(r.error!.message).toMatch(/^the handshake failed: no answer to hello within 1\.5 s \(timed out\)$/);
    expect((r.error as HandshakeError).hint).toMatch(/flush/);
    expect(r.ms).toBeLessThan(5000);
    expect(await allGone(pids(file), true)).toBe(true);
  }, 15_000);

  it.skipIf(!existsSync('/usr/bin/python3'))(
    'a bare python3 (the exec: value not quoted) times out with the quoting hint, and is killed',
    async () => {
      const r = await timed(ProcessImplementation.start(['/usr/bin/python3'], { timeoutMs: 1500 }));
      expect(r.error).toBeInstanceOf(HandshakeError);
      expect(r.error!.message).toMatch(/^the handshake failed: no answer to hello within 1\.5 s \(timed out\)$/);
      expect((r.error as HandshakeError).hint).toMatch(/did you quote the whole exec: value\? --impl "exec:python3 adapter\.py"/);
      expect(r.ms).toBeLessThan(5000);
      for (let i = 0; i < 60 && myChildren('python3').length; i++) await new Promise((res) => setTimeout(res, 50));
      expect(myChildren('python3')).toEqual([]);
    },
    15_000,
  );

  it('a failed handshake leaves nothing that keeps Node alive: a harness process exits on its own', async () => {
    const code = `const m = await import(${JSON.stringify(PROCESS_TS)});
      try { await m.ProcessImplementation.start(${JSON.stringify(fakeArgv('hello-v2'))}, { timeoutMs: 10000 }); console.log('started'); }
      catch (e) { console.log(e.name + ': ' + e.message); }`;
    const r = await nodeScript(code, 15_000);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^HandshakeError: the handshake failed: it speaks protocol version 2, the harness speaks 1$/m);
    expect(r.ms).toBeLessThan(10_000);
  }, 20_000);

  it('a command that cannot be started is a HandshakeError too', async () => {
    const r = await timed(ProcessImplementation.start(['/nonexistent/impl'], { timeoutMs: 2000 }));
    expect(r.error).toBeInstanceOf(HandshakeError);
    expect(r.error!.message).toMatch(/^the handshake failed: could not start '\/nonexistent\/impl': spawn \/nonexistent\/impl ENOENT$/);
  });
});

describe('timeouts and limits are checked, not trusted', () => {
  it.each([[2 ** 31], [0], [0.5], [-1], [NaN], [Infinity], [MAX_TIMEOUT_MS + 1]])(
    'timeoutMs %s is refused before anything starts',
    async (t) => {
      // a command that does not exist: the RangeError proves nothing was spawned
      const r = await timed(ProcessImplementation.start(['/nonexistent/impl'], { timeoutMs: t }));
      expect(r.error).toBeInstanceOf(RangeError);
      expect(r.error!.message).toMatch(/^timeoutMs must be a finite number of milliseconds from 1 to 86400000 \(24 h\), got /);
    },
  );

  it.each([[0], [1.5], [2 ** 40]])('maxLineBytes %s is refused', async (m) => {
    const r = await timed(ProcessImplementation.start(['/nonexistent/impl'], { timeoutMs: 1000, maxLineBytes: m }));
    expect(r.error).toBeInstanceOf(RangeError);
    expect(r.error!.message).toMatch(/^maxLineBytes must be a whole number of bytes from 1 to 536870912/);
  });

  it('the longest timeout (24 h) does not overflow: the handshake and a run succeed', async () => {
    const impl = await start('ok', { timeoutMs: MAX_TIMEOUT_MS });
    try {
      expect((await impl.run(ops))['p/C'].shape).toEqual([2, 2]);
    } finally {
      await impl.close();
    }
  }, 15_000);
});

describe('what an adapter sends is bounded', () => {
  it('a 3 MB error message is kept as 4000 characters and a count', async () => {
    const impl = await start('huge-error@1');
    const r = await timed(impl.run(ops));
    await impl.close();
    expect(r.error!.message).toMatch(new RegExp(`^the implementation reported an error: e{${EVIDENCE_LIMIT}}… 2996000 bytes more$`));
  }, 15_000);

  it('a 3 MB string inside data is quoted short, with a count', async () => {
    const impl = await start('huge-value@1');
    const r = await timed(impl.run(ops));
    await impl.close();
    expect(r.error!.message).toMatch(
      /^trace "p\/C" has a value at data\[0\] that is neither a number nor "NaN"\/"Infinity"\/"-Infinity": "v{300}"… 2999700 bytes more$/,
    );
  }, 15_000);

  it('a stderr flood is kept as its last 12 lines, saying earlier output was dropped', async () => {
    const impl = await start('stderr-flood@1', { timeoutMs: 4000 });
    const r = await timed(impl.run(ops));
    await impl.close();
    const [first, header, ...tail] = r.error!.message.split('\n');
    expect(first).toBe('timed out after 4 s without an answer');
    expect(header).toBe('--- stderr (last lines; earlier output dropped) ---');
    expect(tail).toEqual(Array.from({ length: 12 }, (_, i) => `fake: stderr line ${9988 + i}`));
  }, 15_000);

  it('a 5 MB line against a 2 MiB limit costs its scenario only, named with the limit', async () => {
    const run = await runWith(await start('huge-line@2', { maxLineBytes: 2 * 2 ** 20 }, '--mb', '5'));
    expect(run.scenarioErrors.map((e) => e.fixture)).toEqual(['b-forward']);
    expect(run.scenarioErrors[0].message).toMatch(
      /^answered with a line longer than 2097152 bytes \(the limit, set by --max-line-bytes\); the harness stopped reading it at \d+ bytes$/,
    );
    expect(statuses(run)).toEqual({ ...reference, 'b-forward/probs': 'error', 'b-forward/weights': 'error' });
  }, 20_000);

  it('a 50 MB line against a 2 MiB limit never accumulates: the harness grows by far less than 200 MB', async () => {
    const impl = await start('huge-line@1', { maxLineBytes: 2 * 2 ** 20 }, '--mb', '50');
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const r = await timed(impl.run(ops));
    clearInterval(sampler);
    await impl.close();
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(r.error!.message).toMatch(/^answered with a line longer than 2097152 bytes/);
    expect(peak - before).toBeLessThan(200 * 2 ** 20);
  }, 20_000);
});

describe('a response belongs to the request it answers', () => {
  it('an adapter that answers and then exits 0 (one request per process) passes every claim, like the reference', async () => {
    const run = await runWith(await start('exit-after-answer'));
    expect(run.scenarioErrors).toEqual([]);
    expect(statuses(run)).toEqual(reference);
  }, 30_000);

  it('a late duplicate of an earlier answer is ignored, and costs nothing', async () => {
    const run = await runWith(await start('late-duplicate@1'));
    expect(run.scenarioErrors).toEqual([]);
    expect(statuses(run)).toEqual(reference);
  }, 20_000);

  it('an id that was never sent is an error for the current request', async () => {
    const impl = await start('wrong-id@1');
    const r = await timed(impl.run(ops));
    await impl.close();
    expect(r.error!.message).toMatch(/^answered id 101, expected 1 \(id 101 was never sent\)$/);
  }, 15_000);

  it('a process that dies on a request every time is retried once, then charged; the next request is served', async () => {
    const file = pidFile();
    const impl = await start('crash@1', {}, '--pid-file', file);
    try {
      const r = await timed(impl.run(ops));
      expect(r.error!.message).toMatch(
        /^the process exited \(code 3\) without answering, on a second attempt \(the request was retried once on a fresh process after: the process exited \(code 3\) without answering\)$/,
      );
      expect(pids(file)).toHaveLength(2); // the first process and the one it was retried on
      expect((await impl.run(ops))['p/C'].shape).toEqual([2, 2]);
    } finally {
      await impl.close();
    }
    expect(await allGone(pids(file), true)).toBe(true);
  }, 20_000);
});

describe('messages name what was wrong', () => {
  it('a protocol-invalid answer names the field', async () => {
    const impl = await start('bad-field@1');
    const r = await timed(impl.run(ops));
    await impl.close();
    expect(r.error!.message).toMatch(
      /^answered with a message the protocol does not allow: trace\["p\/C"\]\.shape\[1\]: must be >= 0 \(got -1\); the line: \{"id":1,"type":"trace"/,
    );
  }, 15_000);

  it('a timeout in the middle of a line says how much of it had arrived', async () => {
    const impl = await start('partial-line-hang@1', { timeoutMs: 4000 });
    const r = await timed(impl.run(ops));
    await impl.close();
    expect(r.error!.message).toMatch(
      /^timed out after 4 s without an answer; it had written 1234 bytes of an unfinished line: \{"id":1,"type":"trace","trace":\{"p\/C":\{"shape":\[2,2\],"data":… 1174 bytes more$/,
    );
    expect(r.ms).toBeLessThan(8000);
  }, 15_000);
});

describe('trace paths are data', () => {
  it('__proto__, constructor and toString are trace paths like any other, polluting nothing', async () => {
    const impl = await start('proto-keys@1');
    try {
      const trace = await impl.run(ops);
      expect(Object.getPrototypeOf(trace)).toBeNull();
      expect(Object.keys(trace).sort()).toEqual(['__proto__', 'constructor', 'p/C', 'toString']);
      const at = (path: string) => Array.from(trace[path].data);
      expect(at('__proto__')).toEqual([1]);
      expect(at('constructor')).toEqual([2]);
      expect(at('toString')).toEqual([3]);
      expect(({} as Record<string, unknown>).shape).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('data');
    } finally {
      await impl.close();
    }
  }, 15_000);
});

describe('process groups and pipes', () => {
  it('a grandchild holding stdout is killed with its group, and the harness process exits on its own', async () => {
    const file = pidFile();
    const argv = JSON.stringify(fakeArgv('grandchild@1', '--pid-file', file));
    const code = `const m = await import(${JSON.stringify(PROCESS_TS)});
      const impl = await m.ProcessImplementation.start(${argv}, { timeoutMs: 4000 });
      const e = await impl.run(${JSON.stringify(ops)}).then(() => null, (e) => e);
      console.log('RESULT ' + (e ? e.message.split('\\n')[0] : 'answered'));
      await impl.close();`;
    const r = await nodeScript(code, 20_000);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^RESULT timed out after 4 s without an answer$/m); // 4 s: a loaded machine starts tsx slowly
    expect(r.ms).toBeLessThan(15_000);
    expect(pids(`${file}.grandchild`)).toHaveLength(1);
    expect(await allGone([...pids(file), ...pids(`${file}.grandchild`)])).toBe(true);
  }, 25_000);

  it('through the runner: the hanging scenario costs its claims only, and no grandchild outlives close()', async () => {
    const file = pidFile();
    const run = await runWith(await start('grandchild@2', { timeoutMs: 4000 }, '--pid-file', file));
    expect(run.scenarioErrors.map((e) => [e.fixture, e.message.split('\n')[0]])).toEqual([
      ['b-forward', 'timed out after 4 s without an answer'],
    ]);
    expect(statuses(run)).toEqual({ ...reference, 'b-forward/probs': 'error', 'b-forward/weights': 'error' });
    expect(pids(`${file}.grandchild`)).toHaveLength(2); // one per process: the first and its restart
    expect(await allGone(pids(file), true)).toBe(true);
    expect(await allGone(pids(`${file}.grandchild`))).toBe(true);
  }, 25_000);

  it('close() resolves even when the adapter ignores shutdown, and kills it', async () => {
    const file = pidFile();
    const impl = await start('deaf', {}, '--pid-file', file);
    expect((await impl.run(ops))['p/C'].shape).toEqual([2, 2]);
    const r = await timed(impl.close());
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeLessThan(5000);
    expect(await allGone(pids(file), true)).toBe(true);
  }, 15_000);

  it('endAllChildren() kills every live adapter at once; its pending request fails and it is not restarted', async () => {
    const file = pidFile();
    const impl = await start('hang@1', {}, '--pid-file', file);
    const pending = timed(impl.run(ops));
    await new Promise((r) => setTimeout(r, 300));
    endAllChildren();
    const r = await pending;
    expect(r.error!.message).toMatch(/^the harness stopped every implementation \(interrupted\)$/);
    expect(await allGone(pids(file), true)).toBe(true);
    await expect(impl.run(ops)).rejects.toThrow(/^the harness stopped every implementation \(interrupted\)$/);
    expect(pids(file)).toHaveLength(1); // no restart
    await impl.close();
  }, 15_000);
});
