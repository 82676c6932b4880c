// C = alpha * op(A) * op(B) + beta * C for f32 and f64, row-major, one generic source.
//
// C is (m, n), op(A) is (m, k), op(B) is (k, n). transA != 0 means A is stored as
// (k, m) with row stride lda (in elements); likewise for B. Pointers are byte
// addresses; `work` is caller-owned scratch of gemmWorkBytes_* bytes, 16-byte aligned.
//
// Three paths, chosen by the shape, share one micro-kernel (a 4 x (2 v128) tile of C: 4 x 8
// in f32, 4 x 4 in f64, every value in registers):
//
// - Wide C (n > NARROW_N, and f64 but for few rows): the classic Goto/BLIS structure. The outer
//   loops cut op(B) into (KC, NC) panels and op(A) into (MC, KC) blocks, each packed into
//   `work` in the order the micro-kernel reads them, whatever the transposes. A is packed
//   pre-broadcast (each value splatted to a whole v128) so that the inner loop is plain
//   vector loads, multiplies and adds; the macro-kernel walks the packed block tile by tile.
// - Narrow C (n <= NARROW_N in f32, e.g. a 784-50 layer): each packed A value would be used
//   by only ceil(n / 8) tiles, so writing and reading 16 bytes per 4-byte value costs about
//   as much as the arithmetic. Instead the (kc, n) slabs of op(B) of all k-blocks (as many
//   as fit) are packed first, and op(A) is taken 4 rows at a time, plainly (one element
//   per value: packed into a small L1 buffer, or read in place when A is stored transposed
//   and its 4 values per p are already adjacent); the micro-kernel broadcasts each A value
//   as it loads it (v128.load32_splat), and each row panel goes through its k-blocks and,
//   in each, across all of C's columns.
// - Few rows over a long k (m <= FEW_ROWS, k >= LONG_K, B not transposed; f32 and f64: a
//   conv layer's dW, 16-64 rows summed over N * OH * OW): each B value would be packed to
//   meet only m / 4 tiles, so B is read in place, column tile by column tile, and only the
//   small op(A) is packed (plainly, per k-block).
//
// alpha == 0 or k == 0 means C = beta * C without reading A or B (as in BLAS).
//
// Reproducibility: each C element is summed in one fixed order that depends on k
// alone (k-blocks of a size computed from k, ascending; inside a block p ascending,
// one product at a time into one accumulator lane; after each block C = beta * C +
// alpha * acc), and every path keeps it. Computing any sub-matrix of C through pointer
// offsets therefore gives bit-identical results, whichever path each piece takes, so
// threads may split a GEMM by rows or columns freely.

import { KC, MR, NR_VECTORS, kBlockStep, microKernel, microKernelOneVector, tileWidth } from './gemm-tile';

/** Rows of op(A) per packed block; a multiple of MR. The block is MC * KC * 16 B = 512 KiB (L2). */
const MC = 128;
/**
 * Columns of op(B) per packed panel; a multiple of NR for both types. One micro-panel
 * (KC * NR, 8 KiB) stays in L1 while the A block streams past it. Halving MC or NC,
 * or KC = 192 or 384, measured the same within the noise of this shared machine.
 */
const NC = 512;
/**
 * Up to this many columns of C, f32 takes the narrow path (plain A, broadcast loads). At
 * n = 50 and 100 it beats pre-broadcast packing by 3-10 points of the ceiling; from 256
 * to 512 the two measured within the noise of this shared machine. It must not exceed NC
 * (the slab of one k-block must fit in the B region).
 * f64 takes the wide path (but for few rows over a long k): its pre-broadcast A is only
 * twice its size and each value meets n / 4 tiles, and there the narrow path measured no
 * faster for X W and 3-8 points slower for X^T dY (m = 784, k = 100); nor for a conv
 * layer's forward (n = 16-64), within the noise.
 */
const NARROW_N = 256;
/**
 * At most this many rows of C, with k >= LONG_K and B not transposed, take the few-rows path
 * (B read in place, not packed): a conv layer's dW, FN x (C * FH * FW) summed over N * OH * OW.
 * B's row stride must not be a multiple of 1 KiB, as the kc rows of a tile would then crowd
 * into a few L1 sets; strides of 9 or 18 times 256 bytes (f64 dW of 32 or 64 channels, f32 of
 * 64) still measured 4-15 points faster in place than packed. The whole of op(A)'s k-block is
 * packed: FEW_ROWS * KC values must fit in the A block's region (MC * KC * 16 bytes).
 */
