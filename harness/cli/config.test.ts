import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS } from '../impls/process.js';
import { ROOT } from '../paths.js';
import { PROFILES } from '../run/compare.js';
import { tconf } from '../testing/cli.js';
import { applyConfig, CONFIG_FILE, configFile, readConfig, trainOutDir } from './config.js';
import type { RunCommandOptions } from './run.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tconf-config-'));
const write = (d: string, text: string, name = CONFIG_FILE) => {
  const file = join(d, name);
  writeFileSync(file, text);
  return file;
};
const thrown = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

const DEFAULTS: RunCommandOptions = { impl: ['reference'], reportDir: 'reports', timeout: '30', progress: true };

describe('the config file', () => {
  it('is tconf.config.yaml in the working directory, or --config FILE, which must exist', () => {
    const d = dir();
    expect(configFile(undefined, d)).toBeUndefined();
    const file = write(d, 'profile: float32\n');
    expect(configFile(undefined, d)).toBe(file);
    expect(thrown(() => configFile(join(d, 'missing.yaml'), d))).toContain('missing.yaml: no such file');
  });

  it('resolves its paths against its own directory', () => {
    const d = dir();
    const file = write(d, 'implementations: [reference, "exec:python3 a.py"]\nbaseline: b.json\noverrides: /abs/o.yaml\nreport_dir: out\n');
    expect(readConfig(file)).toEqual({
      implementations: ['reference', 'exec:python3 a.py'],
      baseline: join(d, 'b.json'),
      overrides: '/abs/o.yaml',
      report_dir: join(d, 'out'),
    });
  });

  it('names file, line and field of every problem', () => {
    const d = dir();
    const file = write(d, 'implementations: []\nprofile: float16\ntimeout: 0\nreport_dir: 3\n');
    const msg = thrown(() => readConfig(file));
    expect(msg).toContain('spec/config.schema.json');
    expect(msg).toContain(`${file}:1: implementations:`);
    expect(msg).toContain(`${file}:2: profile:`);
    expect(msg).toContain(`${file}:3: timeout:`);
    expect(msg).toContain(`${file}:4: report_dir:`);
    expect(thrown(() => readConfig(write(d, 'report-dir: out\n')))).toContain("unknown key 'report-dir'");
    expect(thrown(() => readConfig(write(d, 'timeout: [\n')))).toMatch(new RegExp(`${CONFIG_FILE}:\\d+: `));
  });

  it('accepts what the flags accept: the profiles and the timeout range of tconf run', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'spec', 'config.schema.json'), 'utf8'));
    expect(schema.properties.profile.enum).toEqual(Object.keys(PROFILES));
    expect(schema.properties.timeout.maximum).toBe(MAX_TIMEOUT_MS / 1000);
    expect(schema.properties.timeout.minimum).toBe(0.001);
  });

  it('fills every flag not given on the command line; a flag given wins', () => {
    const c = { implementations: ['numpy'], baseline: 'b.json', overrides: 'o.yaml', profile: 'float32', report_dir: 'out', timeout: 5 };
    expect(applyConfig(DEFAULTS, c, () => false)).toMatchObject({
      impl: ['numpy'],
      baseline: 'b.json',
      overrides: 'o.yaml',
      profile: 'float32',
      reportDir: 'out',
      timeout: '5',
    });
    const given = new Set<string>(['impl', 'timeout']);
    const o = applyConfig({ ...DEFAULTS, impl: ['tfjs'], timeout: '9' }, c, (flag) => given.has(flag));
    expect(o).toMatchObject({ impl: ['tfjs'], timeout: '9', reportDir: 'out' });
    expect(applyConfig(DEFAULTS, {}, () => false)).toEqual(DEFAULTS);
  });

  it('drives tconf run: the config gives the implementation and the report directory, a flag overrides', async () => {
    const d = dir();
    const file = write(d, 'implementations: ["mutant:no-scale"]\nreport_dir: from-config\ntimeout: 10\n', 'ci.yaml');
    const r = await tconf(['run', '--config', file, '--impl', 'reference', '--filter', 'book-2/*', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(join(d, 'from-config', 'report.json'), 'utf8'));
    expect(report.implementations.map((i: { name: string }) => i.name)).toEqual(['reference']);
    const bad = await tconf(['run', '--config', write(d, 'report_dir: [\n', 'bad.yaml'), '--no-progress']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad.yaml:');
  }, 60_000);
});

describe("tconf train's default output directory", () => {
  it('is ./tconf-train/TASK wherever it runs, so that the committed runs are replaced only when asked', () => {
    expect(trainOutDir('ops', ROOT)).toBe(join(ROOT, 'tconf-train', 'ops'));
    const d = dir();
    expect(trainOutDir('fibonacci', d)).toBe(join(d, 'tconf-train', 'fibonacci'));
  });
});
