// An implementation-defined figure: what a backward pass keeps in memory depends on what the implementation
// caches, so the figure has no float64 "true value", only the range every implementation falls in (both ends
// computed by the fixture's code: a formula over the configuration, or model_cost). The figure gets the verdict
// `implementation-defined` when its printed interval reaches the range, an erratum (`outside-range`) when no
// implementation can give it, corrected to the nearest end.
import { likePrinted, namedValues, printedNumbers, quoteWith } from './convention.js';
import { rebuild, show, type AuditContext, type Judged } from './verdict.js';

/** A printed figure against the least and the most an implementation can make it. */
export function auditImplementationDefined({ c, golden, where, base }: AuditContext): Judged {
  const ps = printedNumbers(c);
  const [low, high] = (c.range ?? []).map((v) => ({ name: v.name, values: namedValues(v, golden, ps.length, where) }));
  if (!low || !high) throw new Error(`${where}: range needs its two ends`);
  const ends = ps.map((p, k) => {
    const [lo, hi] = [Math.min(low.values[k], high.values[k]), Math.max(low.values[k], high.values[k])];
    const slack = p.half * (1 + 1e-9) + 1e-15;
    return { p, lo, hi, nearest: p.value < lo - slack ? lo : p.value > hi + slack ? hi : null };
  });
  const outside = ends.filter((e) => e.nearest !== null);
  const span = (v: number[]) => (v.length === 1 ? show(v[0]) : `[${v.map(show).join(', ')}]`);
  const why = `depends on ${c.depends_on}: from ${span(low.values)} (${low.name}) to ${span(high.values)} (${high.name})`;
  const certified = [low, high].map((e) => (e.values.length === 1 ? e.values[0] : e.values));
  if (!outside.length)
    return {
      ...base,
      certified,
      verdict: 'implementation-defined',
      error_kind: null,
      reason: `${why}; the printed ${ps.map((p) => p.text.trim()).join(', ')} lies in the range`,
      correct: null,
      suggestion: null,
    };
  const correct = rebuild(
    ends.map((e) => (e.nearest === null ? e.p.text : likePrinted(e.nearest, e.p))),
    c.printed!,
  );
  return {
    ...base,
    certified,
    verdict: 'erratum',
    error_kind: 'outside-range',
    reason: `${why}; no implementation gives the printed ${outside.map((e) => e.p.text.trim()).join(', ')}`,
    correct,
    suggestion:
      quoteWith(
        c.quote,
        ends.map((e) => ({ printed: e.p.text, corrected: e.nearest === null ? e.p.text : likePrinted(e.nearest, e.p) })),
      ) ?? `${c.quote} → ${JSON.stringify(correct)}`,
  };
}
