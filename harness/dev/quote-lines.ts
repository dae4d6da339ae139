// Records, for every claim of every document fixture, the line of its seed file (fixtures/sources/) on which its
// quote is found: `npx tsx harness/dev/quote-lines.ts` inserts `line: N` right after each claim's `quote:` line
// (a text insertion: the rest of the file stays byte for byte as it was), or corrects a `line:` that is wrong;
// `--check` only reports. Claims whose quote is not found are listed and left without a line.
//
// A quote is matched against the seed text after both are normalised (normaliseText): the seeds are text
// extracted from PDFs and Markdown with LaTeX, the quotes are written as the page reads. fixtures/sources.test.ts
// checks every recorded line with the same functions.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { loadFixtures } from '../fixtures/load.js';
import { ROOT, SOURCES_DIR } from '../paths.js';

/** Where the seed texts are: unchanged copies of the source documents. */
export { SOURCES_DIR };

/** The longest stretch of seed lines (first to last) the fragments of one elided quote ("a … b") may span. */
export const MAX_QUOTE_SPAN = 40;

/** LaTeX commands rendered as the symbol or word a reader sees. */
const LATEX_SYMBOLS: Record<string, string> = {
  times: '×',
  cdot: '·',
  approx: '≈',
  leftarrow: '←',
  rightarrow: '→',
  to: '→',
  partial: '∂',
  sum: 'Σ',
  nabla: '∇',
  in: '∈',
  eta: 'η',
  delta: 'δ',
  sigma: 'σ',
  mu: 'μ',
  gamma: 'γ',
  beta: 'β',
  alpha: 'α',
  epsilon: 'ε',
  dots: '...',
  ldots: '...',
  cdots: '...',
  max: 'max',
  min: 'min',
  exp: 'exp',
  log: 'log',
  sqrt: '√',
  leq: '≤',
  geq: '≥',
  neq: '≠',
};

