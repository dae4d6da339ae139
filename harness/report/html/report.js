// The HTML report's script: renders the embedded report JSON with textContent only, so nothing from a
// fixture or an implementation can become markup. Inlined into every report.html, which must stand alone.
// The view (filters, sort, the open claim) lives in the URL hash, so a link can point at it.
const report = JSON.parse(document.getElementById('report-data').textContent);
// each failing implementation's diagnosis, already in words (lines of text and code segments, harness/report/diagnosis.ts)
const diagnosisData = JSON.parse(document.getElementById('diagnosis-data')?.textContent ?? '{"lines": {}}');
const diagnoses = diagnosisData.lines;
const impls = report.implementations.map((i) => i.name);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs))
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
// the document's printed strings, as the document wrote them (no JSON quotes)
const showPrinted = (p) => (Array.isArray(p) ? '[' + p.map(showPrinted).join(', ') + ']' : String(p));
const own = (o, k) => o != null && Object.hasOwn(o, k);
const runnable = (c) => c.total - c['not-applicable'];
const ran = (c) => c.pass + c.fail + c.error;
const pct = (n, d) => (d ? Math.floor((100 * n) / d) : 0);
// A matrix cell is green only when it shows real evidence: nothing failed and most of what could run did.
const GREEN_COVERAGE = 80;
const cellClass = (c) =>
  !runnable(c)
    ? 'cell-na'
    : c.fail || c.error
      ? 'cell-fail'
      : ran(c) && pct(ran(c), runnable(c)) >= GREEN_COVERAGE
        ? 'cell-pass'
        : 'cell-partial';
const baselineOf = (i) => (report.baseline && own(report.baseline, i) ? report.baseline[i] : null);
const BASELINE_KINDS = [
  ['new-failure', 'new_failures', 'new failures'],
  ['newly-passing', 'newly_passing', 'newly passing'],
  ['known-failure', 'known_failures', 'known failures'],
];
const baselineSets = {};
for (const i of impls) {
  const b = baselineOf(i);
  if (b) baselineSets[i] = Object.fromEntries(BASELINE_KINDS.map(([k, f]) => [k, new Set(b[f])]));
}
const baselineMark = (i, id) => {
  const s = baselineSets[i];
  return s ? (BASELINE_KINDS.find(([k]) => s[k].has(id)) ?? [])[0] : undefined;
};
// The matrix's rows are fixture-level sections; a report without the map falls back to the claim's section.
const groupOf = (c) =>
  report.fixture_sections && own(report.fixture_sections, c.fixture) ? report.fixture_sections[c.fixture] : (c.section ?? 'synthetic');
const coverageBar = (n, d) => {
  const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span'));
  bar.firstChild.style.width = pct(n, d) + '%';
  return bar;
};

const statusSel = document.getElementById('f-status'),
  groupSel = document.getElementById('f-group'),
  sectionSel = document.getElementById('f-section'),
  implSel = document.getElementById('f-impl'),
  verdictSel = document.getElementById('f-verdict'),
  missingSel = document.getElementById('f-missing'),
  baselineSel = document.getElementById('f-baseline'),
  text = document.getElementById('f-text');
// hash key → control; every one of them is restored from and written to the URL
const FILTERS = [
  ['status', statusSel],
  ['group', groupSel],
  ['section', sectionSel],
  ['impl', implSel],
  ['audit', verdictSel],
  ['missing', missingSel],
  ['baseline', baselineSel],
];
function options(select, values) {
  for (const v of values) select.append(el('option', { value: v }, v));
}

