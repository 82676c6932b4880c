// Address arithmetic and lane counts for the generic f32/f64 kernels.
// Internal: index.ts does not re-export this file, so nothing here becomes a wasm export.

/** Byte address of element i of a T array that starts at byte address p. */
@inline export function at<T>(p: usize, i: i32): usize {
  return p + (<usize>i << alignof<T>());
}

/** Elements of T in one v128: 4 for f32, 2 for f64. */
@inline export function lanes<T>(): i32 {
  return 16 / sizeof<T>();
}

/** Sum of a v128's T lanes, always in lane order (0 + 1 (+ 2 + 3)). */
@inline export function laneSum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1) +
      v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
  }
  return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
}

/** Largest of a v128's T lanes (NaN if any lane is NaN). */
@inline export function laneMax<T>(v: v128): T {
  // Fold the high half onto the low half until one lane is left.
  let m = v128.max<T>(v, v128.shuffle<i64>(v, v, 1, 0));
  if (sizeof<T>() == 4) m = v128.max<T>(m, v128.shuffle<i32>(m, m, 1, 0, 3, 2));
  return v128.extract_lane<T>(m, 0);
}

/**
 * The first k (1 .. lanes - 1) T elements at p in the low lanes, the others 0: a row's last,
 * partial vector, read without touching the bytes after it.
 */
@inline export function loadPart<T>(p: usize, k: i32): v128 {
  if (sizeof<T>() == 8) return v128.load64_zero(p);
  if (k == 1) return v128.load32_zero(p);
  const low = v128.load64_zero(p);
  return k == 2 ? low : v128.load32_lane(p, low, 2, 8);
}

/** Stores the low k (1 .. lanes - 1) T lanes of v at p, and nothing after them. */
@inline export function storePart<T>(p: usize, v: v128, k: i32): void {
  if (sizeof<T>() == 8) {
    v128.store64_lane(p, v, 0);
    return;
  }
  if (k == 1) {
    v128.store32_lane(p, v, 0);
    return;
  }
  v128.store64_lane(p, v, 0);
  if (k == 3) v128.store32_lane(p, v, 2, 8);
}
