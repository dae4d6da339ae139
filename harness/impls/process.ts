// An implementation in another process, over the JSON Lines protocol of spec/protocol.md. The child is spawned
// without a shell. Every anomaly (no answer in time, exit, a line that is not a valid response, a wrong id)
// fails the one request with its evidence (the offending line, the exit status, the stderr tail); the child is
// then killed and restarted, the handshake replayed, and the run goes on.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Ajv2020 from 'ajv/dist/2020.js';
import { tensor } from '../../reference/tensor.js';
import type { Capabilities, Implementation, RunOptions, TraceValues } from '../implementation.js';
import { ROOT } from '../load.js';
import type { Scenario } from '../scenario.js';

const protocol = JSON.parse(readFileSync(join(ROOT, 'spec', 'protocol.schema.json'), 'utf8'));
const ajv = new Ajv2020.default({ allErrors: false, strict: false });
ajv.addSchema(protocol, 'protocol');
// Responses are validated against the protocol's schema except for the elements of tensor data, which the
// conversion to Float64Array checks itself (number, or one of the three non-finite strings): validating
// hundreds of thousands of elements twice would dominate the protocol's cost.
const envelope = structuredClone(protocol);
envelope.$id = 'protocol-envelope';
envelope.$defs.tensor.properties.data = { type: 'array' };
envelope.$defs.tensor.properties.base64 = { type: 'string' }; // checked by the decoder instead
ajv.addSchema(envelope, 'envelope');
const validResponse = ajv.getSchema('envelope#/$defs/response')!;
const validHello = ajv.getSchema('protocol#/$defs/helloResponse')!;

const STDERR_KEEP = 4000;
const LITTLE_ENDIAN = endianness() === 'LE';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

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
    else throw new Error(`has a value that is neither a number nor "NaN"/"Infinity"/"-Infinity": ${JSON.stringify(x)}`);
  }
  return data;
}

interface Pending {
  id: number;
  resolve: (msg: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ProcessOptions {
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  cwd?: string;
}

/** The protocol's answer to hello, kept so a restart can be checked against it. */
interface HelloInfo {
  name: string;
  version: string;
  language: string;
  dtype: 'float64' | 'float32';
  capabilities: Omit<Capabilities, 'dtype'>;
}

export class ProcessImplementation implements Implementation {
  name = '';
  version = '';
  language = '';
  capabilities: Capabilities = { dtype: 'float64', ops: [], features: [] };
  private child: ChildProcessWithoutNullStreams | null = null;
  private pending: Pending | null = null;
  private nextId = 0;
  private stderr = '';
  private broken: string | null = null;
  /** Anomalies that happened with no request pending (an unsolicited line, an exit between requests). */
  private stray: string[] = [];

  private constructor(private readonly argv: string[], private readonly o: ProcessOptions) {}

  /** Starts the process and performs the handshake; throws when it cannot. */
  static async start(argv: string[], o: ProcessOptions): Promise<ProcessImplementation> {
    if (!argv.length) throw new Error('exec: needs a command');
    const p = new ProcessImplementation(argv, o);
    const info = await p.launch();
    Object.assign(p, { name: info.name, version: info.version, language: info.language, capabilities: { ...info.capabilities, dtype: info.dtype } });
    return p;
  }

  private evidence(): string {
    const tail = this.stderr.trim().split('\n').slice(-12).join('\n');
    return tail ? `\n--- stderr (last lines) ---\n${tail}` : '';
  }

  private async launch(): Promise<HelloInfo> {
    this.stderr = '';
    this.stray = [];
    const child = spawn(this.argv[0], this.argv.slice(1), { cwd: this.o.cwd, shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-STDERR_KEEP)));
    child.stdin.on('error', () => {}); // a dead child's closed pipe is reported by 'exit'
    child.on('error', (e) => this.fail(child, `could not start '${this.argv.join(' ')}': ${e.message}`));
    child.on('exit', (code, signal) => this.fail(child, `the process exited (${signal ? `signal ${signal}` : `code ${code}`}) without answering`));
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(child, line));
    const hello = await this.request({ type: 'hello', protocol_version: 1 });
    if (!validHello(hello)) throw new Error(`the handshake answer is not a valid hello: ${JSON.stringify(hello).slice(0, 300)}`);
    return (hello as { implementation: HelloInfo }).implementation;
  }

  private fail(child: ChildProcessWithoutNullStreams, why: string): void {
    if (child !== this.child) return;
    const p = this.pending;
    if (!p) {
      this.stray.push(why);
      return;
    }
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(new Error(`${why}${this.evidence()}`));
  }

  private onLine(child: ChildProcessWithoutNullStreams, line: string): void {
    if (child !== this.child) return;
    if (!this.pending) return void this.stray.push(`unsolicited output: ${line.slice(0, 200)}`);
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.fail(child, `answered with a line that is not JSON: ${line.slice(0, 300)}`);
    }
    if (!validResponse(msg)) return this.fail(child, `answered with a message the protocol does not allow: ${line.slice(0, 300)}`);
    const m = msg as { id: number };
    if (m.id !== this.pending.id) return this.fail(child, `answered id ${m.id}, expected ${this.pending.id}`);
    const p = this.pending;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve(msg as Record<string, unknown>);
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const child = this.child!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(child, `no answer within ${this.o.timeoutMs / 1000} s (timed out)`), this.o.timeoutMs);
      this.pending = { id, resolve, reject, timer };
      child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private kill(): void {
    const c = this.child;
    this.child = null;
    c?.kill('SIGKILL');
  }

  async run(scenario: Scenario, options?: RunOptions): Promise<TraceValues> {
    if (this.broken) throw new Error(this.broken);
    if (!this.child || this.stray.length) {
      const why = this.stray.join('; ');
      this.kill();
      try {
        await this.launch();
      } catch (e) {
        this.kill();
        this.broken = `the implementation could not be restarted${why ? ` after: ${why}` : ''}: ${(e as Error).message}`;
        throw new Error(this.broken);
      }
    }
    let answer: Record<string, unknown>;
    try {
      answer = await this.request({ type: 'run', scenario, ...(options?.paths ? { paths: options.paths } : {}) });
    } catch (e) {
      this.kill(); // restarted before the next request
      throw e;
    }
    if (answer.type === 'error') throw new Error(`the implementation reported an error: ${answer.message as string}${this.evidence()}`);
    if (answer.type !== 'trace') {
      this.kill();
      throw new Error(`answered a run request with '${answer.type as string}'`);
    }
    const trace: TraceValues = {};
    for (const [path, t] of Object.entries(answer.trace as Record<string, WireTensor>)) {
      let data: Float64Array;
      try {
        data = decodeData(t);
      } catch (e) {
        this.kill();
        throw new Error(`trace '${path}' ${(e as Error).message}`);
      }
      try {
        trace[path] = tensor(t.shape, data);
      } catch {
        trace[path] = { shape: t.shape, data }; // a size that does not match the shape: an error for the claim that reads it
      }
    }
    return trace;
  }

  async close(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    this.pending = null;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.stdin.end(`${JSON.stringify({ id: this.nextId++, type: 'shutdown' })}\n`);
    const t = setTimeout(() => c.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
  }
}
