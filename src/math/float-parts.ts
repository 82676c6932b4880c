/**
 * Exact manipulations of float64 values: powers of two, exponent and mantissa, and the error-free
 * sum and product that let the elementary functions carry a few extra bits (double-double).
 * Every operation here is exact or correctly rounded by IEEE 754, so it gives the same bits in
 * every JavaScript engine.
 */

const scratch = new DataView(new ArrayBuffer(8));

/** 2^k for an integer k in [-1022, 1023], built from its bits. */
export function pow2(k: number): number {
  scratch.setUint32(0, (k + 1023) << 20);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

/**
 * x * 2^k with a single rounding, for x of magnitude in [2^-60, 2^60] and any integer k: the
 * result can be subnormal, zero or infinite.
 */
export function scaleByPow2(x: number, k: number): number {
  if (k > 1023) return x * pow2(1023) * pow2(Math.min(k - 1023, 1023));
  if (k < -1022) {
    if (k < -1984) return x * 0; // below 2^-1924: zero, with x's sign
    // First to 2^-962 (x stays normal), then the rest: a subnormal result is rounded once.
    return x * pow2(-962) * pow2(k + 962);
  }
  return x * pow2(k);
}

/**
 * x = m * 2^e with m in [1, 2) for a finite positive x (subnormals included): returns [m, e].
 */
export function splitExponent(x: number): [number, number] {
  const m = mantissa(x);
  return [m, mantissaExponent];
}

/** e of the last `mantissa` call. */
let mantissaExponent = 0;

/** m of x = m * 2^e, m in [1, 2), for a finite positive x; e is left for `exponentOfLastMantissa()`. */
export function mantissa(x: number): number {
  let shift = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54 lifts every subnormal into the normal range
    shift = 54;
  }
  scratch.setFloat64(0, x);
  const high = scratch.getUint32(0);
  mantissaExponent = (high >>> 20) - 1023 - shift;
  scratch.setUint32(0, (high & 0x000fffff) | 0x3ff00000);
  return scratch.getFloat64(0);
}

/** The exponent e of the last `mantissa(x)`: x = m * 2^e. */
export function exponentOfLastMantissa(): number {
  return mantissaExponent;
}

/** Veltkamp's splitter 2^27 + 1: a * SPLITTER splits a 53-bit mantissa into two 26-bit halves. */
const SPLITTER = 134217729;

/**
 * a * b = product + error exactly (Dekker's product, no fused multiply-add needed), for
 * |a|, |b| below 2^995 and a product above 2^-969 in magnitude.
 */
export function twoProduct(a: number, b: number): [number, number] {
  const product = a * b;
  return [product, productError(a, b, product)];
}

/** The error of `product` = a * b as twoProduct gives it, without the pair (no allocation on hot paths). */
export function productError(a: number, b: number, product: number): number {
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  return ((aHigh * bHigh - product) + aHigh * bLow + aLow * bHigh) + aLow * bLow;
}

/** a + b = sum + error exactly, for any finite a and b (Knuth's two-sum). */
export function twoSum(a: number, b: number): [number, number] {
  const sum = a + b;
  const bVirtual = sum - a;
  const error = (a - (sum - bVirtual)) + (b - bVirtual);
  return [sum, error];
}

/** a + b = sum + error exactly when |a| >= |b| (or a is zero). */
export function fastTwoSum(a: number, b: number): [number, number] {
  const sum = a + b;
  return [sum, b - (sum - a)];
}