const FEW_ROWS = 64;
/** See FEW_ROWS: below this k, packing B costs little next to the product (and the MLP shapes keep their path). */
const LONG_K = 2048;
/** Whole A panels packed side by side when A is stored transposed (8 panels: 2 cache lines of f32 per row). */
const PACK_A_GROUP = 8;
/** Whole B panels packed side by side, row by row (8 panels of 32 bytes: 4 cache lines per row). */
const PACK_B_GROUP = 8;

/** Lanes in one v128 of T. */
@inline function lanes<T>(): i32 {
  return <i32>(16 / sizeof<T>());
}

/** Byte offset of element index i of T. */
@inline function at<T>(i: i32): usize {
  return <usize>i << alignof<T>();
}

/** Scratch bytes: the packed A block (one v128 per value), the packed B panel and one edge tile. */
@inline function workBytes<T>(): i32 {
  const bytes = MC * KC * 16 + (KC * NC + MR * tileWidth<T>()) * <i32>sizeof<T>();
  return (bytes + 15) & ~15;
}

/** C = beta * C, used when there is no product to add (k == 0 or alpha == 0). */
function scaleC<T>(m: i32, n: i32, beta: T, c: usize, ldc: i32): void {
  if (beta == <T>1) return;
  for (let i = 0; i < m; i++) {
    const row = c + at<T>(i * ldc);
    for (let j = 0; j < n; j++) {
      // beta == 0 writes zeros without reading: NaN in the old C must not leak.
      store<T>(row + at<T>(j), beta == <T>0 ? <T>0 : beta * load<T>(row + at<T>(j)));
    }
  }
}

/**
 * Packs op(A)[i0 : i0+mc, p0 : p0+kc] into micro-panels of MR rows, each value already
 * broadcast to a whole v128: panel q holds, for p ascending, the MR vectors
 * splat(op(A)[i0 + q*MR + r, p0 + p]). Rows past mc are zero, so the micro-kernel always
 * computes whole tiles. Broadcasting here, once per value, lets the micro-kernel use
 * plain vector loads, which V8 issues with fewer instructions than broadcast loads.
 */
function packA<T>(transA: i32, a: usize, lda: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  // op(A)[i, p] lives at a + i * rowStep + p * pStep, whatever the transpose.
  const rowStep = transA ? at<T>(1) : at<T>(lda);
  const pStep = transA ? at<T>(lda) : at<T>(1);
  const panelBytes = <usize>(kc * MR * 16);
  let ir = 0;
  if (transA) {
    // A is (k, m): whole panels go PACK_A_GROUP at a time, p by p, so each row segment
    // read is whole cache lines used at once (as in packB; one panel at a time would
    // come back to lines lda apart, which a power-of-two lda crowds into few L1 sets).
    const fullRows = mc - mc % MR;
    for (; ir < fullRows; ir += PACK_A_GROUP * MR) {
      const groupEnd = min(ir + PACK_A_GROUP * MR, fullRows);
      let s = a + <usize>(p0 * lda + i0 + ir) * sizeof<T>();
      let d = dst + <usize>(ir / MR) * panelBytes;
      for (let p = 0; p < kc; p++) {
        let si = s, di = d;
        for (let i = ir; i < groupEnd; i += MR) {
          v128.store(di, v128.load_splat<T>(si));
          v128.store(di, v128.load_splat<T>(si + sizeof<T>()), 16);
          v128.store(di, v128.load_splat<T>(si + 2 * sizeof<T>()), 32);
          v128.store(di, v128.load_splat<T>(si + 3 * sizeof<T>()), 48);
          si += MR * sizeof<T>();
          di += panelBytes;
        }
        s += pStep;
        d += MR * 16;
      }
    }
    ir = fullRows;
  }
  let d = dst + <usize>(ir / MR) * panelBytes;
  for (; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let s = a + <usize>(i0 + ir) * rowStep + <usize>p0 * pStep;
    if (mr == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load_splat<T>(s));
        v128.store(d, v128.load_splat<T>(s + rowStep), 16);
        v128.store(d, v128.load_splat<T>(s + 2 * rowStep), 32);
        v128.store(d, v128.load_splat<T>(s + 3 * rowStep), 48);
        s += pStep;
        d += MR * 16;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          const value = r < mr ? v128.load_splat<T>(s + <usize>r * rowStep) : v128.splat<T>(<T>0);
          v128.store(d + <usize>(r * 16), value);
        }
        s += pStep;
        d += MR * 16;
      }
    }
  }
}

