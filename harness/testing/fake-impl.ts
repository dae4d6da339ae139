// A deliberately misbehaving external implementation for the harness's tests. It answers the protocol with
// the reference's traces, except as its mode says. `MODE@N` acts on the run request whose id is N: the hello
// is id 0, so in a fresh run N is the Nth scenario, and a request the harness retries on a fresh process keeps
// its id (the fault happens again, as a real implementation's would).
//
// On run request N: `crash@N` (exits 3, no output), `hang@N`, `garbage@N`, `wrong-id@N` (answers id N+100),
// `wrong-shape@N`, `nan@N`, `error@N`, `noise@N` (stderr only, no answer), `stderr-flood@N` (10,000 lines on
// stderr, no answer), `bad-base64@N`, `bad-field@N` (a negative shape entry), `proto-keys@N` (extra trace
// paths `__proto__`, `constructor`, `toString`), `huge-line@N` (a line of `--mb M` megabytes, default 5,
// written in chunks), `huge-error@N` (a 3 MB error message), `huge-value@N` (a 3 MB string inside data),
// `late-duplicate@N` (answers N, and again when the next request arrives, before answering that one),
// `partial-line-hang@N` (1234 bytes of a line, then silence), `grandchild@N` (at start spawns a node process
// that inherits its stdout and stderr, then hangs on N).
// Whole-process modes: `bad-hello`, `hello-v2`, `hello-garbage`, `hello-error`, `hello-bad-caps`, `long-name`
// (1 MiB), `long-glob` (70,000 characters), `many-globs` (1001), `line-before-hello` (a banner line first),
// `stdin-script` (reads, never answers), `exit-after-answer` (exits 0 after each run answer), `deaf` (ignores
// shutdown and end of input), `mutant:NAME` or `mutant:A+B` (serves harness/impls/mutants.ts's mutant, or the
// mutants switched on together, instead of the reference), `loss-in-bits` (every `loss` value divided by ln 2: a
// mistake outside the mutant catalogue).
// Flags: `--base64` (tensors as base64 float64 bytes), `--mb M`, `--pid-file F` (appends its pid to F, one
// line per process; with `grandchild`, the grandchild's pid to F.grandchild), `--ops A,B` and `--features X,Y`
// (declares only these; `-` for none), `--requests F` (appends each run request's scenario kind, calls' ops and
// `paths` to F, one JSON line each).
// Run as: node --import tsx harness/testing/fake-impl.ts MODE [FLAGS]
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { mutantsImplementation } from '../impls/mutants.js';
import { referenceImplementation } from '../impls/reference.js';
import type { Scenario } from '../fixtures/scenario.js';

const [mode = 'ok', at = '-1'] = (process.argv[2] ?? 'ok').split('@');
const trigger = Number(at);
const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const base64 = process.argv.includes('--base64');
const pidFile = flag('--pid-file');
if (pidFile) appendFileSync(pidFile, `${process.pid}\n`);
const served = mode.startsWith('mutant:') ? mutantsImplementation(mode.slice('mutant:'.length).split('+')) : referenceImplementation;
const send = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const never = () => setInterval(() => {}, 1 << 30); // stays alive whatever it reads

if (mode === 'line-before-hello') process.stdout.write('fake adapter ready (loading nothing)\n');
if (mode === 'deaf') never();
if (mode === 'grandchild') {
  const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (pidFile) appendFileSync(`${pidFile}.grandchild`, `${g.pid}\n`);
}

/** Writes `text` in chunks, waiting for the pipe to drain. */
async function writeChunked(text: string): Promise<void> {
  for (let i = 0; i < text.length; i += 1 << 16) {
    if (!process.stdout.write(text.slice(i, i + (1 << 16)))) await new Promise((r) => process.stdout.once('drain', r));
  }
}

/** Writes `{"id":…,"type":"trace","trace":{"x":{"shape":[1],"data":["xxx…"]}}}` of about `bytes` bytes, in chunks. */
async function hugeLine(id: number, bytes: number): Promise<void> {
  const head = `{"id":${id},"type":"trace","trace":{"x":{"shape":[1],"data":["`;
  process.stdout.write(head);
  const chunk = 'x'.repeat(1 << 16);
  for (let n = head.length; n < bytes; n += chunk.length) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  process.stdout.write('"]}}}\n');
}

const listFlag = (name: string) => {
  const v = flag(name);
  return v === undefined ? undefined : v === '-' ? [] : v.split(',');
};
const caps = () => ({
  ops: listFlag('--ops') ?? referenceImplementation.capabilities.ops,
  features: listFlag('--features') ?? referenceImplementation.capabilities.features,
});
const requestsFile = flag('--requests');
function hello(id: number): unknown {
  const implementation = {
    name: `fake-${mode}`,
    version: '0.0.0',
    language: 'TypeScript',
    dtype: 'float64',
    capabilities: caps() as Record<string, unknown>,
  };
  switch (mode) {
    case 'bad-hello':
      return { id, type: 'hello' };
    case 'hello-v2':
      return { id, type: 'hello', protocol_version: 2, implementation };
    case 'hello-error':
      return { id, type: 'error', message: 'cannot load the model weights' };
    case 'hello-bad-caps':
      implementation.capabilities = { ops: ['matmul', 'softmax', 'matmull'], features: [] };
      break;
    case 'long-name':
      implementation.name = 'n'.repeat(1 << 20);
      break;
    case 'long-glob':
      implementation.capabilities = { ...caps(), trace: ['probs', '('.repeat(70_000)] };
      break;
    case 'many-globs':
      implementation.capabilities = { ...caps(), trace: Array.from({ length: 1001 }, (_, i) => `name${i}`) };
      break;
  }
  return { id, type: 'hello', protocol_version: 1, implementation };
}

