// Runs of contiguous values: copied, or a constant added, a v128 at a time.
// Internal: index.ts does not re-export this file (generic helpers cannot be wasm exports).
import { at, lanes } from './lanes';

/** dst[0 : count] = src[0 : count], a v128 at a time; a run of a v128 or more ends with one that overlaps the last. */
@inline export function copyRun<T>(dst: usize, src: usize, count: i32): void {
  const L = lanes<T>();
  if (count < L) {
    for (let j = 0; j < count; j++) store<T>(at<T>(dst, j), load<T>(at<T>(src, j)));
    return;
  }
  let j = 0;
  for (; j + L <= count; j += L) v128.store(at<T>(dst, j), v128.load(at<T>(src, j)));
  if (j < count) v128.store(at<T>(dst, count - L), v128.load(at<T>(src, count - L)));
}

/** run[0 : count] += value, a v128 at a time (each element alone: addBias's bits). */
@inline export function addToRun<T>(run: usize, value: T, count: i32): void {
  const L = lanes<T>();
  const v = v128.splat<T>(value);
  let j = 0;
  for (; j + L <= count; j += L) v128.store(at<T>(run, j), v128.add<T>(v128.load(at<T>(run, j)), v));
  for (; j < count; j++) store<T>(at<T>(run, j), load<T>(at<T>(run, j)) + value);
}
