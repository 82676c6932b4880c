// Batch assembly: rows of a data set (kept as bytes or floats in wasm memory) picked by an
// index list and written as contiguous float rows. idx is i32 (rows,); each idx[r] names a row
// of src, so a shuffled epoch is a list of indices, not a copy of the data set.
import { at } from './lanes';
import { Bytes, RowInts, Whole } from './pointers';

/**
 * dst[j] = src[j] * scale for j < count: src is bytes, dst is T. Sixteen bytes at a time,
 * widened u8 -> u16 -> u32 and converted to float lanes (exact), then scaled (one rounding).
 */
@inline function bytesToFloats<T>(count: i32, src: usize, dst: usize, scale: T): void {
  const s = v128.splat<T>(scale);
  let j = 0;
  for (; j + 16 <= count; j += 16) {
    const bytes = v128.load(src + <usize>j);
    const lo = i16x8.extend_low_i8x16_u(bytes);
    const hi = i16x8.extend_high_i8x16_u(bytes);
    const w0 = i32x4.extend_low_i16x8_u(lo);
    const w1 = i32x4.extend_high_i16x8_u(lo);
    const w2 = i32x4.extend_low_i16x8_u(hi);
    const w3 = i32x4.extend_high_i16x8_u(hi);
    if (sizeof<T>() == 4) {
      v128.store(at<T>(dst, j), f32x4.mul(f32x4.convert_i32x4_s(w0), s));
      v128.store(at<T>(dst, j + 4), f32x4.mul(f32x4.convert_i32x4_s(w1), s));
      v128.store(at<T>(dst, j + 8), f32x4.mul(f32x4.convert_i32x4_s(w2), s));
      v128.store(at<T>(dst, j + 12), f32x4.mul(f32x4.convert_i32x4_s(w3), s));
    } else {
      storeWordsAsF64(at<T>(dst, j), w0, s);
      storeWordsAsF64(at<T>(dst, j + 4), w1, s);
      storeWordsAsF64(at<T>(dst, j + 8), w2, s);
      storeWordsAsF64(at<T>(dst, j + 12), w3, s);
    }
  }
  for (; j < count; j++) store<T>(at<T>(dst, j), <T>load<u8>(src + <usize>j) * scale);
}

/** Four i32 lanes as four f64 at d (two f64x2 stores), each times scale. */
@inline function storeWordsAsF64(d: usize, words: v128, scale: v128): void {
  v128.store(d, f64x2.mul(f64x2.convert_low_i32x4_s(words), scale));
  v128.store(d, f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<i64>(words, words, 1, 0)), scale), 16);
}

/** src is bytes (any, cols), dst is (rows, cols) of T: dst[r, :] = src[idx[r], :] * scale. */
function gatherRowsU8<T>(rows: i32, cols: i32, src: usize, idx: usize, dst: usize, scale: T): void {
  for (let r = 0; r < rows; r++) {
    const from = src + <usize>load<i32>(at<i32>(idx, r)) * <usize>cols;
    bytesToFloats<T>(cols, from, at<T>(dst, r * cols), scale);
  }
}

export function gatherRowsU8_f32(rows: i32, cols: i32, src: Whole, idx: RowInts, dst: usize, scale: f32): void {
  gatherRowsU8<f32>(rows, cols, src, idx, dst, scale);
}
export function gatherRowsU8_f64(rows: i32, cols: i32, src: Whole, idx: RowInts, dst: usize, scale: f64): void {
  gatherRowsU8<f64>(rows, cols, src, idx, dst, scale);
}

/** src is (any, cols), dst is (rows, cols), both T: dst[r, :] = src[idx[r], :]. */
function gatherRows<T>(rows: i32, cols: i32, src: usize, idx: usize, dst: usize): void {
  const rowBytes = <usize>cols << alignof<T>();
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + <usize>r * rowBytes, src + <usize>load<i32>(at<i32>(idx, r)) * rowBytes, rowBytes);
  }
}

export function gatherRows_f32(rows: i32, cols: i32, src: Whole, idx: RowInts, dst: usize): void {
  gatherRows<f32>(rows, cols, src, idx, dst);
}
export function gatherRows_f64(rows: i32, cols: i32, src: Whole, idx: RowInts, dst: usize): void {
  gatherRows<f64>(rows, cols, src, idx, dst);
}

/** src is u8 labels, dst is i32 (rows,): dst[r] = src[idx[r]]. */
export function gatherLabels(rows: i32, src: usize, idx: usize, dst: usize): void {
  for (let r = 0; r < rows; r++) store<i32>(at<i32>(dst, r), <i32>load<u8>(src + <usize>load<i32>(at<i32>(idx, r))));
}

/**
 * src is u8 labels, dst is (rows, classes) of T: row r is one-hot at src[idx[r]].
 * A label >= classes leaves its row all zero instead of writing past it.
 */
function gatherOneHot<T>(rows: i32, classes: i32, src: usize, idx: usize, dst: usize): void {
  const rowBytes = <usize>classes << alignof<T>();
  memory.fill(dst, 0, <usize>rows * rowBytes); // all-zero bytes are +0.0 in both types
  for (let r = 0; r < rows; r++) {
    const label = <i32>load<u8>(src + <usize>load<i32>(at<i32>(idx, r)));
    if (label < classes) store<T>(at<T>(dst, r * classes + label), <T>1);
  }
}

export function gatherOneHot_f32(rows: i32, classes: i32, src: usize, idx: usize, dst: usize): void {
  gatherOneHot<f32>(rows, classes, src, idx, dst);
}
export function gatherOneHot_f64(rows: i32, classes: i32, src: usize, idx: usize, dst: usize): void {
  gatherOneHot<f64>(rows, classes, src, idx, dst);
}

/** src is bytes (n,), dst is (n,) of T: dst[i] = src[i] * scale. */
export function bytesToFloat_f32(n: i32, src: Bytes, dst: usize, scale: f32): void { bytesToFloats<f32>(n, src, dst, scale); }
export function bytesToFloat_f64(n: i32, src: Bytes, dst: usize, scale: f64): void { bytesToFloats<f64>(n, src, dst, scale); }
