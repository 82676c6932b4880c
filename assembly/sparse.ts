// Products with a sparse left operand: a batch of images kept as compressed rows (CSR), so the
// first layer's forward X W and weight gradient Xᵀ dY skip every zero pixel.
//
// A CSR matrix X (N, D) is three arrays: rowStart i32 (N + 1,), colIdx i32 (nnz,), vals T (nnz,).
// Row i's nonzeros are colIdx/vals[rowStart[i] .. rowStart[i + 1]), columns ascending;
// rowStart holds absolute positions, so a window of rows is rowStart + i * 4 with the same
// colIdx and vals.
//
// The products also read a batch straight out of a byte set made by compressSetU8 (V = u8 below):
// row i is row index[i] of the set, its columns u16, and each nonzero's value table[byte], the
// byte converted and scaled as gatherByteRows does it. The floats are then those of the batch
// gatherByteRows would copy out, and so are the sums, bit for bit; no batch is copied.
//
// Reproducibility: every output element is a sum over one row's (or one column's) nonzeros
// in ascending order, one product at a time (a multiply, then an add: no fused multiply-add),
// starting from 0; a full vector's lane, a partial vector's lane and a scalar do the same operations. The order depends
// on the data alone, so a split by output rows or output columns gives the same bits.
import { at, lanes, loadPart, storePart } from './lanes';
import { RowInts, Whole } from './pointers';

// ---------------------------------------------------------------------------- compress

/**
 * Gathers rows of a byte data set into CSR: row r is src[idx[r], :] * scale (src is (any, cols)
 * bytes, idx is i32 (rows,)), keeping only the nonzero bytes; no dense float batch is made.
 * colIdx and vals must have room for rows * cols entries. Returns nnz (also rowStart[rows]).
 * A value is the byte converted exactly, then scaled (one rounding), as gatherRowsU8 gives it.
 */
function compressRowsU8<T>(rows: i32, cols: i32, src: usize, idx: usize, scale: T, rowStart: usize, colIdx: usize, vals: usize): i32 {
  const none = i8x16.splat(0);
  let n = 0;
  store<i32>(rowStart, 0);
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>load<i32>(at<i32>(idx, r)) * <usize>cols;
    let j = 0;
    // Sixteen bytes at a time: one bit per nonzero byte, then one step per set bit.
    for (; j + 16 <= cols; j += 16) {
      let mask = i8x16.bitmask(i8x16.ne(v128.load(from + <usize>j), none));
      while (mask != 0) {
        const c = j + ctz<i32>(mask);
        mask &= mask - 1;
        store<i32>(at<i32>(colIdx, n), c);
        store<T>(at<T>(vals, n), <T>load<u8>(from + <usize>c) * scale);
        n++;
      }
    }
    for (; j < cols; j++) {
      const b = load<u8>(from + <usize>j);
      if (b != 0) {
        store<i32>(at<i32>(colIdx, n), j);
        store<T>(at<T>(vals, n), <T>b * scale);
        n++;
      }
    }
    store<i32>(at<i32>(rowStart, r + 1), n);
  }
  return n;
}

export function compressRowsU8_f32(rows: i32, cols: i32, src: usize, idx: usize, scale: f32, rowStart: usize, colIdx: usize, vals: usize): i32 {
  return compressRowsU8<f32>(rows, cols, src, idx, scale, rowStart, colIdx, vals);
}
export function compressRowsU8_f64(rows: i32, cols: i32, src: usize, idx: usize, scale: f64, rowStart: usize, colIdx: usize, vals: usize): i32 {
  return compressRowsU8<f64>(rows, cols, src, idx, scale, rowStart, colIdx, vals);
}

/** Number of nonzero bytes in src[0 .. n): the size of a whole byte set's compressed rows. */
export function countNonzeroU8(n: i32, src: usize): i32 {
  const none = i8x16.splat(0);
  let count = 0;
  let j = 0;
  for (; j + 16 <= n; j += 16) count += popcnt<i32>(i8x16.bitmask(i8x16.ne(v128.load(src + <usize>j), none)));
  for (; j < n; j++) if (load<u8>(src + <usize>j) != 0) count++;
  return count;
}

/**
 * A whole byte set src (rows, cols), cols <= 65,536, kept as its nonzero bytes: rowStart i32
 * (rows + 1,), and per nonzero a u16 column (colIdx) and the raw byte (bytes), 3 bytes each
 * instead of a float CSR's 8 (f32) or 12 (f64). colIdx and bytes must have room for the set's
 * nonzeros (countNonzeroU8). Returns nnz (also rowStart[rows]).
 */