let late: string | null = null; // the answer late-duplicate sends again
const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  if (mode === 'stdin-script') return; // a bare interpreter: reads the "script", never answers
  const req = JSON.parse(line) as { id: number; type: string; scenario?: Scenario; paths?: string[] };
  if (req.type === 'hello') {
    if (mode === 'hello-garbage') return void process.stdout.write('{"id": 0, "type": "hel\n');
    return send(hello(req.id));
  }
  if (req.type === 'shutdown') return mode === 'deaf' ? undefined : process.exit(0);
  if (requestsFile && req.scenario) {
    const s = req.scenario;
    appendFileSync(
      requestsFile,
      `${JSON.stringify({ kind: s.kind, ops: s.kind === 'ops' ? s.calls.map((c) => c.op) : [], paths: req.paths })}\n`,
    );
  }
  if (late) {
    process.stdout.write(late);
    late = null;
  }
  const hit = req.id === trigger;
  if (hit && mode === 'crash') process.exit(3);
  if (hit && (mode === 'hang' || mode === 'grandchild')) return;
  if (hit && mode === 'noise') return void process.stderr.write('fake: something went wrong inside\n');
  if (hit && mode === 'stderr-flood')
    return void process.stderr.write(Array.from({ length: 10_000 }, (_, i) => `fake: stderr line ${i}\n`).join(''));
  if (hit && mode === 'garbage') return void process.stdout.write('this is not json\n');
  if (hit && mode === 'error') return send({ id: req.id, type: 'error', message: 'not implemented here' });
  if (hit && mode === 'huge-error') return send({ id: req.id, type: 'error', message: 'e'.repeat(3_000_000) });
  if (hit && mode === 'huge-line') return void hugeLine(req.id, Number(flag('--mb') ?? 5) * 1e6);
  if (hit && mode === 'partial-line-hang') {
    const head = `{"id":${req.id},"type":"trace","trace":{"p/C":{"shape":[2,2],"data":[`;
    return void writeChunked(head + '0.5,'.repeat(Math.ceil((1234 - head.length) / 4)).slice(0, 1234 - head.length));
  }
  const trace = await served.run(req.scenario!);
  if (mode === 'loss-in-bits')
    for (const [k, t] of Object.entries(trace)) if (/(^|\/)loss$/.test(k)) trace[k] = { ...t, data: t.data.map((x) => x * Math.LOG2E) };
  type Wire = { shape: number[]; data?: Array<number | string>; base64?: string };
  const out: Record<string, Wire> = {};
  const wanted = req.paths ? new Set(req.paths) : null; // send only what the harness will read
  for (const [k, t] of Object.entries(trace)) {
    if (wanted && !wanted.has(k)) continue;
    out[k] = base64
      ? { shape: t.shape, base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') }
      : { shape: t.shape, data: Array.from(t.data, (x) => (Number.isFinite(x) ? x : String(x))) }; // NaN and ±Infinity as the protocol spells them
  }
  const first = Object.values(out)[0];
  if (hit && mode === 'wrong-shape') for (const t of Object.values(out)) t.shape = [...t.shape, 1, 2];
  if (hit && mode === 'bad-field') first.shape = [2, -1];
  if (hit && mode === 'huge-value') first.data = ['v'.repeat(3_000_000), ...(first.data ?? []).slice(1)];
  const size = (t: Wire) => t.shape.reduce((a, b) => a * b, 1);
  const nans = (t: Wire): Wire =>
    base64
      ? { shape: t.shape, base64: Buffer.from(new Float64Array(size(t)).fill(NaN).buffer).toString('base64') }
      : { shape: t.shape, data: Array(size(t)).fill('NaN') };
  if (hit && mode === 'nan') for (const [k, t] of Object.entries(out)) out[k] = nans(t);
  if (hit && mode === 'bad-base64') for (const [k, t] of Object.entries(out)) out[k] = { shape: t.shape, base64: 'AAAAAAAAAA==' }; // 7 bytes
  let text = JSON.stringify({ id: hit && mode === 'wrong-id' ? req.id + 100 : req.id, type: 'trace', trace: out });
  if (hit && mode === 'proto-keys') {
    const extra = (v: number) => `{"shape":[1],"data":[${v}]}`;
    text = `${text.slice(0, -2)},"__proto__":${extra(1)},"constructor":${extra(2)},"toString":${extra(3)}}}`;
  }
  process.stdout.write(`${text}\n`);
  if (hit && mode === 'late-duplicate') late = `${text}\n`;
  if (mode === 'exit-after-answer') process.stdout.write('', () => process.exit(0)); // after the answer is flushed
});
