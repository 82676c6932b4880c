import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import { countCorrect } from '../ops/reduce.js';
import { checkSourceBackend } from './batch-source.js';
import type { BatchSource } from './batch-source.js';

/** Buffers for drawing batches of one size from one source: x, t and the index list. */
export class BatchBuffers {
  readonly x: Tensor;
  readonly t: Tensor;

  constructor(
    readonly source: BatchSource,
    readonly size: number,
    net: Sequential,
  ) {
    const b = source.backend;
    this.x = b.empty([size, ...source.sampleShape], net.dtype);
    this.t = b.empty(source.targetShape(size), source.targetDType(net.dtype));
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
  options: { batchSize?: number; limit?: number },
  visit: (scores: Tensor, t: Tensor, n: number) => void,
): void {
  for (const key of ['batchSize', 'limit'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new Error(`${who}: ${key} must be a positive integer, got ${value}`);
    }
  }
  checkSourceBackend('evaluateAccuracy', source, net.backend);
  const limit = Math.min(options.limit ?? source.count, source.count);
  const batchSize = Math.min(options.batchSize ?? 1000, limit);
  const order = source.backend.arange(0, limit, 1, 'int32');
  const full = new BatchBuffers(source, batchSize, net);
  let tail = null as BatchBuffers | null;
  try {
    net.inEvalMode(() => {
      for (let start = 0; start < limit; start += batchSize) {
        const n = Math.min(batchSize, limit - start);
        const buffers = n === batchSize ? full : (tail ??= new BatchBuffers(source, n, net));
        source.fill(order.subview(start, [n]), buffers.x, buffers.t);
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
export function evaluateAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number; limit?: number } = {}): number {
  let correct = 0;
  forEachBatch('evaluateAccuracy', net, source, options, (scores, t) => (correct += countCorrect(scores, t)));
  return correct / Math.min(options.limit ?? source.count, source.count);
}

/**
 * Mean loss (weight decay included, as in training) and accuracy of `net` on every sample of
 * `source`, in eval mode, in one batched pass: each batch's scores serve both.
 */
export function evaluateLossAndAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number } = {}): { loss: number; accuracy: number } {
  let correct = 0;
  let lossSum = 0;
  forEachBatch('evaluateLossAndAccuracy', net, source, { batchSize: options.batchSize }, (scores, t, n) => {
    correct += countCorrect(scores, t);
    lossSum += net.lossLayer.forward(scores, t) * n;
  });
  return { loss: lossSum / source.count + net.weightDecayLoss(), accuracy: correct / source.count };
}
