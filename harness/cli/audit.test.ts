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
    expect(r.err).toMatch(/unknown 'wrong' \(one or more of ok, rounding, erratum, origin, carried, unverifiable, derived\)/);
  }, 60_000);
});