/**
 * Packs one A micro-panel plainly for the narrow path: op(A)[i0 : i0+mr, p0 : p0+kc]
 * (mr <= MR) as kc groups of MR values, p ascending, one element per value (the
 * micro-kernel broadcasts them as it loads). Rows past mr are zero.
 * Inlined: called from two paths, binaryen stopped inlining it into gemmNarrow, and the
 * narrow f32 forward of a conv layer (n = 16-32) lost 5-15 points of the ceiling.
 */
@inline function packAPanelPlain<T>(transA: i32, a: usize, lda: i32, i0: i32, mr: i32, p0: i32, kc: i32, dst: usize): void {
  // op(A)[i, p] lives at a + i * rowStep + p * pStep, whatever the transpose.
  const rowStep = transA ? at<T>(1) : at<T>(lda);
  const pStep = transA ? at<T>(lda) : at<T>(1);
  const src = a + <usize>i0 * rowStep + <usize>p0 * pStep;
  let p = 0;
  if (mr == MR && transA) {
    // The MR values of each p are adjacent already: one vector (f32) or two (f64) per p.
    for (; p < kc; p++) {
      const s = src + <usize>p * pStep;
      const d = dst + at<T>(p * MR);
      v128.store(d, v128.load(s));
      if (sizeof<T>() == 8) v128.store(d, v128.load(s, 16), 16);
    }
  }
  if (mr == MR && !transA) {
    // Each row is contiguous in p: transpose MR x lanes blocks (4 x 4 in f32, two 4 x 2 in f64).
    for (; p + lanes<T>() <= kc; p += lanes<T>()) {
      const s = src + at<T>(p);
      const d = dst + at<T>(p * MR);
      const r0 = v128.load(s), r1 = v128.load(s + rowStep);
      const r2 = v128.load(s + 2 * rowStep), r3 = v128.load(s + 3 * rowStep);
      if (sizeof<T>() == 4) {
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
        v128.store(d, v128.shuffle<f64>(t0, t1, 1, 3), 16);
        v128.store(d, v128.shuffle<f64>(t2, t3, 0, 2), 32);
        v128.store(d, v128.shuffle<f64>(t2, t3, 1, 3), 48);
      } else {
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r0, r1, 1, 3), 32);
        v128.store(d, v128.shuffle<f64>(r2, r3, 1, 3), 48);
      }
    }
  }
  for (; p < kc; p++) {
    const s = src + <usize>p * pStep;
    const d = dst + at<T>(p * MR);
    for (let r = 0; r < MR; r++) store<T>(d + at<T>(r), r < mr ? load<T>(s + <usize>r * rowStep) : <T>0);
  }
}

/**
 * Packs op(B)[p0 : p0+kc, j0 : j0+nc] into micro-panels of NR columns: panel q holds
 * columns j0 + q*NR ... as kc groups of NR values (p ascending). Columns past nc are zero.
 */
