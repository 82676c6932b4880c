import { describe, expect, it } from 'vitest';
import { spiral } from '../src/data/spiral.js';
import { decisionBoundarySvg } from '../src/plot/decision-boundary.js';
import { PALETTE, downsampleMinMax, escapeXml, formatTick, lineChartSvg, niceTicks } from '../src/plot/line-chart.js';
import { Rng } from '../src/random/rng.js';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
}

/**
 * A small well-formedness check: walks every tag and text run, requires
 * balanced tags under one root, quoted unique attributes, and no raw '<' or
 * stray '&' in text or attribute values. Returns the elements in order.
 */
function parseXml(xml: string): XmlElement[] {
  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let roots = 0;
  const entity = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  for (const token of xml.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!token.startsWith('<')) {
      if (entity.test(token)) throw new Error(`stray & in text: ${token}`);
      if (stack.length === 0) {
        if (token.trim() !== '') throw new Error(`text outside the root: ${token}`);
      } else stack[stack.length - 1].text += token;
      continue;
    }
    const close = /^<\/([A-Za-z][\w:.-]*)\s*>$/.exec(token);
    if (close) {
      const open = stack.pop();
      if (open?.name !== close[1]) throw new Error(`</${close[1]}> closes <${open?.name}>`);
      continue;
    }
    const tag = /^<([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    if (!tag) throw new Error(`malformed tag: ${token}`);
    const attrs: Record<string, string> = {};
    for (const [, key, value] of tag[2].matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      if (key in attrs) throw new Error(`duplicate attribute ${key} in ${token}`);
      if (entity.test(value)) throw new Error(`stray & in attribute: ${token}`);
      attrs[key] = value;
    }
    if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
    const element = { name: tag[1], attrs, text: '' };
    elements.push(element);
    if (tag[3] !== '/') stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (elements[0]?.name !== 'svg') throw new Error('root is not <svg>');
  return elements;
}

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function polylinePoints(el: XmlElement): [number, number][] {
  if (el.attrs.points === '') return [];
  return el.attrs.points.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
}

describe('the XML check itself', () => {
  it('catches what it is meant to catch', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow(/stray &/);
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow(/malformed/);
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<svg/><svg/>')).toThrow(/more than one root/);
    expect(parseXml('<svg><text>a &amp; b</text></svg>')).toHaveLength(2);
  });
});

describe('niceTicks', () => {
  it('picks steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1)).toEqual({ step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1], niceMin: 0, niceMax: 1 });
    expect(niceTicks(0, 2.3).values).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(niceTicks(-3.7, 12)).toEqual({ step: 5, values: [0, 5, 10], niceMin: -5, niceMax: 15 });
    expect(niceTicks(0.0013, 0.0071).values).toEqual([0.002, 0.004, 0.006]);
    expect(niceTicks(0, 9999).values).toEqual([0, 2000, 4000, 6000, 8000]);
  });

  it('covers any range with round ticks (random ranges)', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 200; trial++) {
      const scale = 10 ** (rng.int(16) - 8);
      const a = (rng.uniform() - 0.5) * 100 * scale;
      const b = a + (rng.uniform() + 1e-3) * 50 * scale;
      const { step, values, niceMin, niceMax } = niceTicks(a, b);
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      expect(values.length).toBeGreaterThanOrEqual(2);
      expect(values.length).toBeLessThanOrEqual(11);
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(a - 1e-9 * step);
        expect(v).toBeLessThanOrEqual(b + 1e-9 * step);
        expect(Math.abs(v / step - Math.round(v / step))).toBeLessThan(1e-6);
      }
      expect(niceMin).toBeLessThanOrEqual(a);
      expect(niceMax).toBeGreaterThanOrEqual(b);
      expect(niceMax - niceMin).toBeLessThan(b - a + 2 * step + 1e-9 * step);
    }
  });

  it('labels ticks with just the decimals they need', () => {
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTick(1500, 500)).toBe('1500');
    expect(formatTick(0.005, 0.005)).toBe('0.005');
    expect(formatTick(2e-8, 1e-8)).toBe('2e-8');
    expect(() => niceTicks(1, 1)).toThrow(/niceTicks: need finite min < max, got \[1, 1\]/);
  });
});

