// The Markdown summary: per implementation and section, then every failing claim and the document's errata.
import type { Counts, RunReport } from './build.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const countCells = (c: Counts) => [c.pass, c.fail, c.error, c.skip, c['not-applicable'], c.total].map(String);

export function renderMarkdown(report: RunReport): string {
  const out: string[] = [];
  out.push(`# Conformance report`, '');
  out.push(`Suite ${report.suite.name} ${report.suite.version}, profile \`${report.profile}\`, fixtures \`${report.fixture_set_hash.slice(0, 19)}…\`, ${report.date}.`, '');
  out.push('| implementation | version | dtype | pass | fail | error | skip | n/a | claims |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const i of report.implementations) out.push(`| ${cell(i.name)} | ${cell(i.version)} | ${i.dtype} | ${countCells(report.summary[i.name].overall).join(' | ')} |`);
  out.push('');
  const sections = [...new Set(report.implementations.flatMap((i) => Object.keys(report.summary[i.name].by_section)))].sort();
  out.push('## Passed per section', '', `| section | ${report.implementations.map((i) => cell(i.name)).join(' | ')} |`, `| --- |${report.implementations.map(() => ' --- |').join('')}`);
  for (const s of sections) {
    out.push(`| ${cell(s)} | ${report.implementations.map((i) => {
      const c = report.summary[i.name].by_section[s];
      return c ? `${c.pass}/${c.total - c['not-applicable']}` : '';
    }).join(' | ')} |`);
  }
  out.push('');
  for (const i of report.implementations) {
    const bad = report.claims.filter((c) => ['fail', 'error'].includes(c.results[i.name]?.status ?? ''));
    if (!bad.length) continue;
    out.push(`## ${cell(i.name)}: ${bad.length} failing claim(s)`, '', '| claim | status | message |', '| --- | --- | --- |');
    for (const c of bad) out.push(`| \`${c.id}\` | ${c.results[i.name].status} | ${cell(c.results[i.name].message ?? '')} |`);
    out.push('');
  }
  if (report.baseline) {
    out.push('## Against the baseline', '');
    for (const [impl, b] of Object.entries(report.baseline)) {
      out.push(`- **${cell(impl)}**: ${b.new_failures.length} new failure(s)${b.new_failures.length ? `: ${b.new_failures.map((x) => `\`${x}\``).join(', ')}` : ''}; ${b.newly_passing.length} newly passing${b.newly_passing.length ? `: ${b.newly_passing.map((x) => `\`${x}\``).join(', ')}` : ''}; ${b.known_failures.length} known failure(s).`);
    }
    out.push('');
  }
  const errata = report.claims.filter((c) => c.audit?.verdict === 'erratum');
  if (errata.length) {
    out.push(`## Errata in the documents (${errata.length})`, '', '| claim | printed | correct | why |', '| --- | --- | --- | --- |');
    for (const c of errata) out.push(`| \`${c.id}\` | ${cell(JSON.stringify(c.printed))} | ${cell(JSON.stringify(c.audit!.correct))} | ${cell(c.audit!.reason)} |`);
    out.push('');
  }
  return out.join('\n');
}
