// A self-contained HTML page of a run: a compliance matrix (claims passed per section per implementation),
// then every claim in a sortable, filterable table with a drill-down (printed vs expected vs actual, errors,
// the audit's verdict). The data is embedded as JSON with '<' escaped, and the page's script renders it
// with textContent only, so nothing from a fixture or an implementation can become markup.
import type { RunReport } from './build.js';

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

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.meta{color:#555;margin-bottom:1rem} code{font-family:ui-monospace,monospace;font-size:12px}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f6f6f6;cursor:pointer;user-select:none;position:sticky;top:0} th.nosort{cursor:default}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:600}.error{color:#9a6700;font-weight:600}.skip,.not-applicable{color:#777}
tr.erratum td:first-child{border-left:4px solid #cf222e} tr.rounding td:first-child{border-left:4px solid #d4a72c}
.verdict-erratum{background:#ffebe9;color:#a40e26;padding:0 .3rem;border-radius:3px}
.verdict-rounding{background:#fff8c5;padding:0 .3rem;border-radius:3px}
.controls{display:flex;gap:.8rem;flex-wrap:wrap;margin:.6rem 0} .controls label{display:flex;gap:.3rem;align-items:center}
details pre{white-space:pre-wrap;background:#f6f8fa;padding:.5rem;margin:.3rem 0;font-size:12px}
#count{color:#555}
.interrupted{background:#fff8c5;border:1px solid #d4a72c;padding:.4rem .6rem;border-radius:4px}
.scenario-errors{margin:.4rem 0} .scenario-errors summary{color:#9a6700;font-weight:600;cursor:pointer}
`;

const SCRIPT = `
const report = JSON.parse(document.getElementById('report-data').textContent);
const impls = report.implementations.map((i) => i.name);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === 'class') e.className = v; else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const fmt = (v) => JSON.stringify(v);
function matrix() {
  const sections = [...new Set(impls.flatMap((i) => Object.keys(report.summary[i].by_section)))].sort();
  const t = el('table', { id: 'matrix' });
  t.append(el('tr', {}, el('th', { class: 'nosort' }, 'section'), ...impls.map((i) => el('th', { class: 'nosort' }, i))));
  for (const s of [...sections, 'all']) {
    t.append(el('tr', {}, el('td', {}, s), ...impls.map((i) => {
      const c = s === 'all' ? report.summary[i].overall : report.summary[i].by_section[s];
      if (!c) return el('td', {}, '');
      const applicable = c.total - c['not-applicable'];
      return el('td', { class: c.fail || c.error ? 'fail' : 'pass' }, applicable ? c.pass + '/' + applicable + (c.skip ? ' (' + c.skip + ' skipped)' : '') : 'n/a');
    })));
  }
  return t;
}
function options(select, values) { for (const v of values) select.append(el('option', { value: v }, v)); }
const statusSel = document.getElementById('f-status'), sectionSel = document.getElementById('f-section'),
  implSel = document.getElementById('f-impl'), verdictSel = document.getElementById('f-verdict'), text = document.getElementById('f-text');
options(statusSel, ['pass', 'fail', 'error', 'skip', 'not-applicable']);
options(sectionSel, [...new Set(report.claims.map((c) => c.section ?? 'synthetic'))].sort());
options(implSel, impls);
options(verdictSel, ['ok', 'rounding', 'erratum', 'unverifiable', 'derived']);
document.getElementById('matrix-slot').append(matrix());
function notices() {
  const slot = document.getElementById('notices');
  if (!report.complete) slot.append(el('p', { class: 'interrupted' }, 'This run was interrupted: only the scenarios that ran before the interrupt are reported.'));
  for (const i of report.implementations) {
    if (!i.scenario_errors.length) continue;
    const d = el('details', { class: 'scenario-errors' }, el('summary', {}, i.name + ': ' + i.scenario_errors.length + ' scenario(s) could not run'));
    for (const e of i.scenario_errors) d.append(el('div', {}, el('b', {}, e.fixture + ' (' + e.claims + ' claims)')), el('pre', {}, e.message));
    slot.append(d);
  }
}
notices();
const body = document.getElementById('claims-body');
let sortKey = 'id', sortDir = 1;
function detail(c) {
  const d = el('details');
  d.append(el('summary', {}, 'details'));
  d.append(el('div', {}, el('b', {}, 'quote: '), c.quote));
  d.append(el('div', {}, el('b', {}, 'source: '), (c.seed ?? 'synthetic') + ' § ' + (c.section ?? '') + ' — ' + c.file + ':' + c.line));
  d.append(el('pre', {}, 'printed:  ' + fmt(c.printed) + '\\nexpected: ' + fmt(c.expected)));
  for (const i of impls) {
    const r = c.results[i];
    if (!r) continue;
    d.append(el('pre', {}, i + ': ' + r.status + (r.message ? ' — ' + r.message : '') +
      (r.max_abs_error !== undefined ? '\\nmax abs error ' + r.max_abs_error + ', max rel error ' + r.max_rel_error + ' at [' + r.worst_index + ']' : '') +
      (r.actual ? '\\nactual:   ' + fmt(r.actual) : '')));
  }
  if (c.audit) d.append(el('pre', {}, 'audit: ' + c.audit.verdict + (c.audit.error_kind ? ' (' + c.audit.error_kind + ')' : '') + '\\n' + c.audit.reason +
    (c.audit.correct !== null ? '\\ncorrect: ' + fmt(c.audit.correct) : '') + (c.audit.suggestion ? '\\nsuggested: ' + c.audit.suggestion : '')));
  return d;
}
function render() {
  const st = statusSel.value, se = sectionSel.value, im = implSel.value, ve = verdictSel.value, q = text.value.toLowerCase();
  const shown = report.claims.filter((c) => {
    const rs = im ? [c.results[im]].filter(Boolean) : Object.values(c.results);
    if (st && !rs.some((r) => r.status === st)) return false;
    if (im && !c.results[im]) return false;
    if (se && (c.section ?? 'synthetic') !== se) return false;
    if (ve && (c.audit?.verdict ?? '') !== ve) return false;
    return !q || (c.id + ' ' + c.quote).toLowerCase().includes(q);
  });
  const key = (c) => sortKey === 'verdict' ? (c.audit?.verdict ?? '') : sortKey.startsWith('impl:') ? (c.results[sortKey.slice(5)]?.status ?? '') : String(c[sortKey] ?? '');
  shown.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * sortDir);
  body.replaceChildren(...shown.map((c) => el('tr', { class: c.audit?.verdict ?? '', 'data-id': c.id },
    el('td', {}, el('code', {}, c.id)), el('td', {}, c.section ?? ''), el('td', {}, c.kind),
    el('td', {}, c.audit ? el('span', { class: 'verdict-' + c.audit.verdict }, c.audit.verdict) : ''),
    ...impls.map((i) => el('td', { class: c.results[i]?.status ?? '' }, c.results[i]?.status ?? '')),
    el('td', {}, detail(c)))));
  document.getElementById('count').textContent = shown.length + ' of ' + report.claims.length + ' claims';
}
const head = document.getElementById('claims-head');
const cols = [['id', 'claim'], ['section', 'section'], ['kind', 'kind'], ['verdict', 'audit'], ...impls.map((i) => ['impl:' + i, i])];
head.replaceChildren(...cols.map(([k, label]) => {
  const th = el('th', { 'data-key': k }, label);
  th.addEventListener('click', () => { sortDir = sortKey === k ? -sortDir : 1; sortKey = k; render(); });
  return th;
}), el('th', { class: 'nosort' }, ''));
for (const c of [statusSel, sectionSel, implSel, verdictSel]) c.addEventListener('change', render);
text.addEventListener('input', render);
render();
`;

export function renderHtml(report: RunReport): string {
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
<h2>Claims passed per section</h2>
<div id="matrix-slot"></div>
<h2>Claims</h2>
<div class="controls">
  <label>status <select id="f-status"><option value="">any</option></select></label>
  <label>section <select id="f-section"><option value="">any</option></select></label>
  <label>implementation <select id="f-impl"><option value="">any</option></select></label>
  <label>audit <select id="f-verdict"><option value="">any</option></select></label>
  <label>search <input id="f-text" type="search" placeholder="claim id or quote"></label>
  <span id="count"></span>
</div>
<table id="claims"><thead><tr id="claims-head"></tr></thead><tbody id="claims-body"></tbody></table>
<script type="application/json" id="report-data">${embedJson(report)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
