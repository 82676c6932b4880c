import type { Tensor } from '../backend/tensor.js';
import { SparseRows } from '../backend/sparse-rows.js';
import { ByteRowsBatch } from '../backend/byte-rows-batch.js';
import { shapeSize } from '../backend/shape.js';
import type { Sequential } from '../nets/sequential.js';
import type { BatchSource } from './batch-source.js';

/**
 * Buffers for drawing batches of one size from one source: x (dense, or sparse rows) and t.
 * Sparse rows are copied out of the source (fillSparse), or, with `inPlace` and a source kept as
 * a compressed byte set, read where they lie (a ByteRowsBatch: nothing copied).
 *
 * Evaluation reads in place: a forward pass over 1,000 MNIST rows costs the same either way,
 * and the copy it saves (50-80 us a window) is not split between threads, while the in-place
 * product is. Training copies: a shuffled batch's rows are cache misses wherever they are first
 * read, and the two products then read the copied floats faster than bytes through the table
 * (the book run's step, 784-50-10, one thread, fastest of 6 blocks of 600 steps: 244 us copying,
 * 269 us in place).
 */
export class BatchBuffers {
  readonly x: Tensor | SparseRows | ByteRowsBatch;
  readonly t: Tensor;

  constructor(
    readonly source: BatchSource,
    readonly size: number,
    net: Sequential,
    sparse = false,
    inPlace = false,
  ) {
    const b = source.backend;
    const bytes = sparse && inPlace ? (source.byteRows?.() ?? null) : null;
    if (bytes !== null) this.x = new ByteRowsBatch(bytes.set, size, net.dtype, bytes.scale);
    else this.x = sparse ? new SparseRows(b, size, shapeSize(source.sampleShape), net.dtype) : b.empty([size, ...source.sampleShape], net.dtype);
    this.t = b.empty(source.targetShape(size), source.targetDType(net.dtype));
  }

  /** Rows `index` of the source into x and t. */
  fill(index: Tensor): void {
    if (this.x instanceof ByteRowsBatch) this.source.fillByteRows!(index, this.x, this.t);
    else if (this.x instanceof SparseRows) this.source.fillSparse!(index, this.x, this.t);
    else this.source.fill(index, this.x, this.t);
  }

  dispose(): void {
    this.x.dispose();
    this.t.dispose();
  }
}
