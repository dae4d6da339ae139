// spec/protocol.md's minimal adapter, taken from the page itself and run through the real `tconf run` over the
// whole suite: it passes every claim whose requirements are just matmul, fails nothing and skips the rest. Then
// an adapter that grows op by op (matmul, matvec, dot, softmax) passes exactly the claims its ops cover. Every
// expected count comes from the requirements `tconf list --json` prints, none is typed in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import type { Requirements } from '../run/requirements.js';
import { tconf } from '../testing/cli.js';

const PYTHON = 'python3';
/** The marker in spec/protocol.md: the first python block after it is the minimal adapter. */
const MARKER = '<!-- minimal-adapter:';

/** The code of the first fenced python block after the marker. */
export function minimalAdapter(page: string): string {
  const at = page.indexOf(MARKER);
  if (at < 0) throw new Error(`spec/protocol.md has no '${MARKER}' marker before its minimal adapter`);
  const m = /^```python\n([\s\S]*?)^```$/m.exec(page.slice(at));
  if (!m) throw new Error('no ```python block after the minimal-adapter marker of spec/protocol.md');
  return m[1];
}

/** An adapter in the minimal one's style that runs the ops named on its command line (comma-separated). */
const GROWING = `import json, sys
import numpy as np

OPS = sys.argv[1].split(",")
arr = lambda v: np.array(v, float)
row = lambda v: np.atleast_2d(arr(v))  # a vector is one row (spec/ops.md)

def softmax(a):
    x = arr(a["x"])
    m = x.max(axis=-1, keepdims=True)
    shifted = x - m
    exps = np.exp(shifted)
    s = exps.sum(axis=-1, keepdims=True)
    y = exps / s
    out = {"max": m[..., 0], "shifted": shifted, "exps": exps, "sum": s[..., 0], "y": y}
    if "upstream" in a:
        up = arr(a["upstream"]).reshape(x.shape)
        out["dx"] = y * (up - (up * y).sum(axis=-1, keepdims=True))
    return out

RUN = {
    "matmul": lambda a: {"C": row(a["A"]) @ row(a["B"])},
    "matvec": lambda a: {"y": row(a["M"]) @ arr(a["x"]).ravel()},
    "dot": lambda a: {"value": np.dot(arr(a["a"]).ravel(), arr(a["b"]).ravel())},
    "softmax": softmax,
}

for line in sys.stdin:
    req = json.loads(line)
    if req["type"] == "hello":
        out = {"id": req["id"], "type": "hello", "protocol_version": 1, "implementation":
               {"name": "growing", "version": "0.0.1", "language": "Python", "dtype": "float64",
                "capabilities": {"ops": OPS, "features": []}}}
    elif req["type"] == "run":
        trace = {}
        for call in req["scenario"]["calls"]:
            for name, v in RUN[call["op"]](call["args"]).items():
                v = np.asarray(v, float)
                trace[call["id"] + "/" + name] = {"shape": list(v.shape), "data": v.ravel().tolist()}
        out = {"id": req["id"], "type": "trace", "trace": trace}
    else:
        break
    print(json.dumps(out), flush=True)
`;

interface Listed {
  id: string;
  requirements: Requirements | null;
}
let claims: Listed[];
const dir = mkdtempSync(join(tmpdir(), 'tconf-minimal-'));

beforeAll(async () => {
  const list = await tconf(['list', '--json'], { timeoutMs: 60_000 });
  expect(list.code).toBe(0);
  claims = JSON.parse(list.out);
}, 60_000);

/** Runs the whole suite on `exec:python3 FILE ARGS`; the report and what the terminal said. */
async function runAdapter(file: string, args: string[] = []) {
  const reports = mkdtempSync(join(dir, 'reports-'));
  const r = await tconf(['run', '--impl', `exec:${[PYTHON, file, ...args].join(' ')}`, '--no-progress', '--report-dir', reports], {
    timeoutMs: 120_000,
  });
  const report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
  const name: string = report.implementations[0].name;
  const status = new Map<string, string>(
    report.claims.map((c: { id: string; results: Record<string, { status: string }> }) => [c.id, c.results[name].status]),
  );
  return { ...r, report, name, status };
}

/** The claims an implementation of just these ops (no model feature) runs: ops within them, no features. */
const coveredBy = (ops: string[]) =>
  claims.filter((c) => c.requirements && !c.requirements.features.length && c.requirements.ops.every((op) => ops.includes(op)));

describe("spec/protocol.md's minimal adapter", () => {
  it('passes every claim whose requirements are just matmul, fails nothing, and skips the rest', async () => {
    const file = join(dir, 'mini.py');
    writeFileSync(file, minimalAdapter(readFileSync(join(ROOT, 'spec', 'protocol.md'), 'utf8')));
    const r = await runAdapter(file);
    expect(r.code, r.err).toBe(0);
    const matmul = coveredBy(['matmul']);
    expect(matmul.length).toBeGreaterThan(0);
    for (const c of claims) {
      const expected = !c.requirements ? 'not-applicable' : matmul.includes(c) ? 'pass' : 'skip';
      expect(`${c.id}: ${r.status.get(c.id)}`).toBe(`${c.id}: ${expected}`);
    }
    const overall = r.report.summary[r.name].overall;
    expect(overall).toMatchObject({ pass: matmul.length, fail: 0, error: 0 });
    expect(overall.skip).toBe(claims.filter((c) => c.requirements).length - matmul.length);
    // the summary says what each missing capability would run
    expect(r.out).toContain(`${r.name}: skipped ${overall.skip} claim(s)`);
    expect(r.out).toMatch(/op softmax|op dot/);
  }, 120_000);

  it('an adapter that adds matvec, dot and softmax passes exactly the claims each op adds', async () => {
    const file = join(dir, 'growing.py');
    writeFileSync(file, GROWING);
    let before = coveredBy(['matmul']).length;
    for (const ops of [
      ['matmul', 'matvec'],
      ['matmul', 'matvec', 'dot'],
      ['matmul', 'matvec', 'dot', 'softmax'],
    ]) {
      const r = await runAdapter(file, [ops.join(',')]);
      expect(r.code, r.err).toBe(0);
      const covered = coveredBy(ops);
      expect(covered.length, `${ops.at(-1)} adds claims`).toBeGreaterThan(before);
      const overall = r.report.summary[r.name].overall;
      expect(overall, ops.join(',')).toMatchObject({ pass: covered.length, fail: 0, error: 0 });
      expect(overall.skip).toBe(claims.filter((c) => c.requirements).length - covered.length);
      for (const c of covered) expect(`${c.id}: ${r.status.get(c.id)}`).toBe(`${c.id}: pass`);
      before = covered.length;
    }
  }, 240_000);
});
