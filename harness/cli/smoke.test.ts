// `tconf smoke` through the real command on the repository's suite: the reference passes everything it can be
// checked on, a mutant and a wrong adapter fail naming the claim, a bad hello names its field, an adapter that
// declares nothing runnable is told so (exit 2: nothing was checked).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPS } from '../fixtures/scenario.js';
import { FEATURES } from '../run/implementation.js';
import { helloOf, scriptAdapter, tconf } from '../testing/cli.js';

const smoke = (impl: string, more: string[] = []) => tconf(['smoke', '--impl', impl, ...more], { timeoutMs: 120_000 });
/** The lines of the report that judge one op or feature. */
const checkLines = (out: string) => out.split('\n').filter((l) => /^[✓✗–] /.test(l));

const hasPython = spawnSync('python3', ['-c', 'pass'], { stdio: 'ignore' }).status === 0;

// The protocol's minimal Python adapter, declaring matmul but computing A + B.
const A_PLUS_B = `import json, sys
for line in sys.stdin:
    req = json.loads(line)
    if req["type"] == "hello":
        out = {"id": req["id"], "type": "hello", "protocol_version": 1, "implementation": {"name": "a-plus-b",
               "version": "0.0.1", "language": "Python", "dtype": "float64", "capabilities": {"ops": ["matmul"], "features": []}}}
    elif req["type"] == "run":
        trace = {}
        for call in req["scenario"]["calls"]:
            A, B = call["args"]["A"], call["args"]["B"]
            C = [[a + b for a, b in zip(ra, rb)] for ra, rb in zip(A, B)]
            trace[call["id"] + "/C"] = {"shape": [len(C), len(C[0])], "data": [x for r in C for x in r]}
        out = {"id": req["id"], "type": "trace", "trace": trace}
    else:
        break
    print(json.dumps(out), flush=True)
`;

describe('tconf smoke', () => {
  it('the reference: exit 0, every declared op and feature is ✓ (or says that nothing in the suite exercises it alone)', async () => {
    const r = await smoke('reference');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^implementation: reference 0\.1\.0 \(TypeScript\), dtype float64$/m);
    const lines = checkLines(r.out);
    expect(lines).toHaveLength(Object.keys(OPS).length + FEATURES.length + 1); // and the handshake's
    for (const l of lines) expect(l).toMatch(/^✓ |^– \S+ +nothing in the suite exercises it alone/);
    expect(r.out).toMatch(/^✓ matmul +\(book-2\/\S+: \d+ claims? pass(es)?\)$/m);
    expect(r.out).toMatch(/^✓ forward +\(\S+, \d+ parameters: \d+ claims pass\)$/m);
    expect(r.out).toMatch(/^✓ adam +\(\S+, \d+ parameters: \d+ claims pass\)$/m);
    expect(r.out).toMatch(/^verdict: OK: /m);
    expect(r.out).toContain('npx tconf run --impl reference');
  }, 120_000);

  it('mutant:no-scale: exit 1, names the failing feature and claim, and what to fix first', async () => {
    const r = await smoke('mutant:no-scale');
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(
      /^✗ forward +[\w.-]+\/[\w.-]+: \S+attn\.scaled: max abs error \S+( at \[[\d,]+\])?, got \S+ where \S+ is expected \(tolerance atol 1e-12 \+ rtol 1e-9·\|e\|\); \d+ of \d+ claims fail/m,
    );
    expect(r.out).toMatch(/^✓ matmul /m); // what the mistake does not touch still works
    expect(r.out).toMatch(/^verdict: FAIL: \d+ of \d+ declared ops and features fail \(.*forward/m);
    expect(r.out).toMatch(/^ {2}- fix \S+ first: \d+ claims of the suite need it/m);
    expect(r.out).toMatch(/npx tconf run --impl mutant:no-scale --filter \S+/);
  }, 120_000);

  it('a bad hello: exit 2, the message names the field', async () => {
    const r = await smoke(scriptAdapter({ hello: helloOf('bad-caps', ['telepathy']) }));
    expect(r.code, r.err).toBe(2);
    expect(r.out).toMatch(
      /^✗ handshake +the handshake failed: .*implementation\.capabilities\.ops\[0\]: must be equal to one of the allowed values \(got "telepathy"\)/m,
    );
    expect(r.out).toMatch(/^verdict: the handshake failed, so nothing was run$/m);
    expect(checkLines(r.out)).toEqual([expect.stringMatching(/^✗ handshake /)]);
  }, 120_000);

  it.skipIf(!hasPython)(
    'a Python adapter that declares matmul but computes A + B: exit 1, matmul is ✗ naming the claim',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tconf-smoke-'));
      writeFileSync(join(dir, 'a_plus_b.py'), A_PLUS_B);
      const r = await smoke(`exec:python3 ${join(dir, 'a_plus_b.py')}`);
      expect(r.code, r.err).toBe(1);
      expect(checkLines(r.out)).toEqual([
        '✓ handshake',
        expect.stringMatching(/^✗ matmul +[\w.-]+\/[\w.-]+: \S+\/C: (max abs error |error: shape )/),
      ]);
      expect(r.out).toMatch(/fix matmul first/);
      expect(r.out).toMatch(/--filter [\w.-]+\/[\w.-]+/);
    },
    120_000,
  );

  it("an adapter's error message is printed inert: control characters escaped", async () => {
    const r = await smoke(
      scriptAdapter({
        hello: helloOf('noisy', ['dot']),
        onRun: `(req) => ({ id: req.id, type: 'error', message: '\\u001b[31mred\\u001b[0m and \\u202eevil' })`,
      }),
    );
    expect(r.code, r.err).toBe(1);
    expect(r.out).not.toMatch(/[\u001b\u202e]/);
    expect(r.out).toMatch(/^✗ dot +[\w.-]+\/[\w.-]+: error: .*\\u\{1b\}\[31mred\\u\{1b\}\[0m and \\u\{202e\}evil/m);
  }, 120_000);

  // Every model scenario needs `forward`, so features without it can never be run, whatever the suite holds.
  it('an adapter that declares nothing it can run: exit 2 (nothing was checked), saying what is missing', async () => {
    const r = await smoke(scriptAdapter({ hello: helloOf('idle', [], ['adam', 'backward']) }), ['--timeout', '5']);
    expect(r.code, r.err).toBe(2);
    expect(r.out).toMatch(/^– adam +adam needs forward, [^\n]*, which are not declared$/m);
    expect(r.out).toMatch(/^– backward +backward needs forward[^\n]*, which (is|are) not declared$/m);
    expect(r.out).toMatch(/^verdict: NOTHING RUN: idle declares nothing/m);
    expect(r.out).toMatch(/^ {2}- declare `forward`[^\n]* to run the scenarios of adam, backward$/m);
    const none = await smoke(scriptAdapter({ hello: helloOf('empty', [], []) }));
    expect(none.code, none.err).toBe(2);
    expect(none.out).toMatch(/^ {2}none declared$/m);
    expect(none.out).toMatch(/^verdict: NOTHING RUN: /m);
  }, 120_000);

  it('usage errors: exit 2 before anything starts', async () => {
    const r = await tconf(['smoke', '--impl', 'exec:python3', 'adapter.py'], { timeoutMs: 120_000 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/quote the whole value: --impl "exec:python3 adapter.py"/);
    const two = await tconf(['smoke', '--impl', 'reference', 'mutant:no-lr'], { timeoutMs: 120_000 });
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/one implementation at a time/);
  }, 120_000);
});