describe('downsampleMinMax', () => {
  it('keeps every finite point of a short series', () => {
    expect(downsampleMinMax([3, Number.NaN, 1, Infinity, 2])).toEqual([0, 2, 4]);
  });

  it('keeps at most 1000 points of 100k, with the first, the last and every bucket extreme', () => {
    const rng = new Rng(2);
    const n = 100_000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.exp(-i / 20000) + 0.1 * rng.normal());
    values[31_337] = 50; // a spike
    values[77_777] = -50; // a dip
    const kept = downsampleMinMax(values);
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept.length).toBeGreaterThan(900);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(n - 1);
    expect(kept).toContain(31_337);
    expect(kept).toContain(77_777);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThan(kept[i - 1]);
    // Every one of the 499 buckets contributes its own minimum and maximum.
    const keptSet = new Set(kept);
    for (let b = 0; b < 499; b++) {
      const start = Math.floor((b * n) / 499);
      const end = Math.floor(((b + 1) * n) / 499);
      let lo = start;
      let hi = start;
      for (let i = start; i < end; i++) {
        if (values[i] < values[lo]) lo = i;
        if (values[i] > values[hi]) hi = i;
      }
      expect(keptSet.has(lo) && keptSet.has(hi)).toBe(true);
    }
  });
});

describe('lineChartSvg', () => {
  const loss = Array.from({ length: 50 }, (_, i) => 2.3 * Math.exp(-i / 10) + 0.05);
  const accuracy = Array.from({ length: 50 }, (_, i) => 1 - 0.9 * Math.exp(-i / 8));

  it('draws one polyline per series with every point, axes, round ticks and a legend', () => {
    const svg = lineChartSvg(
      [{ name: 'loss', values: loss }, { name: 'accuracy', values: accuracy, color: '#000000' }],
      { title: 'Training', xLabel: 'epoch', yLabel: 'value' },
    );
    const els = parseXml(svg);
    expect(els[0].attrs).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '640', height: '400' });
    const lines = els.filter((e) => e.name === 'polyline');
    expect(lines).toHaveLength(2);
    expect(lines[0].attrs.stroke).toBe(PALETTE[0]);
    expect(lines[1].attrs.stroke).toBe('#000000');
    const pts = polylinePoints(lines[0]);
    expect(pts).toHaveLength(50);
    // x grows with the index; y falls as the loss falls (SVG y points down).
    for (let i = 1; i < 50; i++) {
      expect(pts[i][0]).toBeGreaterThan(pts[i - 1][0]);
      expect(pts[i][1]).toBeGreaterThanOrEqual(pts[i - 1][1]);
    }
    // All points inside the canvas.
    for (const [x, y] of [...pts, ...polylinePoints(lines[1])]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(640);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
    const texts = els.filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toEqual(expect.arrayContaining(['Training', 'epoch', 'value', 'loss', 'accuracy']));
    // y ticks: 0 to 2.5 by 0.5 (data 0.05..2.35 widened to round ends).
    const tickLabels = els.findIndex((e) => e.name === 'g' && e.attrs.class === 'tick-labels');
    const yLabels = els.slice(tickLabels + 1).filter((e) => e.attrs['text-anchor'] === 'end').map((e) => e.text);
    expect(yLabels).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0', '2.5']);
  });

  it('maps values linearly onto the y axis between the round ends', () => {
    const svg = lineChartSvg([{ name: 'line', values: [0, 10, 5] }], { height: 300 });
    const els = parseXml(svg);
    const [a, b, c] = polylinePoints(els.find((e) => e.name === 'polyline')!);
    // Data 0..10 are already round ends, so 5 sits halfway between 0 and 10 in px.
    expect(c[1]).toBeCloseTo((a[1] + b[1]) / 2, 0);
    expect(c[0] - b[0]).toBeCloseTo(b[0] - a[0], 0);
  });

  it('escapes text, so any series name or title stays well-formed', () => {
    const svg = lineChartSvg([{ name: 'a<b & "c" \'d\'', values: [1, 2] }], { title: '</svg><script>' });
    const els = parseXml(svg);
    const texts = els.filter((e) => e.name === 'text').map((e) => unescape(e.text));
    expect(texts).toContain('a<b & "c" \'d\'');
    expect(texts).toContain('</svg><script>');
    expect(svg).not.toContain('<script>');
    expect(escapeXml('<&>"\'')).toBe('&lt;&amp;&gt;&quot;&apos;');
  });

  it('stays small for 100k points per series and keeps the spike', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => 1 / (1 + i / 1000));
    values[60_000] = 5;
    const svg = lineChartSvg([{ name: 'a', values }, { name: 'b', values: values.map((v) => v / 2) }]);
    const lines = parseXml(svg).filter((e) => e.name === 'polyline');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(polylinePoints(line).length).toBeLessThanOrEqual(1000);
    const topY = Math.min(...polylinePoints(lines[0]).map((p) => p[1]));
    const tick5 = parseXml(svg).find((e) => e.name === 'text' && e.text === '5');
    expect(topY).toBeCloseTo(Number(tick5!.attrs.y), 0);
    expect(svg.length).toBeLessThan(60_000);
  });

  it('skips non-finite values, clamps to a fixed yMin / yMax, and widens a flat series', () => {
    const els = parseXml(lineChartSvg([{ name: 'x', values: [1, Number.NaN, 3, Infinity, 2] }]));
    expect(polylinePoints(els.find((e) => e.name === 'polyline')!)).toHaveLength(3);

    const fixed = parseXml(lineChartSvg([{ name: 'x', values: [-5, 0.5, 9] }], { yMin: 0, yMax: 1 }));
    const pts = polylinePoints(fixed.find((e) => e.name === 'polyline')!);
    const labelYs = fixed.filter((e) => e.attrs['text-anchor'] === 'end').map((e) => Number(e.attrs.y));
    const [bottom, top] = [Math.max(...labelYs), Math.min(...labelYs)];
    expect(pts[0][1]).toBeCloseTo(bottom, 0);
    expect(pts[2][1]).toBeCloseTo(top, 0);
    expect(pts[1][1]).toBeCloseTo((bottom + top) / 2, 0);

    const flat = parseXml(lineChartSvg([{ name: 'x', values: [3, 3, 3] }]));
    const flatPts = polylinePoints(flat.find((e) => e.name === 'polyline')!);
    expect(flatPts.every((p) => Number.isFinite(p[1]))).toBe(true);
    expect(parseXml(lineChartSvg([{ name: 'empty', values: [] }]))).toBeTruthy();
  });

  it('rejects bad input with clear errors', () => {
    expect(() => lineChartSvg([])).toThrow(/lineChartSvg: needs a non-empty array of series/);
    expect(() => lineChartSvg([{ name: 'x', values: [1, '2' as unknown as number] }])).toThrow(/lineChartSvg: series "x" has string at index 1/);
    expect(() => lineChartSvg([{ name: 'x', values: [1] }], { yMin: 2, yMax: 1 })).toThrow(/lineChartSvg: yMin \(2\) must be below yMax \(1\)/);
    expect(() => lineChartSvg([{ name: 'x', values: [1] }], { width: 50 })).toThrow(/lineChartSvg: width/);
  });
});