function headlines() {
  const slot = document.getElementById('headlines');
  for (const info of report.implementations) {
    const i = info.name;
    const c = report.summary[i].overall;
    const card = el('section', { class: 'headline ' + cellClass(c), 'data-impl': i });
    card.append(el('h3', {}, i), el('div', { class: 'meta' }, 'version ' + info.version + ' · ' + info.language + ' · ' + info.dtype));
    const counts = el('div', { class: 'counts' });
    for (const [st, label] of [
      ['pass', 'pass'],
      ['fail', 'fail'],
      ['error', 'error'],
      ['skip', 'skip'],
      ['not-applicable', 'n/a'],
    ]) {
      const b = el('button', { type: 'button', class: 'count ' + st, 'data-status': st }, el('b', {}, c[st]), ' ' + label);
      b.addEventListener('click', () => setView({ impl: i, status: st }));
      counts.append(b);
    }
    card.append(counts);
    card.append(
      el(
        'div',
        { class: 'coverage' },
        coverageBar(ran(c), runnable(c)),
        ' coverage ' + pct(ran(c), runnable(c)) + '%: ran ' + ran(c) + ' of the ' + runnable(c) + ' claims an implementation can run',
      ),
    );
    const b = baselineOf(i);
    if (b) {
      const line = el('div', { class: 'baseline' }, 'baseline: ');
      for (const [k, f, label] of BASELINE_KINDS) {
        const btn = el('button', { type: 'button', class: 'mark-' + k, 'data-baseline': k }, el('b', {}, b[f].length), ' ' + label);
        btn.addEventListener('click', () => setView({ impl: i, baseline: k }));
        line.append(btn);
      }
      card.append(line);
    }
    if (info.scenario_errors.length)
      card.append(el('div', { class: 'error' }, info.scenario_errors.length + ' scenario(s) could not run (below)'));
    slot.append(card);
  }
}

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
          const c = s === 'all' ? report.summary[i].overall : own(report.summary[i].by_section, s) ? report.summary[i].by_section[s] : null;
          if (!c) return el('td', {}, '');
          const n = runnable(c);
          const b = el(
            'button',
            { type: 'button', 'data-impl': i, 'data-group': s === 'all' ? '' : s, title: 'show these claims' },
            !n
              ? 'n/a'
              : !ran(c)
                ? 'nothing ran'
                : c.pass +
                  '/' +
                  ran(c) +
                  ' passed' +
                  (c.fail ? ', ' + c.fail + ' failed' : '') +
                  (c.error ? ', ' + c.error + ' errors' : ''),
          );
          if (n) b.append(el('br'), coverageBar(ran(c), n), ' ran ' + ran(c) + '/' + n + (c.skip ? ' · ' + c.skip + ' skipped' : ''));
          b.addEventListener('click', () => {
            setView({ impl: i, group: s === 'all' ? '' : s });
            document.getElementById('claims').scrollIntoView();
          });
          return el('td', { class: cellClass(c) }, b);
        }),
      ),
    );
  }
  return t;
}

// A section's heading and the note that explains it.
const headed = (slot, title, note) => slot.append(el('h2', {}, title), el('p', { class: 'note' }, note));

// The skipped claims of each implementation, grouped by the capability they miss; a row filters the claims.
function skips() {
  const slot = document.getElementById('skips-slot');
  const skipping = impls.filter((i) => report.summary[i].skips?.total);
  if (!skipping.length) return;
  headed(
    slot,
    'Skipped: what each missing capability would run',
    'unlocks: the skipped claims that need only that capability (declaring it would run them); needed by: every skipped claim that needs it. ' +
      'A claim needing several missing capabilities is counted in the "needed by" of each and in no "unlocks".',
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
        { 'data-missing': x.missing, tabindex: '0' },
        el('td', {}, el('code', {}, x.missing)),
        el('td', {}, '+' + x.unlocks),
        el('td', {}, x.needed_by),
      );
      const go = () => setView({ impl: i, missing: x.missing });
      row.addEventListener('click', go);
      row.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), go()));
      t.append(row);
    }
    slot.append(t);
  }
}

