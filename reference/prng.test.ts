import { describe, expect, it } from 'vitest';
import { mulberry32, normal, normalFiller } from './prng.js';

/** mulberry32 re-done in BigInt arithmetic modulo 2³² (no Math.imul, no >>>): an independent statement of the algorithm. */
function mulberry32BigInt(seed: number): () => number {
  const M = (1n << 32n) - 1n;
  const imul = (x: bigint, y: bigint) => (x * y) & M;
  let a = BigInt(seed >>> 0);
  return () => {
    a = (a + 0x6d2b79f5n) & M;
    let t = imul(a ^ (a >> 15n), a | 1n);
    t = (t ^ ((t + imul(t ^ (t >> 7n), t | 61n)) & M)) & M;
    return Number((t ^ (t >> 14n)) & M) / 2 ** 32;
  };
}

describe('the seeded PRNG', () => {
  it('is mulberry32: the same stream as an independent BigInt statement of the algorithm, for several seeds', () => {
    for (const seed of [0, 1, 42, 20261123, 0xffffffff, -7]) {
      const r = mulberry32(seed);
      const ref = mulberry32BigInt(seed);
      for (let i = 0; i < 50; i++) expect(r()).toBe(ref());
    }
  });

  it('gives uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = mulberry32(9);
    const xs = Array.from({ length: 20000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length).toBeCloseTo(1 / 12, 2);
  });

  it('draws normals by Box–Muller, sqrt(−2 ln(1 − u)) cos(2π v), with mean 0 and variance 1', () => {
    const u = mulberry32(3);
    const n = normal(mulberry32(3));
    for (let i = 0; i < 20; i++) {
      const a = u();
      const b = u();
      expect(n()).toBeCloseTo(Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b), 14);
    }
    const g = normal(mulberry32(5));
    const xs = Array.from({ length: 20000 }, g);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length).toBeCloseTo(1, 1);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it("fills with normal's stream: consecutive fills continue it, each sample times the scale", () => {
    for (const seed of [0, 42, -7]) {
      const n = normal(mulberry32(seed));
      const fill = normalFiller(seed);
      for (const [size, scale] of [
        [5, 1],
        [0, 3],
        [17, 0.25],
        [4096, Math.sqrt(2 / 320)],
      ]) {
        const out = new Float64Array(size);
        fill(out, scale);
        const want = Array.from({ length: size }, () => scale * n());
        expect(Array.from(out)).toEqual(want);
      }
      const unscaled = new Float64Array(3);
      fill(unscaled);
      expect(Array.from(unscaled)).toEqual([n(), n(), n()]);
    }
  });

  it('never takes the log of 0: a uniform source that returns 0 still gives a finite normal', () => {
    expect(Math.abs(normal(() => 0)())).toBe(0); // u = 1 − 0 = 1: sqrt(−2 ln 1) = 0
  });
});
