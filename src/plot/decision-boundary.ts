import { PALETTE } from './line-chart.js';
import type { Sequential } from '../nets/sequential.js';
import { argmaxRows } from '../ops/reduce.js';

/**
 * Classifies `count` 2-D points: points is (count, 2), row-major (x, y) pairs;
 * returns one integer class per point (count). Any net can be plugged in.
 */
export type Classify = (points: Float64Array, count: number) => Int32Array | number[];

/** Labelled 2-D data, as spiral() returns it. */
export interface LabelledPoints {
  /** Points (count, 2), row-major. */
  x: Float64Array;
  /** Class of each point (count). */
  labels: Int32Array;
  count: number;
}

/** Options of decisionBoundarySvg. */
export interface DecisionBoundaryOptions {
  /** Grid cells along each axis (default 100, so 100 x 100 predictions). */
  resolution?: number;
  /** Size of the SVG in px (default 400 x 400). */
  width?: number;
  height?: number;
  /** Margin around the data's bounding box, as a fraction of its extent on that axis (default 0.05). */
  padding?: number;
}

/** A colour mixed with white: weight 0 keeps it, weight 1 is white. Expects #rrggbb. */
function tint(hex: string, weight: number): string {
  const channel = (i: number): string => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(c + (255 - c) * weight).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** Strong colour of class k, for data points. */
function classColor(k: number): string {
  return PALETTE[k % PALETTE.length];
}

/** A coordinate in px, to 0.01 px. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/**
 * The decision regions of a classifier over 2-D data, as a standalone SVG:
 * the data's bounding box (plus padding) is cut into resolution x resolution
 * cells, `predict` is called once with every cell's centre, and each cell is
 * painted in a light shade of its class; the data points are drawn on top in
 * the strong shade of their true class, so misclassified points stand out.
 * Neighbouring cells of one class in a row become one rect, so a 100 x 100
 * grid with smooth boundaries costs a few hundred rects, not 10,000.
 */
export function decisionBoundarySvg(net: Sequential | Classify, data: LabelledPoints, opts: DecisionBoundaryOptions = {}): string {
  const op = 'decisionBoundarySvg';
  const predict = typeof net === 'function' ? net : netClassifier(net);
  const { resolution = 100, width = 400, height = 400, padding = 0.05 } = opts;
  if (typeof predict !== 'function') throw new Error(`${op}: predict must be a function (points, count) => labels`);
  if (data === null || typeof data !== 'object') throw new Error(`${op}: data must be { x, labels, count }`);
  const { x, labels, count } = data;
  if (!Number.isInteger(count) || count < 1) throw new Error(`${op}: data.count must be an integer >= 1, got ${String(count)}`);
  if (!(x instanceof Float64Array) || x.length !== count * 2) {
    throw new Error(`${op}: data.x must be a Float64Array (${count}, 2) of ${count * 2} numbers, got ${x?.length ?? typeof x}`);
  }
  if (!(labels instanceof Int32Array) || labels.length !== count) {
    throw new Error(`${op}: data.labels must be an Int32Array (${count}), got ${labels?.length ?? typeof labels}`);
  }
  const negative = labels.findIndex((k) => k < 0);
  if (negative >= 0) throw new Error(`${op}: data.labels[${negative}] is ${labels[negative]}, labels must be >= 0`);
  if (!Number.isInteger(resolution) || resolution < 1 || resolution > 2000) {
    throw new Error(`${op}: resolution must be an integer in 1..2000, got ${String(resolution)}`);
  }
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 10) {
      throw new Error(`${op}: ${name} must be a finite number of px >= 10, got ${String(v)}`);
    }
  }
  if (typeof padding !== 'number' || !Number.isFinite(padding) || padding < 0) {
    throw new Error(`${op}: padding must be a finite number >= 0, got ${String(padding)}`);
  }

  // The data window: bounding box plus padding; a flat axis gets a unit window.
  const range = (offset: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let n = 0; n < count; n++) {
      const v = x[2 * n + offset];
      if (!Number.isFinite(v)) throw new Error(`${op}: data.x[${2 * n + offset}] is ${v}, points must be finite`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const margin = hi > lo ? (hi - lo) * padding : 0.5;
    return [lo - margin, hi + margin];
  };
  const [xLo, xHi] = range(0);
  const [yLo, yHi] = range(1);

  // Cell centres, row 0 at the top (largest y), as the picture shows them.
  const cells = resolution * resolution;
  const grid = new Float64Array(cells * 2);
  for (let r = 0; r < resolution; r++) {
    const gy = yHi - ((r + 0.5) / resolution) * (yHi - yLo);
    for (let c = 0; c < resolution; c++) {
      const i = r * resolution + c;
      grid[2 * i] = xLo + ((c + 0.5) / resolution) * (xHi - xLo);
      grid[2 * i + 1] = gy;
    }
  }
  const predicted = predict(grid, cells);
  if (predicted === null || typeof predicted !== 'object' || predicted.length !== cells) {
    throw new Error(`${op}: predict must return ${cells} labels for ${cells} grid points, got ${predicted?.length ?? typeof predicted}`);
  }
  for (let i = 0; i < cells; i++) {
    const k = predicted[i];
    if (!Number.isInteger(k) || k < 0) {
      throw new Error(`${op}: predict returned ${String(k)} for grid point ${i}; labels must be integers >= 0`);
    }
  }

  // Cell edges are rounded once, so neighbouring rects share an edge exactly and leave no seams.
  const edgeX = (c: number): string => px((c / resolution) * width);
  const edgeY = (r: number): string => px((r / resolution) * height);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}">`,
  );
  out.push('<g class="regions" shape-rendering="crispEdges">');
  for (let r = 0; r < resolution; r++) {
    let start = 0;
    for (let c = 1; c <= resolution; c++) {
      const k = predicted[r * resolution + start];
      if (c < resolution && predicted[r * resolution + c] === k) continue;
      const x0 = Number(edgeX(start));
      const y0 = Number(edgeY(r));
      out.push(
        `<rect x="${x0}" y="${y0}" width="${px(Number(edgeX(c)) - x0)}" height="${px(Number(edgeY(r + 1)) - y0)}" ` +
          `fill="${tint(classColor(k), 0.65)}"/>`,
      );
      start = c;
    }
  }
  out.push('</g>');

  const radius = Math.max(1.5, Math.min(4, Math.min(width, height) / 120));
  out.push(`<g class="points" stroke="#222222" stroke-width="0.5">`);
  for (let n = 0; n < count; n++) {
    const cx = ((x[2 * n] - xLo) / (xHi - xLo)) * width;
    const cy = ((yHi - x[2 * n + 1]) / (yHi - yLo)) * height;
    out.push(`<circle cx="${px(cx)}" cy="${px(cy)}" r="${px(radius)}" fill="${classColor(labels[n])}"/>`);
  }
  out.push('</g>');
  out.push(`<rect width="${px(width)}" height="${px(height)}" fill="none" stroke="#333333"/>`);
  out.push('</svg>');
  return out.join('\n');
}

/** A net with 2 inputs as a Classify: each point's class is the argmax of its scores (eval mode). */
function netClassifier(net: Sequential): Classify {
  if (net === null || typeof net !== 'object' || typeof net.forward !== 'function') {
    throw new Error('decisionBoundarySvg: the first argument must be a net or a function (points, count) => labels');
  }
  return (points, count) => {
    const x = net.backend.tensor(points, [count, 2], net.dtype);
    try {
      const labels = net.inEvalMode(() => argmaxRows(net.forward(x)));
      const out = Int32Array.from(labels.data as Int32Array);
      labels.dispose();
      return out;
    } finally {
      x.dispose();
    }
  };
}
