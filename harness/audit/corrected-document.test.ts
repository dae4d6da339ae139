// The corrections are checked by the audit itself: the corrected document (every erratum replaced by its
// correction) is audited again, and no erratum may remain but the conceptual ones, each with its reason.
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../fixtures/suite.js';
import { correctedDocument } from './corrected-document.js';
import { auditSuite } from './verdict.js';

describe('the corrected document', () => {
  const { suite } = loadSuite();
  const audits = auditSuite(suite!);
  const errata = audits.filter((a) => a.verdict === 'erratum');
  const fixed = correctedDocument(suite!.fixtures, audits);
  const again = auditSuite({ fixtures: fixed, goldenOf: suite!.goldenOf });
  const conceptual = new Set(errata.filter((a) => a.no_fix).map((a) => a.id));

  it('has a correction for every erratum: a corrected line, or the reason there is no fix', () => {
    expect(errata.filter((a) => a.suggestion === null && !a.no_fix).map((a) => a.id)).toEqual([]);
    expect(errata.filter((a) => a.correction_gaps?.length).map((a) => `${a.id}: ${a.correction_gaps}`)).toEqual([]);
  });

  it('audits without an erratum, but the conceptual ones, which have no numeric fix', () => {
    const left = again.filter((a) => a.verdict === 'erratum' && !conceptual.has(a.id));
    expect(left.map((a) => `${a.id}: ${a.reason}`)).toEqual([]);
    for (const a of again.filter((x) => conceptual.has(x.id))) expect(a.no_fix ?? a.reason).toBeTruthy();
  });

  it('writes every corrected value with a line that gives it: no correction is false as written', () => {
    const checked = again.flatMap((a) => a.elements.filter((e) => e.worksheet && errata.some((x) => x.id === a.id)));
    expect(checked.length).toBeGreaterThan(0);
    const unreached = again.flatMap((a) =>
      a.elements
        .filter((e) => e.unreached)
        .map((e) => `${a.id}[${e.index}]: ${e.resolved ?? e.worksheet} gives [${e.unreached}], not ${e.printed}`),
    );
    expect(unreached).toEqual([]);
  });

  it('corrects every erratum it lists, and changes nothing else', () => {
    expect(errata.length).toBeGreaterThan(0);
    const before = new Map(audits.map((a) => [a.id, a.verdict]));
    const newlyWrong = again.filter((a) => a.verdict === 'erratum' && before.get(a.id) !== 'erratum');
    expect(newlyWrong.map((a) => a.id)).toEqual([]);
  });
});
