/**
 * Predictions from plain data: a tensor (N, ...), rows as number[][], a flat array with its
 * shape, or one sample. The answers are plain arrays; every tensor made here is freed here.
 */
import type { Tensor } from '../backend/tensor.js';
import { formatShape, shapeSize } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { argmaxRows } from '../ops/reduce.js';
import { softmax } from '../ops/softmax.js';
import { sigmoid } from '../ops/activation.js';
import { SoftmaxWithLoss } from '../layers/softmax-with-loss.js';
import { SigmoidWithLoss } from '../layers/sigmoid-with-loss.js';
import type { Sequential } from './sequential.js';
import { sampleShapeOf } from './input-shape.js';

/** Several samples: a tensor (N, ...), rows, or a flat array with its shape (N, ...). */
export type PredictBatch = Tensor | number[][] | { data: ArrayLike<number>; shape: Shape };
/** One sample's values, flat. */
export type PredictSample = ArrayLike<number>;
type PredictInput = PredictBatch | PredictSample;

/** Rows per forward pass for plain data. */
const BATCH = 1024;

/** Each row's class: the argmax of its scores (one score: 1 when it is positive, as sigmoid > 0.5). */
export function predictClasses(net: Sequential, input: PredictBatch): number[];
export function predictClasses(net: Sequential, input: PredictSample): number;
export function predictClasses(net: Sequential, input: PredictInput): number[] | number {
  const { rows, one } = run(net, input, 'predictClasses', (scores) => {
    if (scores.shape[1] === 1) return Array.from(scores.data, (v) => (v > 0 ? 1 : 0));
    const classes = argmaxRows(scores);
    const out = Array.from(classes.data as Int32Array);
    classes.dispose();
    return out;
  });
  return one ? rows[0] : rows;
}

/** Each row's class probabilities: softmax of the scores (SoftmaxWithLoss) or their sigmoid (SigmoidWithLoss). */
export function predictProba(net: Sequential, input: PredictBatch): number[][];
export function predictProba(net: Sequential, input: PredictSample): number[];
export function predictProba(net: Sequential, input: PredictInput): number[][] | number[] {
  const loss = net.lossLayer;
  const activate = loss instanceof SoftmaxWithLoss ? softmax : loss instanceof SigmoidWithLoss ? sigmoid : null;
  if (activate === null) throw new Error(`predictProba: a net trained with ${loss.label} gives no probabilities; use predict for its outputs`);
  const { rows, one } = run(net, input, 'predictProba', (scores) => {
    const p = activate(scores);
    const c = scores.shape[1];
    const data = p.data;
    const out = Array.from({ length: scores.shape[0] }, (_, r) => Array.from(data.subarray(r * c, (r + 1) * c)));
    p.dispose();
    return out;
  });
  return one ? rows[0] : rows;
}

/** Forward passes over the input in eval mode, `read` turning each batch of scores (n, C) into answers. */
function run<T>(net: Sequential, input: PredictInput, who: string, read: (scores: Tensor) => T[]): { rows: T[]; one: boolean } {
  const sample = sampleShapeOf(net);
  if (isTensor(input)) {
    input.assertLive(who);
    return { rows: net.inEvalMode(() => batches(net, input, read)), one: false };
  }
  const { data, shape, one } = flatten(input, sample, who);
  const x = net.backend.empty(shape, net.dtype).set(data);
  try {
    return { rows: net.inEvalMode(() => batches(net, x, read)), one };
  } finally {
    x.dispose();
  }
}

function batches<T>(net: Sequential, x: Tensor, read: (scores: Tensor) => T[]): T[] {
  const out: T[] = [];
  const n = x.shape[0];
  for (let start = 0; start < n; start += BATCH) {
    const whole = start === 0 && n <= BATCH;
    out.push(...read(net.forward(whole ? x : x.rows(start, Math.min(n, start + BATCH)))));
  }
  return out;
}

/** Plain data as one flat array and its batch shape; `one` when a single sample was given. */
function flatten(input: Exclude<PredictInput, Tensor>, sample: Shape | null, who: string): { data: ArrayLike<number>; shape: Shape; one: boolean } {
  const perSample = sample === null ? null : shapeSize(sample);
  if ('shape' in input && 'data' in input && !Array.isArray(input)) {
    const { data, shape } = input;
    if (shapeSize(shape) !== data.length) throw new Error(`${who}: ${data.length} values do not fill the shape ${formatShape(shape)}`);
    return { data, shape, one: false };
  }
  if (Array.isArray(input) && input.length > 0 && Array.isArray(input[0])) {
    const rows = input as number[][];
    const width = rows[0].length;
    if (perSample !== null && width !== perSample) throw new Error(`${who}: the net takes samples of ${perSample} values, but row 0 has ${width}`);
    const data = new Float64Array(rows.length * width);
    rows.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== width) throw new Error(`${who}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${width}`);
      data.set(row, r * width);
    });
    return { data, shape: [rows.length, ...(sample ?? [width])], one: false };
  }
  const flat = input as ArrayLike<number>;
  if (perSample === null || sample === null) throw new Error(`${who}: the net does not fix its input shape; give { data, shape }`);
  if (flat.length !== perSample) {
    throw new Error(`${who}: one sample of this net has ${perSample} values, got ${flat.length}; give rows (number[][]) or { data, shape } for several`);
  }
  return { data: flat, shape: [1, ...sample], one: true };
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'ptr' in v && 'shape' in v && 'backend' in v;
}
