// The spread of several training runs: the structure of one run with every number replaced by [min, max]
// over the runs, so a figure that depends on the seed is reported as the range the seeds produced.

export type Spread = [number, number] | Spread[] | { [key: string]: Spread } | null;

/**
 * [min, max] of the numbers at the same place in every value: arrays position by position (as far as the
 * shortest), objects key by key (the keys all have). A place some run lacks (null, missing, not finite, or a
 * string) gets null: a range over only some of the runs would look like a range over all of them.
 */
export function spread(values: readonly unknown[]): Spread {
  if (!values.length) return null;
  if (values.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) return [Math.min(...values), Math.max(...values)];
  if (values.every(Array.isArray)) {
    const n = Math.min(...values.map((a) => a.length));
    return Array.from({ length: n }, (_, i) => spread(values.map((a) => a[i])));
  }
  if (values.every((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v))) {
    const keys = Object.keys(values[0]).filter((k) => values.every((v) => k in v));
    return Object.fromEntries(keys.map((k) => [k, spread(values.map((v) => v[k]))]));
  }
  return null;
}
