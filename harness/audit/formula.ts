// The audit of a formula claim (spec/fixtures.md, "Formula claims"): the document's formula, evaluated in float64
// on the certified values it binds, against the certified value of its target. Shapes that do not fit together, or
// a result shaped unlike the target, are a `formula-shape` erratum; other values a `formula-value` erratum. An
// erratum's `correct` is the fixture's corrected formula, which must itself audit ok (else the fixture is wrong).
import { expectedTensor } from '../fixtures/claims.js';
import { asFormulaValue, evaluateFormula, FormulaShapeError, parseFormula, showShape } from '../fixtures/formula.js';
import { toNested } from '../fixtures/tensors.js';
import type { Tensor } from '../../reference/tensor.js';
import { show, type AuditContext, type Judged } from './verdict.js';

/** How far a formula's value may be from its target, relative to the target's largest entry (float64 both sides). */
export const FORMULA_RTOL = 1e-12;

type Outcome = { ok: true; detail: string } | { ok: false; kind: 'formula-shape' | 'formula-value'; detail: string };

/** One formula on the certified values: ok, or what is wrong with it. */
function judgeFormula(src: string, cx: AuditContext, target: Tensor): Outcome {
  const { c, golden, where } = cx;
  const env: Record<string, Tensor | number> = {};
  for (const [name, b] of Object.entries(c.bind ?? {})) {
    if (typeof b === 'number') env[name] = b;
    else {
      const t = expectedTensor({ path: b }, golden);
      if (!t) throw new Error(`${where}: no certified value for bind.${name} (${b}): run tconf golden`);
      env[name] = t;
    }
  }
  let got: { shape: number[]; data: Float64Array };
  try {
    got = evaluateFormula(parseFormula(src), env);
  } catch (e) {
    if (e instanceof FormulaShapeError) return { ok: false, kind: 'formula-shape', detail: e.message };
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const want = asFormulaValue(target);
  // A 1×1 product is the scalar it holds.
  const same = got.shape.join() === want.shape.join() || (want.shape.length === 0 && got.data.length === 1);
  if (!same)
    return { ok: false, kind: 'formula-shape', detail: `it gives ${showShape(got.shape)}, but ${c.path} is ${showShape(want.shape)}` };
  const scale = want.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  // Every formula gives zero on a zero gradient: such a target checks nothing.
  if (scale === 0)
    throw new Error(`${where}: path: ${c.path} is zero everywhere, so no formula can be told from another: claim a value the loss reaches`);
  let worst = 0;
  let at = 0;
  got.data.forEach((x, i) => {
    const d = Math.abs(x - want.data[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  });
  if (!(worst <= FORMULA_RTOL * scale)) {
    const entry = `${show(got.data[at])} vs ${show(want.data[at])} at entry ${at}`;
    const detail = `its value differs from ${c.path} ${showShape(want.shape)} by up to ${show(worst)} (${entry}), beyond ${FORMULA_RTOL} of its scale ${show(scale)}`;
    return { ok: false, kind: 'formula-value', detail };
  }
  return {
    ok: true,
    detail: `${showShape(want.shape)}, within ${FORMULA_RTOL} of its scale ${show(scale)} (largest difference ${show(worst)})`,
  };
}

export function auditFormula(cx: AuditContext): Judged {
  const { c, golden, where, base } = cx;
  const target = expectedTensor(c, golden);
  if (!target) throw new Error(`${where}: no certified value for ${c.path} (run tconf golden)`);
  const printed = c.printed as string;
  const r = judgeFormula(printed, cx, target);
  if (c.corrected !== undefined) {
    const fixed = judgeFormula(c.corrected, cx, target);
    if (!fixed.ok) throw new Error(`${where}: corrected: the corrected formula does not audit ok: ${fixed.detail}`);
  }
  const common = { ...base, certified: toNested(target) };
  if (r.ok)
    return {
      ...common,
      verdict: 'ok',
      error_kind: null,
      reason: `the formula gives ${c.path}: ${r.detail}`,
      correct: null,
      suggestion: null,
    };
  const correct = c.corrected ?? null;
  return {
    ...common,
    verdict: 'erratum',
    error_kind: r.kind,
    reason: `${printed}: ${r.detail}${correct ? `; the corrected formula ${correct} gives it` : ''}`,
    correct,
    suggestion: correct === null ? null : c.quote.includes(printed) ? c.quote.replace(printed, correct) : `${c.quote} → ${correct}`,
    ...(correct === null ? { no_fix: 'the fixture gives no corrected formula' } : {}),
  };
}
