import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import { countCorrect } from '../ops/reduce.js';
import { checkSourceBackend } from './batch-source.js';
import { SPARSE_DENSITY_THRESHOLD } from '../ops/sparse.js';
import type { BatchSource } from './batch-source.js';
import { EvaluationBuffers } from './evaluation-buffers.js';

/** Options of an evaluation pass. */
export interface EvaluationOptions {
  /** Rows per forward pass. Default 1000. */
  batchSize?: number;
  /** Only the first `limit` samples. Default all. */
  limit?: number;
  /** Dense batches even where the sparse first layer would be used (see usesSparseInput). */
  dense?: boolean;
  /**
   * Buffers kept between passes (a Trainer keeps one set for a fit); without them a pass makes
   * its own and frees them when it ends.
   */
  buffers?: EvaluationBuffers;
}

/**
 * Whether batches from `source` go to `net` as sparse rows: the source can make them, the net's
 * first layer takes them, and the data is sparse enough for that to be faster — unless `dense`.
 */
export function usesSparseInput(source: BatchSource, net: Sequential, dense = false): boolean {
  return !dense && source.fillSparse !== undefined && net.takesSparseInput && (source.density ?? 1) < SPARSE_DENSITY_THRESHOLD;
}

/**
 * Runs `net` in eval mode over the first `limit` samples of `source` (all by default), in batches
 * of `batchSize` (the last may be smaller), and hands each batch's scores (n, C) and targets to
 * `visit`. Every metric here is one such pass; the buffers come from `options.buffers` when given.
 */
export function forEachBatch(who: string, net: Sequential, source: BatchSource, options: EvaluationOptions, visit: (scores: Tensor, t: Tensor, n: number) => void): void {
  for (const key of ['batchSize', 'limit'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new Error(`${who}: ${key} must be a positive integer, got ${value}`);
    }
  }
  checkSourceBackend(who, source, net.backend);
  const limit = Math.min(options.limit ?? source.count, source.count);
  const batchSize = Math.min(options.batchSize ?? 1000, limit);
  const sparse = usesSparseInput(source, net, options.dense);
  const buffers = options.buffers ?? new EvaluationBuffers();
  try {
    const order = buffers.indices(source.backend, limit);
    net.inEvalMode(() => {
      for (let start = 0; start < limit; start += batchSize) {
        const n = Math.min(batchSize, limit - start);
        const batch = buffers.batch(source, n, net, sparse);
        batch.fill(order.subview(start, [n]));
        visit(net.forward(batch.x), batch.t, n);
      }
    });
  } finally {
    if (options.buffers === undefined) buffers.dispose();
  }
}

/**
 * Accuracy of `net` on the first `limit` samples of `source` (all by default), in eval mode, in
 * batches of `batchSize` (the last one may be smaller).
 */
export function evaluateAccuracy(net: Sequential, source: BatchSource, options: EvaluationOptions = {}): number {
  let correct = 0;
  forEachBatch('evaluateAccuracy', net, source, options, (scores, t) => (correct += countCorrect(scores, t)));
  return correct / Math.min(options.limit ?? source.count, source.count);
}

/**
 * Mean loss (weight decay included, as in training) and accuracy of `net` on every sample of
 * `source`, in eval mode, in one batched pass: each batch's scores serve both.
 */
export function evaluateLossAndAccuracy(net: Sequential, source: BatchSource, options: Omit<EvaluationOptions, 'limit'> = {}): { loss: number; accuracy: number } {
  let correct = 0;
  let lossSum = 0;
  forEachBatch('evaluateLossAndAccuracy', net, source, { batchSize: options.batchSize, dense: options.dense, buffers: options.buffers }, (scores, t, n) => {
    correct += countCorrect(scores, t);
    lossSum += net.lossLayer.forward(scores, t) * n;
  });
  return { loss: lossSum / source.count + net.weightDecayLoss(), accuracy: correct / source.count };
}
