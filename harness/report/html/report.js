// The HTML report's script: renders the embedded report JSON with textContent only, so nothing from a
// fixture or an implementation can become markup. Inlined into every report.html, which must stand alone.
const report = JSON.parse(document.getElementById('report-data').textContent);
const impls = report.implementations.map((i) => i.name);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const fmt = (v) => JSON.stringify(v);
function matrix() {
  const sections = [...new Set(impls.flatMap((i) => Object.keys(report.summary[i].by_section)))].sort();
  const t = el('table', { id: 'matrix' });
  t.append(el('tr', {}, el('th', { class: 'nosort' }, 'section'), ...impls.map((i) => el('th', { class: 'nosort' }, i))));
  for (const s of [...sections, 'all']) {
    t.append(
      el(
        'tr',
        {},
        el('td', {}, s),
        ...impls.map((i) => {
          const c = s === 'all' ? report.summary[i].overall : report.summary[i].by_section[s];
          if (!c) return el('td', {}, '');
          const applicable = c.total - c['not-applicable'];
          return el(
            'td',
            { class: c.fail || c.error ? 'fail' : 'pass' },
            applicable ? c.pass + '/' + applicable + (c.skip ? ' (' + c.skip + ' skipped)' : '') : 'n/a',
          );
        }),
      ),
    );
  }
  return t;
}
function options(select, values) {
  for (const v of values) select.append(el('option', { value: v }, v));
}
// The skipped claims of each implementation, grouped by the capability they miss; a row filters the claims.
function skips() {
  const slot = document.getElementById('skips-slot');
  const skipping = impls.filter((i) => report.summary[i].skips?.total);
  if (!skipping.length) return;
  slot.append(
    el('h2', {}, 'Skipped: what each missing capability would run'),
    el(
      'p',
      { class: 'note' },
      'unlocks: the skipped claims that need only that capability (declaring it would run them); needed by: every skipped claim that needs it. ' +
        'A claim needing several missing capabilities is counted in the "needed by" of each and in no "unlocks".',
    ),
  );
  for (const i of skipping) {
    const s = report.summary[i].skips;
    const t = el('table', { class: 'skips', 'data-impl': i });
    t.append(
      el(
        'caption',
        {},
        i + ': ' + s.total + ' skipped, ' + (s.total - s.several) + ' needing one capability, ' + s.several + ' needing several',
      ),
      el(
        'tr',
        {},
        el('th', { class: 'nosort' }, 'missing'),
        el('th', { class: 'nosort' }, 'unlocks'),
        el('th', { class: 'nosort' }, 'needed by'),
      ),
    );
    for (const x of s.by_missing) {
      const row = el(
        'tr',
        { 'data-missing': x.missing },
        el('td', {}, el('code', {}, x.missing)),
        el('td', {}, '+' + x.unlocks),
        el('td', {}, x.needed_by),
      );
      row.addEventListener('click', () => {
        missingSel.value = x.missing;
        implSel.value = i;
        render();
      });
      t.append(row);
    }
    slot.append(t);
  }
}
const statusSel = document.getElementById('f-status'),
  sectionSel = document.getElementById('f-section'),
  implSel = document.getElementById('f-impl'),
  verdictSel = document.getElementById('f-verdict'),
  missingSel = document.getElementById('f-missing'),
  text = document.getElementById('f-text');
options(statusSel, ['pass', 'fail', 'error', 'skip', 'not-applicable']);
options(sectionSel, [...new Set(report.claims.map((c) => c.section ?? 'synthetic'))].sort());
options(implSel, impls);
options(verdictSel, ['ok', 'rounding', 'erratum', 'unverifiable', 'derived']);
options(missingSel, [...new Set(report.claims.flatMap((c) => Object.values(c.results).flatMap((r) => r.missing ?? [])))].sort());
document.getElementById('matrix-slot').append(matrix());
skips();
function notices() {
  const slot = document.getElementById('notices');
  if (!report.complete)
    slot.append(
      el('p', { class: 'interrupted' }, 'This run was interrupted: only the scenarios that ran before the interrupt are reported.'),
    );
  for (const i of report.implementations) {
    if (!i.scenario_errors.length) continue;
    const d = el(
      'details',
      { class: 'scenario-errors' },
      el('summary', {}, i.name + ': ' + i.scenario_errors.length + ' scenario(s) could not run'),
    );
    for (const e of i.scenario_errors)
      d.append(el('div', {}, el('b', {}, e.fixture + ' (' + e.claims + ' claims)')), el('pre', {}, e.message));
    slot.append(d);
  }
}
notices();
const body = document.getElementById('claims-body');
let sortKey = 'id',
  sortDir = 1;
