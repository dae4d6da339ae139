// For the tests of the possibility, convention and implementation-defined audits (only tests import it): the real
// fixtures whose path contains a text, audited, and their errata audited again with their corrections printed.
import { loadSuite } from '../fixtures/suite.js';
import { formatProblem } from '../fixtures/types.js';
import { auditClaim, auditSuite, type ClaimAudit } from './verdict.js';

function loaded(only: string) {
  const { suite, problems } = loadSuite({ only, needGolden: true });
  if (!suite) throw new Error(problems.map(formatProblem).join('\n'));
  return suite;
}

/** The audits of the fixtures whose path contains `only`, by claim id (without the fixture). */
export const audited = (only: string): Record<string, ClaimAudit> =>
  Object.fromEntries(auditSuite(loaded(only)).map((a) => [a.id.split('/')[1], a]));

/** Every erratum of those fixtures, audited again with its correction printed: what a corrected page would say. */
export function reaudited(only: string): { id: string; verdict: string }[] {
  const suite = loaded(only);
  return suite.fixtures.flatMap((lf) =>
    lf.fixture.claims.flatMap((c) => {
      const a = auditClaim(lf, c, suite.goldenOf(lf.fixture.id));
      if (a.verdict !== 'erratum' || a.correct === null) return [];
      return [{ id: a.id, verdict: auditClaim(lf, { ...c, printed: a.correct }, suite.goldenOf(lf.fixture.id)).verdict }];
    }),
  );
}
