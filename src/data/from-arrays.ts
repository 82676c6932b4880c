import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { defaultBackend } from '../backend/default-backend.js';
import { TensorSource } from '../train/batch-source.js';

/**
 * A data set from plain arrays, in wasm memory: samples x as rows (N, D), targets y as class
 * labels (N,) or target rows (N, C) (one-hot, or any float targets). The result trains with
 * `fit` / `fitAsync` and serves as validation or test data; `dispose()` frees it.
 *
 * @example
 * ```ts
 * import { createBackend, dataset, MultiLayerNet, SGD, Trainer } from 'scratchnet';
 *
 * await createBackend({ threads: 1 });
 * const rows = [[5.1, 3.5], [4.9, 3.0], [6.7, 3.1], [6.3, 2.5]];
 * const iris = dataset.fromArrays(rows, [0, 0, 1, 1]); // labels; or one-hot rows [[1, 0], ...]
 * console.log(iris.count, iris.x.shape, iris.t.dtype); // prints: 4 [ 4, 2 ] int32
 * const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [8], outputSize: 2 }, { seed: 0 });
 * new Trainer(net, new SGD(0.1)).fit(iris, { epochs: 5, batchSize: 2 });
 * iris.dispose(); // frees its wasm memory
 * ```
 */
export function fromArrays(
  x: number[][],
  y: number[] | number[][],
  options: { backend?: Backend; dtype?: FloatDType } = {},
): TensorSource {
  if (!Array.isArray(x) || x.length === 0) throw new Error('fromArrays: x must be a non-empty array of rows (number[][])');
  if (!Array.isArray(y) || y.length !== x.length) {
    throw new Error(`fromArrays: ${x.length} samples in x but ${Array.isArray(y) ? y.length : 'no'} targets in y`);
  }
  const backend = options.backend ?? defaultBackend();
  const dtype = options.dtype ?? backend.dtype;
  const samples = rowsToFlat('x', x);
  const labels = !Array.isArray(y[0]);
  let targets: { data: ArrayLike<number>; width: number };
  if (labels) {
    const data = new Int32Array(y.length);
    (y as number[]).forEach((label, i) => {
      if (!Number.isInteger(label) || label < 0) throw new Error(`fromArrays: y[${i}] must be a class label (an integer >= 0), got ${JSON.stringify(label)}`);
      data[i] = label;
    });
    targets = { data, width: 1 };
  } else {
    targets = rowsToFlat('y', y as number[][]);
  }
  const xs = backend.tensor(samples.data, [x.length, samples.width], dtype);
  const ts = labels ? backend.tensor(targets.data, [y.length], 'int32') : backend.tensor(targets.data, [y.length, targets.width], dtype);
  try {
    return new TensorSource(xs, ts);
  } catch (err) {
    xs.dispose();
    ts.dispose();
    throw new Error(`fromArrays: ${(err as Error).message}`, { cause: err });
  }
}

/** Rows of one length as a flat Float64Array; a ragged row or a non-number is named. */
function rowsToFlat(name: string, rows: number[][]): { data: Float64Array; width: number } {
  const width = Array.isArray(rows[0]) ? rows[0].length : -1;
  if (width <= 0) throw new Error(`fromArrays: ${name}[0] must be a non-empty array of numbers`);
  const data = new Float64Array(rows.length * width);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new Error(`fromArrays: ${name}[${r}] has ${Array.isArray(row) ? row.length : 'no'} values, ${name}[0] has ${width}`);
    }
    row.forEach((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`fromArrays: ${name}[${r}][${c}] is ${typeof v === 'number' ? v : JSON.stringify(v)}, not a finite number`);
      data[r * width + c] = v;
    });
  });
  return { data, width };
}
