/**
 * A line chart as a standalone SVG string, for loss and accuracy curves:
 * no DOM and no dependencies, so it works in Node (written to a file by the
 * CLI's --plot) and in a browser (set as innerHTML) alike.
 */

/** One line of the chart. values[i] is drawn at x = i. */
export interface LineSeries {
  name: string;
  values: ArrayLike<number>;
  /** Any SVG colour; by default the next colour of PALETTE. */
  color?: string;
}

/** Options of lineChartSvg. */
export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size of the SVG in px (default 640 x 400). */
  width?: number;
  height?: number;
  /** Fixed ends of the y axis; by default the data's range widened to round ticks. */
  yMin?: number;
  yMax?: number;
}

/** Colours for series and classes, in order (Tableau 10): distinct, and readable on white. */
export const PALETTE: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** Points drawn per series at most; longer series are downsampled. */
const MAX_POINTS = 1000;

/** Text made safe for SVG element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Round ticks covering a range: every tick is a multiple of step, and step is 1, 2 or 5 times a power of ten. */
export interface Ticks {
  step: number;
  /** Ticks inside [min, max], ascending. */
  values: number[];
  /** min rounded down and max rounded up to a multiple of step. */
  niceMin: number;
  niceMax: number;
}

/**
 * About `count` round ticks for [min, max] (min < max, both finite): the raw
 * step (max - min) / count is rounded up to 1, 2 or 5 times a power of ten,
 * so a reader can interpolate between labels at a glance.
 */
export function niceTicks(min: number, max: number, count = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new Error(`niceTicks: need finite min < max, got [${min}, ${max}]`);
  }
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude;
  // k * step rounded to 12 significant digits, so 3 * 0.1 is 0.3, not 0.30000000000000004.
  const at = (k: number): number => Number((k * step).toPrecision(12));
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(at(k));
  return { step, values, niceMin: at(Math.floor(min / step + 1e-9)), niceMax: at(Math.ceil(max / step - 1e-9)) };
}

/**
 * A tick label: multiples of step (1, 2 or 5 times 10^e) with just the
 * decimals they need; exponent notation once that would be over 6 decimals.
 */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  if (decimals <= 6) return value.toFixed(decimals);
  return value === 0 ? '0' : value.toExponential();
}

/**
 * Indices of the points to draw for a series (ascending): all finite values
 * if there are at most maxPoints, else the first, the last, and the minimum
 * and maximum of each of (maxPoints - 2) / 2 equal buckets, so every spike
 * and dip stays visible. Non-finite values are skipped.
 */
export function downsampleMinMax(values: ArrayLike<number>, maxPoints = MAX_POINTS): number[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 4) {
    throw new Error(`downsampleMinMax: maxPoints must be an integer >= 4, got ${String(maxPoints)}`);
  }
  const n = values.length;
  const finite: number[] = [];
  if (n <= maxPoints) {
    for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) finite.push(i);
    return finite;
  }
  const buckets = Math.floor((maxPoints - 2) / 2);
  const kept = new Set<number>();
  const firstFinite = findFinite(values, 0, n, 1);
  const lastFinite = findFinite(values, n - 1, -1, -1);
  if (firstFinite >= 0) kept.add(firstFinite);
  if (lastFinite >= 0) kept.add(lastFinite);
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (lo < 0 || v < values[lo]) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    }
    if (lo >= 0) kept.add(lo);
    if (hi >= 0) kept.add(hi);
  }
  return [...kept].sort((a, b) => a - b);
}

function findFinite(values: ArrayLike<number>, from: number, to: number, dir: 1 | -1): number {
  for (let i = from; i !== to; i += dir) if (Number.isFinite(values[i])) return i;
  return -1;
}

/** A coordinate in px, to 0.1 px: finer is invisible and only makes the SVG bigger. */
function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function checkSize(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 100) {
    throw new Error(`lineChartSvg: ${name} must be a finite number of px >= 100, got ${String(v)}`);
  }
}

/**
 * A line chart of `series`, one polyline each, with axes, round ticks, grid
 * lines, a legend on the right and optional title and axis labels; all text
 * is escaped. x is each value's index. Non-finite values (a diverged loss)
 * are left out; values outside fixed yMin / yMax are drawn at the edge.
 * Series longer than 1000 points are downsampled keeping each stretch's
 * minimum and maximum, so a run of 100k iterations stays a small file.
 */
