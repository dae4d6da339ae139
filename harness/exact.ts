// The one exact decimal arithmetic of the harness: the worksheet expressions (harness/fixtures/expr.ts) and the
// independent recomputation (harness/certify/) both compute with the Decimal class exported here.
//
// Precision, 40 significant digits: a float64 carries 15.9–17 significant digits and the suite compares it at a
// relative 1e-13. Each decimal operation rounds at 5e-40 of its result, so even the longest recomputation
// (a few million operations, errors growing at worst linearly, amplified by the cancellations of residual sums,
// layer-norm centring and parameter updates) stays 20 orders of magnitude below what it certifies, while
// decimal.js, whose cost grows with the digits, certifies every fixture in seconds.
//
// Rounding, ROUND_HALF_EVEN (to nearest, ties to the even digit): the mode IEEE 754 uses for float64, and the
// unbiased one (ties do not drift one way over long sums). At 40 digits the choice moves nothing the suite
// compares; it is made once here so that no two parts of the harness round differently. Interval evaluation
// derives its outward-rounding classes from this one (Decimal.clone({ rounding }) keeps the precision).
import { Decimal as DecimalJs } from 'decimal.js';

export const PRECISION = 40;

export const Decimal = DecimalJs.clone({ precision: PRECISION, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;

/**
 * The exact value of a float64, mantissa · 2^exponent, as a Decimal (rounded to the 40 digits; a float64's
 * binary fraction can have hundreds of decimal digits). Integers up to 2^53 are exact as they are.
 */
export function exactBinary(x: number): Decimal {
  if (!Number.isFinite(x)) throw new Error(`${x} is not a finite number`);
  if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return new Decimal(x);
  const bits = new DataView(new Float64Array([x]).buffer).getBigUint64(0, true);
  const sign = bits >> 63n ? -1 : 1;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? frac : frac | (1n << 52n);
  return new Decimal(mantissa.toString()).times(new Decimal(2).pow(Math.max(biased, 1) - 1075)).times(sign);
}
