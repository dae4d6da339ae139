// Text that came from outside (an implementation's messages, names, stderr): bounded before it is kept, and
// made inert before it reaches a terminal or a Markdown page. HTML escaping lives with the HTML report.

/** Longest string kept from an implementation as evidence (an error message, a stderr tail, an offending line). */
export const EVIDENCE_LIMIT = 4000;

/** `s` cut to `max` characters, saying how much was dropped: "…abc… 1234 bytes more". */
export function truncate(s: string, max = EVIDENCE_LIMIT): string {
  if (s.length <= max) return s;
  const rest = Buffer.byteLength(s.slice(max), 'utf8');
  return `${s.slice(0, max)}… ${rest} bytes more`;
}

// C0 and C1 control characters except tab and newline; ESC starts every ANSI sequence, so removing it (and
// the other controls) leaves any escape sequence as harmless printable text.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional overrides and isolates can make a terminal or page show text in another order than it is.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print on a terminal: control characters and bidi overrides shown as `\u{…}`, never sent raw. */
export function forTerminal(s: string): string {
  return s.replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`).replace(BIDI, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** One line for a Markdown table cell: controls made visible, HTML and Markdown markup escaped, no line breaks. */
export function forMarkdownCell(s: string): string {
  return forTerminal(s)
    .replace(/[\\`*_[\]<>|&#]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** A name is printable, non-empty and short: what an implementation may call itself or a glob it may declare. */
export function nameProblem(s: unknown, what: string, max: number): string | null {
  if (typeof s !== 'string' || !s.length) return `${what} must be a non-empty string`;
  if (s.length > max) return `${what} is ${s.length} characters long (at most ${max})`;
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s)) {
    return `${what} contains control characters: ${JSON.stringify(truncate(s, 80))}`;
  }
  return null;
}
