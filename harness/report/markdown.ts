// The Markdown summary: per implementation and section, then each failing implementation's diagnosis and every
// failing claim, and the document's errata (origin or carried, decision errors).
import { forMarkdownCell as cell, forTerminal } from '../bounded.js';
import type { ClaimEntry, Counts, RunReport } from './build.js';
import { DIAGNOSIS_LEGEND, DIAGNOSIS_ROWS, diagnosisLines, type DiagnosisLine, type DiagnosisResult } from './diagnosis.js';

/** A fenced block that nothing inside can close: the fence is longer than any run of backticks in the text. */
function fenced(text: string): string {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}text\n${forTerminal(text)}\n${fence}`;
}
/** Inline code that nothing inside can close (the fence outruns any run of backticks in it), controls made visible. */
function code(text: string): string {
  const fence = '`'.repeat(Math.max(1, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${forTerminal(text).replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

function diagnosisSection(name: string, d: DiagnosisResult): string[] {
  const item = (l: DiagnosisLine) =>
    `${l.sub ? '  ' : ''}- ${l.text.map((s) => (typeof s === 'string' ? cell(s) : code(s.code))).join('')}`;
  return [`## ${cell(name)}: diagnosis`, '', ...diagnosisLines(d, DIAGNOSIS_ROWS).map(item), '', `*${cell(DIAGNOSIS_LEGEND)}*`, ''];
}

/** An erratum's source: where the document goes wrong (origin), or the erratum it inherits (carried from), and whether it flips a printed conclusion. */
function erratumSource(a: NonNullable<ClaimEntry['audit']>): string {
  const source =
    a.erratum_source === 'carried'
      ? `carried from ${a.roots.length ? a.roots.map(code).join(', ') : 'an earlier erratum'}`
      : a.erratum_source === 'origin'
        ? 'origin'
        : '';
  return [source, a.decision ? '**decision error**' : ''].filter(Boolean).join('; ');
}

const countCells = (c: Counts) => [c.pass, c.fail, c.error, c.skip, c['not-applicable'], c.total].map(String);

