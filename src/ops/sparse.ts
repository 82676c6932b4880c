import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import type { SparseRows } from '../backend/sparse-rows.js';
import { ByteRowsBatch } from '../backend/byte-rows-batch.js';
import { MAX_SPARSE_BYTE_COLS, SparseByteRows } from '../backend/sparse-byte-rows.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';
import { checkDtypeIs, checkFloats, checkMatrix, checkNoOverlap, describe, outputFor } from './check.js';

const COMPRESS_ROWS_U8 = kernelFamily('compressRowsU8');
const COUNT_NONZERO_U8 = kernelFamily('countNonzeroU8');
const COMPRESS_SET_U8 = kernelFamily('compressSetU8');
const GATHER_BYTE_ROWS = kernelFamily('gatherByteRows');
const CSR_MATMUL = kernelFamily('csrMatmul');
const CSR_TRANSPOSE_MATMUL = kernelFamily('csrTransposeMatmul');
const BYTE_ROWS_MATMUL = kernelFamily('byteRowsMatmul');
const BYTE_ROWS_TRANSPOSE_MATMUL = kernelFamily('byteRowsTransposeMatmul');

/**
 * Products with a sparse left operand X (N, D) held as SparseRows, or as a ByteRowsBatch (rows
 * of a compressed byte set, read where they lie): the first layer's forward X W (+ b) and weight
 * gradient Xᵀ dY, skipping X's zeros. Sums run over each row's (or column's) nonzeros in
 * ascending order, so the results agree with the dense GEMM to float rounding (not bit for bit),
 * are the same bits from either form of the same floats, and are bit-identical for any thread
 * count.
 */
export type SparseInput = SparseRows | ByteRowsBatch;

// bench/first-layer.ts, float32, one thread, batch 100, a 784-100 layer: the whole first-layer
// work of a step (batch from bytes, X W + b, Xᵀ dY), dense vs sparse, on synthetic byte images
// whose pixels are nonzero at random with a set probability; interleaved medians, two runs on this
// busy 2-core machine (speed-up of sparse, run A / run B):
//   density 10% 2.76/2.84x   20% 1.81/1.30x   30% 1.24/1.05x   35% -/1.13x   40% 0.89/1.14x
//           50% 0.74/0.68x   60% 0.62/0.56x   80% 0.46/0.57x
//   real MNIST batches (density ~19%, nonzeros clustered in the digit): 2.31/1.88x
/**
 * Below this fraction of nonzero inputs the sparse first layer is used: the highest density
 * measured that paid in both runs (MNIST's ~0.19 takes the sparse path, Fashion-MNIST's ~0.5
 * the dense one).
 */
export const SPARSE_DENSITY_THRESHOLD = 0.3;

function describeSparse(x: SparseInput): string {
  return `sparse ${formatShape(x.shape)} ${x.dtype}`;
}

function checkSparse(op: string, x: SparseInput, ...dense: Tensor[]): FloatDType {
  x.assertLive(op);
  const dtype = checkFloats(op, ...dense);
  for (const t of dense) {
    if (t.backend !== x.backend) throw new Error(`${op}: tensors from two backends: ${describeSparse(x)} is in ${x.backend}, ${describe(t)} is in ${t.backend}`);
  }
  if (dtype !== x.dtype) throw new Error(`${op}: dtypes differ: ${describeSparse(x)}, ${dense.map(describe).join(', ')}`);
  return dtype;
}

/**
 * dst = rows of a byte data set, scaled, as compressed rows: row r is src[index[r], :] * scale
 * without its zeros, computed straight from the bytes (no dense float batch). src is uint8
 * (rows, ...) with rows of dst.cols bytes; index is int32 with at least dst.rows entries, each
 * a row of src. Values equal `gatherRows`'s bit for bit.
 */
