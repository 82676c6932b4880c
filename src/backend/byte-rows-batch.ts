import type { Backend } from './backend.js';
import type { FloatDType } from './dtype.js';
import { checkFloatDType } from './dtype.js';
import { formatShape } from './shape.js';
import type { SparseByteRows } from './sparse-byte-rows.js';
import type { Tensor } from './tensor.js';

/**
 * A batch X (rows, cols) of a compressed byte set, read where it lies: row r is row index[r] of
 * the set, each byte b standing for the float b * scale. The sparse products read it as they
 * read SparseRows (same floats, same sums, bit for bit), without copying the rows out first, and
 * split it over threads by rows like any row-wise kernel.
 *
 * Inside: index int32 (rows,), filled by `select`; table (256,) of the dtype, table[b] = b * scale
 * rounded once to the dtype, as gatherSparseRows computes each value.
 */
export class ByteRowsBatch {
  readonly shape: readonly [number, number];
  readonly dtype: FloatDType;
  readonly backend: Backend;
  private readonly index: Tensor<'int32'>;
  private readonly table: Tensor<FloatDType>;

  constructor(
    readonly set: SparseByteRows,
    rows: number,
    dtype: FloatDType,
    readonly scale: number,
  ) {
    set.assertLive('ByteRowsBatch');
    if (!(Number.isInteger(rows) && rows >= 1)) throw new Error(`ByteRowsBatch: rows must be a positive integer, got ${rows}`);
    if (!Number.isFinite(scale)) throw new Error(`ByteRowsBatch: scale must be a finite number, got ${scale}`);
    this.dtype = checkFloatDType(dtype, 'ByteRowsBatch');
    this.backend = set.backend;
    this.shape = [rows, set.cols];
    this.index = this.backend.zeros([rows], 'int32');
    this.table = this.backend.empty([256], this.dtype);
    const table = this.table.data;
    // A float32 times a float32 is exact in a double, so one fround is the float32 product.
    const step = this.dtype === 'float32' ? Math.fround(scale) : scale;
    for (let b = 0; b < 256; b++) table[b] = this.dtype === 'float32' ? Math.fround(b * step) : b * step;
  }

  get rows(): number {
    return this.shape[0];
  }
  get cols(): number {
    return this.shape[1];
  }

  /** Makes the batch rows index[0 .. rows) of the set; index is int32 with at least `rows` entries. */
  select(index: Tensor): this {
    const op = 'ByteRowsBatch.select';
    this.assertLive(op);
    index.assertLive(op);
    if (index.dtype !== 'int32' || index.rank !== 1 || index.size < this.rows) {
      throw new Error(`${op}: index must be int32 with at least ${this.rows} entries, got ${formatShape(index.shape)} ${index.dtype}`);
    }
    if (index.backend !== this.backend) throw new Error(`${op}: index is in ${index.backend}, the set in ${this.backend}`);
    const from = index.data as Int32Array;
    const to = this.index.data;
    const setRows = this.set.rows;
    for (let i = 0; i < this.rows; i++) {
      const row = from[i];
      if (!(row >= 0 && row < setRows)) throw new Error(`${op}: index ${row} at position ${i} is out of range for ${setRows} set rows`);
      to[i] = row;
    }
    return this;
  }

  /** index and table, for the ops that hand them to the kernels. */
  get arrays(): { index: Tensor<'int32'>; table: Tensor<FloatDType> } {
    return { index: this.index, table: this.table };
  }

  get disposed(): boolean {
    return this.index.disposed || this.set.disposed;
  }

  assertLive(op: string): void {
    if (this.disposed) throw new Error(`${op}: byte rows batch ${formatShape(this.shape)} ${this.dtype} (or its set) has been disposed`);
  }

  /** Frees the index and table; the set belongs to whoever made it. */
  dispose(): void {
    this.index.dispose();
    this.table.dispose();
  }

  toString(): string {
    return `ByteRowsBatch${formatShape(this.shape)} ${this.dtype}${this.disposed ? ' (disposed)' : ''}`;
  }
}