function detail(c) {
  const d = el('details');
  d.append(el('summary', {}, 'details'));
  d.append(el('div', {}, el('b', {}, 'quote: '), c.quote));
  d.append(el('div', {}, el('b', {}, 'source: '), (c.seed ?? 'synthetic') + ' § ' + (c.section ?? '') + ' — ' + c.file + ':' + c.line));
  d.append(el('pre', {}, 'printed:  ' + fmt(c.printed) + '\nexpected: ' + fmt(c.expected)));
  for (const i of impls) {
    const r = c.results[i];
    if (!r) continue;
    d.append(
      el(
        'pre',
        {},
        i +
          ': ' +
          r.status +
          (r.message ? ' — ' + r.message : '') +
          (r.max_abs_error !== undefined
            ? '\nmax abs error ' + r.max_abs_error + ', max rel error ' + r.max_rel_error + ' at [' + r.worst_index + ']'
            : '') +
          (r.actual ? '\nactual:   ' + fmt(r.actual) : ''),
      ),
    );
  }
  if (c.audit)
    d.append(
      el(
        'pre',
        {},
        'audit: ' +
          c.audit.verdict +
          (c.audit.error_kind ? ' (' + c.audit.error_kind + ')' : '') +
          '\n' +
          c.audit.reason +
          (c.audit.correct !== null ? '\ncorrect: ' + fmt(c.audit.correct) : '') +
          (c.audit.suggestion ? '\nsuggested: ' + c.audit.suggestion : ''),
      ),
    );
  return d;
}
function render() {
  const st = statusSel.value,
    se = sectionSel.value,
    im = implSel.value,
    ve = verdictSel.value,
    mi = missingSel.value,
    q = text.value.toLowerCase();
  const shown = report.claims.filter((c) => {
    const rs = im ? [c.results[im]].filter(Boolean) : Object.values(c.results);
    if (st && !rs.some((r) => r.status === st)) return false;
    if (im && !c.results[im]) return false;
    if (se && (c.section ?? 'synthetic') !== se) return false;
    if (ve && (c.audit?.verdict ?? '') !== ve) return false;
    if (mi && !rs.some((r) => (r.missing ?? []).includes(mi))) return false;
    return !q || (c.id + ' ' + c.quote).toLowerCase().includes(q);
  });
  const key = (c) =>
    sortKey === 'verdict'
      ? (c.audit?.verdict ?? '')
      : sortKey.startsWith('impl:')
        ? (c.results[sortKey.slice(5)]?.status ?? '')
        : String(c[sortKey] ?? '');
  shown.sort((a, b) => key(a).localeCompare(key(b), undefined, { numeric: true }) * sortDir);
  body.replaceChildren(
    ...shown.map((c) =>
      el(
        'tr',
        { class: c.audit?.verdict ?? '', 'data-id': c.id },
        el('td', {}, el('code', {}, c.id)),
        el('td', {}, c.section ?? ''),
        el('td', {}, c.kind),
        el('td', {}, c.audit ? el('span', { class: 'verdict-' + c.audit.verdict }, c.audit.verdict) : ''),
        ...impls.map((i) => el('td', { class: c.results[i]?.status ?? '' }, c.results[i]?.status ?? '')),
        el('td', {}, detail(c)),
      ),
    ),
  );
  document.getElementById('count').textContent = shown.length + ' of ' + report.claims.length + ' claims';
}
const head = document.getElementById('claims-head');
const cols = [['id', 'claim'], ['section', 'section'], ['kind', 'kind'], ['verdict', 'audit'], ...impls.map((i) => ['impl:' + i, i])];
head.replaceChildren(
  ...cols.map(([k, label]) => {
    const th = el('th', { 'data-key': k }, label);
    th.addEventListener('click', () => {
      sortDir = sortKey === k ? -sortDir : 1;
      sortKey = k;
      render();
    });
    return th;
  }),
  el('th', { class: 'nosort' }, ''),
);
for (const c of [statusSel, sectionSel, implSel, verdictSel, missingSel]) c.addEventListener('change', render);
text.addEventListener('input', render);
render();
