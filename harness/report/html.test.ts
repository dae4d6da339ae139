// The HTML report in a real browser (Debian's chromium driven by playwright-core): it loads with no console
// errors, its filters, matrix and deep links work, the drill-down's element tables point at the worst element,
// the diagnosis panels say what each failing implementation got wrong, and hostile text from a fixture or an
// implementation stays text.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSuite } from '../audit/verdict.js';
import type { Implementation } from '../run/implementation.js';
import { mutantImplementation } from '../impls/mutants.js';
import { referenceImplementation } from '../impls/reference.js';
import { runImplementation } from '../run/runner.js';
import { makeTestSuite, TEST_FIXTURES } from '../testing/suite.js';
import { buildReport, WORST_LIMIT, type RunReport } from './build.js';
import { diagnoseRun } from './diagnosis.js';
import { escapeHtml, renderHtml } from './html.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>';

let browser: Browser;
let page: string;
let report: RunReport;
/** The same run with a baseline: one failure known, one new. */
let baselinePage: string;
let baselined: NonNullable<RunReport['baseline']>;
/** A run whose failing operand is too large to list in full. */
let largePage: string;
let largeWorst: number[];
let largeSize: number;
/** A run with two diagnosed implementations: a mutant, and one whose model scenarios crash with hostile text. */
let diagnosisPage: string;
let diagnosed: RunReport;

const writePage = (r: RunReport) => {
  const file = join(mkdtempSync(join(tmpdir(), 'tconf-html-')), 'report.html');
  writeFileSync(file, renderHtml(r));
  return file;
};
// a 9×8 product: 72 elements, more than a report lists in full
const LARGE = {
  'd-large.yaml': `id: d-large
title: a large product
document: false
tags: [ops]
scenario:
  kind: ops
  calls: [{ id: p, op: matmul, args: { A: ${JSON.stringify(Array.from({ length: 9 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i + 1) * 0.5 - j * 0.25)))}, B: ${JSON.stringify(Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i === j ? 1 : 0.125))))} } }]
claims:
  - { id: product, kind: derived, derived_from: test, quote: "C = A B", path: p/C, verdict: derived }
`,
};