export function compressRows(src: Tensor, index: Tensor, dst: SparseRows, scale = 1 / 255): SparseRows {
  const op = 'compressRows';
  checkDtypeIs(op, src, 'uint8', 'src');
  checkDtypeIs(op, index, 'int32', 'index');
  dst.assertLive(op);
  for (const t of [src, index]) {
    if (t.backend !== dst.backend) throw new Error(`${op}: tensors from two backends: ${describe(t)} is in ${t.backend}, ${describeSparse(dst)} is in ${dst.backend}`);
  }
  const [n, cols] = dst.shape;
  const setRows = src.rank === 0 ? 0 : src.shape[0];
  if (setRows === 0 || src.size / setRows !== cols) {
    throw new Error(`${op}: source rows ${describe(src)} and batch rows ${describeSparse(dst)} differ in length`);
  }
  if (index.rank !== 1 || index.size < n) throw new Error(`${op}: index ${formatShape(index.shape)} has fewer than ${n} entries`);
  if (!Number.isFinite(scale)) throw new Error(`${op}: scale must be a finite number, got ${scale}`);
  const idx = index.data as Int32Array;
  for (let i = 0; i < n; i++) {
    if (!(idx[i] >= 0 && idx[i] < setRows)) {
      throw new Error(`${op}: index ${idx[i]} at position ${i} is out of range for ${setRows} source rows`);
    }
  }
  const p = dst.arrays;
  callKernel(op, COMPRESS_ROWS_U8, dst.dtype, n, cols, src, index, scale, p.rowStart, p.colIdx, p.values);
  return dst;
}

/**
 * A whole byte data set src uint8 (rows, ...) kept as its nonzero bytes (u16 column and raw byte
 * each, see SparseByteRows): made once, then batches are copied out of it (`gatherSparseRows`),
 * so no batch scans the zero bytes again. Rows wider than 65,536 bytes do not fit.
 */
export function compressSet(src: Tensor): SparseByteRows {
  const op = 'compressSet';
  checkDtypeIs(op, src, 'uint8', 'src');
  const rows = src.rank === 0 ? 0 : src.shape[0];
  if (rows === 0 || src.size === 0) throw new Error(`${op}: src ${describe(src)} has no rows to compress`);
  const cols = src.size / rows;
  if (cols > MAX_SPARSE_BYTE_COLS) throw new Error(`${op}: rows of ${cols} bytes in ${describe(src)} are wider than the ${MAX_SPARSE_BYTE_COLS} columns a u16 holds`);
  const nnz = callKernel(op, COUNT_NONZERO_U8, null, src.size, src);
  const b = src.backend;
  // One entry at least: a tensor of size 0 would have no address of its own.
  const rowStart = b.empty([rows + 1], 'int32');
  const colIdx = b.empty([2 * Math.max(nnz, 1)], 'uint8');
  const bytes = b.empty([Math.max(nnz, 1)], 'uint8');
  callKernel(op, COMPRESS_SET_U8, null, rows, cols, src, rowStart, colIdx, bytes);
  return new SparseByteRows(b, rows, cols, rowStart, colIdx, bytes);
}

/**
 * dst = rows of a compressed byte set, scaled: row r is row index[r] of `set` times `scale`, as
 * floats of dst's dtype. index is int32 with at least dst.rows entries, each a row of set; set
 * and dst have the same columns, and dst room for the rows' nonzeros. Values equal
 * `compressRows`'s (and `gatherRows`'s) from the set's bytes, bit for bit.
 */
export function gatherSparseRows(set: SparseByteRows, index: Tensor, dst: SparseRows, scale = 1 / 255): SparseRows {
  const op = 'gatherSparseRows';
  set.assertLive(op);
  dst.assertLive(op);
  checkDtypeIs(op, index, 'int32', 'index');
  if (set.backend !== dst.backend || index.backend !== dst.backend) {
    throw new Error(`${op}: tensors from two backends: ${set} is in ${set.backend}, ${describeSparse(dst)} in ${dst.backend}, index ${describe(index)} in ${index.backend}`);
  }
  if (set.cols !== dst.cols) {
    throw new Error(`${op}: set rows ${formatShape(set.shape)} and batch rows ${describeSparse(dst)} differ in length`);
  }
  if (!Number.isFinite(scale)) throw new Error(`${op}: scale must be a finite number, got ${scale}`);
  const n = dst.rows;
  if (index.rank !== 1 || index.size < n) throw new Error(`${op}: index ${formatShape(index.shape)} has fewer than ${n} entries`);
  const idx = index.data as Int32Array;
  const rowStart = set.arrays.rowStart.data;
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const row = idx[i];
    if (!(row >= 0 && row < set.rows)) throw new Error(`${op}: index ${row} at position ${i} is out of range for ${set.rows} set rows`);
    nnz += rowStart[row + 1] - rowStart[row];
  }
  if (nnz > dst.capacity) throw new Error(`${op}: the ${n} rows hold ${nnz} nonzeros, more than the ${dst.capacity} ${describeSparse(dst)} has room for`);
  const s = set.arrays;
  const p = dst.arrays;
  callKernel(op, GATHER_BYTE_ROWS, dst.dtype, n, s.rowStart, s.colIdx, s.bytes, index, scale, p.rowStart, p.colIdx, p.values);
  return dst;
}