// A panel per diagnosed implementation: its lines as text, code as <code>; a button opens the first wrong value's claim.
function diagnosisPanels() {
  const slot = document.getElementById('diagnosis-slot');
  const shown = impls.filter((i) => own(diagnoses, i));
  if (!shown.length) return;
  headed(slot, 'Diagnosis', diagnosisData.legend);
  for (const i of shown) {
    const panel = el('section', { class: 'diagnosis', 'data-impl': i }, el('h3', {}, i));
    for (const line of diagnoses[i])
      panel.append(
        el('div', { class: line.sub ? 'sub' : 'line' }, ...line.text.map((s) => (typeof s === 'string' ? s : el('code', {}, s.code)))),
      );
    const first = report.summary[i].diagnosis?.first_divergence;
    if (first?.claims?.length && byId.has(first.claims[0])) {
      const b = el('button', { type: 'button', class: 'open-first' }, 'open the claim ' + first.claims[0]);
      b.addEventListener('click', () => setView({ impl: i, claim: first.claims[0] }));
      panel.append(b);
    }
    slot.append(panel);
  }
}

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

// ---- the drill-down: an element table per operand ----
const flat = (v) => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const shapeOf = (v) => {
  const s = [];
  for (; Array.isArray(v); v = v[0]) s.push(v.length);
  return s;
};
const unflat = (i, shape) => {
  const at = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return at;
};
const flatIndex = (at, shape) => at.reduce((a, x, d) => a * shape[d] + x, 0);
const showIndex = (at) => (at.length ? '[' + at.join(', ') + ']' : 'scalar');
const num = (x) => (typeof x === 'number' ? x : Number(x));
const showErr = (x) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : String(x).replace('Infinity', '∞'));
const absErr = (a, e) => (Number.isFinite(a) ? Math.abs(a - e) : Infinity);
const relErr = (a, e) => {
  const d = absErr(a, e);
  return d === 0 ? 0 : d / Math.abs(e);
};
/** The document's printed strings of operand j, flat, when they line up with its elements. */
function printedOf(c, j, size) {
  if (c.printed == null) return null;
  const p = (c.expected?.length ?? 0) > 1 ? (Array.isArray(c.printed) ? c.printed[j] : null) : c.printed;
  if (p == null) return null;
  const f = flat(p);
  return f.length === size && f.some((x) => x !== '') ? f : null;
}
const SHOWN = 20;
function elementTable(rows, more) {
  const t = el(
    'table',
    { class: 'elements' },
    el(
      'tr',
      {},
      ...['index', 'printed (document)', 'expected (certified)', 'actual', 'abs error', 'rel error'].map((h) =>
        el('th', { class: 'nosort' }, h),
      ),
    ),
  );
  for (const r of rows)
    t.append(
      el(
        'tr',
        r.worst ? { class: 'worst', title: 'the worst element' } : {},
        el('td', {}, showIndex(r.at) + (r.worst ? ' ◀ worst' : '')),
        el('td', {}, r.printed ?? ''),
        el('td', {}, String(r.expected)),
        el('td', {}, String(r.actual)),
        el('td', {}, showErr(absErr(num(r.actual), num(r.expected)))),
        el('td', {}, showErr(relErr(num(r.actual), num(r.expected)))),
      ),
    );
  if (more > 0)
    t.append(el('tr', { class: 'more' }, el('td', { colspan: '6' }, more + ' more element' + (more === 1 ? '' : 's') + ' not shown')));
  return t;
}
function operandView(c, j, r, a) {
  const e = c.expected?.[j];
  const label = el(
    'div',
    { class: 'operand' },
    (c.expected?.length ?? 0) > 1 ? 'operand ' + (j + 1) + ' of ' + c.expected.length : 'value',
  );
  if (!e || !a) return [label, el('div', { class: 'note' }, !e ? 'no certified value in the report' : 'no actual value')];
  if (own(e, 'values') && own(a, 'values')) {
    const shape = shapeOf(e.values);
    const ev = flat(e.values),
      av = flat(a.values);
    const printed = printedOf(c, j, ev.length);
    const errs = ev.map((x, k) => absErr(num(av[k]), num(x)));
    // the runner's worst (by error over tolerance) when it names this operand, else the largest abs error
    let worst = errs.reduce((w, x, k) => (x > errs[w] ? k : w), 0);
    if (c.expected.length === 1 && r.worst_index && r.worst_index.length === shape.length) worst = flatIndex(r.worst_index, shape);
    const order = ev.map((_, k) => k);
    if (ev.length > SHOWN) order.sort((x, y) => (x === worst ? -1 : y === worst ? 1 : errs[y] - errs[x] || x - y));
    const anyErr = errs.some((x) => x !== 0);
    const rows = order
      .slice(0, SHOWN)
      .map((k) => ({ at: unflat(k, shape), printed: printed?.[k], expected: ev[k], actual: av[k], worst: anyErr && k === worst }));
    return [
      label,
      el(
        'div',
        { class: 'note' },
        [
          shape.length ? 'shape [' + shape.join(', ') + '], ' + ev.length + ' element' + (ev.length === 1 ? '' : 's') : '',
          anyErr ? '' : 'every element equals the certified value',
          ev.length > SHOWN ? 'the ' + SHOWN + ' largest errors first' : '',
        ]
          .filter(Boolean)
          .join('; '),
      ),
      elementTable(rows, ev.length - rows.length),
    ];
  }
  // too large to list: the range, and for a result that did not pass its worst elements
  const shape = e.shape ?? a.shape ?? [];
  const size = e.size ?? a.size;
  const w = (r.worst_elements ?? []).find((x) => x.operand === j);
  const out = [
    label,
    el(
      'div',
      { class: 'note' },
      'shape [' +
        shape.join(', ') +
        '], ' +
        size +
        ' elements; expected range [' +
        e.min +
        ', ' +
        e.max +
        ']' +
        (own(a, 'min') ? ', actual range [' + a.min + ', ' + a.max + ']' : ''),
    ),
  ];
  if (w) {
    const printed = printedOf(c, j, size);
    const rows = w.elements.map((x, k) => ({
      at: x.index,
      printed: printed?.[flatIndex(x.index, shape)],
      expected: x.expected,
      actual: x.actual,
      worst: k === 0,
    }));
    out.push(elementTable(rows, size - rows.length));
  } else if (r.max_abs_error !== undefined)
    out.push(el('div', { class: 'note' }, 'every element within tolerance (the elements of a passing result are not kept in the report)'));
  return out;
}
function resultView(c, i, r) {
  const mark = baselineMark(i, c.id);
  const box = el(
    'div',
    { class: 'result', 'data-impl': i },
    el(
      'h4',
      {},
      'implementation ' + i + ' — result: ',
      el('span', { class: r.status }, r.status),
      mark ? el('span', { class: 'mark mark-' + mark }, mark.replace('-', ' ')) : '',
    ),
  );
  if (r.message) box.append(el('pre', {}, r.message));
  if (num(r.max_abs_error) === 0) box.append(el('div', { class: 'note' }, 'equals the certified value exactly'));
  else if (r.max_abs_error !== undefined)
    box.append(
      el(
        'div',
        { class: 'note' },
        'largest abs error ' +
          showErr(num(r.max_abs_error)) +
          ', largest rel error ' +
          showErr(num(r.max_rel_error)) +
          (r.worst_index?.length ? '; the worst element (error over tolerance) is at ' + showIndex(r.worst_index) : ''),
      ),
    );
  (r.actual ?? []).forEach((a, k) => box.append(...operandView(c, r.actual_of ? r.actual_of[k] : k, r, a)));
  return box;
}
function documentView(c) {
  const box = el(
    'div',
    { class: 'document' },
    el(
      'h4',
      {},
      'the document (audit of the printed number): ',
      c.audit ? el('span', { class: 'verdict-' + c.audit.verdict }, c.audit.verdict) : 'no audit',
    ),
  );
  box.append(el('div', {}, el('b', {}, 'quote: '), c.quote));
  const seedLine = c.audit?.seed_line ? ' line ' + c.audit.seed_line : '';
  const where = (c.seed ?? 'synthetic') + seedLine + ' § ' + (c.section ?? '') + ' — fixture ' + c.file + ':' + c.line;
  box.append(el('div', {}, el('b', {}, 'source: '), where));
  if (c.printed != null) box.append(el('div', {}, el('b', {}, 'printed: '), showPrinted(c.printed)));
  if (c.audit) {
    box.append(el('div', {}, el('b', {}, 'audit: '), c.audit.reason + (c.audit.error_kind ? ' (' + c.audit.error_kind + ')' : '')));
    if (c.audit.erratum_source === 'carried' && c.audit.roots?.length)
      box.append(el('div', {}, el('b', {}, 'carried from: '), c.audit.roots.join(', ') + ' (the erratum to fix first)'));
    else if (c.audit.erratum_source === 'origin') box.append(el('div', {}, el('b', {}, 'origin: '), 'the document goes wrong here'));
    if (c.audit.decision) box.append(el('div', {}, el('b', {}, 'decision error: '), 'it flips a conclusion the document prints'));
    if (c.audit.correct !== null) box.append(el('div', {}, el('b', {}, 'should print: '), showPrinted(c.audit.correct)));
    if (c.audit.suggestion) box.append(el('div', {}, el('b', {}, 'suggested text: '), c.audit.suggestion));
    if (c.audit.verdict === 'erratum')
      box.append(
        el(
          'div',
          { class: 'note' },
          'an erratum is a mistake in the document, not in an implementation: implementations are judged against the certified value',
        ),
      );
  }
  return box;
}
// The drill-down opens as a full-width row under the claim's row, built when first opened.
function detail(c, tr) {
  const d = el('details');
  d.append(el('summary', {}, 'details'));
  let drill = null;
  d.addEventListener('toggle', () => {
    if (d.open && !drill) {
      const cell = el('td', { colspan: String(cols.length + 1) }, documentView(c));
      for (const i of impls) if (own(c.results, i)) cell.append(resultView(c, i, c.results[i]));
      drill = el('tr', { class: 'drill', 'data-for': c.id }, cell);
    }
    if (d.open && !drill.isConnected) tr.after(drill);
    if (!d.open && drill) drill.remove();
    if (d.open) openClaim = c.id;
    else if (openClaim === c.id) openClaim = '';
    if (!restoring) writeHash();
  });
  return d;
}

