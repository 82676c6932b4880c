// e^x and e^x - 1 on every lane of a v128 (T = f32: 4 lanes, T = f64: 2 lanes), for sigmoid,
// tanh, elu and softmax. Internal: index.ts does not re-export this file.
//
// Method: x = k ln2 + r with k = round(x / ln2), |r| <= ln2 / 2, so e^x = 2^k e^r.
// ln2 is split into a short high part (k * LN2_HI is exact) and a low part (Cody-Waite),
// e^r - 1 is its Taylor series r + r^2 (1/2! + r/3! + ...), cut where the next term is far
// below one ulp (r^7/7! for f32, r^13/13! for f64), and 2^k is built in the exponent bits.
// Scalar tails call these on a splat and keep lane 0, so every element gets the same bits.

// The constants live in a table, one per type, and each use is one splatting load: V8 builds
// a v128.const inside a loop with three instructions every iteration, and exp needs ~20.
const LO = 0; // below: e^x is taken as 0 (just above the smallest normal, 2^-126 / 2^-1022)
const HI = 1; // above: e^x is Infinity
const LOG2E = 2;
const ROUNDER = 3; // 1.5 * 2^(mantissa bits): adding it rounds to an integer, kept in low bits
const LN2_HI = 4;
const LN2_LO = 5;
const ONE = 6;
const EXPM1_BOUND = 7; // expm1Lanes clamps to +-80
const INV_7 = 8; // 1/7! .. 1/2!, both types
const INV_6 = 9;
const INV_5 = 10;
const INV_4 = 11;
const INV_3 = 12;
const INV_2 = 13;
const INV_13 = 14; // 1/13! .. 1/8!, f64 only
const INV_12 = 15;
const INV_11 = 16;
const INV_10 = 17;
const INV_9 = 18;
const INV_8 = 19;

const TABLE_F32 = memory.data<f32>([
  -87.33, 89.0, 1.4426950408889634, 12582912.0, 0.693359375, -2.12194440054690583e-4, 1.0, 80.0,
  1.9841269841269841e-4, 1.3888888888888889e-3, 8.3333333333333332e-3, 4.1666666666666664e-2, 1.6666666666666666e-1, 0.5,
]);

const TABLE_F64 = memory.data<f64>([
  -708.39, 710.0, 1.4426950408889634, 6755399441055744.0, 6.93147180369123816490e-1, 1.90821492927058770002e-10, 1.0, 80.0,
  1.9841269841269841e-4, 1.3888888888888889e-3, 8.3333333333333332e-3, 4.1666666666666664e-2, 1.6666666666666666e-1, 0.5,
  1.6059043836821613e-10, 2.0876756987868100e-9, 2.5052108385441720e-8, 2.7557319223985888e-7, 2.7557319223985893e-6,
  2.4801587301587302e-5,
]);

/** Table entry `index` of T's table on every lane. */
@inline function c<T>(index: i32): v128 {
  if (sizeof<T>() == 4) return v128.load_splat<f32>(TABLE_F32 + (<usize>index << 2));
  return v128.load_splat<f64>(TABLE_F64 + (<usize>index << 3));
}

/** a * b + c on T lanes (two roundings: wasm SIMD128 has no fused multiply-add). */
@inline function madd<T>(a: v128, b: v128, addend: v128): v128 {
  return v128.add<T>(v128.mul<T>(a, b), addend);
}

/** e^r - 1 for |r| <= ln2 / 2: r + r^2 (1/2! + r (1/3! + r (...))). */
@inline function expm1Small<T>(r: v128): v128 {
  let q: v128;
  if (sizeof<T>() == 8) {
    q = c<T>(INV_13);
    q = madd<T>(q, r, c<T>(INV_12));
    q = madd<T>(q, r, c<T>(INV_11));
    q = madd<T>(q, r, c<T>(INV_10));
    q = madd<T>(q, r, c<T>(INV_9));
    q = madd<T>(q, r, c<T>(INV_8));
    q = madd<T>(q, r, c<T>(INV_7));
  } else {
    q = c<T>(INV_7);
  }
  q = madd<T>(q, r, c<T>(INV_6));
  q = madd<T>(q, r, c<T>(INV_5));
  q = madd<T>(q, r, c<T>(INV_4));
  q = madd<T>(q, r, c<T>(INV_3));
  q = madd<T>(q, r, c<T>(INV_2));
  return madd<T>(v128.mul<T>(r, r), q, r);
}

