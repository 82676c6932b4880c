// e^x and e^x - 1 on every lane of a v128 (T = f32: 4 lanes, T = f64: 2 lanes), for sigmoid,
// tanh, elu and softmax. Internal: index.ts does not re-export this file.
//
// Method: x = k ln2 + r with k = round(x / ln2), |r| <= ln2 / 2, so e^x = 2^k e^r.
// ln2 is split into a short high part (k * LN2_HI is exact) and a low part (Cody-Waite),
// e^r - 1 is its Taylor series r + r^2 (1/2! + r/3! + ...), cut where the next term is far
// below one ulp (r^7/7! for f32, r^13/13! for f64), and 2^k is built in the exponent bits.
// Scalar tails call these on a splat and keep lane 0, so every element gets the same bits.

// Adding 1.5 * 2^(mantissa bits) rounds to an integer and leaves it in the low mantissa bits.
const ROUNDER_F32: f32 = 12582912.0; // 1.5 * 2^23
const ROUNDER_F64: f64 = 6755399441055744.0; // 1.5 * 2^52

/** ROUNDER for T, on every lane. */
@inline function rounder<T>(): v128 {
  return sizeof<T>() == 4 ? v128.splat<f32>(ROUNDER_F32) : v128.splat<f64>(ROUNDER_F64);
}

/** x / ln2 + ROUNDER: its bits carry k, its value minus ROUNDER is k. */
@inline function shiftedMultiple<T>(x: v128): v128 {
  return v128.add<T>(v128.mul<T>(x, v128.splat<T>(<T>1.4426950408889634)), rounder<T>());
}

/** r = x - k ln2, with k ln2 subtracted in two exact-enough pieces. */
@inline function reduced<T>(x: v128, kf: v128): v128 {
  if (sizeof<T>() == 4) {
    const hi = v128.sub<f32>(x, v128.mul<f32>(kf, f32x4.splat(0.693359375)));
    return v128.sub<f32>(hi, v128.mul<f32>(kf, f32x4.splat(-2.12194440054690583e-4)));
  }
  const hi = v128.sub<f64>(x, v128.mul<f64>(kf, f64x2.splat(6.93147180369123816490e-1)));
  return v128.sub<f64>(hi, v128.mul<f64>(kf, f64x2.splat(1.90821492927058770002e-10)));
}

/** e^r - 1 for |r| <= ln2 / 2: r + r^2 (1/2! + r (1/3! + r (...))). */
@inline function expm1Small<T>(r: v128): v128 {
  let q: v128;
  if (sizeof<T>() == 4) {
    q = f32x4.splat(1.98412698412698413e-4); // 1/7!
    q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1.38888888888888889e-3));
    q = f32x4.add(f32x4.mul(q, r), f32x4.splat(8.33333333333333333e-3));
    q = f32x4.add(f32x4.mul(q, r), f32x4.splat(4.16666666666666667e-2));
    q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1.66666666666666667e-1));
    q = f32x4.add(f32x4.mul(q, r), f32x4.splat(0.5));
  } else {
    q = f64x2.splat(1.6059043836821613e-10); // 1/13!
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(2.0876756987868100e-9));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(2.5052108385441720e-8));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(2.7557319223985888e-7));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(2.7557319223985893e-6));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(2.4801587301587302e-5));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.9841269841269841e-4));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.3888888888888889e-3));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(8.3333333333333332e-3));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(4.1666666666666664e-2));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.6666666666666666e-1));
    q = f64x2.add(f64x2.mul(q, r), f64x2.splat(0.5));
  }
  return v128.add<T>(r, v128.mul<T>(v128.mul<T>(r, r), q));
}

/** 2^k for integer lanes k inside the normal exponent range, built from its bits. */
@inline function pow2<T>(k: v128): v128 {
  if (sizeof<T>() == 4) return i32x4.shl(i32x4.add(k, i32x4.splat(127)), 23);
  return i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
}

/** Integer lanes k from shiftedMultiple's bits. */
@inline function integerPart<T>(shifted: v128): v128 {
  if (sizeof<T>() == 4) return i32x4.sub(shifted, rounder<T>());
  return i64x2.sub(shifted, rounder<T>());
}

/**
 * e^x per lane. Below about -104 (f32) / -746 (f64) the result is 0; above 88.7 / 709.8 it is
 * +Infinity; results between flow gradually into subnormals; NaN stays NaN.
 */
@inline export function expLanes<T>(x: v128): v128 {
  // Clamping keeps k within [-150, 128] (f32) / [-1076, 1024] (f64): outside, e^x is 0 or Inf.
  const lo = sizeof<T>() == 4 ? v128.splat<T>(<T>-104.0) : v128.splat<T>(<T>-746.0);
  const hi = sizeof<T>() == 4 ? v128.splat<T>(<T>89.0) : v128.splat<T>(<T>710.0);
  const xc = v128.min<T>(v128.max<T>(x, lo), hi);
  const shifted = shiftedMultiple<T>(xc);
  const kf = v128.sub<T>(shifted, rounder<T>());
  const p = v128.add<T>(v128.splat<T>(<T>1.0), expm1Small<T>(reduced<T>(xc, kf)));
  // 2^k in two halves, so neither half leaves the normal range and the last multiply alone
  // rounds (into Infinity or a subnormal where that is the answer).
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
  const bound = v128.splat<T>(<T>80.0);
  const xc = v128.min<T>(v128.max<T>(x, v128.neg<T>(bound)), bound);
  const shifted = shiftedMultiple<T>(xc);
  const kf = v128.sub<T>(shifted, rounder<T>());
  const u = expm1Small<T>(reduced<T>(xc, kf));
  // e^x - 1 = 2^k (e^r - 1) + (2^k - 1); 2^k - 1 is exact for the small k where it matters.
  const s = pow2<T>(integerPart<T>(shifted));
  return v128.add<T>(v128.mul<T>(s, u), v128.sub<T>(s, v128.splat<T>(<T>1.0)));
}
