// An implementation in another process, over the JSON Lines protocol of spec/protocol.md. The child is spawned
// without a shell, in a process group of its own, so that killing it also ends whatever it started.
//
// Every anomaly (no answer in time, an exit, a line that is not a valid response, a line too long, an id never
// sent) fails the one request with its evidence (the offending field or line, the exit status, the stderr
// tail); the child's group is then killed and the next request goes to a fresh process, the handshake replayed.
// A response belongs to the request it answers: a late or duplicate answer to an earlier request is ignored,
// and a process that exits (or closes its input) without having written anything since the request was sent
// is restarted and sent that request once more; only a second failure is charged to it.
//
// Everything an implementation sends is bounded before it is kept (harness/bounded.ts): lines by
// `maxLineBytes`, messages and the stderr tail by EVIDENCE_LIMIT characters.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { cachedValidators } from '../fixtures/schema.js';
import picomatch from 'picomatch';
import { tensor } from '../../reference/tensor.js';
import { asWire } from '../fixtures/tensors.js';
import { EVIDENCE_LIMIT, forTerminal, nameProblem, truncate } from '../bounded.js';
import { FEATURES, type Capabilities, type Implementation, type RunOptions, type TraceValues } from '../run/implementation.js';
import { ROOT } from '../paths.js';
import { OPS, type Scenario } from '../fixtures/scenario.js';
import { DEFAULT_MAX_LINE_BYTES, MAX_LINE_BYTES_LIMIT, MAX_TIMEOUT_MS, onEndAll } from './process-bounds.js';

export { DEFAULT_MAX_LINE_BYTES, endAllChildren, MAX_LINE_BYTES_LIMIT, MAX_TIMEOUT_MS } from './process-bounds.js';

/** The protocol version this harness speaks. */
export const PROTOCOL_VERSION = 1;
/** Bounds on what an implementation may declare at the handshake. */
const NAME_MAX = 100;
const GLOB_MAX = 200;
const GLOBS_MAX = 1000;
/** Lines of the stderr tail attached to evidence. */
const STDERR_LINES = 12;
/** Characters of an offending line (or of a value inside it) quoted in a message. */
const QUOTE = 300;
/** How long close() waits for the process to exit after `shutdown` before killing its group. */
const SHUTDOWN_GRACE_MS = 2000;
/** After an exit, how long to wait for the rest of its output (a grandchild may hold the pipe open). */
const EXIT_DRAIN_MS = 200;
/** Late answers kept as evidence. */
const LATE_KEEP = 5;

const protocol = JSON.parse(readFileSync(join(ROOT, 'spec', 'protocol.schema.json'), 'utf8'));
// Responses are validated against the protocol's schema except for the elements of tensor data, which the
// conversion to Float64Array checks itself (number, or one of the three non-finite strings): validating
// hundreds of thousands of elements twice would dominate the protocol's cost. The names of ops and features
// are checked against the harness's own lists (harness/fixtures/scenario.ts OPS, harness/run/implementation.ts FEATURES).
const envelope = structuredClone(protocol);
envelope.$id = 'protocol-envelope';
envelope.$defs.tensor.properties.data = { type: 'array' };
envelope.$defs.tensor.properties.base64 = { type: 'string' }; // checked by the decoder instead
envelope.$defs.capabilities.properties.ops.items = { type: 'string', enum: Object.keys(OPS) };
envelope.$defs.capabilities.properties.features.items = { type: 'string', enum: [...FEATURES] };
// Compiled once and kept as generated code (harness/fixtures/schema.ts): compiling it costs every run ~0.2 s.
const validate = cachedValidators(
  'protocol-envelope',
  envelope,
  { allErrors: false, strict: false },
  { hello: '#/$defs/helloResponse', trace: '#/$defs/traceResponse', error: '#/$defs/errorResponse' },
);

const LITTLE_ENDIAN = endianness() === 'LE';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A handshake that failed: the process is gone (its group killed); `hint` suggests a likely fix. */
export class HandshakeError extends Error {
  hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'HandshakeError';
    if (hint) this.hint = hint;
  }
}

