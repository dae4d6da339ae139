// The NumPy example (tconf_numpy.py) over the process protocol, through the real `tconf run --impl numpy`, and
// the helper module it is written on (examples/python/tconf_adapter.py), spoken to line by line. The run is
// skipped only where no python3 can import numpy (CI installs Debian's python3-numpy, see .ci/run); the helper
// needs nothing but a python3.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPS } from '../../harness/fixtures/scenario.js';
import { pythonWith } from '../../harness/impls/registry.js';
import { FEATURES } from '../../harness/run/implementation.js';
import { ROOT } from '../../harness/paths.js';
import { tconf } from '../../harness/testing/cli.js';

const numpyPython = pythonWith('numpy');
const anyPython = pythonWith('json');
const HELPER_DIR = join(ROOT, 'examples', 'python');

interface ClaimRow {
  id: string;
  results: Record<string, { status: string; message?: string }>;
}

describe.skipIf(!numpyPython)(
  `the NumPy example over the protocol${numpyPython ? '' : ' (skipped: no python3 can import numpy; apt-get install python3-numpy)'}`,
  () => {
    it('passes every claim it declares in the float64 profile, and most of the suite', async () => {
      const reports = mkdtempSync(join(tmpdir(), 'tconf-numpy-'));
      const r = await tconf(['run', '--impl', 'numpy', '--profile', 'float64', '--no-progress', '--report-dir', reports], {
        timeoutMs: 300_000,
      });
      expect(r.code, r.out + r.err).toBe(0);
      const report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
      const impl = report.implementations.find((i: { name: string }) => i.name === 'numpy-example');
      expect(impl.dtype).toBe('float64');
      expect(impl.scenario_errors).toEqual([]);
      const failing = (report.claims as ClaimRow[])
        .filter((c) => ['fail', 'error'].includes(c.results['numpy-example']?.status))
        .map((c) => `${c.id}: ${c.results['numpy-example'].status} ${c.results['numpy-example'].message ?? ''}`);
      expect(failing).toEqual([]);
      const counts = report.summary['numpy-example'].overall;
      expect(counts.fail).toBe(0);
      expect(counts.error).toBe(0);
      expect(counts.pass).toBeGreaterThanOrEqual(900);
      expect([...impl.capabilities.features].sort()).toEqual([...FEATURES].sort());
      expect([...impl.capabilities.ops].sort()).toEqual(
        Object.keys(OPS)
          .filter((o) => o !== 'model_cost')
          .sort(),
      );
    }, 320_000);
  },
);

/** An adapter on the helper: matmul in plain Python, plus ops that misbehave on purpose. */
const ADAPTER = `
import sys
sys.path.insert(0, ${JSON.stringify(HELPER_DIR)})
import tconf_adapter as tc

def matmul(a):
    A, B = a.tensor("A").rows(), a.tensor("B").rows()
    if len(A[0]) != len(B):
        raise tc.InvalidInput(f"{a.id}: A has {len(A[0])} columns but B has {len(B)} rows")
    print("a stray print")                  # must land on stderr
    import os; os.write(1, b"raw fd 1\\n")  # so must a write to file descriptor 1
    return {"C": [[sum(x * y for x, y in zip(row, col)) for col in zip(*B)] for row in A]}

def special(a):
    n = a.integer("n", 1)
    return {"v": [float("nan"), float("inf"), -float("inf"), 0.5] * n}

def broken(a):
    return {"v": 1 / 0}

tc.serve(name="helper-test", version="0.0.1", ops={"matmul": matmul, "relu": special, "dot": broken})
`;

/** Runs the adapter on the given request lines; the parsed stdout lines, and stderr. */
function converse(requests: (object | string)[]): { lines: Record<string, unknown>[]; err: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'tconf-helper-'));
  const file = join(dir, 'adapter.py');
  writeFileSync(file, ADAPTER);
  const input = requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const r = spawnSync(anyPython!, ['-B', file], { input, encoding: 'utf8', timeout: 30_000 });
  return {
    lines: r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    err: r.stderr,
    status: r.status,
  };
}

const call = (id: number, calls: object[], extra: object = {}) => ({ id, type: 'run', scenario: { kind: 'ops', calls }, ...extra });
const base64Values = (b64: string) => {
  const bytes = Uint8Array.from(Buffer.from(b64, 'base64')); // a copy of its own, aligned for Float64Array
  return Array.from(new Float64Array(bytes.buffer));
};

