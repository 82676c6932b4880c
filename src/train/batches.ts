import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import { Rng } from '../random/rng.js';
import type { BatchSource } from './batch-source.js';

/** Options of `batches(source, batchSize, options)`. */
export interface BatchesOptions {
  /** Draw the samples in a seeded random order. Default false (in order). */
  shuffle?: boolean;
  /** Seed of the order when shuffling. Default 0. */
  seed?: number;
  /** Float type of x. Default: the backend's. */
  dtype?: FloatDType;
}

/**
 * The batches of one pass over a source, for training loops written by hand: `{ x, t }` with x
 * (n, ...sample) and targets as the source gives them; n is batchSize except for a smaller last
 * batch. The buffers are made once and refilled: a batch is valid until the next one is drawn.
 * They are freed when the loop ends (or breaks).
 */
export function* batches(source: BatchSource, batchSize: number, options: BatchesOptions = {}): Generator<{ x: Tensor; t: Tensor }> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const backend = source.backend;
  const dtype = options.dtype ?? backend.dtype;
  const order = new Int32Array(source.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (options.shuffle) new Rng(options.seed ?? 0).shuffle(order);
  const index = backend.tensor(order, [order.length], 'int32');
  const made: Tensor[] = [index];
  const buffers = (n: number) => {
    const x = backend.empty([n, ...source.sampleShape], dtype);
    const t = backend.empty(source.targetShape(n), source.targetDType(dtype));
    made.push(x, t);
    return { x, t };
  };
  try {
    const full = buffers(Math.min(batchSize, source.count));
    for (let start = 0; start < source.count; start += batchSize) {
      const n = Math.min(batchSize, source.count - start);
      const batch = n === full.x.shape[0] ? full : buffers(n);
      source.fill(index.subview(start, [n]), batch.x, batch.t);
      yield batch;
    }
  } finally {
    for (const t of made) t.dispose();
  }
}
