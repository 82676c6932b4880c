import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import { countCorrect } from '../ops/reduce.js';
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
 * Accuracy of `net` on the first `limit` samples of `source` (all by default), in eval mode, in
 * batches of `batchSize` (the last one may be smaller).
 */
export function evaluateAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number; limit?: number } = {}): number {
  for (const key of ['batchSize', 'limit'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new Error(`evaluateAccuracy: ${key} must be a positive integer, got ${value}`);
    }
  }
  const limit = Math.min(options.limit ?? source.count, source.count);
  const batchSize = Math.min(options.batchSize ?? 1000, limit);
  const backend = source.backend;
  const order = backend.arange(0, limit, 1, 'int32');
  const full = new BatchBuffers(source, batchSize, net);
  let tail = null as BatchBuffers | null;
  try {
    return net.inEvalMode(() => {
      let correct = 0;
      for (let start = 0; start < limit; start += batchSize) {
        const n = Math.min(batchSize, limit - start);
        const buffers = n === batchSize ? full : (tail ??= new BatchBuffers(source, n, net));
        source.fill(order.subview(start, [n]), buffers.x, buffers.t);
        correct += countCorrect(net.forward(buffers.x), buffers.t);
      }
      return correct / limit;
    });
  } finally {
    order.dispose();
    full.dispose();
    tail?.dispose();
  }
}

/**
 * Mean loss (weight decay included, as in training) and accuracy of `net` on every sample of
 * `source`, in eval mode, in one batched pass: each batch's scores serve both.
 */
export function evaluateLossAndAccuracy(net: Sequential, source: BatchSource, options: { batchSize?: number } = {}): { loss: number; accuracy: number } {
  const requested = options.batchSize ?? 1000;
  if (!Number.isInteger(requested) || requested <= 0) throw new Error(`evaluateLossAndAccuracy: batchSize must be a positive integer, got ${requested}`);
  const count = source.count;
  const batchSize = Math.min(requested, count);
  const order = source.backend.arange(0, count, 1, 'int32');
  const full = new BatchBuffers(source, batchSize, net);
  let tail = null as BatchBuffers | null;
  try {
    return net.inEvalMode(() => {
      let correct = 0;
      let lossSum = 0;
      for (let start = 0; start < count; start += batchSize) {
        const n = Math.min(batchSize, count - start);
        const buffers = n === batchSize ? full : (tail ??= new BatchBuffers(source, n, net));
        source.fill(order.subview(start, [n]), buffers.x, buffers.t);
        const scores = net.forward(buffers.x);
        correct += countCorrect(scores, buffers.t);
        lossSum += net.lossLayer.forward(scores, buffers.t) * n;
      }
      return { loss: lossSum / count + net.weightDecayLoss(), accuracy: correct / count };
    });
  } finally {
    order.dispose();
    full.dispose();
    tail?.dispose();
  }
}