describe.skipIf(!anyPython)('the adapter helper (examples/python/tconf_adapter.py)', () => {
  it('knows exactly the harness op and feature names', () => {
    const r = spawnSync(
      anyPython!,
      [
        '-B',
        '-c',
        `import sys, json; sys.path.insert(0, ${JSON.stringify(HELPER_DIR)}); import tconf_adapter as tc; print(json.dumps([tc.KNOWN_OPS, tc.KNOWN_FEATURES]))`,
      ],
      { encoding: 'utf8' },
    );
    const [ops, features] = JSON.parse(r.stdout);
    expect(ops).toEqual(Object.keys(OPS));
    expect(features).toEqual([...FEATURES]);
  });

  it('answers one line per request, with its id, and keeps serving after every kind of bad request', () => {
    const mm = { id: 'p', op: 'matmul', args: { A: [[1, 2]], B: [[3], [4]] } };
    const { lines, err, status } = converse([
      { id: 0, type: 'hello', protocol_version: 1 },
      call(1, [mm]),
      'this is not JSON',
      { id: 3, type: 'frobnicate' },
      call(4, [{ id: 'q', op: 'softmax', args: { x: [1] } }]),
      call(5, [{ ...mm, args: { A: [[1, 2]], B: [[3, 4]] } }]),
      call(6, [{ id: 'b', op: 'dot', args: {} }]),
      { id: 7, type: 'run', scenario: { kind: 'model' } },
      call(8, [{ ...mm, args: { A: [[1, 'x']], B: [[1]] } }]),
      call(9, [mm]),
      { id: 10, type: 'shutdown' },
      call(11, [mm]),
    ]);
    expect(status).toBe(0);
    expect(lines.map((l) => [l.id, l.type])).toEqual([
      [0, 'hello'],
      [1, 'trace'],
      [0, 'error'],
      [3, 'error'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
      [7, 'error'],
      [8, 'error'],
      [9, 'trace'],
    ]);
    expect(lines[0]).toEqual({
      id: 0,
      type: 'hello',
      protocol_version: 1,
      implementation: {
        name: 'helper-test',
        version: '0.0.1',
        language: 'Python',
        dtype: 'float64',
        capabilities: { ops: ['matmul', 'relu', 'dot'], features: [] },
      },
    });
    expect(lines[1]).toEqual({ id: 1, type: 'trace', trace: { 'p/C': { shape: [1, 1], data: [11] } } });
    expect(lines[2].message).toMatch(/not JSON/);
    expect(lines[3].message).toMatch(/unknown request type 'frobnicate'/);
    expect(lines[4].message).toMatch(/q: unknown op 'softmax'/);
    expect(lines[5].message).toBe('p: A has 2 columns but B has 1 rows');
    expect(lines[6].message).toMatch(/ZeroDivisionError/);
    expect(lines[7].message).toMatch(/no model scenarios/);
    expect(lines[8].message).toMatch(/p\.A\[0\]\[1\]/);
    expect(err).toContain('a stray print');
    expect(err).toContain('raw fd 1');
    expect(err).toContain('Traceback'); // the unforeseen exception's, as evidence
  });

  it('sends non-finite values as the protocol strings, large tensors as base64, and only the requested paths', () => {
    const mm = { id: 'p', op: 'matmul', args: { A: [[1, 2]], B: [[3], [4]] } };
    const { lines } = converse([
      call(1, [{ id: 's', op: 'relu', args: { n: 1 } }]),
      call(2, [{ id: 's', op: 'relu', args: { n: 20 } }]),
      call(3, [{ id: 's', op: 'relu', args: { n: 1 } }, mm], { paths: ['p/C'] }),
    ]);
    expect(lines[0].trace).toEqual({ 's/v': { shape: [4], data: ['NaN', 'Infinity', '-Infinity', 0.5] } });
    const big = (lines[1].trace as Record<string, { shape: number[]; base64: string }>)['s/v'];
    expect(big.shape).toEqual([80]);
    expect(base64Values(big.base64)).toEqual(Array.from({ length: 20 }, () => [Number.NaN, Infinity, -Infinity, 0.5]).flat());
    expect(Object.keys(lines[2].trace as object)).toEqual(['p/C']);
  });

  it('decodes every tensor form of the protocol', () => {
    const b64 = Buffer.from(Float64Array.of(1.5, -2, Number.NaN).buffer).toString('base64');
    const script = `import sys, json, math
sys.path.insert(0, ${JSON.stringify(HELPER_DIR)})
import tconf_adapter as tc
out = []
for v in [[[1, 2], [3, 4]], 7, {"shape": [3], "data": [1, "Infinity", "NaN"]}, {"shape": [3], "base64": ${JSON.stringify(b64)}}]:
    t = tc.decode(v, "v", finite=False)
    out.append([list(t.shape), [x if math.isfinite(x) else str(x) for x in t.data]])
for bad in [[[1], [2, 3]], [], {"shape": [2], "base64": "AAAA"}, {"shape": [2], "data": [1]}, [1, True]]:
    try:
        tc.decode(bad, "v")
        out.append("accepted")
    except tc.InvalidInput as e:
        out.append(str(e))
print(json.dumps(out))`;
    const r = spawnSync(anyPython!, ['-B', '-c', script], { encoding: 'utf8' });
    const out = JSON.parse(r.stdout);
    expect(out.slice(0, 4)).toEqual([
      [
        [2, 2],
        [1, 2, 3, 4],
      ],
      [[], [7]],
      [[3], [1, 'inf', 'nan']],
      [[3], [1.5, -2, 'nan']],
    ]);
    expect(out.slice(4)).toEqual([
      expect.stringMatching(/ragged/),
      expect.stringMatching(/non-empty list/),
      expect.stringMatching(/8-byte/),
      expect.stringMatching(/needs 2 values, got 1/),
      expect.stringMatching(/v\[1\]: expected a number/),
    ]);
  });
});
