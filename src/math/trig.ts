/**
 * sin, cos, sin(pi x) and cos(pi x) from exact operations only (see ./index.ts), within about one
 * ulp.
 *
 * The argument is reduced to r in [-pi/4, pi/4] as an unevaluated sum r = high + low, so reduction
 * loses nothing even next to a multiple of pi/2; then sin r and cos r are Taylor series (to r^19
 * and r^20: truncation below 1e-19 relative) with the low part as a first-order correction.
 */
import { fastTwoSum, productError, twoSum } from './float-parts.js';

/** pi/2 in four parts: the first three have 33 significant bits, so k * part is exact for |k| < 2^20. */
const PIO2_PARTS = [1.5707963267341256, 6.077100506303966e-11, 2.0222662487111665e-21, 8.4784276603689e-32];
const TWO_OVER_PI = 0.6366197723675814;
/** pi = PI_HIGH + PI_LOW to about 106 bits. */
const PI_HIGH = 3.141592653589793;
const PI_LOW = 1.2246467991473532e-16;
/** Beyond this |x| the reduction by pi/2 would need more than four parts. */
export const TRIG_MAX_ARGUMENT = 823549.6;

/** (-1)^n / (2n + 1)! for n = 1..9 and (-1)^n / (2n)! for n = 2..10; n! is exact up to 18!. */
const SIN_COEFFICIENTS: number[] = [];
const COS_COEFFICIENTS: number[] = [];
for (let n = 2, factorial = 1, sign = 1; n <= 20; n++) {
  factorial *= n;
  if (n % 2 === 0) sign = -sign;
  if (n % 2 === 1) SIN_COEFFICIENTS.push(sign / factorial);
  else if (n >= 4) COS_COEFFICIENTS.push(sign / factorial);
}

function series(coefficients: number[], z: number): number {
  let p = coefficients[coefficients.length - 1];
  for (let i = coefficients.length - 2; i >= 0; i--) p = p * z + coefficients[i];
  return p;
}

/** sin(high + low) for |high| <= pi/4, |low| <= ulp(high). */
function sinKernel(high: number, low: number): number {
  const z = high * high;
  // sin(h + l) = h + h^3 S(h^2) + l cos(h), with cos(h) ~ 1 - h^2/2 enough for the tiny l.
  return high + (high * z * series(SIN_COEFFICIENTS, z) + low * (1 - 0.5 * z));
}

/** cos(high + low) for |high| <= pi/4, |low| <= ulp(high). */
function cosKernel(high: number, low: number): number {
  const z = high * high;
  const zError = productError(high, high, z);
  const half = 0.5 * z;
  const w = 1 - half;
  // 1 - h^2/2 loses its rounding in w; put it back with the small terms: h^4 C(h^2) - h l.
  const correction = ((1 - w) - half) - 0.5 * zError + (z * z * series(COS_COEFFICIENTS, z) - high * low);
  return w + correction;
}

/** sin or cos of (high + low) + quadrant * pi/2. */
function fromQuadrant(quadrant: number, high: number, low: number, cosine: boolean): number {
  const q = (((quadrant + (cosine ? 1 : 0)) % 4) + 4) % 4;
  switch (q) {
    case 0: return sinKernel(high, low);
    case 1: return cosKernel(high, low);
    case 2: return -sinKernel(high, low);
    default: return -cosKernel(high, low);
  }
}

/** [k, high, low] with x = k pi/2 + high + low, |high + low| <= pi/4 (plus rounding). */
function reduceHalfPi(x: number, name: string): [number, number, number] {
  if (Math.abs(x) <= 0.7853981633974483) return [0, x, 0];
  if (!(Math.abs(x) <= TRIG_MAX_ARGUMENT)) {
    throw new RangeError(`${name}: |x| must be at most ${TRIG_MAX_ARGUMENT}, got ${x}`);
  }
  const k = Math.round(x * TWO_OVER_PI);
  let high = x - k * PIO2_PARTS[0]; // exact: x and k * PIO2_PARTS[0] are within a factor 2
  let low = 0;
  for (let i = 1; i < PIO2_PARTS.length; i++) {
    const [sum, error] = twoSum(high, -k * PIO2_PARTS[i]);
    high = sum;
    low += error;
  }
  [high, low] = fastTwoSum(high, low);
  return [k, high, low];
}

/** sin x, for |x| <= TRIG_MAX_ARGUMENT (throws RangeError beyond; NaN for NaN). */
export function sin(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < 1.4901161193847656e-8) return x; // 2^-26: sin x = x (1 - x^2/6) rounds to x, and -0 stays -0
  const [k, high, low] = reduceHalfPi(x, 'sin');
  return fromQuadrant(k, high, low, false);
}

/** cos x, for |x| <= TRIG_MAX_ARGUMENT (throws RangeError beyond; NaN for NaN). */
export function cos(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const [k, high, low] = reduceHalfPi(x, 'cos');
  return fromQuadrant(k, high, low, true);
}

/** pi x = turnQuadrant pi/2 + turnHigh + turnLow, |turnHigh| <= pi/4, set by reduceHalfTurns. */
let turnQuadrant = 0;
let turnHigh = 0;
let turnLow = 0;

/**
 * Sets turnQuadrant, turnHigh and turnLow for pi x: exact reduction for any finite x (module state
 * rather than a returned triple, so drawing millions of normal deviates allocates nothing).
 */
function reduceHalfTurns(x: number): void {
  // y = x mod 2 in [-1, 1] is exact (a multiple of ulp(x) no larger than 1); so is f = y - q/2.
  const y = Math.abs(x) >= 9007199254740992 ? 0 : x - 2 * Math.round(x / 2); // from 2^53 every double is even
  const q = Math.round(2 * y);
  const f = y - q / 2;
  const high = f * PI_HIGH;
  turnQuadrant = q;
  turnHigh = high;
  turnLow = productError(f, PI_HIGH, high) + f * PI_LOW;
}

/** sin(pi x) for any finite x: exactly 0 at integers, exactly +-1 at half-integers. */
export function sinPi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  reduceHalfTurns(x);
  return fromQuadrant(turnQuadrant, turnHigh, turnLow, false);
}

/** cos(pi x) for any finite x: exactly 0 at half-integers, exactly +-1 at integers. */
export function cosPi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  reduceHalfTurns(x);
  return fromQuadrant(turnQuadrant, turnHigh, turnLow, true);
}

/**
 * sin(pi x) into out[0] and cos(pi x) into out[1] from one reduction: the same bits as sinPi and
 * cosPi (NaN for x not finite).
 */
export function sinCosPi(x: number, out: Float64Array): void {
  if (!Number.isFinite(x)) {
    out[0] = NaN;
    out[1] = NaN;
    return;
  }
  reduceHalfTurns(x);
  out[0] = fromQuadrant(turnQuadrant, turnHigh, turnLow, false);
  out[1] = fromQuadrant(turnQuadrant, turnHigh, turnLow, true);
}