export function compressSetU8(rows: i32, cols: i32, src: usize, rowStart: usize, colIdx: usize, bytes: usize): i32 {
  const none = i8x16.splat(0);
  let n = 0;
  store<i32>(rowStart, 0);
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>r * <usize>cols;
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      let mask = i8x16.bitmask(i8x16.ne(v128.load(from + <usize>j), none));
      while (mask != 0) {
        const c = j + ctz<i32>(mask);
        mask &= mask - 1;
        store<u16>(colIdx + (<usize>n << 1), c);
        store<u8>(bytes + <usize>n, load<u8>(from + <usize>c));
        n++;
      }
    }
    for (; j < cols; j++) {
      const b = load<u8>(from + <usize>j);
      if (b != 0) {
        store<u16>(colIdx + (<usize>n << 1), j);
        store<u8>(bytes + <usize>n, b);
        n++;
      }
    }
    store<i32>(at<i32>(rowStart, r + 1), n);
  }
  return n;
}

/**
 * Copies rows of a set made by compressSetU8 out as a float CSR batch: row r of the batch is
 * row idx[r] of the set, each byte converted exactly, then scaled (one rounding), so the batch
 * equals what compressRowsU8 makes from the set's bytes, bit for bit. colIdx and vals must have
 * room for the rows' nonzeros. Returns nnz (also rowStart[rows]).
 */
function gatherByteRows<T>(rows: i32, setRowStart: usize, setColIdx: usize, setBytes: usize, idx: usize, scale: T, rowStart: usize, colIdx: usize, vals: usize): i32 {
  // The rows of a shuffled batch are far apart in the set and rarely in cache. A first pass
  // copies each row's first entry, so that the cache misses of all rows are in flight together
  // instead of one row after another; the second pass writes the same values again.
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const row = load<i32>(at<i32>(idx, r));
    const begin = load<i32>(at<i32>(setRowStart, row));
    const end = load<i32>(at<i32>(setRowStart, row + 1));
    if (begin == end) continue;
    store<i32>(at<i32>(colIdx, n), <i32>load<u16>(setColIdx + (<usize>begin << 1)));
    store<T>(at<T>(vals, n), <T>load<u8>(setBytes + <usize>begin) * scale);
    n += end - begin;
  }
  n = 0;
  store<i32>(rowStart, 0);
  for (let r = 0; r < rows; r++) {
    const row = load<i32>(at<i32>(idx, r));
    const begin = load<i32>(at<i32>(setRowStart, row));
    const end = load<i32>(at<i32>(setRowStart, row + 1));
    let p = begin;
    // Eight entries at a time, reading only the row's own: columns widened u16 -> i32, bytes
    // u8 -> i32 -> T exactly, then one multiply per lane, as the scalar tail does.
    for (; p + 8 <= end; p += 8) {
      const c = v128.load(setColIdx + (<usize>p << 1));
      v128.store(at<i32>(colIdx, n), i32x4.extend_low_i16x8_u(c));
      v128.store(at<i32>(colIdx, n + 4), i32x4.extend_high_i16x8_u(c));
      const w = i16x8.extend_low_i8x16_u(v128.load64_zero(setBytes + <usize>p));
      const lo = i32x4.extend_low_i16x8_u(w);
      const hi = i32x4.extend_high_i16x8_u(w);
      if (sizeof<T>() == 4) {
        const k = f32x4.splat(<f32>scale);
        v128.store(at<T>(vals, n), f32x4.mul(f32x4.convert_i32x4_u(lo), k));
        v128.store(at<T>(vals, n + 4), f32x4.mul(f32x4.convert_i32x4_u(hi), k));
      } else {
        const k = f64x2.splat(<f64>scale);
        v128.store(at<T>(vals, n), f64x2.mul(f64x2.convert_low_i32x4_u(lo), k));
        v128.store(at<T>(vals, n + 2), f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(lo, lo, 2, 3, 0, 1)), k));
        v128.store(at<T>(vals, n + 4), f64x2.mul(f64x2.convert_low_i32x4_u(hi), k));
        v128.store(at<T>(vals, n + 6), f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(hi, hi, 2, 3, 0, 1)), k));
      }
      n += 8;
    }
    for (; p < end; p++) {
      store<i32>(at<i32>(colIdx, n), <i32>load<u16>(setColIdx + (<usize>p << 1)));
      store<T>(at<T>(vals, n), <T>load<u8>(setBytes + <usize>p) * scale);
      n++;
    }
    store<i32>(at<i32>(rowStart, r + 1), n);
  }
  return n;
}