/** A request that failed; `retryable` when the process ended without having written anything since it was sent. */
class RequestFailure extends Error {
  /** The request's id, to send it again with the same. */
  id?: number;
  constructor(
    readonly why: string,
    readonly evidence: string,
    readonly kind: 'spawn' | 'exit' | 'timeout' | 'line' | 'stopped',
    readonly retryable = false,
    /** The process never wrote a byte on stdout. */
    readonly silent = false,
  ) {
    super(`${why}${evidence}`);
  }
}

/** Text from outside, bounded and inert: at most `max` characters, with "… N bytes more". */
const quote = (s: string, max = QUOTE) => forTerminal(truncate(s, max));

/** A value from a message, short: a string quoted, a number as is, a list or object by its kind. */
function describe(v: unknown): string {
  if (typeof v === 'string')
    return v.length > QUOTE
      ? `${forTerminal(JSON.stringify(v.slice(0, QUOTE)))}… ${Buffer.byteLength(v.slice(QUOTE))} bytes more`
      : forTerminal(JSON.stringify(v));
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return 'an object';
}

/** A JSON pointer as a field path: `/implementation/capabilities/ops/2` → `implementation.capabilities.ops[2]`. */
function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${describe(seg)}]`;
  }
  return out;
}

function valueAt(msg: unknown, pointer: string): unknown {
  let v = msg;
  for (const raw of pointer.split('/').slice(1))
    v = (v as Record<string, unknown> | undefined)?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

/** The first schema error, as "field: what is wrong (got …)". */
function schemaProblem(errors: ErrorObject[] | null | undefined, msg: unknown): string {
  const e = errors?.[0];
  if (!e) return 'the answer: does not match the protocol';
  const where = fieldPath(e.instancePath) || 'the answer';
  let what = e.message ?? 'is not valid';
  if (e.keyword === 'additionalProperties') what += ` (${describe(String(e.params.additionalProperty))})`;
  else if (e.keyword === 'required') {
    // a tensor's oneOf of {shape, data} / {shape, base64}: name both alternatives
    const alt = errors!
      .filter((x) => x.keyword === 'required' && x.instancePath === e.instancePath && x !== e)
      .map((x) => `'${x.params.missingProperty}'`);
    if (alt.length) what += ` (or ${alt.join(' or ')})`;
  } else if (['enum', 'const', 'type', 'minimum', 'minLength', 'pattern', 'uniqueItems'].includes(e.keyword))
    what += ` (got ${describe(valueAt(msg, e.instancePath))})`;
  return `${where}: ${what}`;
}

/** A tensor as the protocol carries it: values as a JSON list, or as base64 little-endian float64 bytes. */
type WireTensor = { shape: number[] } & ({ data: unknown[] } | { base64: string });

/** The values of a wire tensor; throws (with the reason) on a value the protocol does not allow. */
function decodeData(t: WireTensor): Float64Array {
  if ('base64' in t) {
    if (t.base64.length % 4 || !BASE64.test(t.base64)) throw new Error('has base64 data that is not padded RFC 4648 base64');
    const bytes = Buffer.from(t.base64, 'base64');
    if (bytes.length % 8) throw new Error(`has base64 data of ${bytes.length} bytes, not a whole number of float64 values`);
    // The copy aligns the bytes; a big-endian host must swap them, which DataView does.
    if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return Float64Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
  }
  const data = new Float64Array(t.data.length);
  for (let i = 0; i < data.length; i++) {
    const x = t.data[i];
    if (typeof x === 'number') data[i] = x;
    else if (typeof x === 'string' && x in NON_FINITE) data[i] = NON_FINITE[x];
    else throw new Error(`has a value at data[${i}] that is neither a number nor "NaN"/"Infinity"/"-Infinity": ${describe(x)}`);
  }
  return data;
}

/** The protocol's answer to hello, kept so a restart can be checked against it. */
interface HelloInfo {
  name: string;
  version: string;
  language: string;
  dtype: 'float64' | 'float32';
  capabilities: Omit<Capabilities, 'dtype'>;
}

/** What a valid hello declares that the harness refuses: unprintable or unbounded names, globs it cannot use. */
function helloProblem(impl: HelloInfo): string | null {
  const text = (s: string, what: string) => (s.length ? nameProblem(s, what, NAME_MAX) : null);
  const problem =
    nameProblem(impl.name, 'implementation.name', NAME_MAX) ??
    text(impl.version, 'implementation.version') ??
    text(impl.language, 'implementation.language');
  if (problem) return problem;
  const globs = impl.capabilities.trace;
  if (!globs) return null;
  if (globs.length > GLOBS_MAX) return `implementation.capabilities.trace has ${globs.length} globs (at most ${GLOBS_MAX})`;
  for (let i = 0; i < globs.length; i++) {
    const what = `implementation.capabilities.trace[${i}]`;
    const bad = nameProblem(globs[i], what, GLOB_MAX);
    if (bad) return bad;
    try {
      picomatch(globs[i]);
    } catch (e) {
      return `${what}: ${describe(globs[i])} is not a glob picomatch can compile: ${quote((e as Error).message)}`;
    }
  }
  return null;
}

export interface ProcessOptions {
  /** Per-request timeout in milliseconds, 1 to MAX_TIMEOUT_MS. */
  timeoutMs: number;
  cwd?: string;
  /** Longest line accepted from the implementation, in bytes (default DEFAULT_MAX_LINE_BYTES). */
  maxLineBytes?: number;
}

type Settings = { timeoutMs: number; cwd?: string; maxLineBytes: number };

function settings(o: ProcessOptions): Settings {
  const t = o.timeoutMs;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 1 || t > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `timeoutMs must be a finite number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (24 h), got ${truncate(String(t), 40)}`,
    );
  }
  const m = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(m) || m < 1 || m > MAX_LINE_BYTES_LIMIT) {
    throw new RangeError(`maxLineBytes must be a whole number of bytes from 1 to ${MAX_LINE_BYTES_LIMIT}, got ${truncate(String(m), 40)}`);
  }
  return { timeoutMs: t, cwd: o.cwd, maxLineBytes: m };
}

const seconds = (ms: number) => `${ms / 1000} s`;

interface Pending {
  id: number;
  what: 'hello' | 'run';
  resolve: (msg: Record<string, unknown>) => void;
  reject: (e: RequestFailure) => void;
  timer: NodeJS.Timeout;
}

/** Every child process not yet killed, for endAllChildren(). */
const live = new Set<Child>();
/** Every implementation not yet closed: endAllChildren() also stops them restarting. */
const owners = new Set<ProcessImplementation>();

/** Kills the process group of a child (its own, from `detached`), falling back to the child alone. */
function killGroup(proc: ChildProcessWithoutNullStreams): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

const noop = () => {};

/** One spawned process: its pipes, its line splitter, its one pending request. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Ids sent to this process: an answer to one of them other than the pending one is late. */
  private readonly sent = new Set<number>();
  /** Anomalies with no request pending (an unsolicited line, an exit): the next request goes to a new process. */
  readonly stray: string[] = [];
  /** Late or duplicate answers to earlier requests, ignored; kept as evidence. */
  private readonly late: string[] = [];
  private pending: Pending | null = null;
  /** The current unfinished line (only while a request is pending). */
  private chunks: Buffer[] = [];
  private lineBytes = 0;
  /** A line begun with no request pending: counted and its start kept, never accumulated. */
  private idle: { bytes: number; head: Buffer } | null = null;
  private sinceSent = 0;
  private stdoutBytes = 0;
  private stderrTail = '';
  private stderrCut = false;
  private exitStatus: string | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private closing = false;
  ended = false;

  constructor(
    private readonly argv: string[],
    private readonly o: Settings,
  ) {
    this.proc = spawn(argv[0], argv.slice(1), { cwd: o.cwd, shell: false, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this);
    const { proc } = this;
    proc.on('error', this.onError);
    proc.on('exit', this.onExit);
    proc.stdin.on('error', this.onStdinError);
    proc.stdout.on('error', noop);
    proc.stderr.on('error', noop);
    proc.stdout.on('data', this.onData);
    proc.stdout.on('end', this.onEnd);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', this.onStderr);
  }

  /** The stderr tail and the ignored late answers, for a message. */
  evidence(): string {
    let s = '';
    const lines = this.stderrTail.replace(/\s+$/, '').split('\n');
    const kept = lines.slice(-STDERR_LINES);
    const tail = kept.join('\n');
    if (tail.trim()) {
      const dropped = this.stderrCut || kept.length < lines.length ? '; earlier output dropped' : '';
      s += `\n--- stderr (last lines${dropped}) ---\n${forTerminal(tail)}`;
    }
    if (this.late.length) s += `\n--- ignored ---\n${this.late.join('\n')}`;
    return s;
  }

  request(id: number, body: Record<string, unknown>, what: 'hello' | 'run'): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(new RequestFailure('the process had already ended', '', 'exit', what === 'run'));
      const timer = setTimeout(this.onTimeout, this.o.timeoutMs);
      this.pending = { id, what, resolve, reject, timer };
      this.sent.add(id);
      this.sinceSent = 0;
      this.proc.stdin.write(`${JSON.stringify({ id, ...body }, asWire)}\n`);
    });
  }

  /** Fails the pending request and kills the process: after an anomaly it is never trusted again. */
  private fail(why: string, kind: RequestFailure['kind'], retryable = false): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    const e = new RequestFailure(why, this.evidence(), kind, retryable && p.what === 'run', this.stdoutBytes === 0);
    this.kill();
    p.reject(e);
  }

  private onError = (e: Error) => {
    const why = `could not start '${quote(this.argv.join(' '), 200)}': ${quote(e.message)}`;
    if (this.pending) this.fail(why, 'spawn');
    else {
      this.stray.push(why);
      this.kill();
    }
  };

  private onStdinError = (e: NodeJS.ErrnoException) => {
    if (this.proc.pid === undefined) return; // it never started: 'error' says why
    // EPIPE: it closed its input (or died) before reading the request
    const why = `could not send the request: ${e.code === 'EPIPE' ? 'the process has closed its input' : quote(e.message)}`;
    if (this.pending) this.fail(why, 'exit', this.sinceSent === 0);
    else this.stray.push(why);
  };

  private onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    this.exitStatus = signal ? `signal ${signal}` : `code ${code}`;
    if (this.closing) return;
    // Read what it wrote before exiting first; a grandchild holding the pipe open must not delay this long.
    if (this.drainTimer) clearTimeout(this.drainTimer);
    if (this.proc.stdout.readableEnded) return this.afterExit();
    this.drainTimer = setTimeout(this.afterExit, EXIT_DRAIN_MS);
  };

  private afterExit = () => {
    if (this.ended || this.closing) return;
    const why = `the process exited (${this.exitStatus})`;
    const p = this.pending;
    if (p) this.fail(p.what === 'hello' ? `${why} before answering hello` : `${why} without answering`, 'exit', this.sinceSent === 0);
    else {
      this.stray.push(why);
      this.kill(); // its group: nothing it started outlives it
    }
  };

  private onEnd = () => {
    if (this.exitStatus !== null) return this.afterExit();
    if (this.closing || this.ended) return;
    // usually its exit follows at once, and says more
    this.drainTimer = setTimeout(this.afterEnd, EXIT_DRAIN_MS);
  };

  private afterEnd = () => {
    if (this.ended || this.closing) return;
    const why = 'the process closed its standard output';
    if (this.pending) this.fail(`${why} without answering`, 'exit', this.sinceSent === 0);
    else this.stray.push(why);
  };

  private onStderr = (s: string) => {
    const all = this.stderrTail + s;
    if (all.length > EVIDENCE_LIMIT) this.stderrCut = true;
    this.stderrTail = all.length > EVIDENCE_LIMIT ? all.slice(-EVIDENCE_LIMIT) : all;
  };

  private onTimeout = () => {
    const p = this.pending;
    if (!p) return;
    const unfinished = this.lineBytes || this.idle?.bytes || 0;
    const partial = unfinished ? `; it had written ${unfinished} bytes of an unfinished line: ${this.head()}` : '';
    this.fail(
      p.what === 'hello'
        ? `no answer to hello within ${seconds(this.o.timeoutMs)} (timed out)${partial}`
        : `timed out after ${seconds(this.o.timeoutMs)} without an answer${partial}`,
      'timeout',
    );
  };

  /** The start of the unfinished line, for a message. */
  private head(): string {
    const total = this.idle ? this.idle.bytes : this.lineBytes;
    const bytes = this.idle ? this.idle.head : Buffer.concat(this.chunks.slice(0, 8)).subarray(0, 4 * QUOTE);
    const text = bytes.toString('utf8').slice(0, 60);
    const shown = Buffer.byteLength(text);
    return forTerminal(shown < total ? `${text}… ${total - shown} bytes more` : text);
  }

  /** Splits stdout into lines by bytes; decodes each completed line once; never holds more than maxLineBytes. */
  private onData = (buf: Buffer) => {
    if (this.ended || this.closing) return;
    this.stdoutBytes += buf.length;
    this.sinceSent += buf.length;
    let start = 0;
    while (start <= buf.length) {
      const nl = buf.indexOf(10, start);
      const piece = buf.subarray(start, nl === -1 ? buf.length : nl);
      if (piece.length) this.take(piece);
      if (this.ended || nl === -1) return;
      this.lineDone();
      if (this.ended) return;
      start = nl + 1;
    }
  };

  private take(piece: Buffer): void {
    if (this.idle || (!this.lineBytes && !this.pending)) {
      // unsolicited: nothing is waiting for it, so only its length and its start are kept
      this.idle ??= { bytes: 0, head: Buffer.alloc(0) };
      if (this.idle.head.length < 4 * QUOTE)
        this.idle.head = Buffer.concat([this.idle.head, piece.subarray(0, 4 * QUOTE - this.idle.head.length)]);
      this.idle.bytes += piece.length;
      return;
    }
    this.lineBytes += piece.length;
    if (this.lineBytes > this.o.maxLineBytes) {
      const n = this.o.maxLineBytes;
      this.fail(
        `answered with a line longer than ${n} bytes (the limit, set by --max-line-bytes); ` +
          `the harness stopped reading it at ${this.lineBytes} bytes`,
        'line',
      );
      return;
    }
    this.chunks.push(piece);
  }

  private lineDone(): void {
    if (this.idle) {
      const text = this.idle.head.toString('utf8');
      const shown = quote(text.length > QUOTE ? text.slice(0, QUOTE) : text);
      const more = this.idle.bytes > Buffer.byteLength(text) ? '…' : '';
      this.stray.push(`unsolicited output with no request pending (${this.idle.bytes} bytes): ${shown}${more}`);
      this.idle = null;
      return;
    }
    const chunks = this.chunks;
    const bytes = this.lineBytes;
    this.chunks = [];
    this.lineBytes = 0;
    if (!this.pending) {
      if (bytes) this.stray.push(`unsolicited output with no request pending (${bytes} bytes)`);
      return;
    }
    let line: string;
    try {
      line = Buffer.concat(chunks, bytes).toString('utf8');
    } catch {
      return this.fail(`answered with a line of ${bytes} bytes that cannot be decoded as one string`, 'line');
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.onLine(line);
  }

  private onLine(line: string): void {
    const p = this.pending!;
    const hello = p.what === 'hello';
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.fail(`answered ${hello ? 'hello ' : ''}with a line that is not JSON: ${quote(line)}`, 'line');
    }
    const m = (msg !== null && typeof msg === 'object' && !Array.isArray(msg) ? msg : {}) as Record<string, unknown>;
    if (Number.isInteger(m.id) && m.id !== p.id) {
      const id = m.id as number;
      if (this.sent.has(id)) {
        // an answer to an earlier request, already answered: not an answer to this one
        this.late.push(`a late or duplicate answer to id ${id} (${line.length} characters), received while waiting for id ${p.id}`);
        if (this.late.length > LATE_KEEP) this.late.shift();
        return;
      }
      return this.fail(`answered id ${id}, expected ${p.id} (id ${id} was never sent)`, 'line');
    }
    if (hello) {
      if (m.type === 'error' && typeof m.message === 'string')
        return this.fail(`answered hello with an error: ${quote(m.message, EVIDENCE_LIMIT)}`, 'line');
      if (m.type === 'hello' && typeof m.protocol_version === 'number' && m.protocol_version !== PROTOCOL_VERSION) {
        return this.fail(`it speaks protocol version ${m.protocol_version}, the harness speaks ${PROTOCOL_VERSION}`, 'line');
      }
      if (!validate.hello(msg))
        return this.fail(`its answer is not a valid hello: ${schemaProblem(validate.hello.errors, msg)}; the line: ${quote(line)}`, 'line');
      const problem = helloProblem(m.implementation as HelloInfo);
      if (problem) return this.fail(`its hello is refused: ${problem}`, 'line');
    } else {
      if (m.type === 'hello') return this.fail(`answered a run request with 'hello'`, 'line');
      const v = m.type === 'error' ? validate.error : m.type === 'trace' ? validate.trace : null;
      if (!v) {
        const problem = m === msg ? `type: must be "trace" or "error" (got ${describe(m.type)})` : 'the answer: must be object';
        return this.fail(`answered with a message the protocol does not allow: ${problem}; the line: ${quote(line)}`, 'line');
      }
      if (!v(msg))
        return this.fail(
          `answered with a message the protocol does not allow: ${schemaProblem(v.errors, msg)}; the line: ${quote(line)}`,
          'line',
        );
    }
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve(m);
  }

  /** Kills the process group at once, releases the pipes, fails a pending request. Idempotent, synchronous. */
  kill(why = 'the harness stopped the implementation'): void {
    if (this.ended) return;
    this.ended = true;
    live.delete(this);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.chunks = [];
    this.lineBytes = 0;
    this.idle = null;
    const { proc } = this;
    proc.off('exit', this.onExit);
    proc.off('error', this.onError);
    proc.on('error', noop); // a failed kill is reported this way
    proc.stdin.off('error', this.onStdinError);
    proc.stdin.on('error', noop);
    proc.stdout.off('data', this.onData);
    proc.stdout.off('end', this.onEnd);
    proc.stderr.off('data', this.onStderr);
    killGroup(proc);
    proc.stdin.destroy();
    proc.stdout.destroy();
    proc.stderr.destroy();
    const p = this.pending;
    this.pending = null;
    if (p) {
      clearTimeout(p.timer);
      p.reject(new RequestFailure(why, this.evidence(), 'stopped'));
    }
  }

  /** Sends shutdown and waits at most SHUTDOWN_GRACE_MS for the exit, then kills the group. Always resolves. */
  shutdown(id: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.exitStatus !== null) {
      this.kill();
      return Promise.resolve();
    }
    this.closing = true;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.proc.off('exit', done);
        this.kill();
        resolve();
      };
      const timer = setTimeout(done, SHUTDOWN_GRACE_MS);
      this.proc.once('exit', done);
      this.proc.stdin.end(`${JSON.stringify({ id, type: 'shutdown' })}\n`);
    });
  }
}

/** The hint for a handshake failure, when there is a likely cause. */
function hintFor(argv: string[], e: RequestFailure): string | undefined {
  const cmd = basename(argv[0]);
  if (e.kind === 'timeout' && e.silent && argv.length === 1) {
    return (
      `'${quote(cmd, 80)}' was started with no arguments and waited on its input, as a bare interpreter does: ` +
      `did you quote the whole exec: value? --impl "exec:${quote(cmd, 80)} adapter.py"`
    );
  }
  if (e.kind === 'timeout' && e.silent)
    return 'it wrote nothing on stdout: does it flush after each line (Python: print(..., flush=True))?';
  if (e.kind === 'spawn' && /\s/.test(argv[0]))
    return (
      `the command name '${quote(argv[0], 80)}' contains a space: ` +
      'quote only an argument that contains one, not the command with its arguments'
    );
  return undefined;
}

export class ProcessImplementation implements Implementation {
  name = '';
  version = '';
  language = '';
  capabilities: Capabilities = { dtype: 'float64', ops: [], features: [] };
  private child: Child | null = null;
  private nextId = 0;
  private broken: string | null = null;
  /** The first hello's declaration: a restarted process must declare the same. */
  private declared = '';

  private constructor(
    private readonly argv: string[],
    private readonly o: Settings,
  ) {}

  /** Starts the process and performs the handshake; throws a HandshakeError (the process killed) when it cannot. */
  static async start(argv: string[], o: ProcessOptions): Promise<ProcessImplementation> {
    if (!argv.length || !argv[0]) throw new Error('exec: needs a command');
    const p = new ProcessImplementation(argv, settings(o));
    owners.add(p);
    let info: HelloInfo;
    try {
      info = await p.launch();
    } catch (e) {
      owners.delete(p);
      throw e;
    }
    p.declared = JSON.stringify(info);
    Object.assign(p, {
      name: info.name,
      version: info.version,
      language: info.language,
      capabilities: { ...info.capabilities, dtype: info.dtype },
    });
    return p;
  }

  /** Spawns a process and performs the handshake: the hello request is the first thing written. */
  private async launch(): Promise<HelloInfo> {
    const child = new Child(this.argv, this.o);
    this.child = child;
    try {
      const hello = await child.request(this.nextId++, { type: 'hello', protocol_version: PROTOCOL_VERSION }, 'hello');
      return hello.implementation as HelloInfo;
    } catch (e) {
      child.kill();
      if (this.child === child) this.child = null;
      const f = e as RequestFailure;
      throw new HandshakeError(`the handshake failed: ${f.message}`, hintFor(this.argv, f));
    }
  }

  /** A live process that has seen no anomaly, restarting one when needed; a failed restart breaks the implementation. */
  private async ready(): Promise<Child> {
    if (this.broken) throw new Error(this.broken);
    const c = this.child;
    if (c && !c.ended && !c.stray.length) return c;
    const why = c?.stray.join('; ') ?? '';
    c?.kill();
    this.child = null;
    let info: HelloInfo;
    try {
      info = await this.launch();
    } catch (e) {
      this.broken ??= `the implementation could not be restarted${why ? ` after: ${why}` : ''}: ${(e as Error).message}`;
      throw new Error(this.broken);
    }
    const fresh = this.child as Child | null; // set by launch()
    // stopped while it started
    if (this.broken || !fresh) throw new Error(this.broken ?? 'the implementation was stopped while it restarted');
    if (JSON.stringify(info) !== this.declared) {
      fresh.kill();
      this.child = null;
      this.broken = 'the implementation declared something else after a restart than at the start (name, version, dtype or capabilities)';
      throw new Error(this.broken);
    }
    return fresh;
  }

  /** Sends a run request to a ready process; `id` is given when it is the retry of that request. */
  private async attempt(
    body: Record<string, unknown>,
    id?: number,
  ): Promise<{ answer: Record<string, unknown>; child: Child; id: number }> {
    const child = await this.ready();
    const rid = id ?? this.nextId++;
    try {
      return { answer: await child.request(rid, body, 'run'), child, id: rid };
    } catch (e) {
      child.kill();
      if (this.child === child) this.child = null;
      if (e instanceof RequestFailure) e.id = rid;
      throw e;
    }
  }

  async run(scenario: Scenario, options?: RunOptions): Promise<TraceValues> {
    const body = { type: 'run', scenario, ...(options?.paths ? { paths: options.paths } : {}) };
    let r: { answer: Record<string, unknown>; child: Child };
    try {
      r = await this.attempt(body);
    } catch (e) {
      // it ended without a word since the request was sent: a fresh process gets the same request (same id) once more
      if (!(e instanceof RequestFailure && e.retryable && e.id !== undefined)) throw e;
      try {
        r = await this.attempt(body, e.id);
      } catch (e2) {
        if (!(e2 instanceof RequestFailure)) throw e2;
        throw new Error(`${e2.why}, on a second attempt (the request was retried once on a fresh process after: ${e.why})${e2.evidence}`);
      }
    }
    const { answer, child } = r;
    if (answer.type === 'error')
      throw new Error(`the implementation reported an error: ${quote(answer.message as string, EVIDENCE_LIMIT)}${child.evidence()}`);
    // null prototype: a trace path is data, never `__proto__` or `constructor` of anything
    const trace = Object.create(null) as TraceValues;
    for (const [path, t] of Object.entries(answer.trace as Record<string, WireTensor>)) {
      let data: Float64Array;
      try {
        data = decodeData(t);
      } catch (e) {
        child.kill();
        if (this.child === child) this.child = null;
        throw new Error(`trace ${describe(path)} ${(e as Error).message}`);
      }
      try {
        trace[path] = tensor(t.shape, data);
      } catch {
        trace[path] = { shape: t.shape, data }; // a size that does not match the shape: an error for the claim that reads it
      }
    }
    return trace;
  }

  /** Sends shutdown, waits at most 2 s, then kills the process group. Always resolves. */
  async close(): Promise<void> {
    owners.delete(this);
    const c = this.child;
    this.child = null;
    if (c) await c.shutdown(this.nextId++);
  }

  /** Stops at once: the process group killed, no restart. */
  stop(why: string): void {
    this.broken ??= why;
    this.child?.kill(why);
    this.child = null;
  }
}

/** Kills every live process group of this transport and stops its implementations restarting (endAllChildren). */
function endAll(): void {
  const why = 'the harness stopped every implementation (interrupted)';
  for (const p of [...owners]) p.stop(why);
  for (const c of [...live]) c.kill(why);
}
onEndAll(endAll);
