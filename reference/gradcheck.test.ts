import { describe, expect, it } from 'vitest';
import { centralDifference, directionalCheck, gradCheck } from './gradcheck.js';
import { mulberry32 } from './prng.js';

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

  it('uses central differences with step h = eps·max(1, |θ|): order 2 is (L(θ+h) − L(θ−h))/2h, order 4 the five-point stencil', () => {
    // f(w) = w⁵ at w = 2: the order-2 estimate is 5w⁴ + 10w²h² + h⁴, the order-4 one 5w⁴ − 4w²h⁴ … (error O(h⁴))
    const p = { w: Float64Array.of(2) };
    const loss = () => p.w[0] ** 5;
    const exact = { w: Float64Array.of(80) };
    const h = 1e-2 * 2;
    const two = gradCheck(loss, p, exact, { eps: 1e-2 });
    expect(two.maxAbsError).toBeCloseTo(10 * 4 * h * h + h ** 4, 9);
    const four = gradCheck(loss, p, exact, { eps: 1e-2, order: 4 });
    expect(four.maxAbsError).toBeLessThan(1e-4);
    expect(four.maxAbsError).toBeGreaterThan(1e-9);
    const dflt = gradCheck(loss, p, exact);
    expect(dflt.maxAbsError).toBeCloseTo(10 * 4 * (1e-5 * 2) ** 2, 9); // default eps 1e-5, order 2
    expect(Array.from(p.w)).toEqual([2]);
  });

  it('reports per tensor: checked count, worst entry, absolute, relative and normwise errors; overall maxima', () => {
    const p = { a: Float64Array.of(1, 2, 3), b: Float64Array.of(-1) };
    const loss = () => p.a.reduce((s, x) => s + x * x, 0) + 3 * p.b[0];
    const grads = { a: Float64Array.of(2, 4.4, 6), b: Float64Array.of(3) };
    const rep = gradCheck(loss, p, grads, { order: 4, eps: 1e-3 });
    expect(rep.tensors.map((t) => t.name)).toEqual(['a', 'b']);
    const [a, b] = rep.tensors;
    expect(a.checked).toBe(3);
    expect(a.worstIndex).toBe(1);
    expect(a.maxAbsError).toBeCloseTo(0.4, 8);
    expect(a.maxRelError).toBeCloseTo(0.4 / 4.4, 8);
    expect(a.normRelError).toBeCloseTo(0.4 / 6, 8);
    expect(b.worstIndex).toBe(0);
    expect(b.maxRelError).toBeLessThan(1e-9);
    expect(rep.maxAbsError).toBe(a.maxAbsError);
    expect(rep.maxRelError).toBe(a.maxRelError);
    expect(gradCheck(loss, p, {}).maxAbsError).toBe(0);
  });

  it('judges entries below the floor absolutely', () => {
    const p = { w: Float64Array.of(0.5) };
    const rep = gradCheck(() => 1e-9 * p.w[0], p, { w: Float64Array.of(2e-9) }, { floor: 1e-6 });
    expect(rep.maxRelError).toBeCloseTo(1e-9 / 1e-6, 6);
    const noFloor = gradCheck(() => 1e-9 * p.w[0], p, { w: Float64Array.of(2e-9) }, { floor: 1e-12 });
    expect(noFloor.maxRelError).toBeCloseTo(0.5, 4);
  });

  it('samples distinct entries, reproducibly from its seed', () => {
    const p = { w: Float64Array.from({ length: 50 }, (_, i) => i / 10) };
    const wrong = Float64Array.from(p.w, (x) => 2 * x);
    wrong[17] += 1; // one wrong entry
    const loss = () => p.w.reduce((s, x) => s + x * x, 0);
    const worst = (seed: number) => gradCheck(loss, p, { w: wrong }, { samplePerTensor: 10, seed }).tensors[0];
    const hits = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => worst(seed).worstIndex === 17);
    expect(hits.some(Boolean)).toBe(true);
    expect(hits.every(Boolean)).toBe(false);
    expect(worst(3)).toEqual(worst(3));
    const all = gradCheck(loss, p, { w: wrong }, { samplePerTensor: 50 }).tensors[0];
    expect(all.worstIndex).toBe(17);
    expect(gradCheck(loss, p, { w: wrong }, { samplePerTensor: 99 }).tensors[0].checked).toBe(50);
  });

  it('names a gradient without a parameter', () => {
    expect(() => gradCheck(() => 0, { w: Float64Array.of(1) }, { v: Float64Array.of(1) })).toThrow('gradCheck: no parameter v');
  });

  it('the directional check projects on one seeded random unit direction over all tensors', () => {
    const p = { a: Float64Array.of(0.5, -1.2), b: Float64Array.of(2) };
    const loss = () => p.a[0] ** 3 + p.a[1] ** 3 + p.b[0] ** 3;
    const g = { a: Float64Array.of(0.75, 4.32), b: Float64Array.of(12) };
    const r = mulberry32(11);
    const u = [r() * 2 - 1, r() * 2 - 1, r() * 2 - 1];
    const norm = Math.hypot(...u);
    const want = (0.75 * u[0] + 4.32 * u[1] + 12 * u[2]) / norm;
    const d = directionalCheck(loss, p, g, { seed: 11, eps: 1e-6 });
    expect(d.analytical).toBeCloseTo(want, 14);
    expect(d.numerical).toBeCloseTo(want, 6);
    expect(d.relError).toBeCloseTo(Math.abs(d.analytical - d.numerical) / Math.max(Math.abs(d.analytical), Math.abs(d.numerical)), 15);
    expect(Array.from(p.a)).toEqual([0.5, -1.2]);
    expect(directionalCheck(loss, p, g).analytical).toBeCloseTo(directionalCheck(loss, p, g, { seed: 1 }).analytical, 15);
    expect(directionalCheck(loss, p, g, { seed: 2 }).analytical).not.toBeCloseTo(directionalCheck(loss, p, g, { seed: 1 }).analytical, 3);
  });
});

