// The corrected seed texts: every erratum's corrected line lands in its seed file, no two corrections of one number
// disagree, and the unified diff applies to the seed texts as they are.
import { applyPatch, parsePatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { readSeedTexts } from '../fixtures/seeds.js';
import { loadSuite } from '../fixtures/suite.js';
import { correctSeeds, seedPatch } from './patch.js';
import { auditSuite } from './verdict.js';

describe('the corrected seed texts', () => {
  const { suite } = loadSuite();
  const audits = auditSuite(suite!);
  const seeds = readSeedTexts();
  const fixes = correctSeeds(audits, seeds);

  it('place every correction at its line, without contradictions', () => {
    expect(fixes.lines.length).toBeGreaterThan(0);
    expect(fixes.conflicts).toEqual([]);
    expect(fixes.missed.map((m) => `${m.claim}: ${m.from} → ${m.to} not found`)).toEqual([]);
    expect(fixes.unplaced).toEqual([]);
  });

  it('correct every erratum that has a corrected line in some seed line', () => {
    const corrected = new Set(fixes.lines.flatMap((l) => l.claims));
    const withText = audits.filter((a) => a.seed && a.verdict === 'erratum' && a.replacements?.some((r) => r.from !== r.to));
    expect(withText.filter((a) => !corrected.has(a.id)).map((a) => a.id)).toEqual([]);
  });

  it('is a unified diff that turns the seed texts into the corrected ones', () => {
    const patch = seedPatch(fixes);
    const files = parsePatch(patch);
    expect(files.length).toBe(fixes.files.length);
    for (const f of files) {
      const seed = f.oldFileName!.replace(/^a\/fixtures\/sources\//, '');
      const before = seeds.find((s) => s.seed === seed)!.text;
      expect(applyPatch(before, f)).toBe(fixes.files.find((x) => x.seed === seed)!.after);
    }
  });

  it('changes only the lines it lists', () => {
    for (const f of fixes.files) {
      const a = f.before.split('\n');
      const b = f.after.split('\n');
      const changed = a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]));
      const listed = fixes.lines.filter((l) => l.seed === f.seed).map((l) => l.line);
      expect(changed.filter((n) => !listed.includes(n))).toEqual([]);
    }
  });
});
