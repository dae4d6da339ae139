// The HTML report in a real browser (Debian's chromium driven by playwright-core): it loads with no console
// errors, its filters work, and hostile text from a fixture or an implementation stays text.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSuite } from '../audit/verdict.js';
import type { Implementation } from '../run/implementation.js';
import { referenceImplementation } from '../impls/reference.js';
import { runImplementation } from '../run/runner.js';
import { makeTestSuite, TEST_FIXTURES } from '../testing/suite.js';
import { buildReport } from './build.js';
import { escapeHtml, renderHtml } from './html.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>';

let browser: Browser;
let page: string;

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
  const report = buildReport(suite, runs, auditSuite(suite), { profile: 'float64', filter: [], version: 'test' });
  page = join(mkdtempSync(join(tmpdir(), 'tconf-html-')), 'report.html');
  writeFileSync(page, renderHtml(report));
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
    expect(await p.locator('#claims-body tr').count()).toBe(6);
    expect(await p.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await p.locator('#claims-body').innerText()).not.toContain('onerror');
    const row = p.locator('#claims-body tr[data-id="a-matmul/product"]');
    await row.locator('summary').click();
    expect(await row.locator('details').innerText()).toContain(HOSTILE);
    expect(await p.locator('#matrix').innerText()).toContain('broken</td><b>');
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
    expect(await p.locator('#count').innerText()).toBe('6 of 6 claims');
  });

  it('groups the skips by the missing capability, and a row of that table filters the claims', async () => {
    const p = await browser.newPage();
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(e.message));
    await p.goto(`file://${page}`);
    expect(await p.locator('table.skips').count()).toBe(1); // only the implementation that skipped
    const table = p.locator('table.skips[data-impl="partial"]');
    expect(await table.locator('caption').innerText()).toBe('partial: 4 skipped, 2 needing one capability, 2 needing several');
    const rows = await table
      .locator('tr[data-missing]')
      .evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    // missing, unlocks, needed by: the forward claims need only the residual, the training claims three features
    expect(rows).toEqual([
      ['feature residual', '+2', '4'],
      ['feature backward', '+0', '2'],
      ['feature sgd', '+0', '2'],
    ]);
    await table.locator('tr[data-missing="feature residual"]').click();
    expect(await p.inputValue('#f-missing')).toBe('feature residual');
    const shown = await p.locator('#claims-body tr').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')));
    expect(shown).toEqual(['b-forward/probs', 'b-forward/weights', 'c-train/grad', 'c-train/improved']);
    expect(problems).toEqual([]);
  });

  it('escapes the static parts too', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