describe('what the gradient checker reports', () => {
  // f(w) = Σ 2^i·w_i with w and eps powers of two: the central differences are exact, so every error is 0.
  const linear = () => ({ w: Float64Array.of(1, 2, 4, 8, 16) });
  const slope = { w: Float64Array.of(1, 2, 4, 8, 16) };

  it('with no error anywhere, the worst entry is the first one checked', () => {
    const p = linear();
    const rep = gradCheck(() => p.w.reduce((s, x, i) => s + 2 ** i * x, 0), p, slope, { eps: 0.5 });
    expect(rep.tensors[0]).toMatchObject({ checked: 5, maxAbsError: 0, maxRelError: 0, worstIndex: 0 });
  });

  it('samples the asked number of distinct entries, and checks every entry when the sample would not be smaller', () => {
    const p = linear();
    const loss = () => p.w.reduce((s, x, i) => s + 2 ** i * x, 0);
    const wrong = { w: Float64Array.of(1, 2, 4, 8, 17) }; // entry 4 is wrong
    expect(gradCheck(loss, p, wrong, { eps: 0.5, samplePerTensor: 2, seed: 3 }).tensors[0].checked).toBe(2);
    const all = gradCheck(loss, p, wrong, { eps: 0.5, samplePerTensor: 5 }).tensors[0];
    expect(all).toMatchObject({ checked: 5, worstIndex: 4, maxAbsError: 1 });
    // over many seeds, a sample of 4 of 5 entries misses the wrong one sometimes, and never checks an entry twice
    const worst = Array.from({ length: 20 }, (_, seed) => gradCheck(loss, p, wrong, { eps: 0.5, samplePerTensor: 4, seed }).tensors[0]);
    expect(worst.some((t) => t.maxAbsError === 0)).toBe(true);
    expect(worst.some((t) => t.worstIndex === 4)).toBe(true);
  });
});

describe('the central difference', () => {
  it('is (L(θ + h) − L(θ − h)) / 2h, exact for a quadratic up to rounding', () => {
    expect(centralDifference(1, 0.5, 0.001)).toBe(0.5 / 0.002);
    expect(centralDifference(3, 3, 1e-5)).toBe(0);
    // L(θ) = θ², θ = 3, h = 2⁻¹⁰: the differences are exact in binary, so the estimate is exactly 2θ
    const h = 2 ** -10;
    expect(centralDifference((3 + h) ** 2, (3 - h) ** 2, h)).toBe(6);
  });

  it('is what the order-2 check and the directional check use', () => {
    const p = { w: Float64Array.of(0.7) };
    const loss = () => Math.sin(p.w[0]);
    const h = 1e-5 * Math.max(1, 0.7);
    const numerical = centralDifference(Math.sin(0.7 + h), Math.sin(0.7 - h), h);
    expect(gradCheck(loss, p, { w: Float64Array.of(numerical) }).maxAbsError).toBe(0);
    const d = directionalCheck(loss, p, { w: Float64Array.of(1) }, { eps: 1e-5 });
    expect(d.numerical).toBe(
      centralDifference(Math.sin(0.7 + 1e-5 * Math.sign(d.analytical)), Math.sin(0.7 - 1e-5 * Math.sign(d.analytical)), 1e-5),
    );
  });
});
