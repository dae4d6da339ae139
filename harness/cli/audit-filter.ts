// `tconf audit --only`: the words it takes and the audits they keep (apart from the command, so that the command
// line's help can list them without loading the audit).
import type { ClaimAudit } from '../audit/verdict.js';

/** What `--only` may keep: a verdict, or one side of an erratum (`origin`: where the document went wrong). */
export const ONLY = ['ok', 'rounding', 'erratum', 'origin', 'carried', 'unverifiable', 'derived', 'implementation-defined'] as const;

export const kept = (a: ClaimAudit, only: string[]) =>
  only.some((w) => (w === 'origin' || w === 'carried' ? a.verdict === 'erratum' && a.erratum_source === w : a.verdict === w));
