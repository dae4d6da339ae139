// A deliberately misbehaving external implementation for the harness's tests. It answers the protocol with
// the reference's traces, except on the run request numbered in its mode: `crash@N`, `hang@N`, `garbage@N`,
// `wrong-id@N`, `wrong-shape@N`, `nan@N`, `error@N`, `noise@N` (stderr only, no answer), `bad-base64@N`,
// `bad-hello`. With `--base64` it sends tensors as base64 float64 bytes instead of JSON lists.
// Run as: node --import tsx harness/testing/fake-impl.ts MODE [--base64]
import { createInterface } from 'node:readline';
import { referenceImplementation } from '../impls/reference.js';
import type { Scenario } from '../scenario.js';

const [mode = 'ok', at = '0'] = (process.argv[2] ?? 'ok').split('@');
const trigger = Number(at);
const base64 = process.argv.includes('--base64');
let runs = 0;
const send = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const req = JSON.parse(line) as { id: number; type: string; scenario?: Scenario; paths?: string[] };
  if (req.type === 'hello') {
    if (mode === 'bad-hello') return send({ id: req.id, type: 'hello' });
    return send({ id: req.id, type: 'hello', protocol_version: 1, implementation: { name: `fake-${mode}`, version: '0.0.0', language: 'TypeScript', dtype: 'float64', capabilities: { ops: referenceImplementation.capabilities.ops, features: referenceImplementation.capabilities.features } } });
  }
  if (req.type === 'shutdown') process.exit(0);
  runs++;
  const hit = runs === trigger;
  if (hit && mode === 'crash') process.exit(3);
  if (hit && mode === 'hang') return;
  if (hit && mode === 'noise') return void process.stderr.write('fake: something went wrong inside\n');
  if (hit && mode === 'garbage') return void process.stdout.write('this is not json\n');
  if (hit && mode === 'error') return send({ id: req.id, type: 'error', message: 'not implemented here' });
  const trace = await referenceImplementation.run(req.scenario!);
  type Wire = { shape: number[]; data?: Array<number | string>; base64?: string };
  const out: Record<string, Wire> = {};
  const wanted = req.paths ? new Set(req.paths) : null; // send only what the harness will read
  for (const [k, t] of Object.entries(trace)) {
    if (wanted && !wanted.has(k)) continue;
    out[k] = base64 ? { shape: t.shape, base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64') } : { shape: t.shape, data: Array.from(t.data) };
  }
  if (hit && mode === 'wrong-shape') for (const t of Object.values(out)) t.shape = [...t.shape, 1, 2];
  const size = (t: Wire) => t.shape.reduce((a, b) => a * b, 1);
  const nans = (t: Wire): Wire => (base64 ? { shape: t.shape, base64: Buffer.from(new Float64Array(size(t)).fill(NaN).buffer).toString('base64') } : { shape: t.shape, data: Array(size(t)).fill('NaN') });
  if (hit && mode === 'nan') for (const [k, t] of Object.entries(out)) out[k] = nans(t);
  if (hit && mode === 'bad-base64') for (const [k, t] of Object.entries(out)) out[k] = { shape: t.shape, base64: 'AAAAAAAAAA==' }; // 7 bytes
  send({ id: hit && mode === 'wrong-id' ? req.id + 100 : req.id, type: 'trace', trace: out });
});
