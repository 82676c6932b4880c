import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { Sequential } from '../nets/sequential.js';
import { BatchBuffers } from './batch-buffers.js';
import type { BatchSource } from './batch-source.js';

/**
 * The buffers evaluation passes draw their batches into, made on first use and kept until
 * `dispose`: one BatchBuffers per source, batch size, dtype and input kind (dense or sparse),
 * and one index 0, 1, 2, ... that every pass reads windows of. A Trainer keeps one for a fit, so
 * the evaluation after each epoch allocates nothing after the first.
 */
export class EvaluationBuffers {
  private readonly bySource = new Map<BatchSource, Map<string, BatchBuffers>>();
  private order: Tensor | null = null;

  /** Buffers for batches of `size` from `source` for `net`, dense, or sparse rows (read in place where the source allows). */
  batch(source: BatchSource, size: number, net: Sequential, sparse: boolean): BatchBuffers {
    let kept = this.bySource.get(source);
    if (kept === undefined) this.bySource.set(source, (kept = new Map()));
    const key = `${size} ${net.dtype} ${sparse ? 'sparse' : 'dense'}`;
    let buffers = kept.get(key);
    if (buffers === undefined) kept.set(key, (buffers = new BatchBuffers(source, size, net, sparse, true)));
    return buffers;
  }

  /** The int32 indices 0, 1, 2, ..., at least `count` of them (kept, so take windows with subview). */
  indices(backend: Backend, count: number): Tensor {
    if (this.order === null || this.order.backend !== backend || this.order.size < count) {
      this.order?.dispose();
      this.order = backend.arange(0, count, 1, 'int32');
    }
    return this.order;
  }

  /** Frees every buffer made so far; the object may be used again afterwards. */
  dispose(): void {
    for (const kept of this.bySource.values()) for (const buffers of kept.values()) buffers.dispose();
    this.bySource.clear();
    this.order?.dispose();
    this.order = null;
  }
}