/**
 * x W (+ bias): x is sparse (N, D), w is (D, H), bias (H,), out (N, H), into `out` if given.
 * out[i, c] = (sum over row i's nonzeros) + bias[c]: the Affine forward with the bias added in
 * the same pass.
 */
export function sparseMatmul(x: SparseInput, w: Tensor, out?: Tensor, bias?: Tensor): Tensor {
  const op = 'sparseMatmul';
  const dtype = checkSparse(op, x, w, ...(bias ? [bias] : []));
  const [n, d] = x.shape;
  const [wr, h] = checkMatrix(op, w, 'w');
  if (wr !== d) throw new Error(`${op}: ${describeSparse(x)} times w ${formatShape(w.shape)}: inner dimensions differ (${d} vs ${wr})`);
  if (bias && bias.size !== h) throw new Error(`${op}: bias ${formatShape(bias.shape)} does not fit w ${formatShape(w.shape)} (needs ${h} values)`);
  const y = outputFor(op, w, [n, h], out);
  checkNoOverlap(op, w, y, 'w and out');
  if (bias) checkNoOverlap(op, bias, y, 'bias and out');
  // bias address 0 means none: the arena never hands out address 0.
  if (x instanceof ByteRowsBatch) {
    const [p, s] = [x.arrays, x.set.arrays];
    callKernel(op, BYTE_ROWS_MATMUL, dtype, n, h, p.index, s.rowStart, s.colIdx, s.bytes, p.table, w, bias ?? 0, y);
  } else {
    const p = x.arrays;
    callKernel(op, CSR_MATMUL, dtype, n, h, p.rowStart, p.colIdx, p.values, w, bias ?? 0, y);
  }
  return y;
}

/**
 * dw = xᵀ dy: x is sparse (N, D), dy is (N, H), dw is (D, H), overwritten (rows of dw that no
 * nonzero of x touches become 0). The Affine weight gradient.
 */
export function sparseTransposeMatmul(x: SparseInput, dy: Tensor, dw: Tensor): Tensor {
  const op = 'sparseTransposeMatmul';
  const dtype = checkSparse(op, x, dy, dw);
  const [n, d] = x.shape;
  const [dyr, h] = checkMatrix(op, dy, 'dy');
  const [dwr, dwc] = checkMatrix(op, dw, 'dw');
  if (dyr !== n || dwr !== d || dwc !== h) {
    throw new Error(`${op}: ${describeSparse(x)} transposed times dy ${formatShape(dy.shape)} does not give dw ${formatShape(dw.shape)}`);
  }
  checkNoOverlap(op, dy, dw, 'dy and dw');
  // Split between the threads by blocks of dw's columns (kernel-dispatch.ts).
  if (x instanceof ByteRowsBatch) {
    const [p, s] = [x.arrays, x.set.arrays];
    callKernel(op, BYTE_ROWS_TRANSPOSE_MATMUL, dtype, n, d, h, p.index, s.rowStart, s.colIdx, s.bytes, p.table, dy, h, dw);
  } else {
    const p = x.arrays;
    callKernel(op, CSR_TRANSPOSE_MATMUL, dtype, n, d, h, p.rowStart, p.colIdx, p.values, dy, h, dw);
  }
  return dw;
}
