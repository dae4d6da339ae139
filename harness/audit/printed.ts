// Reading the document's printed strings: the number they spell and the precision they claim.

export interface PrintedNumber {
  text: string;
  value: number;
  /** Half a unit in the last printed place: the printed number stands for [value − half, value + half]. */
  half: number;
  /** Decimal places of `value` (a percentage's two extra places included). */
  decimals: number;
}

/**
 * "0.250" → 0.25 ± 0.0005; "-0.749"; "≈ 1.383"; "25.0%" → 0.250 ± 0.0005; "102,016" → 102016 ± 0.5;
 * "1e-5" → to its mantissa's last place; "~400" (an approximate integer) → 400 ± 50, its precision being
 * its last non-zero digit. Throws on anything that is not a number.
 */
export function readPrinted(text: string): PrintedNumber {
  const approximate = /^\s*~/.test(text);
  let s = text.trim().replace(/^[≈~]\s*/, '').replace(/−/g, '-').replace(/^\+/, '');
  let scale = 0;
  if (s.endsWith('%')) {
    s = s.slice(0, -1).trim();
    scale = 2;
  }
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) throw new Error(`printed value '${text}' is not a number`);
  const exp = m[3] ? Number(m[3]) : 0;
  const trailingZeros = approximate && !m[2] && !m[3] && /[1-9]/.test(m[1]) ? /0*$/.exec(m[1])![0].length : 0;
  const decimals = (m[2]?.length ?? 0) - exp + scale - trailingZeros;
  return { text, value: Number(s) / 10 ** scale, half: 0.5 * 10 ** -decimals, decimals };
}

/** Significant digits a printed number shows ("0.024" → 2, "1200" → 2, "0.250" → 3). */
function significantDigits(p: PrintedNumber): number {
  const digits = p.text.replace(/[eE].*$/, '').replace(/[^0-9]/g, '').replace(/^0+/, '');
  return Math.max(1, (p.text.includes('.') ? digits : digits.replace(/0+$/, '')).length);
}

/**
 * The certified value written the way the document writes this number (same decimals, same % and sign style);
 * when those decimals cannot show it (0.000024 at three decimals), as many significant digits as the printed
 * number shows.
 */
export function formatLike(value: number, p: PrintedNumber): string {
  if (/[eE]/.test(p.text)) return value.toExponential(Math.max(1, significantDigits(p)) - 1).replace('e+', 'e');
  const fixed = formatFixed(value, p);
  const shown = readPrinted(fixed).value;
  if (value === 0 || Math.abs(shown - value) <= 0.1 * Math.abs(value)) return fixed;
  const sig = Math.max(2, significantDigits(p));
  const pct = p.text.trim().endsWith('%');
  const x = pct ? value * 100 : value;
  const text = String(Number(x.toPrecision(sig)));
  return pct ? `${text}%` : text;
}

function formatFixed(value: number, p: PrintedNumber): string {
  const pct = p.text.trim().endsWith('%');
  const places = p.decimals - (pct ? 2 : 0);
  const decimals = Math.max(0, places);
  const x = pct ? value * 100 : value;
  let s = places < 0 ? String(Math.round(x / 10 ** -places) * 10 ** -places) : x.toFixed(decimals);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  if (/,/.test(p.text)) s = Number(s).toLocaleString('en-US', { maximumFractionDigits: decimals });
  if (/^\s*[≈~]?\s*\+/.test(p.text) && !s.startsWith('-')) s = `+${s}`;
  return pct ? `${s}%` : s;
}

/** A printed shape such as "2×2", "[64 × 20]" or "8 x 64" as a list of dimensions. */
export function readShape(text: string): number[] {
  const dims = text.replace(/[[\]]/g, '').split(/\s*[×x*,]\s*/).map((d) => d.trim());
  if (!dims.every((d) => /^\d+$/.test(d))) throw new Error(`printed shape '${text}' is not a list of dimensions`);
  return dims.map(Number);
}
