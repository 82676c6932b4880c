// Deterministic float64 sums over f32 or f64 arrays: sum x, sum x^2, sum (a - b)^2.
// Internal: index.ts does not re-export this file.
//
// The order of additions depends on n alone: the array is cut into blocks of SUM_BLOCK
// elements, each block is summed with four f64x2 accumulators in a fixed pattern, and the
// block sums are added left to right. Work split on block boundaries (threads, later) can
// reproduce the same bits by adding the same block sums in the same order.
import { at } from './lanes';

export const SUM_BLOCK: i32 = 4096;

export const TERM_VALUE = 0; // x
export const TERM_SQUARE = 1; // x^2
export const TERM_SQUARED_DIFFERENCE = 2; // (a - b)^2

/** Elements i and i + 1 of a T array as an f64x2 (f32 values widen exactly). */
@inline function pairAsF64<T>(p: usize, i: i32): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(at<T>(p, i)));
  return v128.load(at<T>(p, i));
}

@inline function termLanes<T>(term: i32, a: usize, b: usize, i: i32): v128 {
  const x = pairAsF64<T>(a, i);
  if (term == TERM_VALUE) return x;
  if (term == TERM_SQUARE) return f64x2.mul(x, x);
  const d = f64x2.sub(x, pairAsF64<T>(b, i));
  return f64x2.mul(d, d);
}

@inline function termScalar<T>(term: i32, a: usize, b: usize, i: i32): f64 {
  const x = <f64>load<T>(at<T>(a, i));
  if (term == TERM_VALUE) return x;
  if (term == TERM_SQUARE) return x * x;
  const d = x - <f64>load<T>(at<T>(b, i));
  return d * d;
}

/** Sum of one block's terms (elements i0 .. i0 + count - 1), in a fixed order. */
@inline function blockSum<T>(term: i32, a: usize, b: usize, i0: i32, count: i32): f64 {
  const end = i0 + count;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i = i0;
  for (; i + 8 <= end; i += 8) {
    s0 = f64x2.add(s0, termLanes<T>(term, a, b, i));
    s1 = f64x2.add(s1, termLanes<T>(term, a, b, i + 2));
    s2 = f64x2.add(s2, termLanes<T>(term, a, b, i + 4));
    s3 = f64x2.add(s3, termLanes<T>(term, a, b, i + 6));
  }
  for (; i + 2 <= end; i += 2) s0 = f64x2.add(s0, termLanes<T>(term, a, b, i));
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (i < end) total += termScalar<T>(term, a, b, i);
  return total;
}

/** Sum over i < n of the term of (a[i], b[i]); b is read only for TERM_SQUARED_DIFFERENCE. */
@inline export function sumF64<T>(term: i32, n: i32, a: usize, b: usize): f64 {
  let total: f64 = 0;
  for (let i0 = 0; i0 < n; i0 += SUM_BLOCK) total += blockSum<T>(term, a, b, i0, min(SUM_BLOCK, n - i0));
  return total;
}