/** Typographic variants written as one character (after NFKC). */
const TYPOGRAPHY: [RegExp, string][] = [
  [/[‘’‚′]/g, "'"],
  [/[“”„″]/g, '"'],
  [/[‐‑‒–—−]/g, '-'],
  [/[⋅∙•]/g, '·'],
  [/->/g, '→'],
  [/<-/g, '←'],
  // Markdown's bold and code marks.
  [/\*\*|`/g, ''],
  // Separators: quotes write a matrix as [a b; c d] or [[a, b], [c, d]], join list items with ', ' or '; ', and a
  // heading with the line under it with ': '.
  [/[[\],;:&]/g, ''],
];

/** A Markdown list item's mark at the start of a line ("- ", "* ", "• "), or a numbered heading's number
 * ("5.7.1.5 Step 4: …"). */
const LINE_MARK = /^\s*(?:[-*•]|\d+(?:\.\d+)+(?=\s+\p{L}))\s+/u;

/** Renders the LaTeX of one line as it reads: `\frac{a}{b}` as a/b, `\times` as ×, `\text{x}` as x, a matrix as its cells. */
function renderLatex(s: string): string {
  if (!s.includes('\\') && !s.includes('$')) return s;
  let t = s.replace(/\$/g, '');
  // Environments (aligned, bmatrix, …) are their cells: '&' and the row break '\\' go below.
  t = t.replace(/\\(?:begin|end)\{[a-z*]+\}/g, ' ');
  // Wrappers that only style their argument.
  for (let i = 0; i < 4; i++) t = t.replace(/\\(?:text|mathbf|mathrm|mathit|textbf|mathbb|operatorname)\s*\{([^{}]*)\}/g, '$1');
  for (let i = 0; i < 4; i++) t = t.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '$1/$2');
  t = t.replace(/\\sqrt\s*\{([^{}]*)\}/g, '√$1');
  t = t.replace(/\\(?:left|right)(?![a-zA-Z])/g, '');
  t = t.replace(/\\\\/g, ' ');
  t = t.replace(/\\(?:quad|qquad)(?![a-zA-Z])|\\[,;:! ]/g, ' ');
  t = t.replace(/\\([a-zA-Z]+)(?![a-zA-Z])/g, (m, name: string) => LATEX_SYMBOLS[name] ?? m);
  t = t.replace(/\\([_{}%#&])/g, '$1');
  t = t.replace(/&/g, ' ');
  return t.replace(/[{}]/g, '');
}

/**
 * One line of a seed, or a quote, as it is compared: NFKC, LaTeX rendered, the typographic variants of quotes,
 * dashes, dots and arrows made one, Markdown bold and code marks and the separators `[ ] , ; : &` dropped, and every
 * whitespace character removed (so a quote may run across lines).
 */
export function normaliseText(s: string): string {
  let t = renderLatex(s.normalize('NFKC'));
  for (const [re, to] of TYPOGRAPHY) t = t.replace(re, to);
  return t.replace(/\s+/g, '');
}

/** A quote's fragments: "…" or "..." in a quote elides seed text (the seeds hold no "…"; a "..." of theirs is
 * elided text too). */
export function quoteFragments(quote: string): string[] {
  return quote
    .split(/…|\.\.\./)
    .map(normaliseText)
    .filter((f) => f !== '');
}

/** A seed file's text normalised line by line and joined, with the offset where each line starts. */
export interface NormalisedSeed {
  text: string;
  /** starts[i] is where line i + 1 starts in `text`. */
  starts: number[];
}

export function normaliseSeed(seedText: string): NormalisedSeed {
  const starts: number[] = [];
  let text = '';
  for (const line of seedText.split('\n')) {
    starts.push(text.length);
    text += normaliseText(line.replace(LINE_MARK, ''));
  }
  return { text, starts };
}

/** The 1-based line on which normalised offset `at` lies (a line that normalises to nothing holds no offset). */
function lineAt(seed: NormalisedSeed, at: number): number {
  let lo = 0;
  let hi = seed.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (seed.starts[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  // Of several lines starting at the same offset, the last one (the earlier ones are empty).
  return lo + 1;
}

/** Whether the fragments, in order, follow the first one found at `first` within MAX_QUOTE_SPAN lines. */
function restFollows(seed: NormalisedSeed, fragments: string[], first: number): boolean {
  const startLine = lineAt(seed, first);
  let pos = first + fragments[0].length;
  for (const f of fragments.slice(1)) {
    const q = seed.text.indexOf(f, pos);
    if (q < 0 || lineAt(seed, q + f.length - 1) - startLine >= MAX_QUOTE_SPAN) return false;
    pos = q + f.length;
  }
  return true;
}

/** Every line (1-based, ascending) on which the quote starts in the seed. */
export function quoteLines(seed: NormalisedSeed, quote: string): number[] {
  const fragments = quoteFragments(quote);
  if (fragments.length === 0) return [];
  const lines = new Set<number>();
  for (let p = seed.text.indexOf(fragments[0]); p >= 0; p = seed.text.indexOf(fragments[0], p + 1))
    if (restFollows(seed, fragments, p)) lines.add(lineAt(seed, p));
  return [...lines].sort((a, b) => a - b);
}

/** Whether the quote starts on line `line` of the seed. */
export function quoteIsAt(seed: NormalisedSeed, quote: string, line: number): boolean {
  return quoteLines(seed, quote).includes(line);
}

// --- the section a seed line is in -----------------------------------------------------------------------------

/** For each line (index 0 = line 1), the headings it is under, outermost first. */
export function headingPaths(seedText: string): string[][] {
  const paths: string[][] = [];
  let md: string[] = [];
  let numbered: string[] = [];
  let fence = false;
  for (const line of seedText.split('\n')) {
    if (/^\s*```/.test(line)) fence = !fence;
    const h = fence ? null : /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) md = [...md.slice(0, h[1].length - 1), h[2]];
    // Numbered headings "5.7.1.5 Step 4: …", at the start of the line or, where the extraction ran headings
    // together, after "**"; the contents' lines end in a page number and are skipped.
    else if (!fence && !/\t\d+$/.test(line))
      for (const m of line.matchAll(/(?:^|\*\*)\s*(\d+(?:\.\d+)+)\s+(?=\p{L})/gu)) {
        const depth = m[1].split('.').length;
        numbered = [...numbered.filter((x) => x.split('.').length < depth), m[1]];
      }
    paths.push([...md, ...numbered]);
  }
  return paths;
}

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}_.]+/gu) ?? [];

/** How well a line's headings match a claim's section: a numbered section by its longest numbered heading, else
 * by the words the section shares with the headings. */
export function sectionScore(headings: string[], section: string): number {
  if (/^\d+(\.\d+)*$/.test(section)) {
    const want = section.split('.');
    let best = 0;
    for (const h of headings) {
      if (!/^\d+(\.\d+)*$/.test(h)) continue;
      const got = h.split('.');
      let k = 0;
      while (k < want.length && k < got.length && want[k] === got[k]) k++;
      if (k === got.length) best = Math.max(best, k);
    }
    return best;
  }
  const have = new Set(headings.flatMap(words).map((w) => w.replace(/\.$/, '')));
  return words(section)
    .map((w) => w.replace(/\.$/, ''))
    .filter((w) => have.has(w)).length;
}

