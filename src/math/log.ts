/**
 * The natural logarithm from exact operations only (see ./index.ts), within about one ulp.
 *
 * x = m 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f); then
 * log(1 + f) = 2 atanh(s) = 2s + s Q with Q = sum 2 s^2n / (2n + 1), and since 2s = f - s f,
 * log(1 + f) = f - s (f - Q): the large part f is exact and only the small correction is rounded.
 */
import { exponentOfLastMantissa, fastTwoSum, mantissa } from './float-parts.js';
import { LN2_HIGH, LN2_LOW } from './exp.js';

const SQRT2 = 1.4142135623730951;
/** Q's series to s^22: s^2 <= 0.0295, so the next term is below 1e-36. */
const TERMS = 11;
const Q_COEFFICIENTS = Array.from({ length: TERMS }, (_, i) => 2 / (2 * i + 3));

/** e of the last `log1pOfMantissa` call. */
let logExponent = 0;

/**
 * log(1 + f) for finite x > 0, leaving e in `logExponent`, so log(x) = e ln 2 + log(1 + f). No pair
 * is allocated: normal deviates draw this hundreds of thousands of times per net.
 */
function log1pOfMantissa(x: number): number {
  let m = mantissa(x);
  let e = exponentOfLastMantissa();
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  logExponent = e;
  const f = m - 1;
  const s = f / (2 + f);
  const z = s * s;
  let q = Q_COEFFICIENTS[TERMS - 1];
  for (let i = TERMS - 2; i >= 0; i--) q = q * z + Q_COEFFICIENTS[i];
  q *= z;
  return f - s * (f - q);
}

/** log x (base e): NaN below 0, -Infinity at 0. */
export function log(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  const l = log1pOfMantissa(x);
  const e = logExponent;
  return e === 0 ? l : e * LN2_HIGH + (e * LN2_LOW + l);
}

/** log x as an unevaluated sum high + low carrying about 60 bits, for pow. x finite and > 0. */
export function logDoubleDouble(x: number): [number, number] {
  const l = log1pOfMantissa(x);
  const e = logExponent;
  if (e === 0) return [l, 0];
  const [high, low] = fastTwoSum(e * LN2_HIGH, e * LN2_LOW + l);
  return [high, low];
}
