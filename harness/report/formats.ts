// The report formats, by file name: each renders the JSON report (build.ts), the one source of every format.
// A new format is one entry here and one module beside this one.
import type { RunReport } from './build.js';
import { renderHtml } from './html.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { writeFileSet } from './write.js';

export interface ReportFormat {
  /** The file written in the report directory. */
  file: string;
  render: (report: RunReport) => string;
}

export const FORMATS: readonly ReportFormat[] = [
  { file: 'report.json', render: (r) => `${JSON.stringify(r, null, 1)}\n` },
  { file: 'junit.xml', render: renderJUnit },
  { file: 'summary.md', render: renderMarkdown },
  { file: 'report.html', render: renderHtml },
];

/** Renders every format and writes them into `dir` as one set (atomically); returns the paths written. */
export function writeReports(report: RunReport, dir: string): string[] {
  return writeFileSet(
    dir,
    FORMATS.map((f) => [f.file, f.render(report)]),
    `tconf run of ${report.date}`,
  );
}
