import type { Tensor } from '../backend/tensor.js';
import { SparseRows } from '../backend/sparse-rows.js';
import { shapeSize } from '../backend/shape.js';
import type { Sequential } from '../nets/sequential.js';
import type { BatchSource } from './batch-source.js';

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