export function lineChartSvg(series: LineSeries[], opts: LineChartOptions = {}): string {
  const { title, xLabel, yLabel, width = 640, height = 400, yMin, yMax } = opts;
  if (!Array.isArray(series) || series.length === 0) {
    throw new Error('lineChartSvg: needs a non-empty array of series');
  }
  series.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string') {
      throw new Error(`lineChartSvg: series ${i} needs a name (string)`);
    }
    const v = s.values;
    if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
      throw new Error(`lineChartSvg: series "${s.name}" needs values (an array of numbers)`);
    }
    for (let j = 0; j < v.length; j++) {
      if (typeof v[j] !== 'number') throw new Error(`lineChartSvg: series "${s.name}" has ${typeof v[j]} at index ${j}`);
    }
  });
  checkSize('width', width);
  checkSize('height', height);
  for (const [name, v] of [['yMin', yMin], ['yMax', yMax]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new Error(`lineChartSvg: ${name} must be a finite number, got ${String(v)}`);
    }
  }
  if (yMin !== undefined && yMax !== undefined && !(yMin < yMax)) {
    throw new Error(`lineChartSvg: yMin (${yMin}) must be below yMax (${yMax})`);
  }

  // Which points to draw, and the range they span.
  const kept = series.map((s) => downsampleMinMax(s.values));
  let dataMin = Infinity;
  let dataMax = -Infinity;
  series.forEach((s, k) => {
    for (const i of kept[k]) {
      dataMin = Math.min(dataMin, s.values[i]);
      dataMax = Math.max(dataMax, s.values[i]);
    }
  });
  if (dataMin > dataMax) {
    dataMin = 0;
    dataMax = 1;
  }
  let lo = yMin ?? dataMin;
  let hi = yMax ?? dataMax;
  if (!(lo < hi)) {
    // A flat series, or one fixed end beyond all the data: open a window next to it.
    const pad = (v: number): number => (v === 0 ? 1 : Math.abs(v) * 0.1);
    if (yMin !== undefined) hi = lo + pad(lo);
    else if (yMax !== undefined) lo = hi - pad(hi);
    else {
      const p = pad(lo);
      lo -= p;
      hi += p;
    }
  }
  const yTicks0 = niceTicks(lo, hi);
  if (yMin === undefined) lo = yTicks0.niceMin;
  if (yMax === undefined) hi = yTicks0.niceMax;
  const yTicks = niceTicks(lo, hi);

  const longest = Math.max(...series.map((s) => s.values.length));
  const xHi = Math.max(1, longest - 1);
  // x is an index: widening short ranges to 5 keeps the tick step a whole number.
  const xTickValues = niceTicks(0, Math.max(xHi, 5)).values.filter((v) => v <= xHi);

  // Layout: margins leave room for title, labels, tick labels and the legend.
  const longestName = Math.max(...series.map((s) => s.name.length));
  const legendWidth = Math.min(width * 0.35, 36 + 7 * longestName);
  const left = 56 + (yLabel ? 20 : 0);
  const right = 12 + legendWidth;
  const top = title ? 36 : 16;
  const bottom = 36 + (xLabel ? 20 : 0);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  if (plotW < 20 || plotH < 20) {
    throw new Error(`lineChartSvg: ${width} x ${height} px leaves no room for the plot; make the chart larger`);
  }
  const sx = (x: number): number => left + (x / xHi) * plotW;
  const sy = (y: number): number => top + ((hi - Math.min(hi, Math.max(lo, y))) / (hi - lo)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
      `viewBox="0 0 ${px(width)} ${px(height)}" font-family="sans-serif" font-size="12">`,
  );
  if (title) out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="${px(width)}" height="${px(height)}" fill="#ffffff"/>`);
  if (title) {
    out.push(
      `<text x="${px(left + plotW / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    );
  }

  const grid: string[] = [];
  const ticks: string[] = [];
  const labels: string[] = [];
  for (const v of yTicks.values) {
    const y = px(sy(v));
    grid.push(`<line x1="${px(left)}" y1="${y}" x2="${px(left + plotW)}" y2="${y}"/>`);
    ticks.push(`<line x1="${px(left - 5)}" y1="${y}" x2="${px(left)}" y2="${y}"/>`);
    labels.push(`<text x="${px(left - 8)}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(v, yTicks.step)}</text>`);
  }
  for (const v of xTickValues) {
    const x = px(sx(v));
    const y0 = top + plotH;
    ticks.push(`<line x1="${x}" y1="${px(y0)}" x2="${x}" y2="${px(y0 + 5)}"/>`);
    labels.push(`<text x="${x}" y="${px(y0 + 18)}" text-anchor="middle">${v}</text>`);
  }
  out.push(`<g class="grid" stroke="#e6e6e6">${grid.join('')}</g>`);
  out.push(
    `<g class="axes" stroke="#333333">` +
      `<line x1="${px(left)}" y1="${px(top)}" x2="${px(left)}" y2="${px(top + plotH)}"/>` +
      `<line x1="${px(left)}" y1="${px(top + plotH)}" x2="${px(left + plotW)}" y2="${px(top + plotH)}"/>` +
      `${ticks.join('')}</g>`,
  );
  out.push(`<g class="tick-labels" fill="#333333">${labels.join('')}</g>`);
  if (xLabel) {
    out.push(`<text x="${px(left + plotW / 2)}" y="${px(height - 8)}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  }
  if (yLabel) {
    const cx = 16;
    const cy = top + plotH / 2;
    out.push(
      `<text x="${cx}" y="${px(cy)}" text-anchor="middle" transform="rotate(-90 ${cx} ${px(cy)})">${escapeXml(yLabel)}</text>`,
    );
  }

  const colors = series.map((s, k) => s.color ?? PALETTE[k % PALETTE.length]);
  out.push(`<g class="series" fill="none" stroke-width="1.5" stroke-linejoin="round">`);
  series.forEach((s, k) => {
    const points = kept[k].map((i) => `${px(sx(i))},${px(sy(s.values[i]))}`).join(' ');
    out.push(`<polyline stroke="${escapeXml(colors[k])}" points="${points}"><title>${escapeXml(s.name)}</title></polyline>`);
  });
  out.push('</g>');

  out.push('<g class="legend">');
  const legendX = left + plotW + 16;
  series.forEach((s, k) => {
    const y = top + 8 + k * 18;
    out.push(
      `<line x1="${px(legendX)}" y1="${px(y)}" x2="${px(legendX + 18)}" y2="${px(y)}" stroke="${escapeXml(colors[k])}" stroke-width="3"/>` +
        `<text x="${px(legendX + 24)}" y="${px(y)}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}
