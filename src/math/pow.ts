/**
 * Powers from exact operations only (see ./index.ts).
 *
 * powInt multiplies by repeated squaring in double-double arithmetic with the exponent kept apart,
 * so beta^t for Adam's bias correction is within one ulp for any step count t. pow with a
 * fractional exponent is exp(y log x) with log x carried to about 60 bits: within about
 * 1 + |y log x| / 2^7 ulp.
 */
import { exp } from './exp.js';
import { logDoubleDouble } from './log.js';
import { fastTwoSum, scaleByPow2, splitExponent, twoProduct } from './float-parts.js';

/** (a + b) (c + d) as a double-double. */
function multiply(a: number, b: number, c: number, d: number): [number, number] {
  const [p, e] = twoProduct(a, c);
  return fastTwoSum(p, e + (a * d + b * c));
}

/** x^n for an integer n with |n| <= 2^53. */
export function powInt(x: number, n: number): number {
  if (!Number.isInteger(n) || Math.abs(n) > 9007199254740992) {
    throw new RangeError(`powInt: n must be an integer of magnitude at most 2^53, got ${n}`);
  }
  if (n === 0) return 1;
  if (Number.isNaN(x)) return NaN;
  if (x === 0 || !Number.isFinite(x)) return plainPow(x, n);
  const odd = n % 2 !== 0;
  const sign = x < 0 && odd ? -1 : 1;
  // |x| = m 2^e; m^|n| is formed with m's and the result's exponents split off after each product.
  let [baseHigh, baseExponent] = splitExponent(Math.abs(x));
  let baseLow = 0;
  let high = 1;
  let low = 0;
  let exponent = 0;
  let k = Math.abs(n);
  while (k > 0) {
    if (k % 2 === 1) {
      [high, low] = multiply(high, low, baseHigh, baseLow);
      [high, low, exponent] = normalize(high, low, exponent);
      exponent += baseExponent;
    }
    k = Math.floor(k / 2);
    if (k > 0) {
      [baseHigh, baseLow] = multiply(baseHigh, baseLow, baseHigh, baseLow);
      [baseHigh, baseLow, baseExponent] = normalize(baseHigh, baseLow, 2 * baseExponent);
    }
  }
  if (n < 0) {
    // 1 / (h + l) = (1/h) (1 - l/h + ...), and 1/h = q + r/h exactly with r = 1 - h q.
    const q = 1 / high;
    const [hq, hqError] = twoProduct(high, q);
    const correction = ((1 - hq) - hqError - low * q) / high;
    return sign * scaleByPow2(q + correction, -exponent);
  }
  return sign * scaleByPow2(high + low, exponent);
}

/** (h, l) 2^e rewritten with h in [1, 2): the factor is a power of two, so this is exact. */
function normalize(high: number, low: number, exponent: number): [number, number, number] {
  const [, e] = splitExponent(high);
  const scale = scaleByPow2(1, -e);
  return [high * scale, low * scale, exponent + e];
}

/** The IEEE special cases (zero, infinite base) that need no arithmetic. */
function plainPow(x: number, n: number): number {
  const odd = n % 2 !== 0;
  const negative = x < 0 || Object.is(x, -0);
  const magnitude = (x === 0) === (n > 0) ? 0 : Infinity;
  return negative && odd ? -magnitude : magnitude;
}

/** x^y: powInt for integer y, otherwise exp(y log x) for x > 0 (NaN for x < 0, as Math.pow). */
export function pow(x: number, y: number): number {
  if (Number.isInteger(y) && Math.abs(y) <= 9007199254740992) return powInt(x, y);
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 1) return 1;
  if (y === Infinity) return Math.abs(x) === 1 ? NaN : Math.abs(x) > 1 ? Infinity : 0;
  if (y === -Infinity) return Math.abs(x) === 1 ? NaN : Math.abs(x) > 1 ? 0 : Infinity;
  if (x < 0) return NaN;
  if (x === 0) return y > 0 ? 0 : Infinity;
  if (x === Infinity) return y > 0 ? Infinity : 0;
  const [logHigh, logLow] = logDoubleDouble(x);
  const [p, pError] = twoProduct(y, logHigh);
  const [high, low] = fastTwoSum(p, pError + y * logLow);
  if (!Number.isFinite(high)) return high > 0 ? Infinity : 0;
  // e^(h + l) = e^h (1 + l) to within l^2 / 2, far under an ulp since |l| <= ulp(h).
  const eh = exp(high);
  if (eh === 0 || eh === Infinity) return eh;
  return eh + eh * low;
}
