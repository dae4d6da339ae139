import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { cellText, escapeXml, formatTick, heatmap, lineChart, logTicks, niceTicks } from './plot.js';

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false, trimValues: false });

/** Well-formed XML, only characters XML 1.0 allows, an <svg> root in the SVG namespace; returns the parsed tree. */
function parseSvg(svg: string): Record<string, unknown> {
  const v = XMLValidator.validate(svg);
  expect(v, JSON.stringify(v)).toBe(true);
  // eslint-disable-next-line no-control-regex
  expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
  const doc = parser.parse(svg) as Record<string, Record<string, unknown>>;
  expect(doc.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');
  return doc.svg;
}

/** Every text node of the tree, decoded. */
function texts(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const n of node) texts(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) if (!k.startsWith('@_')) texts(v, out);
  }
  return out;
}

/** Every element of the given name anywhere in the tree. */
function elements(node: unknown, name: string, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(node)) for (const n of node) elements(n, name, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('@_')) continue;
      if (k === name) for (const e of [v].flat()) out.push(e as Record<string, unknown>);
      elements(v, name, out);
    }
  }
  return out;
}

const HOSTILE = `</text><script>alert("x")</script> & 'quotes' "double" ]]> <!-- c --> <![CDATA[ z ]]>`;

describe('lineChart', () => {
  const base = {
    title: 'Training loss',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      {
        name: 'train',
        points: [
          [1, 1],
          [2, 0.5],
          [3, 0.25],
          [4, 0.2],
        ] as Array<[number, number]>,
      },
      {
        name: 'held-out',
        points: [
          [1, 1.1],
          [4, 0.3],
        ] as Array<[number, number]>,
      },
    ],
  };

  it('is a valid SVG document with axes, ticks, labels and a legend', () => {
    const svg = lineChart(base);
    const root = parseSvg(svg);
    const all = texts(root);
    for (const t of ['Training loss', 'step', 'loss', 'train', 'held-out']) expect(all).toContain(t);
    expect(elements(root, 'polyline')).toHaveLength(2);
    // x ticks 1..4 and y ticks from 0.2 to 1.2 in steps of 0.2
    for (const t of ['1.0', '2.0', '4.0', '0.2', '1.2']) expect(all).toContain(t);
    expect(root['@_width']).toBe('720');
    expect(lineChart({ ...base, width: 400, height: 300 })).toContain('viewBox="0 0 400 300"');
  });

  it('escapes hostile titles, labels and series names, which come back intact as text', () => {
    const svg = lineChart({
      ...base,
      title: HOSTILE,
      xLabel: '<b>x</b>',
      yLabel: 'a&b',
      series: [
        {
          name: HOSTILE,
          points: [
            [0, 1],
            [1, 2],
          ],
        },
      ],
    });
    const root = parseSvg(svg);
    expect(elements(root, 'script')).toHaveLength(0);
    expect(elements(root, 'b')).toHaveLength(0);
    const all = texts(root);
    expect(all).toContain(HOSTILE); // the <title> of the document and of the series
    expect(all).toContain('<b>x</b>');
    expect(all).toContain('a&b');
    expect(svg).not.toContain('<script');
  });

  it('replaces characters XML cannot hold (control characters, lone surrogates)', () => {
    const svg = lineChart({ ...base, title: 'bell\u0007 nul\u0000 lone\ud800 pair😀' });
    parseSvg(svg);
    expect(texts(parseSvg(svg))).toContain('bell\ufffd nul\ufffd lone\ufffd pair😀');
  });

  it('leaves a gap at NaN and infinite points', () => {
    const svg = lineChart({
      ...base,
      series: [
        {
          name: 's',
          points: [
            [0, 1],
            [1, 2],
            [2, NaN],
            [3, 3],
            [4, 4],
            [5, Infinity],
            [6, 1],
          ],
        },
      ],
    });
    const root = parseSvg(svg);
    expect(elements(root, 'polyline')).toHaveLength(2); // [0,1] and [3,4]
    expect(elements(root, 'circle')).toHaveLength(1); // the lone point at x = 6
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('on a log axis leaves out y <= 0 and puts ticks at powers of ten', () => {
    const svg = lineChart({
      ...base,
      logY: true,
      series: [
        {
          name: 'loss',
          points: [
            [0, 10],
            [1, 1],
            [2, 0],
            [3, 0.01],
            [4, 0.001],
          ],
        },
      ],
    });
    const root = parseSvg(svg);
    expect(elements(root, 'polyline')).toHaveLength(2);
    const all = texts(root);
    for (const t of ['0.001', '0.01', '0.1', '1', '10']) expect(all).toContain(t);
    expect(all).toContain('loss (log scale)');
  });

  it('lists a series without drawable points as "(no data)", and refuses a chart with nothing to draw', () => {
    const root = parseSvg(lineChart({ ...base, series: [base.series[0], { name: 'empty', points: [] }] }));
    expect(texts(root)).toContain('empty (no data)');
    expect(() => lineChart({ ...base, series: [] })).toThrow(/at least one series/);
    expect(() =>
      lineChart({
        ...base,
        series: [
          { name: 'a', points: [] },
          {
            name: 'b',
            points: [
              [NaN, 1],
              [1, NaN],
            ],
          },
        ],
      }),
    ).toThrow(/no drawable point/);
    expect(() =>
      lineChart({
        ...base,
        logY: true,
        series: [
          {
            name: 'a',
            points: [
              [0, 0],
              [1, -1],
            ],
          },
        ],
      }),
    ).toThrow(/y > 0 on a log axis/);
    expect(() => lineChart({ ...base, width: NaN })).toThrow(/width must be a finite number/);
  });

  it('draws a single point or a constant series without dividing by zero', () => {
    for (const points of [
      [[3, 3]],
      [
        [0, 2],
        [1, 2],
        [2, 2],
      ],
    ] as Array<Array<[number, number]>>) {
      const svg = lineChart({ ...base, series: [{ name: 'c', points }] });
      parseSvg(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });
});

describe('heatmap', () => {
  const base = {
    title: 'Attention weights',
    rowLabels: ['q0', 'q1'],
    colLabels: ['k0', 'k1', 'k2'],
    values: [
      [1, 0, 0],
      [0.25, 0.125, 0.625],
    ],
  };

  it('is a valid SVG document with one cell per value, printed to two decimals', () => {
    const root = parseSvg(heatmap(base));
    const cells = elements(root, 'rect').filter((r) => typeof r['@_fill'] === 'string' && (r['@_fill'] as string).startsWith('rgb('));
    expect(cells).toHaveLength(6);
    const all = texts(root);
    for (const t of ['1.00', '0.00', '0.25', '0.13', '0.63', 'q0', 'q1', 'k0', 'k2', 'Attention weights']) expect(all).toContain(t);
    // the largest value is darkest, zero is lightest
    expect(cells[0]['@_fill']).toBe('rgb(8,48,107)');
    expect(cells[1]['@_fill']).toBe('rgb(247,251,255)');
  });

  it('escapes hostile labels and titles', () => {
    const svg = heatmap({ ...base, title: HOSTILE, rowLabels: ['<q>', '&amp;'], colLabels: ['"k"', "'k'", '</svg>'] });
    const root = parseSvg(svg);
    expect(elements(root, 'script')).toHaveLength(0);
    expect(elements(root, 'q')).toHaveLength(0);
    const all = texts(root);
    for (const t of [HOSTILE, '<q>', '&amp;', '"k"', "'k'", '</svg>']) expect(all).toContain(t);
  });

  it('prints NaN cells grey with their value, and rejects shapes that do not match the labels', () => {
    const svg = heatmap({
      ...base,
      values: [
        [NaN, 0.5, 1],
        [0, 0, Infinity],
      ],
    });
    const root = parseSvg(svg);
    expect(texts(root)).toContain('NaN');
    expect(texts(root)).toContain('Infinity');
    expect(elements(root, 'rect').filter((r) => r['@_fill'] === '#bdbdbd')).toHaveLength(2);
    expect(() => heatmap({ ...base, values: [[1, 2, 3]] })).toThrow(/1 rows but there are 2 row labels/);
    expect(() =>
      heatmap({
        ...base,
        values: [
          [1, 2, 3],
          [1, 2],
        ],
      }),
    ).toThrow(/row 1 has 2 values but there are 3 column labels/);
    expect(() => heatmap({ ...base, rowLabels: [], values: [] })).toThrow(/at least one row and one column/);
  });
});

describe('helpers', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('chooses nice ticks and formats them', () => {
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 5).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.1, 0.3, 2).ticks).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(5, 5).ticks).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]); // a constant is padded by 10%
    expect(logTicks(2e-5, 3).ticks).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10]);
    expect(logTicks(0.2, 0.8).ticks).toEqual([0.1, 0.2, 0.5, 1]);
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTick(1e-5)).toBe('1e-5');
    expect(formatTick(2e6, 1e6)).toBe('2e6');
    expect(cellText(-0.001)).toBe('0.00');
    expect(cellText(0.125)).toBe('0.13');
  });
});
