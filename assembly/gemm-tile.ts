// The GEMM's micro-tile: 4 rows x (2 v128) of C summed in registers, and its k-blocks.
// Shared by gemm.ts and the convolution kernels that run the same products without a col
// matrix (conv-implicit.ts, conv-direct.ts), so all sum every C element in the same order.
// Internal: index.ts does not re-export this file.
import { at, lanes } from './lanes';

/** Rows of C per micro-tile. */
export const MR = 4;
/** v128 vectors per micro-tile row: NR = 2 * lanes (8 for f32, 4 for f64). */
export const NR_VECTORS = 2;
/**
 * At most this many k per packed panel. The actual block size is k split evenly
 * (ceil(k / ceil(k / KC))), so it depends on k only.
 */
export const KC = 256;

/** Scratch for one partial tile of C (MR rows of NR values, rows 32 bytes apart): microKernel's `edge`. */
export const EDGE_BYTES = 128;

/** Bytes of op(A) packed in MR-row panels (packRowPanels): ceil(m / MR) panels of k steps of MR values. */
@inline export function packedRowsBytes<T>(m: i32, k: i32): i32 {
  return ((m + MR - 1) / MR) * MR * k * <i32>sizeof<T>();
}

/**
 * Packs op(A) = M (m, k), row-major, into MR-row panels of values to splat:
 * panel q holds, for p ascending, M[q * MR ... q * MR + MR - 1, p] (zeros past m), so a k-block
 * starting at p0 starts p0 * MR values into its panel.
 */
export function packRowPanels<T>(matrix: usize, m: i32, k: i32, dst: usize): void {
  for (let r0 = 0; r0 < m; r0 += MR) {
    const mr = min(MR, m - r0);
    for (let p = 0; p < k; p++) {
      for (let r = 0; r < MR; r++) store<T>(at<T>(dst, r), r < mr ? load<T>(at<T>(matrix, (r0 + r) * k + p)) : <T>0);
      dst = at<T>(dst, MR);
    }
  }
}

/**
 * Copies the last partial column tile of B (kc rows of `cols` < NR values from `first`, rows
 * `rowBytes` apart) into `tile` as rows of NR values 32 bytes apart, zero-padded, so the
 * micro-kernel reads a whole tile without running past B.
 */
export function copyEdgeTile<T>(first: usize, rowBytes: usize, kc: i32, cols: i32, tile: usize): void {
  for (let p = 0; p < kc; p++) {
    const s = first + <usize>p * rowBytes;
    const d = tile + <usize>(p * 32);
    for (let j = 0; j < tileWidth<T>(); j++) store<T>(at<T>(d, j), j < cols ? load<T>(at<T>(s, j)) : <T>0);
  }
}

/** The k-block size for a sum over k: k split evenly into ceil(k / KC) blocks (it depends on k only). */
@inline export function kBlockStep(k: i32): i32 {
  const kBlocks = (k + KC - 1) / KC;
  return (k + kBlocks - 1) / kBlocks;
}

/** Columns of C per micro-tile. */
@inline export function tileWidth<T>(): i32 {
  return NR_VECTORS * lanes<T>();
}

/** One row of a full tile: C[0 : NR] = beta * C + alpha * acc (beta == 0: C is not read). */
@inline export function updateRow<T>(row: usize, acc0: v128, acc1: v128, alpha: v128, beta: v128, betaIsZero: bool): void {
  if (betaIsZero) {
    v128.store(row, v128.mul<T>(alpha, acc0));
    v128.store(row, v128.mul<T>(alpha, acc1), 16);
  } else {
    v128.store(row, v128.add<T>(v128.mul<T>(beta, v128.load(row)), v128.mul<T>(alpha, acc0)));
    v128.store(row, v128.add<T>(v128.mul<T>(beta, v128.load(row, 16)), v128.mul<T>(alpha, acc1)), 16);
  }
}

/**
 * Row r of an A micro-panel at step p (pa points at step p): MR broadcast vectors one after
 * another (pre-broadcast), or MR plain values broadcast by the load itself (splatA).
 * splatA is a constant at every call site, so only one kind of load is compiled in.
 */
@inline export function loadA<T>(pa: usize, r: i32, splatA: bool): v128 {
  if (splatA) {
    if (r == 0) return v128.load_splat<T>(pa);
    if (r == 1) return v128.load_splat<T>(pa, sizeof<T>());
    if (r == 2) return v128.load_splat<T>(pa, 2 * sizeof<T>());
    return v128.load_splat<T>(pa, 3 * sizeof<T>());
  }
  if (r == 0) return v128.load(pa);
  if (r == 1) return v128.load(pa, 16);
  if (r == 2) return v128.load(pa, 32);
  return v128.load(pa, 48);
}

