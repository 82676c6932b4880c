/**
 * exp, expm1 and tanh from exact operations only (see ./index.ts): the same bits in every engine,
 * within about one ulp of the true value.
 *
 * exp(x) = 2^k exp(r) with k = round(x / ln 2) and |r| <= ln(2) / 2; exp(r) is its Taylor series
 * to r^14, whose truncation error (below 5e-18) is far under half an ulp.
 */
import { pow2, scaleByPow2, twoSum } from './float-parts.js';

/** ln 2 as a 32-bit head (k * LN2_HIGH is exact for |k| < 2^21) and a tail. */
export const LN2_HIGH = 0.6931471803691238;
export const LN2_LOW = 1.9082149292705877e-10;
const INV_LN2 = 1.4426950408889634;
/** Above this exp overflows; below UNDERFLOW it is below half the least subnormal. */
const OVERFLOW = 709.782712893384;
const UNDERFLOW = -745.1332191019412;

/** 1/n! for n = 2..14: n! is exact in a double up to 18!, so each is correctly rounded. */
const INVERSE_FACTORIALS: number[] = [];
for (let n = 2, factorial = 1; n <= 14; n++) {
  factorial *= n;
  INVERSE_FACTORIALS.push(1 / factorial);
}

/** exp(r) - 1 - r = r^2 (1/2 + r/6 + ... + r^12/14!) for |r| <= ln(2) / 2. */
function expTail(r: number): number {
  let p = INVERSE_FACTORIALS[INVERSE_FACTORIALS.length - 1];
  for (let i = INVERSE_FACTORIALS.length - 2; i >= 0; i--) p = p * r + INVERSE_FACTORIALS[i];
  return r * r * p;
}

/** [k, r] with x = k ln 2 + r, |r| <= ln(2)/2 (plus rounding); r is accurate to half an ulp. */
function reduce(x: number): [number, number] {
  const k = Math.round(x * INV_LN2);
  return [k, (x - k * LN2_HIGH) - k * LN2_LOW];
}

/** e^x. */
export function exp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > OVERFLOW) return Infinity;
  if (x < UNDERFLOW) return 0;
  const [k, r] = reduce(x);
  return scaleByPow2(1 + (r + expTail(r)), k);
}

/** e^x - 1, accurate also where x is tiny (no cancellation). */
export function expm1(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 700) return exp(x);
  if (x < -40) return -1; // e^-40 is below half an ulp of 1
  if (x === 0) return x; // keeps -0
  if (Math.abs(x) <= 0.34657359027997264) return x + expTail(x);
  // 2^k e^r - 1 = (2^k - 1) + 2^k r + 2^k (e^r - 1 - r): the first two summed exactly, with r
  // itself carried as r + rLow, so only the last addition rounds.
  const k = Math.round(x * INV_LN2);
  const [r, rLow] = twoSum(x - k * LN2_HIGH, -(k * LN2_LOW));
  const scale = pow2(k);
  const [sum, sumError] = twoSum(scale - 1, scale * r);
  return sum + (sumError + scale * (expTail(r) + rLow * (1 + r)));
}

/** Hyperbolic tangent: expm1(2|x|) / (expm1(2|x|) + 2), odd, exact at 0 and saturating at 1. */
export function tanh(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 3.725290298461914e-9) return x; // 2^-28: tanh x = x (1 - x^2/3 + ...) rounds to x
  const t = a > 22 ? 1 : expm1(2 * a) / (expm1(2 * a) + 2);
  return x < 0 ? -t : t;
}
