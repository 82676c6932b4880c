// Element-wise arithmetic over flat arrays, dtype casts and dropout. Every array is (n,);
// the output may be the same array as an input (in place): each element is read before its
// slot is written. Scalar tails use the same IEEE operations as the vector lanes.
import { at, lanes } from './lanes';
import { Bytes } from './pointers';

// ---------------------------------------------------------------------------- fill, copy

/** y[i] = value */
function fill<T>(n: i32, y: usize, value: T): void {
  const L = lanes<T>();
  const v = v128.splat<T>(value);
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    v128.store(at<T>(y, i), v);
    v128.store(at<T>(y, i + L), v);
    v128.store(at<T>(y, i + 2 * L), v);
    v128.store(at<T>(y, i + 3 * L), v);
  }
  for (; i < n; i++) store<T>(at<T>(y, i), value);
}

export function fill_f32(n: i32, y: usize, value: f32): void { fill<f32>(n, y, value); }
export function fill_f64(n: i32, y: usize, value: f64): void { fill<f64>(n, y, value); }

/** y[i] = x[i] (overlapping arrays are fine: memory.copy moves as if through a buffer) */
export function copy_f32(n: i32, x: usize, y: usize): void { memory.copy(y, x, <usize>n << 2); }
export function copy_f64(n: i32, x: usize, y: usize): void { memory.copy(y, x, <usize>n << 3); }

// ------------------------------------------------------------------------ add, sub, mul

// Binary ops run four vectors per iteration: they are memory-bound, loop overhead shows.
const OP_ADD = 0;
const OP_SUB = 1;
const OP_MUL = 2;

@inline function binaryLanes<T>(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return v128.add<T>(a, b);
  if (op == OP_SUB) return v128.sub<T>(a, b);
  return v128.mul<T>(a, b);
}

@inline function binaryScalar<T>(op: i32, a: T, b: T): T {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  return a * b;
}

/** y = a (op) b, element by element; op is a compile-time constant after inlining */
@inline function binary<T>(op: i32, n: i32, a: usize, b: usize, y: usize): void {
  const L = lanes<T>();
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const y0 = binaryLanes<T>(op, v128.load(at<T>(a, i)), v128.load(at<T>(b, i)));
    const y1 = binaryLanes<T>(op, v128.load(at<T>(a, i + L)), v128.load(at<T>(b, i + L)));
    const y2 = binaryLanes<T>(op, v128.load(at<T>(a, i + 2 * L)), v128.load(at<T>(b, i + 2 * L)));
    const y3 = binaryLanes<T>(op, v128.load(at<T>(a, i + 3 * L)), v128.load(at<T>(b, i + 3 * L)));
    v128.store(at<T>(y, i), y0);
    v128.store(at<T>(y, i + L), y1);
    v128.store(at<T>(y, i + 2 * L), y2);
    v128.store(at<T>(y, i + 3 * L), y3);
  }
  for (; i + L <= n; i += L) {
    v128.store(at<T>(y, i), binaryLanes<T>(op, v128.load(at<T>(a, i)), v128.load(at<T>(b, i))));
  }
  for (; i < n; i++) store<T>(at<T>(y, i), binaryScalar<T>(op, load<T>(at<T>(a, i)), load<T>(at<T>(b, i))));
}

export function add_f32(n: i32, a: usize, b: usize, y: usize): void { binary<f32>(OP_ADD, n, a, b, y); }
export function add_f64(n: i32, a: usize, b: usize, y: usize): void { binary<f64>(OP_ADD, n, a, b, y); }
export function sub_f32(n: i32, a: usize, b: usize, y: usize): void { binary<f32>(OP_SUB, n, a, b, y); }
export function sub_f64(n: i32, a: usize, b: usize, y: usize): void { binary<f64>(OP_SUB, n, a, b, y); }
export function mul_f32(n: i32, a: usize, b: usize, y: usize): void { binary<f32>(OP_MUL, n, a, b, y); }
export function mul_f64(n: i32, a: usize, b: usize, y: usize): void { binary<f64>(OP_MUL, n, a, b, y); }

// --------------------------------------------------------------------------- scale, axpy

/** y = alpha * x */
function scale<T>(n: i32, x: usize, alpha: T, y: usize): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const y0 = v128.mul<T>(a, v128.load(at<T>(x, i)));
    const y1 = v128.mul<T>(a, v128.load(at<T>(x, i + L)));
    const y2 = v128.mul<T>(a, v128.load(at<T>(x, i + 2 * L)));
    const y3 = v128.mul<T>(a, v128.load(at<T>(x, i + 3 * L)));
    v128.store(at<T>(y, i), y0);
    v128.store(at<T>(y, i + L), y1);
    v128.store(at<T>(y, i + 2 * L), y2);
    v128.store(at<T>(y, i + 3 * L), y3);
  }
  for (; i + L <= n; i += L) v128.store(at<T>(y, i), v128.mul<T>(a, v128.load(at<T>(x, i))));
  for (; i < n; i++) store<T>(at<T>(y, i), alpha * load<T>(at<T>(x, i)));
}

