// Small, dependency-free SVG plots for the training reports: a line chart (loss curves) and a heat map
// (attention weights). Both return a complete, standalone SVG document as a string.
//
// Why not a library: the charting packages that render SVG in Node either need a DOM (d3-node brings jsdom,
// chartist and frappe-charts expect a browser) or are large and asynchronous (vega's view.toSVG() returns a
// Promise and pulls in dozens of packages). Two static chart types are a few hundred lines, so they are
// written here, with every piece of text XML-escaped.
//
// Data that cannot be drawn: a line-chart point whose x or y is not finite (NaN, ±Infinity), or whose y is
// <= 0 on a log axis, is left out and breaks the line (a gap); a series without any drawable point is still
// listed in the legend, marked "(no data)". A chart with no drawable point at all, a heat map whose shape does
// not match its labels, or a bad width/height throws an Error saying what is wrong. A heat-map cell that is not
// finite is drawn grey with its value ("NaN", "Infinity") printed.

export interface LineSeries {
  name: string;
  points: Array<[number, number]>;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logY?: boolean;
  width?: number;
  height?: number;
}

export interface HeatmapOptions {
  title: string;
  rowLabels: string[];
  colLabels: string[];
  values: number[][];
  width?: number;
  height?: number;
}

/** Categorical colours (Tableau 10): distinguishable, and readable on white. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** After the palette runs out, colours repeat with a different dash pattern. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/**
 * Escapes text for XML character data and attribute values (& < > " '). Characters XML 1.0 does not allow at
 * all (control characters other than tab, newline and carriage return, lone surrogates, U+FFFE, U+FFFF) are
 * replaced by U+FFFD, since no escape makes them legal.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + text[i + 1];
        i++;
      } else out += '\ufffd';
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) out += '\ufffd';
    else if (code === 0x26) out += '&amp;';
    else if (code === 0x3c) out += '&lt;';
    else if (code === 0x3e) out += '&gt;';
    else if (code === 0x22) out += '&quot;';
    else if (code === 0x27) out += '&apos;';
    else if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff) out += '\ufffd';
    else out += ch;
  }
  return out;
}

/** A string cut to `max` characters (with an ellipsis), so a long label cannot push the drawing apart. */
function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/** A text element; the content is escaped, and a shortened label keeps its full text in a <title>. */
function textEl(x: number, y: number, content: string, attrs = '', max = 60): string {
  const shown = shorten(content, max);
  const title = shown === content ? '' : `<title>${escapeXml(content)}</title>`;
  return `<text x="${fmt(x)}" y="${fmt(y)}"${attrs ? ' ' + attrs : ''}>${title}${escapeXml(shown)}</text>`;
}

/** A coordinate with at most two decimals. */
function fmt(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** How many characters of a 15 px bold title fit across the drawing. */
const titleChars = (width: number) => Math.max(12, Math.floor((width - 20) / 9));

function checkSize(name: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new Error(`${name} must be a finite number >= ${min} (got ${String(v)})`);
  return v;
}

function svgOpen(width: number, height: number, title: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(width)}" height="${fmt(height)}" ` +
    `viewBox="0 0 ${fmt(width)} ${fmt(height)}" ${FONT} font-size="12">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<rect x="0" y="0" width="${fmt(width)}" height="${fmt(height)}" fill="#ffffff"/>\n`
  );
}

// ---------------------------------------------------------------------------------------------- ticks

/** "Nice" linear ticks (1, 2, 5 × 10^k) covering [lo, hi], about `target` of them; the domain is widened to them. */
export function niceTicks(lo: number, hi: number, target = 6): { ticks: number[]; lo: number; hi: number; step: number } {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new Error(`niceTicks needs finite bounds (got ${lo}, ${hi})`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(cleanFloat(k * step));
  return { ticks, lo: ticks[0], hi: ticks[ticks.length - 1], step };
}

/** k · step in floating point prints as 0.30000000000000004; round to the step's precision. */
function cleanFloat(v: number): number {
  return Number.parseFloat(v.toPrecision(12));
}

/** Log-axis ticks: powers of ten (every few decades when there are many), with 2 and 5 when the range is short. */
export function logTicks(lo: number, hi: number): { ticks: number[]; lo: number; hi: number } {
  if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi)))
    throw new Error(`logTicks needs finite positive bounds (got ${lo}, ${hi})`);
  if (hi < lo) [lo, hi] = [hi, lo];
  let e0 = Math.floor(Math.log10(lo) + 1e-12);
  let e1 = Math.ceil(Math.log10(hi) - 1e-12);
  if (e1 === e0) e1 = e0 + 1;
  const decades = e1 - e0;
  const ticks: number[] = [];
  if (decades <= 2) {
    for (let e = e0; e <= e1; e++) for (const m of [1, 2, 5]) if (e < e1 || m === 1) ticks.push(cleanFloat(m * Math.pow(10, e)));
  } else {
    const every = Math.ceil(decades / 8);
    e0 = Math.floor(e0 / every) * every;
    e1 = Math.ceil(e1 / every) * every;
    for (let e = e0; e <= e1; e += every) ticks.push(cleanFloat(Math.pow(10, e)));
  }
  return { ticks, lo: ticks[0], hi: ticks[ticks.length - 1] };
}