// ---- the claim table and the view state ----
const body = document.getElementById('claims-body');
const byId = new Map(report.claims.map((c) => [c.id, c]));
const head = document.getElementById('claims-head');
let sortKey = 'id',
  sortDir = 1,
  openClaim = '',
  restoring = false;
function matches(c) {
  const st = statusSel.value,
    gr = groupSel.value,
    se = sectionSel.value,
    im = implSel.value,
    ve = verdictSel.value,
    mi = missingSel.value,
    bl = baselineSel.value,
    q = text.value.toLowerCase();
  const names = im ? (own(c.results, im) ? [im] : []) : Object.keys(c.results);
  if (im && !names.length) return false;
  const rs = names.map((i) => c.results[i]);
  if (st && !rs.some((r) => r.status === st)) return false;
  if (gr && groupOf(c) !== gr) return false;
  if (se && (c.section ?? 'synthetic') !== se) return false;
  if (ve && (c.audit?.verdict ?? '') !== ve) return false;
  if (mi && !rs.some((r) => (r.missing ?? []).includes(mi))) return false;
  if (bl && !names.some((i) => baselineMark(i, c.id) === bl)) return false;
  return !q || (c.id + ' ' + c.quote).toLowerCase().includes(q);
}
function render() {
  const shown = report.claims.filter(matches);
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
        el('td', { class: 'doc-col' }, c.audit ? el('span', { class: 'verdict-' + c.audit.verdict }, c.audit.verdict) : ''),
        ...impls.map((i) => {
          const r = own(c.results, i) ? c.results[i] : null;
          const mark = r && baselineMark(i, c.id);
          return el(
            'td',
            { class: r?.status ?? '' },
            r?.status ?? '',
            mark ? el('span', { class: 'mark mark-' + mark }, mark.replace('-', ' ')) : '',
          );
        }),
      ),
    ),
  );
  for (const tr of body.children) tr.append(el('td', {}, detail(byId.get(tr.getAttribute('data-id')), tr)));
  document.getElementById('count').textContent = shown.length + ' of ' + report.claims.length + ' claims';
  for (const [, sel] of FILTERS) sel.closest('label').classList.toggle('active', !!sel.value);
  for (const th of head.querySelectorAll('th[data-key]'))
    th.setAttribute('aria-sort', th.getAttribute('data-key') === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
  // the open claim stays open across filtering and sorting (and is dropped from the view when filtered out)
  const row = openClaim ? [...body.children].find((tr) => tr.getAttribute('data-id') === openClaim) : undefined;
  if (row) {
    restoring = true;
    const d = row.querySelector('details');
    d.open = true;
    d.dispatchEvent(new Event('toggle')); // build it now, so the view is complete when this returns
    restoring = false;
  } else openClaim = '';
  return row;
}
function writeHash() {
  const p = new URLSearchParams();
  if (openClaim) p.set('claim', openClaim);
  for (const [key, sel] of FILTERS) if (sel.value) p.set(key, sel.value);
  if (text.value) p.set('q', text.value);
  if (sortKey !== 'id' || sortDir !== 1) p.set('sort', (sortDir < 0 ? '-' : '') + sortKey);
  const h = p.toString();
  if (h !== location.hash.slice(1)) history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
}
/** Applies a view: the given filters, the rest cleared; a value the page does not offer is dropped. */
function applyView(v) {
  for (const [key, sel] of FILTERS) {
    const want = v[key] ?? '';
    sel.value = [...sel.options].some((o) => o.value === want) ? want : '';
  }
  text.value = v.q ?? '';
  const s = v.sort ?? 'id';
  const k = s.replace(/^-/, '');
  [sortKey, sortDir] = cols.some(([c]) => c === k) ? [k, s.startsWith('-') ? -1 : 1] : ['id', 1];
  openClaim = v.claim ?? '';
  render()?.scrollIntoView({ block: 'start' });
}
function setView(v) {
  applyView(v);
  writeHash();
}
const readHash = () => Object.fromEntries(new URLSearchParams(location.hash.slice(1)));