/**
 * The micro-kernel, gemm 4 x (2 v128) Simd: acc (MR, NR) = sum over p of pa[p] (MR) outer pb[p] (NR),
 * then C[0 : mr, 0 : nr] = beta * C + alpha * acc. pa is one A micro-panel: kc steps aStep
 * bytes apart, each MR broadcast vectors or (splatA) MR plain values; pb is one B micro-panel:
 * kc rows of NR values bStep bytes apart (32 when packed, B's row stride when read in place,
 * gemmFewRows). Eight accumulators, two B vectors, one A vector and V8's product
 * temporary stay within the 12 live v128 values that V8 keeps in registers. `edge` is
 * scratch for one tile when mr < MR or nr < NR.
 */
@inline export function microKernel<T>(kc: i32, pa: usize, aStep: usize, splatA: bool, pb: usize, bStep: usize,
                                alpha: T, beta: T, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
  let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
  let c20 = v128.splat<T>(<T>0), c21 = v128.splat<T>(<T>0);
  let c30 = v128.splat<T>(<T>0), c31 = v128.splat<T>(<T>0);
  // One step of p per trip: with more, TurboFan hoists the loads of later steps above
  // the arithmetic of earlier ones, runs out of registers and spills.
  const pbEnd = pb + <usize>kc * bStep;
  while (pb < pbEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = loadA<T>(pa, 0, splatA);
    c00 = v128.add<T>(c00, v128.mul<T>(a, b0));
    c01 = v128.add<T>(c01, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 1, splatA);
    c10 = v128.add<T>(c10, v128.mul<T>(a, b0));
    c11 = v128.add<T>(c11, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 2, splatA);
    c20 = v128.add<T>(c20, v128.mul<T>(a, b0));
    c21 = v128.add<T>(c21, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 3, splatA);
    c30 = v128.add<T>(c30, v128.mul<T>(a, b0));
    c31 = v128.add<T>(c31, v128.mul<T>(a, b1));
    pa += aStep;
    pb += bStep;
  }
  storeTile<T>(c00, c01, c10, c11, c20, c21, c30, c31, alpha, beta, c, ldc, mr, nr, edge);
}

/**
 * microKernel with B's rows gathered: row p of the B micro-panel is the v128 at pb = base + offsets[p]
 * (i32 byte offsets) and the one at pb + second (16: the NR values that follow), so a stride-1
 * convolution reads its input image in place (conv-direct.ts) instead of a built colᵀ, a tile's
 * two halves from two output rows if need be. `split` (a constant at each call site): each half
 * is two 8-byte pieces instead, at pb and pb + firstHigh, pb + second and pb + secondHigh (two
 * pairs of f32 on two output rows). The same sums, in the same order, as microKernel.
 */
@inline export function microKernelGathered<T>(kc: i32, pa: usize, offsets: usize, base: usize, second: usize,
                                               split: bool, firstHigh: usize, secondHigh: usize,
                                               alpha: T, beta: T, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
  let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
  let c20 = v128.splat<T>(<T>0), c21 = v128.splat<T>(<T>0);
  let c30 = v128.splat<T>(<T>0), c31 = v128.splat<T>(<T>0);
  const offsetsEnd = offsets + <usize>(kc << 2);
  while (offsets < offsetsEnd) {
    const pb = base + <usize>load<i32>(offsets);
    let b0: v128, b1: v128;
    if (split) {
      b0 = v128.load64_lane(pb + firstHigh, v128.load64_zero(pb), 1);
      b1 = v128.load64_lane(pb + secondHigh, v128.load64_zero(pb + second), 1);
    } else {
      b0 = v128.load(pb);
      b1 = v128.load(pb + second);
    }
    let a = loadA<T>(pa, 0, true);
    c00 = v128.add<T>(c00, v128.mul<T>(a, b0));
    c01 = v128.add<T>(c01, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 1, true);
    c10 = v128.add<T>(c10, v128.mul<T>(a, b0));
    c11 = v128.add<T>(c11, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 2, true);
    c20 = v128.add<T>(c20, v128.mul<T>(a, b0));
    c21 = v128.add<T>(c21, v128.mul<T>(a, b1));
    a = loadA<T>(pa, 3, true);
    c30 = v128.add<T>(c30, v128.mul<T>(a, b0));
    c31 = v128.add<T>(c31, v128.mul<T>(a, b1));
    pa += MR * sizeof<T>();
    offsets += 4;
  }
  storeTile<T>(c00, c01, c10, c11, c20, c21, c30, c31, alpha, beta, c, ldc, mr, nr, edge);
}

/**
 * microKernel with A's MR rows read in place, as runs: [runs, runsEnd) holds (byte address, byte
 * length) pairs of i32, and row r of the A micro-panel at the steps of a run starting at q is
 * the value at q + o_r, then q + o_r + sizeof<T>() and so on (a stride-1 convolution's colᵀ rows
 * in a padded image, conv-direct.ts). B's rows follow one another bStep bytes apart across runs.
 * The same sums, in the same order, as microKernel over those steps.
 */