export function scale_f32(n: i32, x: usize, alpha: f32, y: usize): void { scale<f32>(n, x, alpha, y); }
export function scale_f64(n: i32, x: usize, alpha: f64, y: usize): void { scale<f64>(n, x, alpha, y); }

/** y += alpha * x */
function axpy<T>(n: i32, alpha: T, x: usize, y: usize): void {
  const L = lanes<T>();
  const a = v128.splat<T>(alpha);
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const y0 = v128.add<T>(v128.load(at<T>(y, i)), v128.mul<T>(a, v128.load(at<T>(x, i))));
    const y1 = v128.add<T>(v128.load(at<T>(y, i + L)), v128.mul<T>(a, v128.load(at<T>(x, i + L))));
    const y2 = v128.add<T>(v128.load(at<T>(y, i + 2 * L)), v128.mul<T>(a, v128.load(at<T>(x, i + 2 * L))));
    const y3 = v128.add<T>(v128.load(at<T>(y, i + 3 * L)), v128.mul<T>(a, v128.load(at<T>(x, i + 3 * L))));
    v128.store(at<T>(y, i), y0);
    v128.store(at<T>(y, i + L), y1);
    v128.store(at<T>(y, i + 2 * L), y2);
    v128.store(at<T>(y, i + 3 * L), y3);
  }
  for (; i + L <= n; i += L) {
    v128.store(at<T>(y, i), v128.add<T>(v128.load(at<T>(y, i)), v128.mul<T>(a, v128.load(at<T>(x, i)))));
  }
  for (; i < n; i++) store<T>(at<T>(y, i), load<T>(at<T>(y, i)) + alpha * load<T>(at<T>(x, i)));
}

export function axpy_f32(n: i32, alpha: f32, x: usize, y: usize): void { axpy<f32>(n, alpha, x, y); }
export function axpy_f64(n: i32, alpha: f64, x: usize, y: usize): void { axpy<f64>(n, alpha, x, y); }

// ---------------------------------------------------------------------------------- casts

/**
 * y (f64) = x (f32). Runs from the end so that y == x works: element i's 8 bytes land at or
 * beyond byte 8i, never on the f32s before i that are still to be read.
 */
export function castF32ToF64(n: i32, x: usize, y: usize): void {
  let i = n;
  while ((i & 3) != 0) {
    i--;
    store<f64>(at<f64>(y, i), <f64>load<f32>(at<f32>(x, i)));
  }
  while (i > 0) {
    i -= 4;
    const v = v128.load(at<f32>(x, i));
    v128.store(at<f64>(y, i + 2), f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 0)));
    v128.store(at<f64>(y, i), f64x2.promote_low_f32x4(v));
  }
}

/** y (f32) = x (f64), rounded to nearest. Runs forward: y == x works, writes trail reads. */
export function castF64ToF32(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const lo = f32x4.demote_f64x2_zero(v128.load(at<f64>(x, i)));
    const hi = f32x4.demote_f64x2_zero(v128.load(at<f64>(x, i + 2)));
    v128.store(at<f32>(y, i), v128.shuffle<i64>(lo, hi, 0, 2));
  }
  for (; i < n; i++) store<f32>(at<f32>(y, i), <f32>load<f64>(at<f64>(x, i)));
}

// -------------------------------------------------------------------------------- dropout