options(statusSel, ['pass', 'fail', 'error', 'skip', 'not-applicable']);
options(groupSel, [...new Set(report.claims.map(groupOf))].sort());
options(sectionSel, [...new Set(report.claims.map((c) => c.section ?? 'synthetic'))].sort());
options(implSel, impls);
options(verdictSel, ['ok', 'rounding', 'erratum', 'unverifiable', 'derived', 'implementation-defined']);
options(missingSel, [...new Set(report.claims.flatMap((c) => Object.values(c.results).flatMap((r) => r.missing ?? [])))].sort());
options(
  baselineSel,
  BASELINE_KINDS.map(([k]) => k),
);
if (!report.baseline) baselineSel.closest('label').hidden = true;
headlines();
document.getElementById('matrix-slot').append(matrix());
skips();
diagnosisPanels();
notices();
const cols = [
  ['id', 'claim'],
  ['section', 'section'],
  ['kind', 'kind'],
  ['verdict', 'the document (audit)'],
  ...impls.map((i) => ['impl:' + i, i + ' (result)']),
];
head.replaceChildren(
  ...cols.map(([k, label]) => {
    const th = el('th', { 'data-key': k, tabindex: '0' }, label);
    const go = () => {
      sortDir = sortKey === k ? -sortDir : 1;
      sortKey = k;
      render();
      writeHash();
    };
    th.addEventListener('click', go);
    th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), go()));
    return th;
  }),
  el('th', { class: 'nosort' }, ''),
);
for (const [, c] of FILTERS)
  c.addEventListener('change', () => {
    render();
    writeHash();
  });
text.addEventListener('input', () => {
  render();
  writeHash();
});
window.addEventListener('hashchange', () => applyView(readHash()));
applyView(readHash());