/** Of the lines a quote is found on, the one inside the claim's section (the first of the best matches). */
export function pickLine(lines: number[], paths: string[][], section: string | undefined): number {
  if (!section || lines.length <= 1) return lines[0];
  let best = lines[0];
  let bestScore = -1;
  for (const l of lines) {
    const s = sectionScore(paths[l - 1], section);
    if (s > bestScore) [best, bestScore] = [l, s];
  }
  return best;
}

// --- the command -------------------------------------------------------------------------------------------------

interface Outcome {
  file: string;
  claim: string;
  line?: number;
  candidates: number[];
}

/** Inserts or corrects the `line:` of every document claim of one fixture file; returns the new text. */
function annotate(file: string, text: string, outcomes: Outcome[]): string {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const seedName = doc.get('seed');
  if (doc.get('document') !== true || typeof seedName !== 'string') return text;
  const seedText = readFileSync(join(SOURCES_DIR, seedName), 'utf8');
  const seed = normaliseSeed(seedText);
  const paths = headingPaths(seedText);
  const fixtureSection = doc.get('section') as string | undefined;
  const claims = doc.get('claims', true);
  if (!isSeq(claims)) return text;
  const lines = text.split('\n');
  // Edits by (0-based) line index, applied bottom-up so that the earlier indices stay valid.
  const edits: { at: number; op: 'insert-after' | 'replace' | 'remove'; text?: string }[] = [];
  for (const item of claims.items) {
    if (!isMap(item)) continue;
    const id = String(item.get('id'));
    const quote = item.get('quote');
    if (typeof quote !== 'string') continue;
    const found = quoteLines(seed, quote);
    const section = (item.get('section') as string | undefined) ?? fixtureSection;
    const line = found.length ? pickLine(found, paths, section) : undefined;
    outcomes.push({ file, claim: id, line, candidates: found });
    const pair = item.items.find((p) => isScalar(p.key) && p.key.value === 'quote')!;
    const quoteKey = pair.key as { range?: [number, number, number] };
    const quoteVal = pair.value as { range?: [number, number, number] };
    const indent = ' '.repeat(lc.linePos(quoteKey.range![0]).col - 1);
    const quoteEnd = lc.linePos(quoteVal.range![1] - 1).line - 1; // 0-based index of the quote's last line
    const existing = item.items.find((p) => isScalar(p.key) && p.key.value === 'line');
    if (existing) {
      const at = lc.linePos((existing.key as { range: [number, number, number] }).range[0]).line - 1;
      const current = (existing.value as { value?: unknown }).value;
      // A line the quote is found on stays, even if another one would be picked.
      if (line === undefined) edits.push({ at, op: 'remove' });
      else if (!found.includes(current as number)) edits.push({ at, op: 'replace', text: `${indent}line: ${line}` });
    } else if (line !== undefined) edits.push({ at: quoteEnd, op: 'insert-after', text: `${indent}line: ${line}` });
  }
  edits.sort((a, b) => b.at - a.at);
  for (const e of edits) {
    if (e.op === 'remove') lines.splice(e.at, 1);
    else if (e.op === 'replace') lines[e.at] = e.text!;
    else lines.splice(e.at + 1, 0, e.text!);
  }
  return lines.join('\n');
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const { fixtures, problems } = loadFixtures();
  if (problems.length) {
    for (const p of problems) console.error(`${p.file}:${p.line}: ${p.field}: ${p.message}`);
    return 2;
  }
  const outcomes: Outcome[] = [];
  let changed = 0;
  for (const lf of fixtures) {
    if (!lf.fixture.document || !lf.fixture.seed) continue;
    const path = join(ROOT, lf.file);
    const text = readFileSync(path, 'utf8');
    const next = annotate(lf.file, text, outcomes);
    if (next !== text) {
      changed++;
      if (!check) writeFileSync(path, next);
      console.log(`${check ? 'would update' : 'updated'} ${relative(ROOT, path)}`);
    }
  }
  const missing = outcomes.filter((o) => o.line === undefined);
  const several = outcomes.filter((o) => o.candidates.length > 1);
  console.log(`${outcomes.length} document claims: ${outcomes.length - missing.length} with a line, ${missing.length} without`);
  for (const o of several) console.log(`  several lines: ${o.file} ${o.claim}: ${o.candidates.join(', ')} -> ${o.line}`);
  for (const o of missing) console.log(`  not found: ${o.file} ${o.claim}`);
  return check && changed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
