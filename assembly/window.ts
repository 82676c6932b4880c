// The output size of a sliding window (convolution, pooling).
// Internal: index.ts does not re-export this file.

/** Positions along one axis: floor((size + 2 * pad - window) / stride) + 1. */
@inline export function outSize(size: i32, window: i32, stride: i32, pad: i32): i32 {
  return (size + 2 * pad - window) / stride + 1;
}