function packB<T>(transB: i32, b: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const NR = tileWidth<T>();
  let jr = 0;
  if (!transB) {
    // B is (k, n): the NR values for one p are contiguous. Whole panels go PACK_B_GROUP
    // at a time, row by row, so each row segment read is whole cache lines used at once;
    // one panel at a time would walk rows ldb apart, and when ldb is a multiple of 1 KiB
    // those all fall into a few L1 sets and are evicted before the next panel reuses them.
    const fullColumns = nc - nc % NR;
    const panelBytes = at<T>(kc * NR);
    for (; jr < fullColumns; jr += PACK_B_GROUP * NR) {
      const groupEnd = min(jr + PACK_B_GROUP * NR, fullColumns);
      let s = b + at<T>(p0 * ldb + j0 + jr);
      let d = dst + at<T>(jr * kc);
      for (let p = 0; p < kc; p++) {
        let sj = s, dj = d;
        for (let j = jr; j < groupEnd; j += NR) {
          v128.store(dj, v128.load(sj));
          v128.store(dj, v128.load(sj, 16), 16);
          sj += 32;
          dj += panelBytes;
        }
        s += at<T>(ldb);
        d += 32;
      }
    }
    jr = fullColumns;
  }
  for (; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = dst + at<T>(jr * kc);
    if (!transB) {
      // The last, partial panel: whole vectors where they fit inside the row, then
      // single values, then zeros.
      const src = b + at<T>(p0 * ldb + j0 + jr);
      const whole = nr & ~(lanes<T>() - 1);
      for (let p = 0; p < kc; p++) {
        const s = src + at<T>(p * ldb);
        const d = panel + at<T>(p * NR);
        v128.store(d, v128.splat<T>(<T>0));
        v128.store(d, v128.splat<T>(<T>0), 16);
        if (whole) v128.store(d, v128.load(s));
        for (let j = whole; j < nr; j++) store<T>(d + at<T>(j), load<T>(s + at<T>(j)));
      }
    } else {
      // B is (n, k): each column of op(B) is a contiguous row, so transpose small blocks.
      const src = b + at<T>((j0 + jr) * ldb + p0);
      let p = 0;
      if (nr == NR) {
        const ldbBytes = at<T>(ldb);
        const step = lanes<T>();
        for (; p + step <= kc; p += step) {
          const o = at<T>(p);
          const d = panel + at<T>(p * NR);
          // Two groups of four rows (f32) or two pairs of two rows (f64) per block.
          for (let g = 0; g < NR_VECTORS; g++) {
            const s = src + <usize>(g * lanes<T>()) * ldbBytes + o;
            const dg = d + <usize>(g * 16);
            if (sizeof<T>() == 4) {
              const r0 = v128.load(s), r1 = v128.load(s + ldbBytes);
              const r2 = v128.load(s + 2 * ldbBytes), r3 = v128.load(s + 3 * ldbBytes);
              const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
              const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
              const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
              const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
              v128.store(dg, v128.shuffle<f64>(t0, t1, 0, 2));
              v128.store(dg, v128.shuffle<f64>(t0, t1, 1, 3), 32);
              v128.store(dg, v128.shuffle<f64>(t2, t3, 0, 2), 64);
              v128.store(dg, v128.shuffle<f64>(t2, t3, 1, 3), 96);
            } else {
              const r0 = v128.load(s), r1 = v128.load(s + ldbBytes);
              v128.store(dg, v128.shuffle<f64>(r0, r1, 0, 2));
              v128.store(dg, v128.shuffle<f64>(r0, r1, 1, 3), 32);
            }
          }
        }
      }
      for (; p < kc; p++) {
        const d = panel + at<T>(p * NR);
        for (let j = 0; j < NR; j++) store<T>(d + at<T>(j), j < nr ? load<T>(src + at<T>(j * ldb + p)) : <T>0);
      }
    }
  }
}

/**
 * All tiles of one packed block: C (mc, nc) = beta * C + alpha * A block (mc, kc) * B panel (kc, nc).
 * Column panels outside, row panels inside: the B micro-panel stays in L1 while the A
 * block streams from L2.
 */
function macroKernel<T>(mc: i32, nc: i32, kc: i32, packedA: usize, packedB: usize,
                        alpha: T, beta: T, c: usize, ldc: i32, edge: usize): void {
  const NR = tileWidth<T>();
  const aPanelBytes = <usize>(kc * MR * 16);
  const bPanelBytes = <usize>(kc * 32);
  let pb = packedB;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let pa = packedA;
    let cTile = c + at<T>(jr);
    if (nr > lanes<T>()) {
      for (let ir = 0; ir < mc; ir += MR) {
        microKernel<T>(kc, pa, MR * 16, false, pb, 32, alpha, beta, cTile, ldc, min(MR, mc - ir), nr, edge);
        pa += aPanelBytes;
        cTile += at<T>(MR * ldc);
      }
    } else {
      for (let ir = 0; ir < mc; ir += MR) {
        microKernelOneVector<T>(kc, pa, MR * 16, false, pb, alpha, beta, cTile, ldc, min(MR, mc - ir), nr, edge);
        pa += aPanelBytes;
        cTile += at<T>(MR * ldc);
      }
    }
    pb += bPanelBytes;
  }
}

