/** A seeded PRNG (mulberry32): the same seed gives the same weights on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller over a uniform source. */
export function normal(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1], so the log is finite
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The stream of normal(mulberry32(seed)) as a filler: each call writes the stream's next out.length samples into
 * out, each times scale. The two functions above, written out in one loop: a cold process runs their two closure
 * calls per sample slowly, and initParams draws ~10⁵ samples for the Stage 10 model (prng.test.ts: the same stream).
 */
export function normalFiller(seed: number): (out: Float64Array, scale?: number) => void {
  let a = seed >>> 0;
  return (out, scale = 1) => {
    let s = a; // mulberry32's state
    for (let i = 0; i < out.length; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = 1 - ((t ^ (t >>> 14)) >>> 0) / 4294967296; // (0, 1], so the log is finite
      s = (s + 0x6d2b79f5) >>> 0;
      t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const v = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      out[i] = scale * (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    a = s;
  };
}
