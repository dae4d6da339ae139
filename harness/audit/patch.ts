// The corrected seed texts: every erratum's replacements (its corrected line, see corrections.ts) applied to the
// seed file at the claim's recorded line, all claims of one line together, so a line that several claims correct
// gets one corrected version. `tconf audit --patch` prints them as a unified diff an author can apply; errata.md
// shows each corrected line; a test checks that nothing was left out and that no two corrections contradict.
import { createTwoFilesPatch } from 'diff';
import { alignReplacements, applyChanges, type TextChange } from './corrections.js';
import type { SeedText } from '../fixtures/seeds.js';
import type { ClaimAudit } from './verdict.js';

/** How far after its recorded line a quote's numbers may be found (quotes may span lines, with elisions). */
const QUOTE_SPAN_LINES = 40;

/** One corrected line of a seed file. */
export interface LineFix {
  seed: string;
  /** 1-based. */
  line: number;
  before: string;
  after: string;
  /** The claims whose corrections it carries. */
  claims: string[];
}

export interface SeedCorrections {
  files: { seed: string; before: string; after: string }[];
  lines: LineFix[];
  /** Corrections that could not be placed in the seed text: the claim and the number not found. */
  missed: { claim: string; from: string; to: string }[];
  /** Two claims that change one number of a seed differently. */
  conflicts: string[];
  /** Claims with a corrected line but no seed line to put it at. */
  unplaced: string[];
}

/** The line starts of a text (0-based offsets). */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') out.push(i + 1);
  return out;
}

/** The changes one erratum makes to its seed text (a fixture's own corrected lines replace whole lines). */
function claimChanges(a: ClaimAudit, text: string, starts: number[]): ReturnType<typeof alignReplacements> {
  const from = starts[a.line! - 1];
  const correction = a.corrected_lines;
  if (correction !== undefined) {
    const n = correction.split('\n').length;
    const end = (starts[a.line! - 1 + n] ?? text.length + 1) - 1;
    return { changes: [{ start: from, end, from: text.slice(from, end), to: correction }], missed: [] };
  }
  const limit = starts[Math.min(starts.length - 1, a.line! - 1 + QUOTE_SPAN_LINES)] ?? text.length;
  return alignReplacements(text.slice(0, limit), a.replacements ?? [], from);
}

/** The seed texts with every erratum corrected. */
export function correctSeeds(audits: ClaimAudit[], sources: SeedText[]): SeedCorrections {
  const out: SeedCorrections = { files: [], lines: [], missed: [], conflicts: [], unplaced: [] };
  for (const { seed, text } of sources) {
    const starts = lineStarts(text);
    const byStart = new Map<number, TextChange & { claims: string[] }>();
    for (const a of audits) {
      if (a.seed !== seed || a.verdict !== 'erratum' || a.suggestion === null) continue;
      if (a.line === null) {
        out.unplaced.push(a.id);
        continue;
      }
      const { changes, missed } = claimChanges(a, text, starts);
      for (const m of missed) out.missed.push({ claim: a.id, from: m.from, to: m.to });
      for (const c of changes) {
        const had = byStart.get(c.start);
        if (!had) byStart.set(c.start, { ...c, claims: [a.id] });
        else if (had.to !== c.to || had.end !== c.end)
          out.conflicts.push(`${seed}: ${a.id} changes '${c.from}' to '${c.to}', ${had.claims.join(', ')} to '${had.to}'`);
        else had.claims.push(a.id);
      }
    }
    if (byStart.size === 0) continue;
    const changes = [...byStart.values()];
    const after = applyChanges(text, changes);
    out.files.push({ seed, before: text, after });
    // Each changed line, before and after: a change keeps the number of lines (a number for a number, a fixture's
    // n corrected lines for n lines), so the texts' lines correspond one to one.
    const a = text.split('\n');
    const b = after.split('\n');
    a.forEach((line, i) => {
      if (line === b[i]) return;
      const end = starts[i] + line.length;
      const claims = changes.filter((c) => c.start <= end && c.end >= starts[i]).flatMap((c) => c.claims);
      out.lines.push({ seed, line: i + 1, before: line, after: b[i], claims: [...new Set(claims)] });
    });
  }
  return out;
}

/** The corrections as a unified diff of the seed files (paths as in the package: fixtures/sources/<seed>). */
export function seedPatch(c: SeedCorrections): string {
  return c.files
    .map((f) =>
      createTwoFilesPatch(`a/fixtures/sources/${f.seed}`, `b/fixtures/sources/${f.seed}`, f.before, f.after, undefined, undefined, {
        context: 2,
      }),
    )
    .map((p) => p.replace(/^=+\n/, ''))
    .join('');
}