/** The wide path (n > NARROW_N, or f64): pre-broadcast A blocks, B panels, macro-kernel; see the top of this file. */
function gemmWide<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                     alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
                     beta: T, c: usize, ldc: i32, work: usize): void {
  const packedA = work;
  const packedB = packedA + <usize>(MC * KC * 16);
  const edge = packedB + at<T>(KC * NC);
  const kcStep = kBlockStep(k);
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    // Later k-blocks add to what the earlier ones wrote.
    const betaBlock = pc == 0 ? beta : <T>1;
    for (let jc = 0; jc < n; jc += NC) {
      const nc = min(NC, n - jc);
      packB<T>(transB, b, ldb, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        // With a single block of rows, the packed A stays valid across column panels.
        if (m > MC || jc == 0) packA<T>(transA, a, lda, ic, mc, pc, kc, packedA);
        macroKernel<T>(mc, nc, kc, packedA, packedB, alpha, betaBlock, c + at<T>(ic * ldc + jc), ldc, edge);
      }
    }
  }
}

/**
 * The narrow path (f32, n <= NARROW_N). The (kc, n) slabs of op(B) of as many k-blocks as
 * fit in the B region (all of them for a 784-50 layer) are packed first; then each MR-row
 * panel of op(A), plain, goes through those k-blocks in order, and in each meets every
 * column tile while it sits in L1. A is read once, row panel by row panel, and each tile
 * of C stays in cache across its k-blocks. The k-blocks, and so every sum, are those of
 * gemmWide (C takes each block's product in turn, the first with beta).
 */
function gemmNarrow<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                       alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
                       beta: T, c: usize, ldc: i32, work: usize): void {
  const NR = tileWidth<T>();
  // The same regions of `work` as gemmWide: the A panel (MR * KC values) fits in the A block's.
  const panelA = work;
  const packedB = panelA + <usize>(MC * KC * 16);
  const edge = packedB + at<T>(KC * NC);
  const kcStep = kBlockStep(k);
  // A slab is kc rows of n rounded up to whole micro-panels; KC * NC values hold one or more.
  const slabStep = kcStep * ((n + NR - 1) / NR) * NR;
  const groupK = (KC * NC / slabStep) * kcStep;
  for (let pg = 0; pg < k; pg += groupK) {
    const groupEnd = min(k, pg + groupK);
    let slab = packedB;
    for (let pc = pg; pc < groupEnd; pc += kcStep) {
      packB<T>(transB, b, ldb, pc, min(kcStep, k - pc), 0, n, slab);
      slab += at<T>(slabStep);
    }
    for (let ir = 0; ir < m; ir += MR) {
      const mr = min(MR, m - ir);
      const cRow = c + at<T>(ir * ldc);
      slab = packedB;
      for (let pc = pg; pc < groupEnd; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        // Later k-blocks add to what the earlier ones wrote.
        const betaBlock = pc == 0 ? beta : <T>1;
        let pa = panelA;
        let aStep = <usize>(MR * sizeof<T>());
        // A is (k, m): the MR values of each p are already adjacent, lda apart from the next
        // p, and can be read in place; unless lda is a multiple of 256 bytes, which puts the
        // kc rows of the panel into at most 16 of L1's 64 sets (they would evict each other).
        if (transA && mr == MR && (at<T>(lda) & 255) != 0) {
          pa = a + at<T>(pc * lda + ir);
          aStep = at<T>(lda);
        } else {
          packAPanelPlain<T>(transA, a, lda, ir, mr, pc, kc, panelA);
        }
        const bPanelBytes = <usize>(kc * 32);
        let pb = slab;
        let cTile = cRow;
        for (let jr = 0; jr < n; jr += NR) {
          const nr = min(NR, n - jr);
          if (nr > lanes<T>()) microKernel<T>(kc, pa, aStep, true, pb, 32, alpha, betaBlock, cTile, ldc, mr, nr, edge);
          else microKernelOneVector<T>(kc, pa, aStep, true, pb, alpha, betaBlock, cTile, ldc, mr, nr, edge);
          pb += bPanelBytes;
          cTile += at<T>(NR);
        }
        slab += at<T>(slabStep);
      }
    }
  }
}

