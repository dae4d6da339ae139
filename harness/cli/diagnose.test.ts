// `tconf diagnose` through the real command: on an implementation it runs itself, on a saved report.json (the
// diagnosis tconf run saved, or one computed from the report with --recompute; implementation names escaped before
// printing), and its usage errors. Filtered to one or two fixtures so that the mutant runs behind the matching stay short.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../report/build.js';
import { tconf } from '../testing/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tconf-diagnose-'));

describe('tconf diagnose', () => {
  it('--impl: runs the implementation, names its first wrong value and its mistake', async () => {
    const r = await tconf(['diagnose', '--impl', 'mutant:no-scale', 'reference', '--filter', 'book-5.7', 'book-6.10']);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    expect(r.out).toContain('## mutant:no-scale');
    expect(r.out).toMatch(/first wrong value: `book-5\.7\/forward\/0\/blocks\.0\.attn\.scaled` \(everything before it is right/);
    expect(r.out).toContain(
      'behaves exactly like `no-scale`: attention scores not divided by sqrt(d_k); the seeds warn in 003 (the book) 5.7.1.10',
    );
    expect(r.out).toContain('## reference\nfailing: none\nno divergence');
  });

  it('REPORT.json: prints the diagnosis tconf run saved, or computes one from the results; escapes what the implementation named', async () => {
    const dir = tmp();
    const run = await tconf(['run', '--impl', 'mutant:no-lr', '--filter', 'book-6.10', '--report-dir', dir, '--no-progress']);
    expect(run.code).toBe(1);
    const file = join(dir, 'report.json');
    const report = JSON.parse(readFileSync(file, 'utf8')) as RunReport;
    const hostile = 'evil\u001b[31m';
    report.implementations[0].name = hostile;
    for (const c of report.claims) if (c.results['mutant:no-lr']) c.results = { [hostile]: c.results['mutant:no-lr'] };
    report.summary = { [hostile]: report.summary['mutant:no-lr'] };
    writeFileSync(file, JSON.stringify(report));
    for (const args of [[], ['--recompute']]) {
      const r = await tconf(['diagnose', file, ...args]);
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
      expect(r.out).not.toContain('\u001b');
      expect(r.out).toContain('## evil\\u{1b}[31m');
      expect(r.out.includes('the diagnosis tconf run saved')).toBe(!args.length);
      expect(r.out).toMatch(/first wrong value: `book-6\.10\/train\/param\./);
      expect(r.out).toContain('behaves exactly like `no-lr`');
    }
  });

  it('usage errors: no input, or both inputs', async () => {
    const none = await tconf(['diagnose']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('give a REPORT.json');
    const both = await tconf(['diagnose', 'x.json', '--impl', 'reference']);
    expect(both.code).toBe(2);
    expect(both.err).toContain('not both');
  });
});