@inline export function microKernelRuns<T>(runs: usize, runsEnd: usize, o0: usize, o1: usize, o2: usize, o3: usize,
                                           pb: usize, bStep: usize, beta: T, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
  let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
  let c20 = v128.splat<T>(<T>0), c21 = v128.splat<T>(<T>0);
  let c30 = v128.splat<T>(<T>0), c31 = v128.splat<T>(<T>0);
  while (runs < runsEnd) {
    let q = <usize>load<i32>(runs);
    const qEnd = q + <usize>load<i32>(runs, 4);
    while (q < qEnd) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let a = v128.load_splat<T>(q + o0);
      c00 = v128.add<T>(c00, v128.mul<T>(a, b0));
      c01 = v128.add<T>(c01, v128.mul<T>(a, b1));
      a = v128.load_splat<T>(q + o1);
      c10 = v128.add<T>(c10, v128.mul<T>(a, b0));
      c11 = v128.add<T>(c11, v128.mul<T>(a, b1));
      a = v128.load_splat<T>(q + o2);
      c20 = v128.add<T>(c20, v128.mul<T>(a, b0));
      c21 = v128.add<T>(c21, v128.mul<T>(a, b1));
      a = v128.load_splat<T>(q + o3);
      c30 = v128.add<T>(c30, v128.mul<T>(a, b0));
      c31 = v128.add<T>(c31, v128.mul<T>(a, b1));
      q += sizeof<T>();
      pb += bStep;
    }
    runs += 8;
  }
  storeTile<T>(c00, c01, c10, c11, c20, c21, c30, c31, <T>1, beta, c, ldc, mr, nr, edge);
}

/** C[0 : mr, 0 : nr] = beta * C + alpha * acc for the eight accumulators of a micro-tile. */
@inline function storeTile<T>(c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
                              alpha: T, beta: T, c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  const betaIsZero = beta == <T>0;
  if (mr == MR && nr == tileWidth<T>()) {
    const av = v128.splat<T>(alpha), bv = v128.splat<T>(beta);
    const ldcBytes = at<T>(0, ldc);
    updateRow<T>(c, c00, c01, av, bv, betaIsZero);
    updateRow<T>(c + ldcBytes, c10, c11, av, bv, betaIsZero);
    updateRow<T>(c + 2 * ldcBytes, c20, c21, av, bv, betaIsZero);
    updateRow<T>(c + 3 * ldcBytes, c30, c31, av, bv, betaIsZero);
    return;
  }
  // Partial tile: spill the accumulators and update only what lies inside C.
  v128.store(edge, c00); v128.store(edge, c01, 16);
  v128.store(edge, c10, 32); v128.store(edge, c11, 48);
  v128.store(edge, c20, 64); v128.store(edge, c21, 80);
  v128.store(edge, c30, 96); v128.store(edge, c31, 112);
  updateFromEdge<T>(edge, alpha, beta, c, ldc, mr, nr);
}

/**
 * The micro-kernel for a last column panel no wider than one vector (nr <= lanes):
 * the same sums as microKernel's first vector, without the wasted second half.
 * Four accumulators, one B vector per step (pb still advances by the padded panel width).
 */
@inline export function microKernelOneVector<T>(kc: i32, pa: usize, aStep: usize, splatA: bool, pb: usize, alpha: T, beta: T,
                                         c: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  let c0 = v128.splat<T>(<T>0), c1 = v128.splat<T>(<T>0);
  let c2 = v128.splat<T>(<T>0), c3 = v128.splat<T>(<T>0);
  const pbEnd = pb + <usize>(kc * 32);
  while (pb < pbEnd) {
    const b = v128.load(pb);
    c0 = v128.add<T>(c0, v128.mul<T>(loadA<T>(pa, 0, splatA), b));
    c1 = v128.add<T>(c1, v128.mul<T>(loadA<T>(pa, 1, splatA), b));
    c2 = v128.add<T>(c2, v128.mul<T>(loadA<T>(pa, 2, splatA), b));
    c3 = v128.add<T>(c3, v128.mul<T>(loadA<T>(pa, 3, splatA), b));
    pa += aStep;
    pb += 32;
  }
  v128.store(edge, c0);
  v128.store(edge, c1, 32);
  v128.store(edge, c2, 64);
  v128.store(edge, c3, 96);
  updateFromEdge<T>(edge, alpha, beta, c, ldc, mr, nr);
}

/**
 * C[0 : mr, 0 : nr] = beta * C + alpha * acc for a tile spilled to `edge` (rows 32 bytes apart),
 * with the same scalar operations as the vector lanes (so the bits do not depend on the edge).
 */
export function updateFromEdge<T>(edge: usize, alpha: T, beta: T, c: usize, ldc: i32, mr: i32, nr: i32): void {
  const betaIsZero = beta == <T>0;
  for (let r = 0; r < mr; r++) {
    const row = c + at<T>(0, r * ldc);
    const accRow = edge + <usize>(r * 32);
    for (let j = 0; j < nr; j++) {
      const acc = load<T>(accRow + at<T>(0, j));
      const cj = row + at<T>(0, j);
      store<T>(cj, betaIsZero ? alpha * acc : beta * load<T>(cj) + alpha * acc);
    }
  }
}
