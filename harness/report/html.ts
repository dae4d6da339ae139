// A self-contained HTML page of a run: a headline per implementation, a compliance matrix (claims passed per
// section per implementation, coloured by a stated rule), the skipped claims grouped by the capability they miss,
// then each failing implementation's diagnosis (its words from diagnosis.ts, embedded as data beside the report),
// then every claim in a sortable, filterable table whose drill-down keeps the document's audit apart from each
// implementation's result and shows an element table per operand. The view lives in the URL hash. The data is
// embedded as JSON with '<' escaped, and the page's script renders it with textContent only, so nothing from a
// fixture or an implementation can become markup.
import { readFileSync } from 'node:fs';
import type { RunReport } from './build.js';
import { DIAGNOSIS_LEGEND, DIAGNOSIS_ROWS, diagnosisLines } from './diagnosis.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside <script type="application/json">: no '<', no line/paragraph separators. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// The page's style and script are real files beside this module, read once and inlined into each page.
const asset = (name: string) => readFileSync(new URL(`./html/${name}`, import.meta.url), 'utf8');
const STYLE = asset('report.css');
const SCRIPT = asset('report.js');
export function renderHtml(report: RunReport): string {
  const diagnoses = Object.fromEntries(
    report.implementations.flatMap((i) => {
      const d = report.summary[i.name].diagnosis;
      return d ? [[i.name, diagnosisLines(d, DIAGNOSIS_ROWS)]] : [];
    }),
  );
  const title = `Conformance report — ${report.implementations.map((i) => i.name).join(', ')}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${escapeHtml(`${report.suite.name} ${report.suite.version} · profile ${report.profile} · ${report.date} · fixtures ${report.fixture_set_hash}`)}</div>
<div id="notices"></div>
<div id="headlines"></div>
<div id="diagnosis-slot"></div>
<h2>Claims passed per section</h2>
<div id="matrix-slot"></div>
<p class="legend"><span class="cell-pass">green</span>: every claim run passed and at least 80% of the claims an implementation can run ran ·
<span class="cell-fail">red</span>: a claim failed or errored ·
<span class="cell-partial">grey</span>: nothing failed, but under 80% ran (skipped claims are not evidence) ·
the bar is the coverage, claims run of those an implementation can run (not-applicable claims are about the document alone).
A cell shows its claims below.</p>
<div id="skips-slot"></div>
<h2>Claims</h2>
<p class="note">Two different questions: <b>the document (audit)</b> is whether the document printed the right number
(ok, rounding, erratum: an erratum is the document's mistake); an implementation's <b>result</b> is whether it computed the
certified value (pass, fail, error, skip).</p>
<div class="controls">
  <label>status <select id="f-status"><option value="">any</option></select></label>
  <label>matrix row <select id="f-group"><option value="">any</option></select></label>
  <label>section <select id="f-section"><option value="">any</option></select></label>
  <label>implementation <select id="f-impl"><option value="">any</option></select></label>
  <label>the document <select id="f-verdict"><option value="">any</option></select></label>
  <label>missing <select id="f-missing"><option value="">any</option></select></label>
  <label>baseline <select id="f-baseline"><option value="">any</option></select></label>
  <label>search <input id="f-text" type="search" placeholder="claim id or quote"></label>
  <span id="count" aria-live="polite"></span>
</div>
<table id="claims"><thead><tr id="claims-head"></tr></thead><tbody id="claims-body"></tbody></table>
<script type="application/json" id="report-data">${embedJson(report)}</script>
<script type="application/json" id="diagnosis-data">${embedJson({ legend: DIAGNOSIS_LEGEND, lines: diagnoses })}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
