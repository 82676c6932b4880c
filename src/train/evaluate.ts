import type { Tensor } from '../backend/tensor.js';
import { SparseRows } from '../backend/sparse-rows.js';
import { shapeSize } from '../backend/shape.js';
import type { Sequential } from '../nets/sequential.js';
import { countCorrect } from '../ops/reduce.js';
import { checkSourceBackend } from './batch-source.js';
import { SPARSE_DENSITY_THRESHOLD } from '../ops/sparse.js';
import type { BatchSource } from './batch-source.js';

/**
 * Whether batches from `source` go to `net` as sparse rows: the source can make them, the net's
 * first layer takes them, and the data is sparse enough for that to be faster — unless `dense`.
 */
export function usesSparseInput(source: BatchSource, net: Sequential, dense = false): boolean {
  return !dense && source.fillSparse !== undefined && net.takesSparseInput && (source.density ?? 1) < SPARSE_DENSITY_THRESHOLD;
}

/** Buffers for drawing batches of one size from one source: x (dense, or sparse rows) and t. */
export class BatchBuffers {
  readonly x: Tensor | SparseRows;
  readonly t: Tensor;

  constructor(
    readonly source: BatchSource,
    readonly size: number,
    net: Sequential,
    sparse = false,
  ) {
    const b = source.backend;
    this.x = sparse ? new SparseRows(b, size, shapeSize(source.sampleShape), net.dtype) : b.empty([size, ...source.sampleShape], net.dtype);
    this.t = b.empty(source.targetShape(size), source.targetDType(net.dtype));
  }

  /** Rows `index` of the source into x and t. */
  fill(index: Tensor): void {
    if (this.x instanceof SparseRows) this.source.fillSparse!(index, this.x, this.t);
    else this.source.fill(index, this.x, this.t);
  }

  dispose(): void {
    this.x.dispose();
    this.t.dispose();
  }
}

/**
 * Runs `net` in eval mode over the first `limit` samples of `source` (all by default), in batches
 * of `batchSize` (the last may be smaller), and hands each batch's scores (n, C) and targets to
 * `visit`. Every metric here is one such pass; the buffers are made once per batch size.
 */
export function forEachBatch(
  who: string,
  net: Sequential,
  source: BatchSource,
  options: { batchSize?: number; limit?: number; dense?: boolean },
  visit: (scores: Tensor, t: Tensor, n: number) => void,
): void {
  for (const key of ['batchSize', 'limit'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new Error(`${who}: ${key} must be a positive integer, got ${value}`);
    }
  }
  checkSourceBackend(who, source, net.backend);
  const limit = Math.min(options.limit ?? source.count, source.count);
  const batchSize = Math.min(options.batchSize ?? 1000, limit);
  const order = source.backend.arange(0, limit, 1, 'int32');
  const sparse = usesSparseInput(source, net, options.dense);
  const full = new BatchBuffers(source, batchSize, net, sparse);
  let tail = null as BatchBuffers | null;
  try {
    net.inEvalMode(() => {
      for (let start = 0; start < limit; start += batchSize) {
        const n = Math.min(batchSize, limit - start);
        const buffers = n === batchSize ? full : (tail ??= new BatchBuffers(source, n, net, sparse));
        buffers.fill(order.subview(start, [n]));
        visit(net.forward(buffers.x), buffers.t, n);
      }
    });
  } finally {
    order.dispose();
    full.dispose();
    tail?.dispose();
  }
}

/**
 * Accuracy of `net` on the first `limit` samples of `source` (all by default), in eval mode, in
 * batches of `batchSize` (the last one may be smaller).
 */
export function evaluateAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number; limit?: number; dense?: boolean } = {}): number {
  let correct = 0;
  forEachBatch('evaluateAccuracy', net, source, options, (scores, t) => (correct += countCorrect(scores, t)));
  return correct / Math.min(options.limit ?? source.count, source.count);
}

/**
 * Mean loss (weight decay included, as in training) and accuracy of `net` on every sample of
 * `source`, in eval mode, in one batched pass: each batch's scores serve both.
 */
export function evaluateLossAndAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number; dense?: boolean } = {}): { loss: number; accuracy: number } {
  let correct = 0;
  let lossSum = 0;
  forEachBatch('evaluateLossAndAccuracy', net, source, { batchSize: options.batchSize, dense: options.dense }, (scores, t, n) => {
    correct += countCorrect(scores, t);
    lossSum += net.lossLayer.forward(scores, t) * n;
  });
  return { loss: lossSum / source.count + net.weightDecayLoss(), accuracy: correct / source.count };
}
