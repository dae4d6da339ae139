// The audit of a capability claim ("a complete implementation has X", spec/fixtures.md "Capability claims"): X is
// named as the protocol's ops and model features, and a complete implementation is one that declares every op and
// feature the protocol defines, as the reference does (a test beside this file holds the reference to that). The
// audit cannot ask an implementation, so the table is the protocol's own; a caller may pass another.
import { OPS } from '../fixtures/scenario.js';
import { FEATURES } from '../run/implementation.js';
import type { AuditContext, Judged } from './verdict.js';

export interface CapabilityTable {
  ops: readonly string[];
  features: readonly string[];
}

/** What a complete implementation declares: every op of the catalogue and every model feature of the protocol. */
export const COMPLETE: CapabilityTable = { ops: Object.keys(OPS), features: FEATURES };

/** The words of a capability claim, as a run's skip names them: `feature backward`, `op layer_norm`. */
export const capabilityWords = (r: { ops?: string[]; features?: string[] } | undefined): string[] => [
  ...(r?.features ?? []).map((x) => `feature ${x}`),
  ...(r?.ops ?? []).map((x) => `op ${x}`),
];

export function auditCapability(cx: AuditContext, table: CapabilityTable = COMPLETE): Judged {
  const { c, base } = cx;
  const req = c.requires ?? {};
  const lacks = [
    ...(req.features ?? []).filter((x) => !table.features.includes(x)).map((x) => `feature ${x}`),
    ...(req.ops ?? []).filter((x) => !table.ops.includes(x)).map((x) => `op ${x}`),
  ];
  const by = (c.exercised_by ?? []).join(', ');
  const words = capabilityWords(req).join(', ');
  const common = { ...base, certified: null, correct: null, suggestion: null };
  if (!lacks.length)
    return { ...common, verdict: 'ok', error_kind: null, reason: `a complete implementation has ${words}; exercised by ${by}` };
  return {
    ...common,
    verdict: 'erratum',
    error_kind: 'missing-capability',
    reason: `a complete implementation has no ${lacks.join(', ')}: the document claims more than the protocol's capabilities`,
    no_fix: 'a capability the implementation lacks is not fixed by changing the document’s text',
  };
}
