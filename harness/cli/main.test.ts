// The command's exit codes, through a real process: 0 success, 1 conformance failures, 2 usage or fixture errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';

function tconf(args: string[], fixtureDir?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'harness', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...(fixtureDir ? { TCONF_FIXTURE_DIR: fixtureDir } : {}) },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fixture file with no scenario and one value claim `c`; `fields` are the claim's fields after its quote. */
const fixtureYaml = (id: string, fields: string) =>
  `id: ${id}\ntitle: t\ndocument: false\nscenario: { kind: none }\nclaims:\n  - { id: c, kind: value, quote: q, ${fields} }\n`;
const GOOD_YAML = fixtureYaml('good', 'expr: "1 / 4", printed: "0.25", verdict: ok');

describe('tconf exit codes', () => {
  it('2 for a usage error, with the reason', () => {
    const r = tconf(['run', '--impl', 'nope', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown implementation 'nope'/);
    expect(tconf(['frobnicate']).code).toBe(2);
    const train = tconf(['train', 'chess']);
    expect(train.code).toBe(2);
    expect(train.err).toMatch(/unknown training task 'chess' \(ops, fibonacci\)/);
    const epochs = tconf(['train', 'ops', '--epochs', '0']);
    expect(epochs.code).toBe(2);
    expect(epochs.err).toMatch(/--epochs must be a positive integer/);
    const seeds = tconf(['train', 'ops', '--seeds', '1,2,1']);
    expect(seeds.code).toBe(2);
    expect(seeds.err).toMatch(/--seeds repeats a seed \(got '1,2,1'\)/);
    expect(tconf(['train', 'ops', '--seeds', '1,x']).err).toMatch(/--seeds must be a positive integer \(got 'x'\)/);
    expect(tconf(['train', 'fibonacci', '--seeds', '1,2']).err).toMatch(/--seeds is for ops/);
  });

  it('2 for a broken fixture, naming file, line and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tconf-bad-'));
    writeFileSync(join(dir, 'bad.yaml'), fixtureYaml('bad', 'expr: "1", printed: "1", verdict: ok, colour: red'));
    const r = tconf(['validate'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:6: claims\[0\]\.colour: unknown key 'colour'/);
  });

  it('0 for help and for a valid fixture set; --json prints one JSON document', () => {
    expect(tconf(['--help']).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tconf-good-'));
    writeFileSync(join(dir, 'good.yaml'), GOOD_YAML);
    expect(tconf(['validate'], dir).code).toBe(0);
    const list = tconf(['list', '--json'], dir);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({ id: 'good/c', kind: 'value', printed: '0.25', expected_verdict: 'ok' }),
    ]);
  }, 60_000);

  it('mutants: 1 when a mutant survives (here no claim involves an implementation), 2 for an unknown mutant; ' +
    '--json is one document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tconf-mutants-'));
    writeFileSync(join(dir, 'good.yaml'), GOOD_YAML);
    const r = tconf(['mutants', '--json', '--only', 'no-scale', 'no-lr'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      referenceFailures: [],
      rows: [
        expect.objectContaining({ mutant: 'no-scale', caught: false, claims: [] }),
        expect.objectContaining({ mutant: 'no-lr', caught: false, claims: [] }),
      ],
    });
    const bad = tconf(['mutants', '--only', 'bogus'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown mutant\(s\) bogus/);
  }, 60_000);
});