export function renderMarkdown(report: RunReport): string {
  const out: string[] = [];
  out.push(`# Conformance report`, '');
  out.push(
    `Suite ${report.suite.name} ${report.suite.version}, profile \`${report.profile}\`, fixtures \`${report.fixture_set_hash.slice(0, 19)}…\`, ${report.date}.`,
    '',
  );
  if (!report.complete) out.push('**This run was interrupted**: only the scenarios that ran before the interrupt are reported.', '');
  out.push(
    '| implementation | version | dtype | pass | fail | error | skip | n/a | claims |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const i of report.implementations)
    out.push(`| ${cell(i.name)} | ${cell(i.version)} | ${i.dtype} | ${countCells(report.summary[i.name].overall).join(' | ')} |`);
  out.push(
    '',
    "*skip*: the claim needs an op or feature the implementation does not declare; *n/a*: a claim about the document's own arithmetic, which involves no implementation (the audit checks it).",
    '',
  );
  const skipping = report.implementations.filter((i) => report.summary[i.name].skips.total);
  if (skipping.length) {
    out.push(
      '## Skipped: what each missing capability would run',
      '',
      '*unlocks*: the skipped claims that need only that capability (declaring it would run them); *needed by*: every skipped claim that needs it, alone or with others. A claim that needs several missing capabilities is counted in the *needed by* of each and in no *unlocks*.',
      '',
    );
    for (const i of skipping) {
      const s = report.summary[i.name].skips;
      out.push(
        `### ${cell(i.name)}: ${s.total} skipped, ${s.total - s.several} needing one capability, ${s.several} needing several`,
        '',
        '| missing | unlocks | needed by |',
        '| --- | --- | --- |',
      );
      for (const x of s.by_missing) out.push(`| ${cell(x.missing)} | ${x.unlocks} | ${x.needed_by} |`);
      out.push('');
    }
  }
  const sections = [...new Set(report.implementations.flatMap((i) => Object.keys(report.summary[i.name].by_section)))].sort();
  out.push(
    '## Passed per section',
    '',
    `| section | ${report.implementations.map((i) => cell(i.name)).join(' | ')} |`,
    `| --- |${report.implementations.map(() => ' --- |').join('')}`,
  );
  for (const s of sections) {
    out.push(
      `| ${cell(s)} | ${report.implementations
        .map((i) => {
          const c = report.summary[i.name].by_section[s];
          return c ? `${c.pass}/${c.total - c['not-applicable']}` : '';
        })
        .join(' | ')} |`,
    );
  }
  out.push('');
  for (const i of report.implementations) {
    const bad = report.claims.filter((c) => ['fail', 'error'].includes(c.results[i.name]?.status ?? ''));
    if (!bad.length) continue;
    const d = report.summary[i.name].diagnosis;
    if (d) out.push(...diagnosisSection(i.name, d));
    const b = report.baseline?.[i.name];
    if (!b) {
      out.push(`## ${cell(i.name)}: ${bad.length} failing claim(s)`, '', '| claim | status | message |', '| --- | --- | --- |');
      for (const c of bad) out.push(`| \`${c.id}\` | ${c.results[i.name].status} | ${cell(c.results[i.name].message ?? '')} |`);
    } else {
      // Gated by a baseline: the new failures first, those it lists marked as known (they do not fail the run).
      const known = new Set(b.known_failures);
      const rank = (id: string) => (known.has(id) ? 1 : 0);
      out.push(
        `## ${cell(i.name)}: ${bad.length} failing claim(s): ${bad.length - known.size} new, ${known.size} known failure(s) (baseline)`,
        '',
        '| claim | status | baseline | message |',
        '| --- | --- | --- | --- |',
      );
      for (const c of [...bad].sort((x, y) => rank(x.id) - rank(y.id)))
        out.push(
          `| \`${c.id}\` | ${c.results[i.name].status} | ${known.has(c.id) ? 'known failure' : '**new**'} | ${cell(c.results[i.name].message ?? '')} |`,
        );
    }
    out.push('');
  }
  for (const i of report.implementations) {
    if (!i.scenario_errors.length) continue;
    out.push(`## ${cell(i.name)}: ${i.scenario_errors.length} scenario(s) that could not run`, '');
    for (const e of i.scenario_errors) out.push(`### \`${e.fixture}\` (${e.claims} claim(s))`, '', fenced(e.message), '');
  }
  if (report.baseline) {
    out.push('## Against the baseline', '');
    for (const [impl, b] of Object.entries(report.baseline)) {
      out.push(
        `- **${cell(impl)}**: ${b.new_failures.length} new failure(s)${b.new_failures.length ? `: ${b.new_failures.map((x) => `\`${x}\``).join(', ')}` : ''}; ${b.newly_passing.length} newly passing${b.newly_passing.length ? `: ${b.newly_passing.map((x) => `\`${x}\``).join(', ')}` : ''}; ${b.known_failures.length} known failure(s).`,
      );
    }
    if (Object.values(report.baseline).some((b) => b.newly_passing.length))
      out.push('', 'Claims the baseline lists that now pass: remove them with `--update-baseline` (`--strict` fails the run on them).');
    out.push('');
  }
  const errata = report.claims.filter((c) => c.audit?.verdict === 'erratum');
  if (errata.length) {
    const n = (p: (a: NonNullable<ClaimEntry['audit']>) => boolean) => errata.filter((c) => p(c.audit!)).length;
    out.push(
      `## Errata in the documents (${errata.length}: ${n((a) => a.erratum_source === 'origin')} origin, ${n((a) => a.erratum_source === 'carried')} carried, ${n((a) => a.decision)} decision error(s))`,
      '',
      '*origin*: the document goes wrong here; *carried from*: right from its printed inputs, but an input it uses is the erratum named (fix that one first); *decision error*: it flips a conclusion the document prints.',
      '',
      '| claim | printed | correct | source | why |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const c of errata)
      out.push(
        `| \`${c.id}\` | ${cell(JSON.stringify(c.printed))} | ${cell(JSON.stringify(c.audit!.correct))} | ${erratumSource(c.audit!)} | ${cell(c.audit!.reason)} |`,
      );
    out.push('');
  }
  return out.join('\n');
}
