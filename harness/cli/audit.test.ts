import { describe, expect, it } from 'vitest';
import { tconf } from '../testing/cli.js';

type Audit = { id: string; verdict: string; erratum_source?: string | null };

describe('tconf audit --only', () => {
  it('keeps exactly the claims of the verdicts named; origin and carried split the errata', async () => {
    const all: Audit[] = JSON.parse((await tconf(['audit', '--json'])).out);
    const only = await tconf(['audit', '--json', '--only', 'origin', 'rounding']);
    expect(only.code).toBe(0);
    const kept: Audit[] = JSON.parse(only.out);
    const expected = all.filter((a) => a.verdict === 'rounding' || (a.verdict === 'erratum' && a.erratum_source === 'origin'));
    expect(kept.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(kept.length).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a word that is not a verdict, naming the ones it takes (exit 2)', async () => {
    const r = await tconf(['audit', '--only', 'wrong']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /unknown 'wrong' \(one or more of ok, rounding, erratum, origin, carried, unverifiable, derived, implementation-defined\)/,
    );
  }, 60_000);
});

describe('tconf audit --json and --patch', () => {
  it('gives per claim its line, verdict, source, root entries, decision, correct value and corrected lines', async () => {
    const all = JSON.parse((await tconf(['audit', '--json'])).out) as Record<string, unknown>[];
    const errata = all.filter((a) => a.verdict === 'erratum' && a.seed);
    expect(errata.length).toBeGreaterThan(0);
    for (const a of errata) {
      expect(a).toHaveProperty('line');
      expect(['origin', 'carried']).toContain(a.erratum_source);
      expect((a.root_entries as number[]).length, String(a.id)).toBeGreaterThan(0);
      expect(typeof a.decision).toBe('boolean');
      expect(a).toHaveProperty('correct');
      expect(a.corrected_line !== null || typeof a.no_fix === 'string', String(a.id)).toBe(true);
    }
    const ok = all.find((a) => a.verdict === 'ok')!;
    expect(ok.root_entries).toEqual([]);
    expect(ok.decision).toBe(false);
  }, 60_000);

  it('--patch prints a unified diff of the seed texts, and refuses --files', async () => {
    const r = await tconf(['audit', '--patch']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^--- a\/fixtures\/sources\/\S+\n\+\+\+ b\/fixtures\/sources\//m);
    expect(r.out).toMatch(/^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m);
    const refused = await tconf(['audit', '--patch', '--files', 'book']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--patch covers every claim/);
  }, 60_000);
});