/** MurmurHash3's 32-bit finalizer on each u32 lane: a bijection in which every bit avalanches. */
@inline function mix32Lanes(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/**
 * The dropout hash of elements i..i+3: mix32(mix32(i + key) ^ key) with key = mix32(seed).
 * Counter-based: element i's bits depend only on (seed, i), so any sub-range can be done apart.
 */
@inline function dropoutHashLanes(key: v128, i: i32): v128 {
  const index = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
  return mix32Lanes(v128.xor(mix32Lanes(i32x4.add(index, key)), key));
}

/**
 * Keep masks (all ones = keep) of elements i..i+lanes-1, one per T lane:
 * keep when hash / 2^32 < keepProbability, i.e. hash < limit (unsigned) or keepAll.
 */
@inline function keptLanes<T>(key: v128, i: i32, limit: v128, keepAll: v128): v128 {
  const kept = v128.or(i32x4.lt_u(dropoutHashLanes(key, i), limit), keepAll);
  return sizeof<T>() == 4 ? kept : i64x2.extend_low_i32x4_s(kept);
}

/** Stores the low bytes of T lane masks (all ones or zero) as 1 / 0 bytes at mask[i..]. */
@inline function storeMaskBytes<T>(mask: usize, i: i32, kept: v128): void {
  const words = sizeof<T>() == 4 ? kept : i32x4.shuffle(kept, kept, 0, 2, 0, 2);
  const shorts = i16x8.narrow_i32x4_s(words, words);
  const bytes = v128.and(i8x16.narrow_i16x8_s(shorts, shorts), i8x16.splat(1));
  if (sizeof<T>() == 4) v128.store32_lane(mask + <usize>i, bytes, 0);
  else v128.store16_lane(mask + <usize>i, bytes, 0);
}

/** T lane masks (all ones where the byte is nonzero) of mask[i..i+lanes-1]. */
@inline function loadMaskLanes<T>(mask: usize, i: i32): v128 {
  let bytes: v128;
  if (sizeof<T>() == 4) bytes = v128.load32_zero(mask + <usize>i);
  else bytes = v128.load16_lane(mask + <usize>i, i32x4.splat(0), 0);
  const words = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
  const nonzero = i32x4.ne(words, i32x4.splat(0));
  return sizeof<T>() == 4 ? nonzero : i64x2.extend_low_i32x4_s(nonzero);
}

/**
 * Inverted dropout. x, y are (n,) of T, mask is (n,) bytes.
 * mask[i] = hash(seed, i) / 2^32 < keepProbability ? 1 : 0, y[i] = mask[i] ? x[i] / keep : 0.
 * hash(seed, i) = mix32(mix32(i + mix32(seed)) ^ mix32(seed)) on u32, mix32 being
 * MurmurHash3's finalizer (h ^= h >>> 16; h *= 0x85ebca6b; h ^= h >>> 13; h *= 0xc2b2ae35;
 * h ^= h >>> 16).
 */
function dropout<T>(n: i32, x: usize, y: usize, mask: usize, keepProbability: T, seed: u32): void {
  const L = lanes<T>();
  const key = mix32Lanes(i32x4.splat(seed));
  // hash < keep * 2^32 exactly as integers; keep * 2^32 is exact in f64.
  const limitF = Math.ceil(<f64>keepProbability * 4294967296.0);
  const all = limitF >= 4294967296.0;
  const keepAll = i32x4.splat(all ? -1 : 0);
  const limit = i32x4.splat(all || !(limitF > 0) ? 0 : <i32><u32>limitF);
  const keep = v128.splat<T>(keepProbability);
  let i = 0;
  for (; i + L <= n; i += L) {
    const kept = keptLanes<T>(key, i, limit, keepAll);
    storeMaskBytes<T>(mask, i, kept);
    v128.store(at<T>(y, i), v128.and(v128.div<T>(v128.load(at<T>(x, i)), keep), kept));
  }
  for (; i < n; i++) {
    const kept = v128.extract_lane<i32>(keptLanes<T>(key, i, limit, keepAll), 0) != 0;
    store<u8>(mask + <usize>i, kept ? 1 : 0);
    store<T>(at<T>(y, i), kept ? load<T>(at<T>(x, i)) / keepProbability : <T>0);
  }
}

export function dropout_f32(n: i32, x: usize, y: usize, mask: usize, keepProbability: f32, seed: u32): void {
  dropout<f32>(n, x, y, mask, keepProbability, seed);
}
export function dropout_f64(n: i32, x: usize, y: usize, mask: usize, keepProbability: f64, seed: u32): void {
  dropout<f64>(n, x, y, mask, keepProbability, seed);
}

/** dx = mask ? dy / keepProbability : 0. dy, dx are (n,) of T, mask is (n,) bytes. */
function dropoutBackward<T>(n: i32, dy: usize, mask: usize, dx: usize, keepProbability: T): void {
  const L = lanes<T>();
  const keep = v128.splat<T>(keepProbability);
  let i = 0;
  for (; i + L <= n; i += L) {
    const kept = loadMaskLanes<T>(mask, i);
    v128.store(at<T>(dx, i), v128.and(v128.div<T>(v128.load(at<T>(dy, i)), keep), kept));
  }
  for (; i < n; i++) {
    const kept = load<u8>(mask + <usize>i) != 0;
    store<T>(at<T>(dx, i), kept ? load<T>(at<T>(dy, i)) / keepProbability : <T>0);
  }
}

export function dropoutBackward_f32(n: i32, dy: usize, mask: Bytes, dx: usize, keepProbability: f32): void {
  dropoutBackward<f32>(n, dy, mask, dx, keepProbability);
}
export function dropoutBackward_f64(n: i32, dy: usize, mask: Bytes, dx: usize, keepProbability: f64): void {
  dropoutBackward<f64>(n, dy, mask, dx, keepProbability);
}
