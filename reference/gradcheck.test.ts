import { describe, expect, it } from 'vitest';
import { directionalCheck, gradCheck } from './gradcheck.js';

// f(w) = Σ w_i³: df/dw_i = 3 w_i².
const params = () => ({ w: Float64Array.of(0.5, -1.2, 2) });
const f = (p: { w: Float64Array }) => () => p.w.reduce((s, x) => s + x ** 3, 0);

describe('the gradient checker', () => {
  it('passes a correct gradient with float64 accuracy, at order 2 and 4', () => {
    const p = params();
    const exact = { w: p.w.map((x) => 3 * x * x) };
    expect(gradCheck(f(p), p, exact).maxRelError).toBeLessThan(1e-8);
    expect(gradCheck(f(p), p, exact, { order: 4, eps: 1e-3 }).maxRelError).toBeLessThan(1e-10);
    expect(Array.from(p.w)).toEqual([0.5, -1.2, 2]); // parameters restored
  });

  it('fails a wrong gradient and points at the wrong entry', () => {
    const p = params();
    const wrong = { w: p.w.map((x) => 3 * x * x) };
    wrong.w[1] *= 1.001;
    const rep = gradCheck(f(p), p, wrong);
    expect(rep.maxRelError).toBeGreaterThan(1e-4);
    expect(rep.tensors[0].worstIndex).toBe(1);
  });

  it('samples a seeded subset when asked', () => {
    const p = { w: new Float64Array(100).fill(0.5) };
    const rep = gradCheck(() => p.w.reduce((s, x) => s + x * x, 0), p, { w: p.w.map((x) => 2 * x) }, { samplePerTensor: 7 });
    expect(rep.tensors[0].checked).toBe(7);
  });

  it('the directional check agrees for a correct gradient and not for a wrong one', () => {
    const p = params();
    const exact = { w: p.w.map((x) => 3 * x * x) };
    expect(directionalCheck(f(p), p, exact).relError).toBeLessThan(1e-8);
    expect(directionalCheck(f(p), p, { w: exact.w.map((x) => -x) }).relError).toBeGreaterThan(0.5);
    expect(Array.from(p.w)).toEqual([0.5, -1.2, 2]);
  });
});
