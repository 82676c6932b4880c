/**
 * How a GEMM C = alpha * op(A) op(B) + beta * C is cut between threads: into blocks of C's
 * columns, or of its rows when C is tall and narrow. Each block is the same GEMM on a window of
 * C reached through pointer offsets, which the kernel computes bit-identically to the whole
 * (its sums run in an order that depends on k alone), so the result does not depend on the
 * thread count.
 */

/** Column blocks are whole multiples of 8: whole micro-tiles of f32 (8 wide) and f64 (4 wide). */
export const GEMM_SPLIT_COLS = 8;
/** Row blocks are whole multiples of the micro-tile's 4 rows. */
export const GEMM_SPLIT_ROWS = 4;

// bench/threads.ts, f32, 1 vs 2 threads, interleaved medians (two-core check 1.92x):
// (40, 40, 40) 1.00x, (100, 100, 10) 1.10x, (64, 64, 64) 1.18x, (100, 100, 100) 1.63x,
// (128, 128, 128) 1.72x, (100, 784, 100) 1.70x, (512, 512, 512) 1.84x.
/** Below this many multiply-adds (m * n * k) a GEMM stays on one thread. */
export const GEMM_MIN_MULTIPLY_ADDS = 262_144;

/** One thread's block: the sizes and the byte addresses of its windows of A, B and C. */
export interface GemmShare {
  m: number;
  n: number;
  a: number;
  b: number;
  c: number;
}

/**
 * The blocks for `threads` threads (fewer when C is too small to give each a whole block).
 * A, B, C are byte addresses; lda, ldb, ldc are row strides in elements; itemSize is 4 or 8.
 */
export function splitGemm(
  threads: number,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  itemSize: number,
): GemmShare[] {
  const byColumns = Math.ceil(n / GEMM_SPLIT_COLS) >= Math.ceil(m / GEMM_SPLIT_ROWS);
  const size = byColumns ? n : m;
  const unit = byColumns ? GEMM_SPLIT_COLS : GEMM_SPLIT_ROWS;
  const units = Math.ceil(size / unit);
  const shares: GemmShare[] = [];
  for (let t = 0; t < threads; t++) {
    const start = Math.round((units * t) / threads) * unit;
    const end = Math.min(size, Math.round((units * (t + 1)) / threads) * unit);
    if (end <= start) continue;
    if (byColumns) {
      // Columns start..end of op(B): B's columns, or B's rows when B is stored transposed.
      const bOffset = transB ? start * ldb : start;
      shares.push({ m, n: end - start, a, b: b + bOffset * itemSize, c: c + start * itemSize });
    } else {
      // Rows start..end of op(A): A's rows, or A's columns when A is stored transposed.
      const aOffset = transA ? start : start * lda;
      shares.push({ m: end - start, n, a: a + aOffset * itemSize, b, c: c + start * ldc * itemSize });
    }
  }
  return shares;
}
