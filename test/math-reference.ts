/**
 * A slow, independent reference for the elementary functions: fixed-point BigInt arithmetic with
 * 320 fractional bits, series summed until their terms vanish. A value is { m, s }: m * 2^s.
 */
const P = 320;
const ONE = 1n << BigInt(P);

export interface Exact { m: bigint; s: number }

/** The exact value of a finite double as m * 2^s. */
export function exactOf(x: number): Exact {
  if (x === 0) return { m: 0n, s: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let e = biased - 1075;
  if (biased === 0) e = -1074;
  else mantissa |= 1n << 52n;
  return { m: negative ? -mantissa : mantissa, s: e };
}

/** x as a fixed-point BigInt (value * 2^P), truncating bits below 2^-P. */
function fixed(x: number): bigint {
  const { m, s } = exactOf(x);
  return s + P >= 0 ? m << BigInt(s + P) : m / (1n << BigInt(-(s + P)));
}

const mul = (a: bigint, b: bigint) => (a * b) >> BigInt(P);
const div = (a: bigint, b: bigint) => (a << BigInt(P)) / b;

/** atan(1/n) in fixed point. */
function atanInverse(n: bigint): bigint {
  let sum = 0n;
  let power = ONE / n;
  for (let k = 0n; power !== 0n; k++) {
    const term = power / (2n * k + 1n);
    sum += k % 2n === 0n ? term : -term;
    power /= n * n;
  }
  return sum;
}

const PI = 16n * atanInverse(5n) - 4n * atanInverse(239n);
/** ln 2 = sum 1 / (k 2^k). */
const LN2 = (() => {
  let sum = 0n;
  for (let k = 1n; ; k++) {
    const term = ONE / (k << k);
    if (term === 0n) return sum;
    sum += term;
  }
})();

/** e^r for fixed |r| <= 1. */
function expSmall(r: bigint): bigint {
  let sum = ONE;
  let term = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = mul(term, r) / n;
    sum += term;
  }
  return sum;
}

function sinSmall(r: bigint): bigint {
  let sum = r;
  let term = r;
  const r2 = mul(r, r);
  for (let n = 1n; term !== 0n; n++) {
    term = -mul(term, r2) / ((2n * n) * (2n * n + 1n));
    sum += term;
  }
  return sum;
}

function cosSmall(r: bigint): bigint {
  let sum = ONE;
  let term = ONE;
  const r2 = mul(r, r);
  for (let n = 1n; term !== 0n; n++) {
    term = -mul(term, r2) / ((2n * n - 1n) * (2n * n));
    sum += term;
  }
  return sum;
}

const roundDiv = (a: bigint, b: bigint) => (a >= 0n ? (2n * a + b) / (2n * b) : -((-2n * a + b) / (2n * b)));

/** e^X for a fixed-point X (any size): 2^k e^r. */
function expFixed(X: bigint): Exact {
  const k = roundDiv(X, LN2);
  return { m: expSmall(X - k * LN2), s: Number(k) - P };
}

export function expRef(x: number): Exact {
  return expFixed(fixed(x));
}

/** e^x - 1: for small |x| the series without its leading 1. */
export function expm1Ref(x: number): Exact {
  const X = fixed(x);
  if (Math.abs(x) < 0.5) return { m: expSmall(X) - ONE, s: -P };
  const e = expFixed(X);
  const shift = e.s + P;
  return shift >= 0 ? { m: (e.m << BigInt(shift)) - ONE, s: -P } : { m: e.m - (ONE << BigInt(-shift)), s: e.s };
}

/** log x as a fixed-point BigInt: x = m 2^e, log m = 2 atanh((m - 1) / (m + 1)). */
function logFixed(x: number): bigint {
  const { m, s } = exactOf(x);
  const bits = m.toString(2).length;
  const e = s + bits - 1; // x = (m / 2^(bits-1)) 2^e with the first factor in [1, 2)
  const M = (m << BigInt(P)) >> BigInt(bits - 1);
  const t = div(M - ONE, M + ONE);
  const t2 = mul(t, t);
  let sum = 0n;
  let power = t;
  for (let k = 1n; power !== 0n; k += 2n) {
    sum += power / k;
    power = mul(power, t2);
  }
  return BigInt(e) * LN2 + 2n * sum;
}

export function logRef(x: number): Exact {
  return { m: logFixed(x), s: -P };
}

/** sin or cos of a fixed-point angle. */
function trigFixed(X: bigint, cosine: boolean): Exact {
  const halfPi = PI / 2n;
  const k = roundDiv(X, halfPi);
  const r = X - k * halfPi;
  const q = Number((((k + (cosine ? 1n : 0n)) % 4n) + 4n) % 4n);
  const value = q === 0 ? sinSmall(r) : q === 1 ? cosSmall(r) : q === 2 ? -sinSmall(r) : -cosSmall(r);
  return { m: value, s: -P };
}

export const sinRef = (x: number) => trigFixed(fixed(x), false);
export const cosRef = (x: number) => trigFixed(fixed(x), true);
export const sinPiRef = (x: number) => trigFixed(mul(fixed(x), PI), false);
export const cosPiRef = (x: number) => trigFixed(mul(fixed(x), PI), true);

export function tanhRef(x: number): Exact {
  const e = expm1Ref(2 * Math.abs(x)); // 2|x| is exact
  const shift = e.s + P;
  const E = shift >= 0 ? e.m << BigInt(shift) : e.m >> BigInt(-shift); // e^(2|x|) - 1, fixed
  const t = div(E, E + 2n * ONE);
  return { m: x < 0 ? -t : t, s: -P };
}

/** x^y = e^(y log x) for x > 0. */
export function powRef(x: number, y: number): Exact {
  const { m, s } = exactOf(y);
  const L = logFixed(x) * m;
  return expFixed(s >= 0 ? L << BigInt(s) : L >> BigInt(-s));
}

/** |got - ref| in units of the reference's ulp (as a double of the ref's binade). */
export function ulpError(got: number, ref: Exact): number {
  if (ref.m === 0n) return got === 0 ? 0 : Infinity;
  if (!Number.isFinite(got)) return Infinity;
  const g = exactOf(got);
  const c = Math.min(g.s, ref.s);
  const a = g.m << BigInt(g.s - c);
  const b = ref.m << BigInt(ref.s - c);
  const diff = a > b ? a - b : b - a;
  const refBits = (ref.m < 0n ? -ref.m : ref.m).toString(2).length;
  // ulp of the reference: 2^(exponent - 52), at least the least subnormal 2^-1074.
  const ulpExponent = Math.max(refBits - 1 + ref.s - 52, -1074) - c;
  if (ulpExponent >= 0) return Number((diff << 20n) >> BigInt(ulpExponent)) / 1048576;
  return Number(diff << BigInt(-ulpExponent));
}
