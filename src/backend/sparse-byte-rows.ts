import type { Backend } from './backend.js';
import { formatShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Widest row a SparseByteRows holds: its columns are stored as u16. */
export const MAX_SPARSE_BYTE_COLS = 65536;

/**
 * A byte data set (rows, cols) kept as its nonzero bytes, compactly, to be copied out batch by
 * batch as float SparseRows (`ops.gatherSparseRows`, which scales the bytes then): MNIST's 70,000
 * images hold 10.5 M nonzeros, 32 MB here against 84 MB as float32 compressed rows (126 MB as
 * float64), and one copy serves both float types.
 *
 * Inside: rowStart int32 (rows + 1,); colIdx (nnz,) u16 columns, ascending in each row, held
 * little-endian in a uint8 tensor of 2 * nnz bytes (tensors have no 16-bit dtype); bytes uint8
 * (nnz,), the raw pixels. Row i's nonzeros are entries rowStart[i] .. rowStart[i + 1] - 1.
 * Only `ops.compressSet` (a kernel that writes in-range columns by construction) fills them, so
 * the copy-out kernel may trust every index.
 */
export class SparseByteRows {
  readonly shape: readonly [number, number];

  /** Takes the three arrays (see above), already filled; `ops.compressSet` makes them. */
  constructor(
    readonly backend: Backend,
    rows: number,
    cols: number,
    private readonly rowStart: Tensor<'int32'>,
    private readonly colIdx: Tensor<'uint8'>,
    private readonly bytes: Tensor<'uint8'>,
  ) {
    if (!(Number.isInteger(rows) && rows >= 1 && Number.isInteger(cols) && cols >= 1 && cols <= MAX_SPARSE_BYTE_COLS)) {
      throw new Error(`SparseByteRows: shape must be positive integers with at most ${MAX_SPARSE_BYTE_COLS} columns, got ${formatShape([rows, cols])}`);
    }
    if (rowStart.size !== rows + 1 || colIdx.size !== 2 * bytes.size) {
      throw new Error(
        `SparseByteRows: ${formatShape([rows, cols])} needs rowStart (${rows + 1},) and 2 column bytes per value byte, ` +
          `got ${formatShape(rowStart.shape)}, ${formatShape(colIdx.shape)} and ${formatShape(bytes.shape)}`,
      );
    }
    this.shape = [rows, cols];
  }

  get rows(): number {
    return this.shape[0];
  }
  get cols(): number {
    return this.shape[1];
  }
  /** Entries kept (the nonzeros). */
  get nnz(): number {
    this.assertLive('SparseByteRows.nnz');
    return this.rowStart.data[this.rows];
  }
  /** Bytes of wasm memory the set holds. */
  get byteSize(): number {
    return this.rowStart.size * 4 + this.colIdx.size + this.bytes.size;
  }

  /** rowStart, colIdx and bytes, for the ops that hand them to the kernels (as tensors, so the backend check sees them). */
  get arrays(): { rowStart: Tensor<'int32'>; colIdx: Tensor<'uint8'>; bytes: Tensor<'uint8'> } {
    return { rowStart: this.rowStart, colIdx: this.colIdx, bytes: this.bytes };
  }

  get disposed(): boolean {
    return this.rowStart.disposed;
  }

  assertLive(op: string): void {
    if (this.disposed) throw new Error(`${op}: sparse byte rows ${formatShape(this.shape)} have been disposed`);
  }

  dispose(): void {
    this.rowStart.dispose();
    this.colIdx.dispose();
    this.bytes.dispose();
  }

  toString(): string {
    return `SparseByteRows${formatShape(this.shape)}${this.disposed ? ' (disposed)' : ''}`;
  }
}