/**
 * The few-rows path (m <= FEW_ROWS, k >= LONG_K, B not transposed: a conv layer's
 * dW (FN, C * FH * FW) = dYᵀ col, with dY (N * OH * OW, FN) and col (N * OH * OW, C * FH * FW)).
 * Each B value meets only ceil(m / MR) tiles, so packing B (a copy of all of it) cost a sixth
 * to a third of the product. Instead, per k-block, all of op(A) is packed plainly (m * kc
 * values, small), and each row panel of A, held in L1, goes across the k-block's rows of B
 * read where they stand (from L2 after the first panel). This order measured 1-5 points
 * faster than column tile outside, row panels inside. A last partial column tile is packed,
 * as reading it in place would run past B's rows. Same k-blocks and sums as gemmWide.
 */
function gemmFewRows<T>(transA: i32, m: i32, n: i32, k: i32,
                        alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
                        beta: T, c: usize, ldc: i32, work: usize): void {
  const NR = tileWidth<T>();
  // All A panels of a k-block (FEW_ROWS * KC values at most) fit in the A block's region.
  const panelsA = work;
  const packedB = panelsA + <usize>(MC * KC * 16);
  const edge = packedB + at<T>(KC * NC);
  const kcStep = kBlockStep(k);
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    // Later k-blocks add to what the earlier ones wrote.
    const betaBlock = pc == 0 ? beta : <T>1;
    for (let ir = 0; ir < m; ir += MR) {
      packAPanelPlain<T>(transA, a, lda, ir, min(MR, m - ir), pc, kc, panelsA + at<T>(ir * kc));
    }
    // The last, partial column tile is packed once per k-block (in place it would run past B's rows).
    const fullN = n - n % NR;
    if (fullN < n) packB<T>(0, b, ldb, pc, kc, fullN, n - fullN, packedB);
    for (let ir = 0; ir < m; ir += MR) {
      const mr = min(MR, m - ir);
      const pa = panelsA + at<T>(ir * kc);
      const cRow = c + at<T>(ir * ldc);
      for (let jr = 0; jr < fullN; jr += NR) {
        microKernel<T>(kc, pa, MR * sizeof<T>(), true, b + at<T>(pc * ldb + jr), at<T>(ldb), alpha, betaBlock, cRow + at<T>(jr), ldc, mr, NR, edge);
      }
      if (fullN < n) {
        const nr = n - fullN;
        if (nr > lanes<T>()) microKernel<T>(kc, pa, MR * sizeof<T>(), true, packedB, 32, alpha, betaBlock, cRow + at<T>(fullN), ldc, mr, nr, edge);
        else microKernelOneVector<T>(kc, pa, MR * sizeof<T>(), true, packedB, alpha, betaBlock, cRow + at<T>(fullN), ldc, mr, nr, edge);
      }
    }
  }
}

function gemm<T>(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                 alpha: T, a: usize, lda: i32, b: usize, ldb: i32,
                 beta: T, c: usize, ldc: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == <T>0) {
    scaleC<T>(m, n, beta, c, ldc);
    return;
  }
  if (!transB && m <= FEW_ROWS && k >= LONG_K && (at<T>(ldb) & 1023) != 0) {
    gemmFewRows<T>(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
  } else if (sizeof<T>() == 4 && n <= NARROW_N) {
    gemmNarrow<T>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
  } else {
    gemmWide<T>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
  }
}

/** C = alpha * op(A) * op(B) + beta * C in f32; see the top of this file. */
export function gemm_f32(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                         alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
                         beta: f32, c: usize, ldc: i32, work: usize): void {
  gemm<f32>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}

/** C = alpha * op(A) * op(B) + beta * C in f64; see the top of this file. */
export function gemm_f64(transA: i32, transB: i32, m: i32, n: i32, k: i32,
                         alpha: f64, a: usize, lda: i32, b: usize, ldb: i32,
                         beta: f64, c: usize, ldc: i32, work: usize): void {
  gemm<f64>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work);
}

/** Bytes of scratch `work` that gemm_f32 needs (a multiple of 16). */
export function gemmWorkBytes_f32(): i32 {
  return workBytes<f32>();
}

/** Bytes of scratch `work` that gemm_f64 needs (a multiple of 16). */
export function gemmWorkBytes_f64(): i32 {
  return workBytes<f64>();
}