/** A tick label: plain decimals for ordinary magnitudes, exponent notation for very large or small ones. */
export function formatTick(v: number, step?: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const s = v.toExponential(step === undefined ? 0 : Math.max(0, Math.min(6, Math.round(Math.log10(a) - Math.log10(step)))));
    return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  const decimals = step === undefined ? Math.max(0, -Math.floor(Math.log10(a))) : Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(10, decimals));
}

// ---------------------------------------------------------------------------------------------- line chart

/** A line chart as a standalone SVG document: axes with ticks, grid lines, axis labels, a legend. */
export function lineChart(o: LineChartOptions): string {
  const width = checkSize('lineChart width', o.width, 720, 200);
  const height = checkSize('lineChart height', o.height, 420, 150);
  if (!Array.isArray(o.series) || o.series.length === 0) throw new Error('lineChart needs at least one series');
  const logY = o.logY ?? false;

  // Split each series into runs of drawable points; anything else breaks the line.
  const runs: Array<Array<Array<[number, number]>>> = o.series.map((s, si) => {
    if (!s || !Array.isArray(s.points)) throw new Error(`lineChart series ${si} needs a points array`);
    const out: Array<Array<[number, number]>> = [];
    let cur: Array<[number, number]> = [];
    for (const p of s.points) {
      const ok = Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!logY || p[1] > 0);
      if (ok) cur.push([p[0], p[1]]);
      else if (cur.length) {
        out.push(cur);
        cur = [];
      }
    }
    if (cur.length) out.push(cur);
    return out;
  });
  const all = runs.flat(2);
  if (all.length === 0) {
    throw new Error(`lineChart "${o.title}": no drawable point (every x and y must be finite${logY ? ', and y > 0 on a log axis' : ''})`);
  }

  let xMin = Infinity,
    xMax = -Infinity,
    yMin = Infinity,
    yMax = -Infinity;
  for (const [x, y] of all) {
    xMin = Math.min(xMin, x);
    xMax = Math.max(xMax, x);
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  const xt = niceTicks(xMin, xMax, 6);
  const yLin = logY ? null : niceTicks(yMin, yMax, 6);
  const yLog = logY ? logTicks(yMin, yMax) : null;
  const yLo = logY ? Math.log10(yLog!.lo) : yLin!.lo;
  const yHi = logY ? Math.log10(yLog!.hi) : yLin!.hi;
  const yTicks = logY ? yLog!.ticks : yLin!.ticks;

  const longest = Math.max(...o.series.map((ser) => Array.from(String(ser?.name ?? '')).length + 10));
  const legendW = Math.min(Math.max(120, width * 0.4), Math.max(120, 34 + 6.6 * longest));
  const m = { left: 72, right: legendW + 16, top: 44, bottom: 56 };
  const pw = Math.max(40, width - m.left - m.right);
  const ph = Math.max(40, height - m.top - m.bottom);
  const X = (x: number) => m.left + ((x - xt.lo) / (xt.hi - xt.lo)) * pw;
  const Y = (y: number) => m.top + ph - (((logY ? Math.log10(y) : y) - yLo) / (yHi - yLo)) * ph;

  let s = svgOpen(width, height, o.title);
  s += textEl(width / 2, 24, o.title, 'text-anchor="middle" font-size="15" font-weight="600"', titleChars(width)) + '\n';
  // grid and ticks
  s += '<g class="grid" stroke="#e6e6e6" stroke-width="1">\n';
  for (const t of xt.ticks) s += `<line x1="${fmt(X(t))}" y1="${fmt(m.top)}" x2="${fmt(X(t))}" y2="${fmt(m.top + ph)}"/>\n`;
  for (const t of yTicks) s += `<line x1="${fmt(m.left)}" y1="${fmt(Y(t))}" x2="${fmt(m.left + pw)}" y2="${fmt(Y(t))}"/>\n`;
  s += '</g>\n';
  s +=
    '<g class="axes" stroke="#333333" stroke-width="1">' +
    `<line x1="${fmt(m.left)}" y1="${fmt(m.top + ph)}" x2="${fmt(m.left + pw)}" y2="${fmt(m.top + ph)}"/>` +
    `<line x1="${fmt(m.left)}" y1="${fmt(m.top)}" x2="${fmt(m.left)}" y2="${fmt(m.top + ph)}"/>`;
  for (const t of xt.ticks) s += `<line x1="${fmt(X(t))}" y1="${fmt(m.top + ph)}" x2="${fmt(X(t))}" y2="${fmt(m.top + ph + 5)}"/>`;
  for (const t of yTicks) s += `<line x1="${fmt(m.left - 5)}" y1="${fmt(Y(t))}" x2="${fmt(m.left)}" y2="${fmt(Y(t))}"/>`;
  s += '</g>\n<g class="tick-labels" fill="#333333">\n';
  for (const t of xt.ticks) s += textEl(X(t), m.top + ph + 18, formatTick(t, xt.step), 'text-anchor="middle"') + '\n';
  for (const t of yTicks) s += textEl(m.left - 8, Y(t) + 4, logY ? formatTick(t) : formatTick(t, yLin!.step), 'text-anchor="end"') + '\n';
  s += '</g>\n';
  s += textEl(m.left + pw / 2, height - 14, o.xLabel, 'text-anchor="middle" font-size="13"', 80) + '\n';
  s +=
    textEl(
      0,
      0,
      o.yLabel + (logY ? ' (log scale)' : ''),
      `text-anchor="middle" font-size="13" transform="translate(18 ${fmt(m.top + ph / 2)}) rotate(-90)"`,
      60,
    ) + '\n';

  // series, clipped to the plot area
  s +=
    `<defs><clipPath id="plot-area"><rect x="${fmt(m.left)}" y="${fmt(m.top)}" width="${fmt(pw)}" height="${fmt(ph)}"/>` +
    '</clipPath></defs>\n';
  s += '<g class="series" clip-path="url(#plot-area)" fill="none" stroke-width="1.6" stroke-linejoin="round">\n';
  o.series.forEach((ser, si) => {
    const color = PALETTE[si % PALETTE.length];
    const dash = DASHES[Math.floor(si / PALETTE.length) % DASHES.length];
    s += `<g stroke="${color}"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${escapeXml(ser.name)}</title>`;
    for (const run of runs[si]) {
      if (run.length === 1) s += `<circle cx="${fmt(X(run[0][0]))}" cy="${fmt(Y(run[0][1]))}" r="2" fill="${color}"/>`;
      else s += `<polyline points="${run.map(([x, y]) => `${fmt(X(x))},${fmt(Y(y))}`).join(' ')}"/>`;
    }
    s += '</g>\n';
  });
  s += '</g>\n';

  // legend
  const lx = m.left + pw + 16;
  s += '<g class="legend">\n';
  o.series.forEach((ser, si) => {
    const y = m.top + 8 + si * 18;
    const color = PALETTE[si % PALETTE.length];
    const dash = DASHES[Math.floor(si / PALETTE.length) % DASHES.length];
    const empty = runs[si].length === 0;
    const dashed = dash ? ` stroke-dasharray="${dash}"` : '';
    s += `<line x1="${fmt(lx)}" y1="${fmt(y)}" x2="${fmt(lx + 22)}" y2="${fmt(y)}" stroke="${color}" stroke-width="2"${dashed}/>`;
    s +=
      textEl(lx + 28, y + 4, ser.name + (empty ? ' (no data)' : ''), 'fill="#222222"', Math.max(8, Math.floor((legendW - 34) / 6.5))) +
      '\n';
  });
  s += '</g>\n</svg>\n';
  return s;
}