/** x / ln2 + ROUNDER: its value minus ROUNDER is k = round(x / ln2), its bits carry k too. */
@inline function shiftedMultiple<T>(x: v128): v128 {
  return madd<T>(x, c<T>(LOG2E), c<T>(ROUNDER));
}

/** r = x - k ln2, with k ln2 subtracted in two pieces (k * LN2_HI is exact). */
@inline function reduced<T>(x: v128, kf: v128): v128 {
  return v128.sub<T>(v128.sub<T>(x, v128.mul<T>(kf, c<T>(LN2_HI))), v128.mul<T>(kf, c<T>(LN2_LO)));
}

/** Integer lanes k from shiftedMultiple's bits. */
@inline function integerPart<T>(shifted: v128): v128 {
  if (sizeof<T>() == 4) return i32x4.sub(shifted, c<T>(ROUNDER));
  return i64x2.sub(shifted, c<T>(ROUNDER));
}

/** 2^k for integer lanes k inside the normal exponent range, built from its bits. */
@inline function pow2<T>(k: v128): v128 {
  if (sizeof<T>() == 4) return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
  return i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
}

/**
 * e^x per lane. Above 88.7 (f32) / 709.8 (f64) the result is +Infinity; below -87.33 / -708.39,
 * where it would be subnormal, it is 0: an x86 multiply that ends subnormal takes a microcode
 * assist, which made sigmoid of saturated inputs (x > 88 / 709) about 10x slower.
 * NaN stays NaN.
 */
@inline export function expLanes<T>(x: v128): v128 {
  return v128.andnot(expAboveLowLanes<T>(x), v128.lt<T>(x, c<T>(LO)));
}

/**
 * expLanes without its last step: below -87.33 / -708.39 the result is e^-87.33 / e^-708.39 (the
 * smallest normals, about), not 0. For a caller that only adds it to 1 (sigmoid), where both
 * round away, it saves a compare and a mask per vector (8% of sigmoid's time in f32).
 */
@inline export function expAboveLowLanes<T>(x: v128): v128 {
  // pmax/pmin keep a NaN x (the comparison fails, x is kept) and clamp infinities.
  const xc = v128.pmin<T>(v128.pmax<T>(x, c<T>(LO)), c<T>(HI));
  const shifted = shiftedMultiple<T>(xc);
  const kf = v128.sub<T>(shifted, c<T>(ROUNDER));
  const p = v128.add<T>(c<T>(ONE), expm1Small<T>(reduced<T>(xc, kf)));
  // 2^k in two halves: k reaches 128 (f32) / 1024 (f64), one past the largest normal exponent,
  // where the last multiply must round to Infinity or to the largest finite values.
  const k = integerPart<T>(shifted);
  const kHalf = sizeof<T>() == 4 ? i32x4.shr_s(k, 1) : i64x2.shr_s(k, 1);
  const kRest = sizeof<T>() == 4 ? i32x4.sub(k, kHalf) : i64x2.sub(k, kHalf);
  return v128.mul<T>(v128.mul<T>(p, pow2<T>(kHalf)), pow2<T>(kRest));
}

/**
 * e^x - 1 per lane, accurate also near 0 (where e^x - 1 cancels). x is clamped to [-80, 80]:
 * below, the result rounds to -1 in both types; callers (tanh, elu) never need more than 80.
 */
@inline export function expm1Lanes<T>(x: v128): v128 {
  const bound = c<T>(EXPM1_BOUND);
  const xc = v128.pmin<T>(v128.pmax<T>(x, v128.neg<T>(bound)), bound);
  const shifted = shiftedMultiple<T>(xc);
  const kf = v128.sub<T>(shifted, c<T>(ROUNDER));
  const u = expm1Small<T>(reduced<T>(xc, kf));
  // e^x - 1 = 2^k (e^r - 1) + (2^k - 1); 2^k - 1 is exact for the small k where it matters.
  const s = pow2<T>(integerPart<T>(shifted));
  return v128.add<T>(v128.mul<T>(s, u), v128.sub<T>(s, c<T>(ONE)));
}