export function gatherByteRows_f32(rows: i32, setRowStart: usize, setColIdx: usize, setBytes: usize, idx: usize, scale: f32, rowStart: usize, colIdx: usize, vals: usize): i32 {
  return gatherByteRows<f32>(rows, setRowStart, setColIdx, setBytes, idx, scale, rowStart, colIdx, vals);
}
export function gatherByteRows_f64(rows: i32, setRowStart: usize, setColIdx: usize, setBytes: usize, idx: usize, scale: f64, rowStart: usize, colIdx: usize, vals: usize): i32 {
  return gatherByteRows<f64>(rows, setRowStart, setColIdx, setBytes, idx, scale, rowStart, colIdx, vals);
}

// ----------------------------------------------------------------------- Y = X W (+ b)

// How the products read row i's nonzeros, V telling the two forms apart at compile time: a float
// CSR batch (V = T: rowStart[i], i32 columns, float values) or rows of a byte set named by index
// (V = u8: rowStart[index[i]] of the set, u16 columns, values table[byte]).

/** The row of rowStart that batch row i reads. */
@inline function rowOf<V>(index: usize, i: i32): i32 {
  return sizeof<V>() == 1 ? load<i32>(at<i32>(index, i)) : i;
}

/** Column of nonzero p (u16 in a byte set, i32 in a float batch). */
@inline function columnAt<V>(colIdx: usize, p: i32): usize {
  return sizeof<V>() == 1 ? <usize>load<u16>(colIdx + (<usize>p << 1)) : <usize>load<i32>(at<i32>(colIdx, p));
}

/** Value of nonzero p in every lane: vals[p], or table[byte p] for a byte set. */
@inline function valueAt<T, V>(vals: usize, table: usize, p: i32): v128 {
  return sizeof<V>() == 1 ? v128.load_splat<T>(at<T>(table, <i32>load<u8>(vals + <usize>p))) : v128.load_splat<T>(at<T>(vals, p));
}

/**
 * Nine vectors of one row of csrMatmul: y[0 .. 8 * lanes + k) = the row's nonzeros times W's
 * columns from w on (+ bias), k (1 .. lanes) columns in the ninth. w, bias (0 for none) and y
 * point at the block's first column; wRow is W's row stride in bytes.
 */
