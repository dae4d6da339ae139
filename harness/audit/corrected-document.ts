// The corrected document: every erratum replaced by its correction (each claim's printed strings by the corrected
// ones; the worksheet lines stay, so their references now read the corrected operands). Auditing it again is the
// check that a correction is right as written: no erratum may remain but the conceptual ones, which have no
// numeric fix (`no_fix`), and a correction that makes a neighbouring statement false shows up as a new erratum.
import type { Claim, LoadedFixture } from '../fixtures/types.js';
import { claimId } from '../fixtures/types.js';
import { rebuild, type ClaimAudit } from './verdict.js';

/** The claim as the corrected document prints it (the claim itself when it is not an erratum or has no fix). */
function corrected(c: Claim, a: ClaimAudit): Claim {
  if (a.verdict !== 'erratum') return c;
  if (a.elements.length > 0 && c.printed !== undefined) {
    // Only the errata change: a value that is right, or honestly rounded, stays as the page prints it.
    const strings = a.elements.map((e) => (e.verdict === 'erratum' ? e.correct : e.printed));
    return { ...c, printed: rebuild(strings, c.printed) };
  }
  if (c.kind === 'relation') {
    if (!Array.isArray(a.correct) || !c.of) return c;
    const fixed = a.correct;
    return { ...c, of: c.of.map((o, i) => (o.printed === undefined ? o : { ...o, printed: fixed[i] })) };
  }
  return a.correct === null ? c : { ...c, printed: a.correct };
}

/** The fixtures with every erratum corrected (new objects; the loaded fixtures are not touched). */
export function correctedDocument(fixtures: LoadedFixture[], audits: ClaimAudit[]): LoadedFixture[] {
  const byId = new Map(audits.map((a) => [a.id, a]));
  return fixtures.map((lf) => ({
    ...lf,
    fixture: {
      ...lf.fixture,
      claims: lf.fixture.claims.map((c) => {
        const a = byId.get(claimId(lf.fixture, c));
        return a ? corrected(c, a) : c;
      }),
    },
  }));
}
