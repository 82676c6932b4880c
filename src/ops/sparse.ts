import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { ITEM_SIZE, kernelSuffix } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import { SparseRows } from '../backend/sparse-rows.js';
import { GEMM_MIN_MULTIPLY_ADDS, GEMM_SPLIT_COLS } from '../backend/threads/gemm-split.js';
import { checkDtypeIs, checkFloats, checkMatrix, checkNoOverlap, describe, outputFor } from './check.js';

/**
 * Products with a sparse left operand X (N, D) held as SparseRows: the first layer's forward
 * X W (+ b) and weight gradient Xᵀ dY, skipping X's zeros. Sums run over each row's (or
 * column's) nonzeros in ascending order, so the results agree with the dense GEMM to float
 * rounding (not bit for bit) and are bit-identical for any thread count.
 */

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

function describeSparse(x: SparseRows): string {
  return `sparse ${formatShape(x.shape)} ${x.dtype}`;
}

function checkSparse(op: string, x: SparseRows, ...dense: Tensor[]): FloatDType {
  x.assertLive(op);
  const dtype = checkFloats(op, ...dense);
  if (dense[0].backend !== x.backend) throw new Error(`${op}: ${describeSparse(x)} and ${describe(dense[0])} belong to different backends`);
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
  if (src.backend !== dst.backend || index.backend !== dst.backend) throw new Error(`${op}: tensors belong to different backends`);
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
  const p = dst.pointers;
  dst.backend.kernels[`compressRowsU8_${kernelSuffix(dst.dtype)}`](n, cols, src.ptr, index.ptr, scale, p.rowStart, p.colIdx, p.values);
  return dst;
}

/**
 * x W (+ bias): x is sparse (N, D), w is (D, H), bias (H,), out (N, H), into `out` if given.
 * out[i, c] = (sum over row i's nonzeros) + bias[c]: the Affine forward with the bias added in
 * the same pass.
 */
export function sparseMatmul(x: SparseRows, w: Tensor, out?: Tensor, bias?: Tensor): Tensor {
  const op = 'sparseMatmul';
  const dtype = checkSparse(op, x, w, ...(bias ? [bias] : []));
  const [n, d] = x.shape;
  const [wr, h] = checkMatrix(op, w, 'w');
  if (wr !== d) throw new Error(`${op}: ${describeSparse(x)} times w ${formatShape(w.shape)}: inner dimensions differ (${d} vs ${wr})`);
  if (bias && bias.size !== h) throw new Error(`${op}: bias ${formatShape(bias.shape)} does not fit w ${formatShape(w.shape)} (needs ${h} values)`);
  const y = outputFor(op, w, [n, h], out);
  checkNoOverlap(op, w, y, 'w and out');
  if (bias) checkNoOverlap(op, bias, y, 'bias and out');
  const p = x.pointers;
  // bias address 0 means none: the arena never hands out address 0.
  x.backend.kernel('csrMatmul', dtype)(n, h, p.rowStart, p.colIdx, p.values, w.ptr, bias ? bias.ptr : 0, y.ptr);
  return y;
}

/**
 * dw = xᵀ dy: x is sparse (N, D), dy is (N, H), dw is (D, H), overwritten (rows of dw that no
 * nonzero of x touches become 0). The Affine weight gradient.
 */
export function sparseTransposeMatmul(x: SparseRows, dy: Tensor, dw: Tensor): Tensor {
  const op = 'sparseTransposeMatmul';
  const dtype = checkSparse(op, x, dy, dw);
  const [n, d] = x.shape;
  const [dyr, h] = checkMatrix(op, dy, 'dy');
  const [dwr, dwc] = checkMatrix(op, dw, 'dw');
  if (dyr !== n || dwr !== d || dwc !== h) {
    throw new Error(`${op}: ${describeSparse(x)} transposed times dy ${formatShape(dy.shape)} does not give dw ${formatShape(dw.shape)}`);
  }
  checkNoOverlap(op, dy, dw, 'dy and dw');
  sparseTransposeKernel(x.backend, dtype, x, h, dy.ptr, dw.ptr);
  return dw;
}

/**
 * The raw call of xᵀ dy, checked by the caller. With threads, each takes a block of dw's columns
 * (multiples of 8, as the GEMM's): its window of dy and dw through pointer offsets, zeroed and
 * summed in the same order as on one thread.
 */
export function sparseTransposeKernel(backend: Backend, dtype: FloatDType, x: SparseRows, h: number, dy: number, dw: number): void {
  const [n, d] = x.shape;
  const p = x.pointers;
  const name = `csrTransposeMatmul_${kernelSuffix(dtype)}`;
  const pool = backend.threadPool;
  if (pool === null || x.nnz * h < GEMM_MIN_MULTIPLY_ADDS || h <= GEMM_SPLIT_COLS) {
    backend.kernels[name](n, d, h, p.rowStart, p.colIdx, p.values, dy, h, dw);
    return;
  }
  const kernel = pool.kernelIndex(name);
  const item = ITEM_SIZE[dtype];
  const units = Math.ceil(h / GEMM_SPLIT_COLS);
  const jobs = [];
  for (let t = 0; t < pool.threads; t++) {
    const start = Math.round((units * t) / pool.threads) * GEMM_SPLIT_COLS;
    const end = Math.min(h, Math.round((units * (t + 1)) / pool.threads) * GEMM_SPLIT_COLS);
    if (end <= start) continue;
    jobs.push({ kernel, args: [n, d, end - start, p.rowStart, p.colIdx, p.values, dy + start * item, h, dw + start * item] });
  }
  pool.run(name, jobs);
}
