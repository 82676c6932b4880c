import type { Backend } from './backend.js';
import type { FloatDType } from './dtype.js';
import { checkFloatDType } from './dtype.js';
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A float matrix X (rows, cols) kept as compressed rows (CSR): its nonzero entries only, for
 * products that skip the zeros (a batch of MNIST images is ~81% zeros).
 *
 * Inside: rowStart int32 (rows + 1,), colIdx int32 (capacity,), values (capacity,) of the dtype.
 * Row i's nonzeros are entries rowStart[i] .. rowStart[i + 1] - 1, columns ascending. The
 * capacity is rows * cols unless given, so any matrix of the shape fits by default. The arrays
 * are private: only the ops `compressRows` and `gatherSparseRows` (kernels that write in-range
 * indices by construction) and `fromDense` fill them, so the sparse kernels may trust every
 * index without an O(nnz) check per call.
 */
export class SparseRows {
  readonly shape: readonly [number, number];
  readonly dtype: FloatDType;
  private readonly rowStart: Tensor<'int32'>;
  private readonly colIdx: Tensor<'int32'>;
  private readonly values: Tensor<FloatDType>;

  /** An empty (all-zero) matrix of `rows` x `cols`, with room for `capacity` nonzeros (all of them by default). */
  constructor(
    readonly backend: Backend,
    rows: number,
    cols: number,
    dtype: FloatDType = backend.dtype,
    readonly capacity = rows * cols,
  ) {
    if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(cols) && cols >= 1)) {
      throw new Error(`SparseRows: shape must be two positive integers, got ${formatShape([rows, cols])}`);
    }
    if (!(Number.isInteger(capacity) && capacity >= 0 && capacity <= rows * cols)) {
      throw new Error(`SparseRows: capacity must be an integer from 0 to ${rows * cols} for ${formatShape([rows, cols])}, got ${capacity}`);
    }
    this.dtype = checkFloatDType(dtype, 'SparseRows');
    this.shape = [rows, cols];
    this.rowStart = backend.zeros([rows + 1], 'int32');
    // One entry at least: a tensor of size 0 would have no address of its own.
    this.colIdx = backend.empty([Math.max(capacity, 1)], 'int32');
    this.values = backend.empty([Math.max(capacity, 1)], this.dtype);
  }

  /** The nonzeros of a dense (rows, cols) float tensor, copied exactly. */
  static fromDense(x: Tensor): SparseRows {
    x.assertLive('SparseRows.fromDense');
    if (x.rank !== 2 || (x.dtype !== 'float32' && x.dtype !== 'float64')) {
      throw new Error(`SparseRows.fromDense: expected a float32 or float64 matrix (rows, cols), got ${formatShape(x.shape)} ${x.dtype}`);
    }
    const [rows, cols] = x.shape;
    const sparse = new SparseRows(x.backend, rows, cols, x.dtype);
    const dense = x.data;
    const [rowStart, colIdx, values] = [sparse.rowStart.data, sparse.colIdx.data, sparse.values.data];
    let n = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = dense[i * cols + j];
        if (v !== 0) {
          colIdx[n] = j;
          values[n] = v;
          n++;
        }
      }
      rowStart[i + 1] = n;
    }
    return sparse;
  }

  get rows(): number {
    return this.shape[0];
  }
  get cols(): number {
    return this.shape[1];
  }
  /** Entries kept (the nonzeros). */
  get nnz(): number {
    this.assertLive('SparseRows.nnz');
    return this.rowStart.data[this.rows];
  }
  /** Fraction of the entries that are nonzero. */
  get density(): number {
    return this.nnz / (this.rows * this.cols);
  }

  /** rowStart, colIdx and values, for the ops that hand them to the kernels (as tensors, so the backend check sees them). */
  get arrays(): { rowStart: Tensor<'int32'>; colIdx: Tensor<'int32'>; values: Tensor<FloatDType> } {
    return { rowStart: this.rowStart, colIdx: this.colIdx, values: this.values };
  }

  /** The dense matrix (rows, cols), into `out` if given. */
  toDense(out?: Tensor): Tensor {
    this.assertLive('SparseRows.toDense');
    const [rows, cols] = this.shape;
    const x = out ?? this.backend.empty([rows, cols], this.dtype);
    if (x.dtype !== this.dtype || x.rank !== 2 || x.shape[0] !== rows || x.shape[1] !== cols) {
      throw new Error(`SparseRows.toDense: out must be ${formatShape([rows, cols])} ${this.dtype}, got ${formatShape(x.shape)} ${x.dtype}`);
    }
    x.fill(0);
    const dense = x.data;
    const [rowStart, colIdx, values] = [this.rowStart.data, this.colIdx.data, this.values.data];
    for (let i = 0; i < rows; i++) {
      for (let p = rowStart[i]; p < rowStart[i + 1]; p++) dense[i * cols + colIdx[p]] = values[p];
    }
    return x;
  }

  get disposed(): boolean {
    return this.rowStart.disposed;
  }

  assertLive(op: string): void {
    if (this.disposed) throw new Error(`${op}: sparse rows ${formatShape(this.shape)} ${this.dtype} have been disposed`);
  }

  dispose(): void {
    this.rowStart.dispose();
    this.colIdx.dispose();
    this.values.dispose();
  }

  toString(): string {
    return `SparseRows${formatShape(this.shape)} ${this.dtype}${this.disposed ? ' (disposed)' : ''}`;
  }
}