describe('decisionBoundarySvg', () => {
  const data = spiral({ pointsPerClass: 40, classes: 3, seed: 5 });

  it('calls predict once with every cell centre, inside the padded data box', () => {
    let calls = 0;
    let seen: Float64Array = new Float64Array(0);
    decisionBoundarySvg((points, count) => {
      calls++;
      expect(count).toBe(20 * 20);
      expect(points).toHaveLength(count * 2);
      seen = points.slice();
      return new Int32Array(count);
    }, data, { resolution: 20, padding: 0.1 });
    expect(calls).toBe(1);
    const xs = data.x.filter((_, i) => i % 2 === 0);
    const ys = data.x.filter((_, i) => i % 2 === 1);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const [lx, hx] = [x0 - 0.1 * (x1 - x0), x1 + 0.1 * (x1 - x0)];
    const [ly, hy] = [y0 - 0.1 * (y1 - y0), y1 + 0.1 * (y1 - y0)];
    // First cell: top-left corner's centre; last: bottom-right's.
    expect(seen[0]).toBeCloseTo(lx + (hx - lx) / 40, 12);
    expect(seen[1]).toBeCloseTo(hy - (hy - ly) / 40, 12);
    expect(seen[seen.length - 2]).toBeCloseTo(hx - (hx - lx) / 40, 12);
    expect(seen[seen.length - 1]).toBeCloseTo(ly + (hy - ly) / 40, 12);
  });

  it('merges each row into runs: a vertical boundary gives two rects per row, split where predict says', () => {
    const square = { x: Float64Array.of(-1, -1, 1, 1), labels: Int32Array.of(0, 1), count: 2 };
    const svg = decisionBoundarySvg(
      (points, count) => Array.from({ length: count }, (_, i) => (points[2 * i] > 0 ? 1 : 0)),
      square,
      { resolution: 10, width: 400, height: 200, padding: 0 },
    );
    const els = parseXml(svg);
    const regions = els.findIndex((e) => e.attrs.class === 'regions');
    const rects = els.slice(regions + 1, regions + 1 + 20);
    expect(rects.every((r) => r.name === 'rect')).toBe(true);
    expect(els.filter((e) => e.name === 'rect')).toHaveLength(20 + 1); // the runs, then the frame
    for (let row = 0; row < 10; row++) {
      const [left, right] = [rects[2 * row], rects[2 * row + 1]];
      expect(left.attrs).toMatchObject({ x: '0', y: String(row * 20), width: '200', height: '20' });
      expect(right.attrs).toMatchObject({ x: '200', y: String(row * 20), width: '200', height: '20' });
      expect(left.attrs.fill).not.toBe(right.attrs.fill);
    }
    const circles = els.filter((e) => e.name === 'circle');
    expect(circles.map((c) => [c.attrs.cx, c.attrs.cy])).toEqual([['0', '200'], ['400', '0']]);
    expect(circles[0].attrs.fill).toBe(PALETTE[0]);
    expect(circles[1].attrs.fill).toBe(PALETTE[1]);
  });

  it('draws a nearest-neighbour classifier on the spiral compactly, with every data point', () => {
    // 1-nearest-neighbour: a real classifier whose regions follow the arms.
    const predict = (points: Float64Array, count: number) => {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        let best = Infinity;
        for (let n = 0; n < data.count; n++) {
          const d = (points[2 * i] - data.x[2 * n]) ** 2 + (points[2 * i + 1] - data.x[2 * n + 1]) ** 2;
          if (d < best) {
            best = d;
            out[i] = data.labels[n];
          }
        }
      }
      return out;
    };
    const svg = decisionBoundarySvg(predict, data);
    const els = parseXml(svg);
    expect(els.filter((e) => e.name === 'circle')).toHaveLength(data.count);
    const rects = els.filter((e) => e.name === 'rect');
    expect(rects.length).toBeLessThan(2000); // vs 10,000 cells
    // Rows tile the width exactly: in each row the runs' widths add up to 400 px.
    const byRow = new Map<string, number>();
    for (const r of rects.slice(0, -1)) byRow.set(r.attrs.y, (byRow.get(r.attrs.y) ?? 0) + Number(r.attrs.width));
    expect(byRow.size).toBe(100);
    for (const w of byRow.values()) expect(w).toBeCloseTo(400, 6);
    // Every data point lies in a cell shaded for its own class (1-NN classifies its own points right;
    // only a point near another arm may fall in a cell whose centre is nearer that arm).
    const one = { x: Float64Array.of(0, 0), labels: Int32Array.of(0), count: 1 };
    const shades = [0, 1, 2].map((k) => parseXml(decisionBoundarySvg(() => [k], one, { resolution: 1 }))[2].attrs.fill);
    expect(new Set(shades).size).toBe(3);
    const regionRects = rects.slice(0, -1);
    let inside = 0;
    let misses = 0;
    for (const c of els.filter((e) => e.name === 'circle')) {
      const [cx, cy] = [Number(c.attrs.cx), Number(c.attrs.cy)];
      const cell = regionRects.find(
        (r) => cx >= +r.attrs.x && cx < +r.attrs.x + +r.attrs.width && cy >= +r.attrs.y && cy < +r.attrs.y + +r.attrs.height,
      );
      if (!cell) continue;
      inside++;
      if (cell.attrs.fill !== shades[PALETTE.indexOf(c.attrs.fill)]) misses++;
    }
    expect(inside).toBe(data.count);
    expect(misses).toBeLessThan(data.count * 0.05);
  });

  it('rejects bad input with clear errors', () => {
    const ok = () => new Int32Array(4);
    expect(() => decisionBoundarySvg(() => [0], data, { resolution: 2 })).toThrow(/decisionBoundarySvg: predict must return 4 labels for 4 grid points, got 1/);
    expect(() => decisionBoundarySvg(() => [0, 0.5, 1, 1], data, { resolution: 2 })).toThrow(/predict returned 0.5 for grid point 1/);
    expect(() => decisionBoundarySvg(ok, { ...data, count: 7 }, { resolution: 2 })).toThrow(/data.x must be a Float64Array \(7, 2\) of 14 numbers, got 240/);
    expect(() => decisionBoundarySvg(ok, data, { resolution: 0 })).toThrow(/resolution must be an integer/);
    expect(() => decisionBoundarySvg(ok, data, { padding: -1, resolution: 2 })).toThrow(/padding/);
  });
});