@inline function csrMatmulNine<T, V>(k: i32, begin: i32, end: i32, colIdx: usize, vals: usize, table: usize, w: usize, wRow: usize, bias: usize, y: usize): void {
  const whole = k == lanes<T>();
  let a0 = v128.splat<T>(<T>0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
  for (let p = begin; p < end; p++) {
    const v = valueAt<T, V>(vals, table, p);
    const wp = w + columnAt<V>(colIdx, p) * wRow;
    a0 = v128.add<T>(a0, v128.mul<T>(v, v128.load(wp)));
    a1 = v128.add<T>(a1, v128.mul<T>(v, v128.load(wp, 16)));
    a2 = v128.add<T>(a2, v128.mul<T>(v, v128.load(wp, 32)));
    a3 = v128.add<T>(a3, v128.mul<T>(v, v128.load(wp, 48)));
    a4 = v128.add<T>(a4, v128.mul<T>(v, v128.load(wp, 64)));
    a5 = v128.add<T>(a5, v128.mul<T>(v, v128.load(wp, 80)));
    a6 = v128.add<T>(a6, v128.mul<T>(v, v128.load(wp, 96)));
    a7 = v128.add<T>(a7, v128.mul<T>(v, v128.load(wp, 112)));
    a8 = v128.add<T>(a8, v128.mul<T>(v, whole ? v128.load(wp, 128) : loadPart<T>(wp + 128, k)));
  }
  if (bias != 0) {
    a0 = v128.add<T>(a0, v128.load(bias));
    a1 = v128.add<T>(a1, v128.load(bias, 16));
    a2 = v128.add<T>(a2, v128.load(bias, 32));
    a3 = v128.add<T>(a3, v128.load(bias, 48));
    a4 = v128.add<T>(a4, v128.load(bias, 64));
    a5 = v128.add<T>(a5, v128.load(bias, 80));
    a6 = v128.add<T>(a6, v128.load(bias, 96));
    a7 = v128.add<T>(a7, v128.load(bias, 112));
    a8 = v128.add<T>(a8, whole ? v128.load(bias, 128) : loadPart<T>(bias + 128, k));
  }
  v128.store(y, a0);
  v128.store(y, a1, 16);
  v128.store(y, a2, 32);
  v128.store(y, a3, 48);
  v128.store(y, a4, 64);
  v128.store(y, a5, 80);
  v128.store(y, a6, 96);
  v128.store(y, a7, 112);
  if (whole) v128.store(y, a8, 128);
  else storePart<T>(y + 128, a8, k);
}

/**
 * Y (rows, h) = X W (+ bias): X is CSR (rows, D), W is (D, h), bias is (h,) or the address 0 for
 * none (the arena never hands out 0). Y[i, c] = (sum over row i's nonzeros p of vals[p] *
 * W[colIdx[p], c]) + bias[c]. Columns go 8 vectors at a time with the sums in registers, so
 * W's rows are read once per block and Y is written once.
 */
function csrMatmul<T, V>(rows: i32, h: i32, index: usize, rowStart: usize, colIdx: usize, vals: usize, table: usize, w: usize, bias: usize, y: usize): void {
  const L = lanes<T>();
  const wRow = <usize>h << alignof<T>();
  for (let i = 0; i < rows; i++) {
    const row = rowOf<V>(index, i);
    const begin = load<i32>(at<i32>(rowStart, row));
    const end = load<i32>(at<i32>(rowStart, row + 1));
    const yRow = y + <usize>i * wRow;
    let c = 0;
    for (; c + 8 * L <= h; c += 8 * L) {
      const col = <usize>c << alignof<T>();
      // When at most one vector (whole or partial) would be left after this block, it rides along
      // as a ninth sum: 100 columns (f32) walk the nonzeros 3 times (32 + 32 + 36), not 4.
      const rest = h - c - 8 * L;
      const k = rest <= L ? rest : 0;
      if (k != 0) {
        csrMatmulNine<T, V>(k, begin, end, colIdx, vals, table, w + col, wRow, bias == 0 ? 0 : bias + col, yRow + col);
        c += k;
        continue;
      }
      let a0 = v128.splat<T>(<T>0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
      for (let p = begin; p < end; p++) {
        const v = valueAt<T, V>(vals, table, p);
        const wp = w + columnAt<V>(colIdx, p) * wRow + col;
        a0 = v128.add<T>(a0, v128.mul<T>(v, v128.load(wp)));
        a1 = v128.add<T>(a1, v128.mul<T>(v, v128.load(wp, 16)));
        a2 = v128.add<T>(a2, v128.mul<T>(v, v128.load(wp, 32)));
        a3 = v128.add<T>(a3, v128.mul<T>(v, v128.load(wp, 48)));
        a4 = v128.add<T>(a4, v128.mul<T>(v, v128.load(wp, 64)));
        a5 = v128.add<T>(a5, v128.mul<T>(v, v128.load(wp, 80)));
        a6 = v128.add<T>(a6, v128.mul<T>(v, v128.load(wp, 96)));
        a7 = v128.add<T>(a7, v128.mul<T>(v, v128.load(wp, 112)));
      }
      if (bias != 0) {
        const bp = bias + col;
        a0 = v128.add<T>(a0, v128.load(bp));
        a1 = v128.add<T>(a1, v128.load(bp, 16));
        a2 = v128.add<T>(a2, v128.load(bp, 32));
        a3 = v128.add<T>(a3, v128.load(bp, 48));
        a4 = v128.add<T>(a4, v128.load(bp, 64));
        a5 = v128.add<T>(a5, v128.load(bp, 80));
        a6 = v128.add<T>(a6, v128.load(bp, 96));
        a7 = v128.add<T>(a7, v128.load(bp, 112));
      }
      const yp = yRow + col;
      v128.store(yp, a0);
      v128.store(yp, a1, 16);
      v128.store(yp, a2, 32);
      v128.store(yp, a3, 48);
      v128.store(yp, a4, 64);
      v128.store(yp, a5, 80);
      v128.store(yp, a6, 96);
      v128.store(yp, a7, 112);
    }
    // A 4-vector block next, so that a width such as 50 walks the nonzeros 2 times, not 5; a last
    // partial vector (50 = 32 + 16 + 2 in f32) rides in the same pass.
    if (c + 4 * L <= h) {
      const col = <usize>c << alignof<T>();
      const k = h - c - 4 * L < L ? h - c - 4 * L : 0;
      const partCol = col + 64;
      let a0 = v128.splat<T>(<T>0), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
      if (k == 0) {
        for (let p = begin; p < end; p++) {
          const v = valueAt<T, V>(vals, table, p);
          const wp = w + columnAt<V>(colIdx, p) * wRow + col;
          a0 = v128.add<T>(a0, v128.mul<T>(v, v128.load(wp)));
          a1 = v128.add<T>(a1, v128.mul<T>(v, v128.load(wp, 16)));
          a2 = v128.add<T>(a2, v128.mul<T>(v, v128.load(wp, 32)));
          a3 = v128.add<T>(a3, v128.mul<T>(v, v128.load(wp, 48)));
        }
      } else {
        for (let p = begin; p < end; p++) {
          const v = valueAt<T, V>(vals, table, p);
          const wp = w + columnAt<V>(colIdx, p) * wRow + col;
          a0 = v128.add<T>(a0, v128.mul<T>(v, v128.load(wp)));
          a1 = v128.add<T>(a1, v128.mul<T>(v, v128.load(wp, 16)));
          a2 = v128.add<T>(a2, v128.mul<T>(v, v128.load(wp, 32)));
          a3 = v128.add<T>(a3, v128.mul<T>(v, v128.load(wp, 48)));
          a4 = v128.add<T>(a4, v128.mul<T>(v, loadPart<T>(wp + 64, k)));
        }
      }
      if (bias != 0) {
        const bp = bias + col;
        a0 = v128.add<T>(a0, v128.load(bp));
        a1 = v128.add<T>(a1, v128.load(bp, 16));
        a2 = v128.add<T>(a2, v128.load(bp, 32));
        a3 = v128.add<T>(a3, v128.load(bp, 48));
        if (k != 0) a4 = v128.add<T>(a4, loadPart<T>(bias + partCol, k));
      }
      const yp = yRow + col;
      v128.store(yp, a0);
      v128.store(yp, a1, 16);
      v128.store(yp, a2, 32);
      v128.store(yp, a3, 48);
      if (k != 0) storePart<T>(yRow + partCol, a4, k);
      c += 4 * L + k;
    }
    for (; c + L <= h; c += L) {
      const col = <usize>c << alignof<T>();
      let a = v128.splat<T>(<T>0);
      for (let p = begin; p < end; p++) {
        const wp = w + columnAt<V>(colIdx, p) * wRow + col;
        a = v128.add<T>(a, v128.mul<T>(valueAt<T, V>(vals, table, p), v128.load(wp)));
      }
      if (bias != 0) a = v128.add<T>(a, v128.load(bias + col));
      v128.store(yRow + col, a);
    }
    // The last columns, fewer than a vector: one pass, lanes past h neither read nor written.
    if (c < h) {
      const k = h - c;
      const col = <usize>c << alignof<T>();
      let a = v128.splat<T>(<T>0);
      for (let p = begin; p < end; p++) {
        const wp = w + columnAt<V>(colIdx, p) * wRow + col;
        a = v128.add<T>(a, v128.mul<T>(valueAt<T, V>(vals, table, p), loadPart<T>(wp, k)));
      }
      if (bias != 0) a = v128.add<T>(a, loadPart<T>(bias + col, k));
      storePart<T>(yRow + col, a, k);
    }
  }
}

export function csrMatmul_f32(rows: i32, h: i32, rowStart: RowInts, colIdx: Whole, vals: Whole, w: Whole, bias: Whole, y: usize): void {
  csrMatmul<f32, f32>(rows, h, 0, rowStart, colIdx, vals, 0, w, bias, y);
}
export function csrMatmul_f64(rows: i32, h: i32, rowStart: RowInts, colIdx: Whole, vals: Whole, w: Whole, bias: Whole, y: usize): void {
  csrMatmul<f64, f64>(rows, h, 0, rowStart, colIdx, vals, 0, w, bias, y);
}

/**
 * csrMatmul over rows of a byte set (compressSetU8's rowStart, colIdx and bytes): batch row i is
 * set row index[i]; table (256,) holds each byte's value. Same sums as csrMatmul over the batch
 * gatherByteRows copies out with that table's scale.
 */
export function byteRowsMatmul_f32(rows: i32, h: i32, index: RowInts, setRowStart: Whole, colIdx: Whole, bytes: Whole, table: Whole, w: Whole, bias: Whole, y: usize): void {
  csrMatmul<f32, u8>(rows, h, index, setRowStart, colIdx, bytes, table, w, bias, y);
}
export function byteRowsMatmul_f64(rows: i32, h: i32, index: RowInts, setRowStart: Whole, colIdx: Whole, bytes: Whole, table: Whole, w: Whole, bias: Whole, y: usize): void {
  csrMatmul<f64, u8>(rows, h, index, setRowStart, colIdx, bytes, table, w, bias, y);
}

// ------------------------------------------------------------------------- dW = Xᵀ dY

/**
 * dW = Xᵀ dY on a window of columns: X is CSR (rows, d), dY is (rows, ld) and dW is (d, ld),
 * both row-major with row stride ld; only columns [0, cols) of the windows starting at dy and
 * dw are read and written (threads split by columns through pointer offsets). dW's window is
 * zeroed, then for each row i in order and each of its nonzeros p in order,
 * dW[colIdx[p], :] += vals[p] * dY[i, :]. dY's row block stays in registers across the row's
 * nonzeros; rows of dW no nonzero names stay zero.
 * The alternative, X transposed into column-compressed form (a counting sort, 40-46 µs) and
 * csrMatmul over it (dW's rows summed in registers, the same order and bits), measured slower
 * on real MNIST batches of 100, one thread, interleaved medians: 388 vs 296 µs at H = 100,
 * 234 vs 176 µs at H = 50 (csrMatmul alone 347 and 188 µs).
 */
function csrTransposeMatmul<T, V>(rows: i32, d: i32, cols: i32, index: usize, rowStart: usize, colIdx: usize, vals: usize, table: usize, dy: usize, ld: i32, dw: usize): void {
  const L = lanes<T>();
  const stride = <usize>ld << alignof<T>();
  const width = <usize>cols << alignof<T>();
  for (let j = 0; j < d; j++) memory.fill(dw + <usize>j * stride, 0, width);
  for (let i = 0; i < rows; i++) {
    const row = rowOf<V>(index, i);
    const begin = load<i32>(at<i32>(rowStart, row));
    const end = load<i32>(at<i32>(rowStart, row + 1));
    if (begin == end) continue;
    const dyRow = dy + <usize>i * stride;
    let c = 0;
    // Eight vectors of dY's row held in registers across the row's nonzeros, so that a narrow
    // layer (50 columns: 32 + 18) walks the nonzeros twice, not four times.
    for (; c + 8 * L <= cols; c += 8 * L) {
      const col = <usize>c << alignof<T>();
      const g0 = v128.load(dyRow + col);
      const g1 = v128.load(dyRow + col, 16);
      const g2 = v128.load(dyRow + col, 32);
      const g3 = v128.load(dyRow + col, 48);
      const g4 = v128.load(dyRow + col, 64);
      const g5 = v128.load(dyRow + col, 80);
      const g6 = v128.load(dyRow + col, 96);
      const g7 = v128.load(dyRow + col, 112);
      for (let p = begin; p < end; p++) {
        const v = valueAt<T, V>(vals, table, p);
        const dp = dw + columnAt<V>(colIdx, p) * stride + col;
        v128.store(dp, v128.add<T>(v128.load(dp), v128.mul<T>(v, g0)));
        v128.store(dp, v128.add<T>(v128.load(dp, 16), v128.mul<T>(v, g1)), 16);
        v128.store(dp, v128.add<T>(v128.load(dp, 32), v128.mul<T>(v, g2)), 32);
        v128.store(dp, v128.add<T>(v128.load(dp, 48), v128.mul<T>(v, g3)), 48);
        v128.store(dp, v128.add<T>(v128.load(dp, 64), v128.mul<T>(v, g4)), 64);
        v128.store(dp, v128.add<T>(v128.load(dp, 80), v128.mul<T>(v, g5)), 80);
        v128.store(dp, v128.add<T>(v128.load(dp, 96), v128.mul<T>(v, g6)), 96);
        v128.store(dp, v128.add<T>(v128.load(dp, 112), v128.mul<T>(v, g7)), 112);
      }
    }
    // Then four, with a last partial vector in the same pass (18 = 16 + 2 in f32).
    if (c + 4 * L <= cols) {
      const col = <usize>c << alignof<T>();
      const k = cols - c - 4 * L < L ? cols - c - 4 * L : 0;
      const g0 = v128.load(dyRow + col);
      const g1 = v128.load(dyRow + col, 16);
      const g2 = v128.load(dyRow + col, 32);
      const g3 = v128.load(dyRow + col, 48);
      if (k == 0) {
        for (let p = begin; p < end; p++) {
          const v = valueAt<T, V>(vals, table, p);
          const dp = dw + columnAt<V>(colIdx, p) * stride + col;
          v128.store(dp, v128.add<T>(v128.load(dp), v128.mul<T>(v, g0)));
          v128.store(dp, v128.add<T>(v128.load(dp, 16), v128.mul<T>(v, g1)), 16);
          v128.store(dp, v128.add<T>(v128.load(dp, 32), v128.mul<T>(v, g2)), 32);
          v128.store(dp, v128.add<T>(v128.load(dp, 48), v128.mul<T>(v, g3)), 48);
        }
      } else {
        const g4 = loadPart<T>(dyRow + col + 64, k);
        for (let p = begin; p < end; p++) {
          const v = valueAt<T, V>(vals, table, p);
          const dp = dw + columnAt<V>(colIdx, p) * stride + col;
          v128.store(dp, v128.add<T>(v128.load(dp), v128.mul<T>(v, g0)));
          v128.store(dp, v128.add<T>(v128.load(dp, 16), v128.mul<T>(v, g1)), 16);
          v128.store(dp, v128.add<T>(v128.load(dp, 32), v128.mul<T>(v, g2)), 32);
          v128.store(dp, v128.add<T>(v128.load(dp, 48), v128.mul<T>(v, g3)), 48);
          storePart<T>(dp + 64, v128.add<T>(loadPart<T>(dp + 64, k), v128.mul<T>(v, g4)), k);
        }
      }
      c += 4 * L + k;
    }
    for (; c + L <= cols; c += L) {
      const col = <usize>c << alignof<T>();
      const g = v128.load(dyRow + col);
      for (let p = begin; p < end; p++) {
        const dp = dw + columnAt<V>(colIdx, p) * stride + col;
        v128.store(dp, v128.add<T>(v128.load(dp), v128.mul<T>(valueAt<T, V>(vals, table, p), g)));
      }
    }
    // The last columns, fewer than a vector: one pass, lanes past cols neither read nor written.
    if (c < cols) {
      const k = cols - c;
      const col = <usize>c << alignof<T>();
      const g = loadPart<T>(dyRow + col, k);
      for (let p = begin; p < end; p++) {
        const dp = dw + columnAt<V>(colIdx, p) * stride + col;
        storePart<T>(dp, v128.add<T>(loadPart<T>(dp, k), v128.mul<T>(valueAt<T, V>(vals, table, p), g)), k);
      }
    }
  }
}

export function csrTransposeMatmul_f32(rows: i32, d: i32, cols: i32, rowStart: usize, colIdx: usize, vals: usize, dy: usize, ld: i32, dw: usize): void {
  csrTransposeMatmul<f32, f32>(rows, d, cols, 0, rowStart, colIdx, vals, 0, dy, ld, dw);
}
export function csrTransposeMatmul_f64(rows: i32, d: i32, cols: i32, rowStart: usize, colIdx: usize, vals: usize, dy: usize, ld: i32, dw: usize): void {
  csrTransposeMatmul<f64, f64>(rows, d, cols, 0, rowStart, colIdx, vals, 0, dy, ld, dw);
}

/** csrTransposeMatmul over rows of a byte set, as byteRowsMatmul reads them. */
export function byteRowsTransposeMatmul_f32(rows: i32, d: i32, cols: i32, index: usize, setRowStart: usize, colIdx: usize, bytes: usize, table: usize, dy: usize, ld: i32, dw: usize): void {
  csrTransposeMatmul<f32, u8>(rows, d, cols, index, setRowStart, colIdx, bytes, table, dy, ld, dw);
}
export function byteRowsTransposeMatmul_f64(rows: i32, d: i32, cols: i32, index: usize, setRowStart: usize, colIdx: usize, bytes: usize, table: usize, dy: usize, ld: i32, dw: usize): void {
  csrTransposeMatmul<f64, u8>(rows, d, cols, index, setRowStart, colIdx, bytes, table, dy, ld, dw);
}