// ---------------------------------------------------------------------------------------------- heat map

/** White → dark blue, linear in the value; t in [0, 1]. */
function blues(t: number): string {
  const lo = [247, 251, 255];
  const hi = [8, 48, 107];
  const c = lo.map((l, i) => Math.round(l + (hi[i] - l) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The value as printed in a cell: two decimals, with no "-0.00". */
export function cellText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/**
 * A heat map as a standalone SVG document: one cell per value (rows top to bottom, columns left to right) with
 * its value printed to two decimals, row labels on the left, column labels on top, and a colour bar. The
 * colour scale runs from min(0, smallest value) to the largest value, so attention weights are shaded from 0.
 */
export function heatmap(o: HeatmapOptions): string {
  const rows = o.rowLabels?.length ?? 0;
  const cols = o.colLabels?.length ?? 0;
  if (rows === 0 || cols === 0) {
    throw new Error(`heatmap "${o.title}" needs at least one row and one column label (got ${rows} × ${cols})`);
  }
  if (!Array.isArray(o.values) || o.values.length !== rows) {
    throw new Error(
      `heatmap "${o.title}": values has ${Array.isArray(o.values) ? o.values.length : 'no'} rows but there are ${rows} row labels`,
    );
  }
  o.values.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== cols) {
      throw new Error(
        `heatmap "${o.title}": row ${i} has ${Array.isArray(r) ? r.length : 'no'} values but there are ${cols} column labels`,
      );
    }
  });
  const finite = o.values.flat().filter((v) => typeof v === 'number' && Number.isFinite(v));
  const vMax = finite.length ? Math.max(...finite) : 1;
  const lo = finite.length ? Math.min(0, ...finite) : 0;
  const hi = vMax > lo ? vMax : lo + 1;

  const rowLabelW = Math.min(200, 14 + 7 * Math.max(...o.rowLabels.map((l) => Math.min(28, Array.from(l).length))));
  const colLabelH = Math.min(160, 20 + 6 * Math.max(...o.colLabels.map((l) => Math.min(24, Array.from(l).length))));
  const barW = 70;
  const m = { left: rowLabelW + 10, right: barW + 10, top: 40 + colLabelH, bottom: 20 };
  const width = checkSize(
    'heatmap width',
    o.width,
    Math.max(m.left + m.right + cols * 52, Math.min(1200, 20 + 9 * Array.from(o.title).length)),
    100,
  );
  const height = checkSize('heatmap height', o.height, m.top + m.bottom + rows * 30, 80);
  const cw = Math.max(1, (width - m.left - m.right) / cols);
  const ch = Math.max(1, (height - m.top - m.bottom) / rows);
  const fontSize = Math.max(6, Math.min(12, ch * 0.45, cw / 4));

  let s = svgOpen(width, height, o.title);
  s += textEl(width / 2, 24, o.title, 'text-anchor="middle" font-size="15" font-weight="600"', titleChars(width)) + '\n';
  s += '<g class="cells" stroke="#ffffff" stroke-width="1">\n';
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = o.values[i][j];
      const ok = typeof v === 'number' && Number.isFinite(v);
      const t = ok ? (v - lo) / (hi - lo) : 0;
      const x = m.left + j * cw;
      const y = m.top + i * ch;
      s += `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(cw)}" height="${fmt(ch)}" fill="${ok ? blues(t) : '#bdbdbd'}">`;
      s += `<title>${escapeXml(`${o.rowLabels[i]} / ${o.colLabels[j]}: ${String(v)}`)}</title></rect>`;
      s +=
        textEl(
          x + cw / 2,
          y + ch / 2 + fontSize * 0.35,
          cellText(v),
          `text-anchor="middle" font-size="${fmt(fontSize)}" stroke="none" fill="${ok && t > 0.55 ? '#ffffff' : '#222222'}"`,
        ) + '\n';
    }
  }
  s += '</g>\n<g class="row-labels" fill="#222222">\n';
  for (let i = 0; i < rows; i++) s += textEl(m.left - 6, m.top + i * ch + ch / 2 + 4, o.rowLabels[i], 'text-anchor="end"', 28) + '\n';
  s += '</g>\n<g class="col-labels" fill="#222222">\n';
  for (let j = 0; j < cols; j++) {
    const x = m.left + j * cw + cw / 2;
    s += textEl(0, 0, o.colLabels[j], `text-anchor="start" transform="translate(${fmt(x + 4)} ${fmt(m.top - 6)}) rotate(-60)"`, 24) + '\n';
  }
  s += '</g>\n';
  // colour bar
  const bx = width - m.right + 14;
  const bh = Math.min(160, rows * ch);
  s +=
    '<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">' +
    `<stop offset="0" stop-color="${blues(0)}"/><stop offset="1" stop-color="${blues(1)}"/></linearGradient></defs>\n`;
  s += `<g class="colour-bar"><rect x="${fmt(bx)}" y="${fmt(m.top)}" width="14" height="${fmt(bh)}" fill="url(#scale)" stroke="#999999"/>`;
  s += textEl(bx + 18, m.top + 9, formatTick(hi, Math.abs(hi - lo) / 100 || 0.01), 'font-size="10"');
  s += textEl(bx + 18, m.top + bh, formatTick(lo, Math.abs(hi - lo) / 100 || 0.01), 'font-size="10"') + '</g>\n';
  s += '</svg>\n';
  return s;
}