async function open(file: string, hash = '') {
  const p = await browser.newPage();
  const problems: string[] = [];
  p.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  p.on('pageerror', (e) => problems.push(e.message));
  await p.goto(`file://${file}${hash}`);
  return { p, problems };
}
// the page's globals, typed here (the tests compile without the DOM library)
type PageGlobals = { location: { hash: string }; history: { length: number } };
const hashOf = (p: Page) => p.evaluate(() => (globalThis as unknown as PageGlobals).location.hash);
const historyLength = (p: Page) => p.evaluate(() => (globalThis as unknown as PageGlobals).history.length);
const shownIds = (p: Page) => p.locator('#claims-body tr[data-id]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install chromium)`);
  const files = { ...TEST_FIXTURES, 'a-matmul.yaml': TEST_FIXTURES['a-matmul.yaml'].replace('quote: "C = A B"', `quote: '${HOSTILE}'`) };
  const suite = await makeTestSuite(files);
  const broken: Implementation = {
    ...referenceImplementation,
    name: 'broken</td><b>',
    async run(s) {
      const t = await referenceImplementation.run(s);
      for (const k of Object.keys(t)) if (k.endsWith('/probs')) t[k] = { shape: t[k].shape, data: t[k].data.map((x) => x * 2) };
      return t;
    },
  };
  // declares the forward pass but not the residual: the forward claims need only it, the training claims more
  const partial: Implementation = {
    ...referenceImplementation,
    name: 'partial',
    capabilities: { dtype: 'float64', ops: ['matmul'], features: ['forward'] },
  };
  const runs = [
    await runImplementation(referenceImplementation, suite, { profile: 'float64' }),
    await runImplementation(broken, suite, { profile: 'float64' }),
    await runImplementation(partial, suite, { profile: 'float64' }),
  ];
  report = buildReport(suite, runs, auditSuite(suite), { profile: 'float64', filter: [], version: 'test' });
  page = writePage(report);
  const failing = report.claims.filter((c) => c.results[broken.name]?.status === 'fail').map((c) => c.id);
  baselined = { [broken.name]: { new_failures: failing.slice(1), newly_passing: [], known_failures: failing.slice(0, 1) } };
  baselinePage = writePage({ ...report, baseline: baselined });

  const crashing: Implementation = {
    ...referenceImplementation,
    name: 'crash<i>',
    async run(s) {
      if (s.kind === 'model') throw new Error(HOSTILE);
      return referenceImplementation.run(s);
    },
  };
  const diagnosedRuns = [
    runs[0],
    ...(await Promise.all([mutantImplementation('no-scale'), crashing].map((i) => runImplementation(i, suite, { profile: 'float64' })))),
  ];
  diagnosed = buildReport(suite, diagnosedRuns, auditSuite(suite), { profile: 'float64', filter: [], version: 'test' });
  for (const r of diagnosedRuns.slice(1))
    diagnosed.summary[r.info.name].diagnosis = await diagnoseRun(suite, r, { profile: 'float64', filter: [] });
  diagnosisPage = writePage(diagnosed);

  const large = await makeTestSuite(LARGE);
  // off by a little more at each element: the last is the worst
  const skewed: Implementation = {
    ...referenceImplementation,
    name: 'skewed',
    async run(s) {
      const t = await referenceImplementation.run(s);
      t['p/C'] = { shape: t['p/C'].shape, data: t['p/C'].data.map((x, i) => x + i * 1e-6) };
      return t;
    },
  };
  const skewedRun = await runImplementation(skewed, large, { profile: 'float64' });
  const operand = skewedRun.results['d-large/product'].operands[0];
  [largeWorst, largeSize] = [operand.worstIndex!, operand.actual!.length];
  largePage = writePage(buildReport(large, [skewedRun], auditSuite(large), { profile: 'float64', filter: [], version: 'test' }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('the HTML report in a browser', () => {
  it('loads without console errors, shows the matrix and every claim, and keeps hostile text as text', async () => {
    const p = await browser.newPage();
    const problems: string[] = [];
    p.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    p.on('pageerror', (e) => problems.push(e.message));
    await p.goto(`file://${page}`);
    expect(problems).toEqual([]);
    expect(await p.locator('#matrix tr').count()).toBeGreaterThan(1);
    expect(await p.locator('#claims-body tr').count()).toBe(report.claims.length);
    expect(await p.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await p.locator('#claims-body').innerText()).not.toContain('onerror');
    const row = p.locator('#claims-body tr[data-id="a-matmul/product"]');
    await row.locator('summary').click();
    expect(await p.locator('#claims-body tr.drill[data-for="a-matmul/product"]').innerText()).toContain(HOSTILE);
    expect(await p.locator('#matrix').innerText()).toContain('broken</td><b>');
    expect(await p.locator('#headlines').innerText()).toContain('broken</td><b>');
    expect(await p.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('filters by status, implementation, section and text, and sorts by column', async () => {
    const p = await browser.newPage();
    await p.goto(`file://${page}`);
    await p.selectOption('#f-status', 'fail');
    const failing = await p.locator('#claims-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(failing).toEqual(['b-forward/probs', 'c-train/improved']); // the broken implementation doubles every probability
    await p.selectOption('#f-impl', 'reference');
    expect(await p.locator('#claims-body tr').count()).toBe(0);
    await p.selectOption('#f-status', '');
    await p.selectOption('#f-impl', '');
    await p.fill('#f-text', 'train');
    expect(await p.locator('#claims-body tr').count()).toBe(2);
    await p.fill('#f-text', '');
    await p.click('th[data-key="id"]');
    expect(await p.locator('#claims-body tr').first().getAttribute('data-id')).toBe('c-train/improved');
    expect(await p.locator('#count').innerText()).toBe(`${report.claims.length} of ${report.claims.length} claims`);
  });

  it('groups the skips by the missing capability, and a row of that table filters the claims', async () => {
    const p = await browser.newPage();
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(e.message));
    await p.goto(`file://${page}`);
    expect(await p.locator('table.skips').count()).toBe(1); // only the implementation that skipped
    const table = p.locator('table.skips[data-impl="partial"]');
    const skips = report.summary.partial.skips;
    expect(skips.total).toBeGreaterThan(0); // partial declares no training features
    expect(await table.locator('caption').innerText()).toBe(
      `partial: ${skips.total} skipped, ${skips.total - skips.several} needing one capability, ${skips.several} needing several`,
    );
    const rows = await table
      .locator('tr[data-missing]')
      .evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    // missing, unlocks, needed by, in the report's order
    expect(rows).toEqual(skips.by_missing.map((x) => [x.missing, `+${x.unlocks}`, String(x.needed_by)]));
    // the rows are reachable from the keyboard
    const first = skips.by_missing[0].missing;
    await table.locator(`tr[data-missing="${first}"]`).focus();
    await p.keyboard.press('Enter');
    expect(await p.inputValue('#f-missing')).toBe(first);
    const expected = report.claims
      .filter((c) => c.results.partial?.missing?.includes(first))
      .map((c) => c.id)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    expect(await shownIds(p)).toEqual(expected);
    expect(problems).toEqual([]);
  });

  it('heads each implementation with its version, dtype, counts and coverage, and its baseline marks', async () => {
    const { p, problems } = await open(baselinePage);
    expect(await p.locator('#headlines .headline').count()).toBe(report.implementations.length);
    for (const info of report.implementations) {
      const card = p.locator('#headlines .headline').filter({ has: p.locator('h3', { hasText: info.name }) });
      const text = await card.innerText();
      expect(text).toContain(`${info.version} · ${info.language} · ${info.dtype}`);
      const c = report.summary[info.name].overall;
      for (const st of ['pass', 'fail', 'error', 'skip'] as const)
        expect(await card.locator(`button[data-status="${st}"] b`).innerText()).toBe(String(c[st]));
      const ran = c.pass + c.fail + c.error;
      const runnable = c.total - c['not-applicable'];
      expect(text).toContain(`coverage ${Math.floor((100 * ran) / runnable)}%: ran ${ran} of the ${runnable}`);
    }
    const card = p.locator('#headlines .headline[data-impl="broken</td><b>"]');
    const b = baselined['broken</td><b>'];
    expect(await card.locator('button[data-baseline="known-failure"] b').innerText()).toBe(String(b.known_failures.length));
    expect(await card.locator('button[data-baseline="new-failure"] b').innerText()).toBe(String(b.new_failures.length));
    // a baseline mark filters the claims to it, and each row says which it is
    await card.locator('button[data-baseline="known-failure"]').click();
    expect(await shownIds(p)).toEqual(b.known_failures);
    expect(await p.locator('#claims-body tr[data-id] .mark-known-failure').count()).toBe(b.known_failures.length);
    expect(await hashOf(p)).toContain('baseline=known-failure');
    expect(problems).toEqual([]);
  });

  it('colours a matrix cell by the stated rule, and a click on it filters the claims', async () => {
    const { p, problems } = await open(page);
    // every cell follows the legend's rule; partial, which declares no training, is neither green nor red
    const sections = [...new Set(report.implementations.flatMap((i) => Object.keys(report.summary[i.name].by_section)))].sort();
    const rule = (c: RunReport['summary'][string]['overall']) => {
      const ran = c.pass + c.fail + c.error;
      const runnable = c.total - c['not-applicable'];
      return !runnable ? 'cell-na' : c.fail || c.error ? 'cell-fail' : ran / runnable >= 0.8 ? 'cell-pass' : 'cell-partial';
    };
    const classes = await p
      .locator('#matrix tr')
      .evaluateAll((rs) => rs.slice(1).map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.className)));
    expect(classes).toEqual(
      [...sections, 'all'].map((s) =>
        report.implementations.map(({ name }) => {
          const c = s === 'all' ? report.summary[name].overall : report.summary[name].by_section[s];
          return c ? rule(c) : '';
        }),
      ),
    );
    expect(rule(report.summary.partial.overall)).toBe('cell-partial');
    expect(await p.locator('.legend').innerText()).toContain('at least 80%');
    const group = report.fixture_sections['b-forward'];
    await p.locator(`#matrix button[data-impl="partial"][data-group="${group}"]`).click();
    expect(await p.inputValue('#f-impl')).toBe('partial');
    expect(await p.inputValue('#f-group')).toBe(group);
    const expected = report.claims
      .filter((x) => report.fixture_sections[x.fixture] === group && x.results.partial)
      .map((x) => x.id)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true })); // the table's default order
    expect(expected.length).toBeGreaterThan(0);
    expect(await shownIds(p)).toEqual(expected);
    expect(problems).toEqual([]);
  });

  it('keeps the view in the URL hash: a deep link restores the filters and the open claim, a change rewrites it', async () => {
    const { p, problems } = await open(page, '#claim=b-forward%2Fprobs&impl=broken%3C%2Ftd%3E%3Cb%3E&status=fail&sort=-id');
    expect(await p.inputValue('#f-status')).toBe('fail');
    expect(await p.inputValue('#f-impl')).toBe('broken</td><b>');
    expect(await p.locator('th[data-key="id"]').getAttribute('aria-sort')).toBe('descending');
    expect(await p.locator('#claims-body tr.drill[data-for="b-forward/probs"]').count()).toBe(1);
    const before = await historyLength(p);
    await p.selectOption('#f-status', 'pass');
    expect(new URLSearchParams((await hashOf(p)).slice(1)).get('status')).toBe('pass');
    expect(await historyLength(p)).toBe(before); // replaced, not pushed
    // a value the page does not offer is dropped, not an error
    await p.goto(`file://${page}#status=nonsense&claim=no%2Fsuch`);
    expect(await p.inputValue('#f-status')).toBe('');
    expect(problems).toEqual([]);
  });

  it('drills down to an element table per operand with the worst element highlighted', async () => {
    const { p, problems } = await open(page, '#claim=b-forward%2Fprobs');
    const result = p.locator('#claims-body tr.drill .result[data-impl="broken</td><b>"]');
    const worst = report.claims.find((c) => c.id === 'b-forward/probs')!.results['broken</td><b>'].worst_index!;
    expect(await result.locator('table.elements tr.worst').count()).toBe(1);
    expect(await result.locator('table.elements tr.worst td').first().innerText()).toBe(`[${worst.join(', ')}] ◀ worst`);
    // the document's verdict sits apart from the implementation's result, each labelled
    expect(await p.locator('#claims-body tr.drill .document h4').innerText()).toMatch(/^the document/);
    expect(await result.locator('h4').innerText()).toMatch(/result: fail/);
    expect(problems).toEqual([]);
  });

  it('shows a large failing operand as its worst elements and how many more', async () => {
    const { p, problems } = await open(largePage, '#claim=d-large%2Fproduct');
    const table = p.locator('#claims-body tr.drill table.elements');
    expect(await table.locator('tr.worst td').first().innerText()).toBe(`[${largeWorst.join(', ')}] ◀ worst`);
    expect(await table.locator('tr').count()).toBe(1 + WORST_LIMIT + 1); // header, the worst, "N more"
    expect(await table.locator('tr.more').innerText()).toBe(`${largeSize - WORST_LIMIT} more elements not shown`);
    expect(problems).toEqual([]);
  });

  it('shows a diagnosis panel per failing implementation, its code as code and hostile text as text; a button opens the first wrong value', async () => {
    const { p, problems } = await open(diagnosisPage);
    expect(await p.locator('#diagnosis-slot .diagnosis').evaluateAll((ps) => ps.map((x) => x.getAttribute('data-impl')))).toEqual([
      'mutant:no-scale',
      'crash<i>',
    ]);
    const d = diagnosed.summary['mutant:no-scale'].diagnosis!;
    if ('unavailable' in d) throw new Error(d.unavailable);
    const first = d.first_divergence!;
    const panel = p.locator('.diagnosis[data-impl="mutant:no-scale"]');
    expect(await panel.locator('.line').first().innerText()).toMatch(/^first wrong value: /);
    expect(await panel.locator('code').first().innerText()).toBe(`${first.fixture}/${first.path}`);
    expect(await panel.innerText()).toContain('behaves exactly like no-scale: attention scores not divided by sqrt(d_k)');
    const crashed = p.locator('.diagnosis[data-impl="crash<i>"]');
    expect(await crashed.locator('h3').innerText()).toBe('crash<i>');
    expect(await crashed.innerText()).toContain(`could not be run: scenario error: ${HOSTILE}`);
    expect(await p.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await panel.locator('button.open-first').click();
    expect(await p.locator(`#claims-body tr.drill[data-for="${first.claims[0]}"]`).count()).toBe(1);
    expect(await p.inputValue('#f-impl')).toBe('mutant:no-scale');
    // a page with no diagnosis has no panel
    const plain = await open(page);
    expect(await plain.p.locator('#diagnosis-slot').innerText()).toBe('');
    expect([...problems, ...plain.problems]).toEqual([]);
  });

  it('escapes the static parts too', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
