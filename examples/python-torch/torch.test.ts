// The PyTorch example (tconf_torch.py, float64, torch.autograd) over the process protocol, through the real
// `tconf run --impl torch`: every claim it declares passes in the float64 profile, and that is most of the suite.
// Skipped only where no python3 can import torch (CI installs Debian's python3-torch, see .ci/run).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPS } from '../../harness/fixtures/scenario.js';
import { pythonWith } from '../../harness/impls/registry.js';
import { FEATURES } from '../../harness/run/implementation.js';
import { tconf } from '../../harness/testing/cli.js';

const python = pythonWith('torch');
const SKIP_REASON = 'no python3 can import torch (Debian: apt-get install python3-torch; CI installs it)';

interface Counts {
  total: number;
  pass: number;
  fail: number;
  error: number;
  skip: number;
  'not-applicable': number;
}
interface ClaimRow {
  id: string;
  results: Record<string, { status: string; message?: string }>;
}

describe.skipIf(!python)(`the PyTorch example over the protocol${python ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  it('passes every claim it declares in the float64 profile, and most of the suite', async () => {
    const reports = mkdtempSync(join(tmpdir(), 'tconf-torch-'));
    const r = await tconf(['run', '--impl', 'torch', '--profile', 'float64', '--no-progress', '--report-dir', reports], {
      timeoutMs: 300_000,
    });
    expect(r.code, r.out + r.err).toBe(0);
    const report = JSON.parse(readFileSync(join(reports, 'report.json'), 'utf8'));
    const impl = report.implementations.find((i: { name: string }) => i.name === 'torch-example');
    expect(impl, JSON.stringify(report.implementations)).toBeDefined();
    expect(impl.dtype).toBe('float64');
    expect(impl.scenario_errors).toEqual([]);

    const counts: Counts = report.summary['torch-example'].overall;
    const failing = (report.claims as ClaimRow[])
      .filter((c) => ['fail', 'error'].includes(c.results['torch-example']?.status))
      .map((c) => `${c.id}: ${c.results['torch-example'].status} ${c.results['torch-example'].message ?? ''}`);
    expect(failing).toEqual([]);
    expect(counts.fail).toBe(0);
    expect(counts.error).toBe(0);
    expect(counts.pass).toBeGreaterThanOrEqual(900);
    // what it skips, it skips for want of a declared capability, never for another reason
    const skipped = (report.claims as ClaimRow[]).filter((c) => c.results['torch-example']?.status === 'skip');
    for (const c of skipped) expect(c.results['torch-example'].message, c.id).toMatch(/not supported/);

    // it declares every model feature and every op but model_cost (which counts what the reference keeps)
    expect([...impl.capabilities.features].sort()).toEqual([...FEATURES].sort());
    expect([...impl.capabilities.ops].sort()).toEqual(
      Object.keys(OPS)
        .filter((o) => o !== 'model_cost')
        .sort(),
    );
  }, 320_000);
});
