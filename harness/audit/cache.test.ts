// The audit read from the cache is the audit computed: the same claims, values and key order, a large certified
// tensor (kept as bytes) restored as nested lists; another suite, or a damaged cache file, is audited afresh.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Before the modules are loaded: this file's cache is a directory of its own (each test file loads its own modules).
const dir = mkdtempSync(join(tmpdir(), 'tconf-audit-cache-'));
process.env.TCONF_CACHE_DIR = dir;
const { auditSuiteCached } = await import('./cache.js');
const { auditSuite } = await import('./verdict.js');
const { loadSuite } = await import('../fixtures/suite.js');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const suiteOf = (only: string) => {
  const { suite, problems } = loadSuite({ only, needGolden: true });
  if (!suite) throw new Error(JSON.stringify(problems));
  return suite;
};

describe('the audit through the cache', () => {
  const big = suiteOf('fixtures/synthetic/stage10-size.yaml');

  it('is the computed audit, read back from the cache file', async () => {
    const computed = JSON.stringify(auditSuite(big));
    expect(JSON.stringify(await auditSuiteCached(big))).toBe(computed); // computed and written
    const file = readFileSync(join(dir, 'audit.v8'));
    const read = await auditSuiteCached(big);
    expect(readFileSync(join(dir, 'audit.v8')).equals(file)).toBe(true); // read, not written again
    expect(JSON.stringify(read)).toBe(computed);
    const packed = read.filter((a) => Array.isArray(a.certified) && JSON.stringify(a.certified).split(',').length >= 64);
    expect(packed.length).toBeGreaterThan(0);
  });

  it('audits another suite afresh', async () => {
    const small = suiteOf('fixtures/book/2-matrix-core.yaml');
    expect(small.fixtures.length).toBe(1);
    expect(small.hash).not.toBe(big.hash);
    expect(JSON.stringify(await auditSuiteCached(small))).toBe(JSON.stringify(auditSuite(small)));
  });

  it.each(['audit.v8', 'audit-certified.v8'])('recomputes over a damaged %s', async (name) => {
    await auditSuiteCached(big);
    writeFileSync(join(dir, name), 'not a serialized audit');
    expect(JSON.stringify(await auditSuiteCached(big))).toBe(JSON.stringify(auditSuite(big)));
    expect(readFileSync(join(dir, name)).toString('latin1', 0, 10)).not.toBe('not a seri'); // and rewritten
  });
});
