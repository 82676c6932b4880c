import { describe, test, expect } from 'vitest';
import { exp, expm1, tanh, log, sin, cos, sinPi, cosPi, sinCosPi, pow, powInt } from '../src/math/index.js';
import { Rng } from '../src/random/rng.js';
import { cosPiRef, cosRef, expm1Ref, expRef, logRef, powRef, sinPiRef, sinRef, tanhRef, ulpError } from './math-reference.js';
import type { Exact } from './math-reference.js';

/** The worst error in ulps of `f` against `ref` over `xs`, with the argument where it occurs. */
function worst(f: (x: number) => number, ref: (x: number) => Exact, xs: number[]): { ulps: number; at: number } {
  let result = { ulps: 0, at: NaN };
  for (const x of xs) {
    const e = ulpError(f(x), ref(x));
    if (!(e <= result.ulps)) result = { ulps: e, at: x };
  }
  return result;
}

const rng = new Rng(2026);
const uniform = (lo: number, hi: number, n: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
/** Magnitudes spread over many binades: sign * 2^(lo..hi) with random mantissas. */
const logUniform = (lo: number, hi: number, n: number, signed = true) =>
  Array.from({ length: n }, () => {
    const v = powInt(2, Math.floor(lo + (hi - lo) * rng.uniform())) * (1 + rng.uniform());
    return signed && rng.uniform() < 0.5 ? -v : v;
  });
/** The doubles next to x (x itself and `count` on each side). */
function around(x: number, count = 2): number[] {
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  for (let d = -count; d <= count; d++) {
    view.setFloat64(0, x);
    view.setBigInt64(0, view.getBigInt64(0) + BigInt(d));
    out.push(view.getFloat64(0));
  }
  return out;
}

const N = 400;
/** Worst error allowed against the 320-bit reference: measured 0.56-0.92 ulp (tanh 1.72, pow 1.11). */
const BOUND = 1;

describe('deterministic elementary functions: within a few ulp of a 320-bit reference', () => {
  test('exp on [-745, 709], near 0 and at the ends', () => {
    const xs = [...uniform(-20, 20, N), ...uniform(-708, 709, N), ...logUniform(-60, 0, N), ...around(709.78, 3), ...around(Math.LN2 / 2)];
    const { ulps, at } = worst(exp, expRef, xs);
    expect(ulps, `at ${at}`).toBeLessThanOrEqual(BOUND);
    // Subnormal results: within one ulp of the least subnormal.
    for (const x of uniform(-744, -709, 50)) expect(ulpError(exp(x), expRef(x))).toBeLessThanOrEqual(1);
  });

  test('expm1 and tanh, tiny to large arguments', () => {
    const xs = [...logUniform(-40, 3, N), ...uniform(-5, 5, N), ...around(0.34657359027997264), ...around(-0.34657359027997264)];
    let r = worst(expm1, expm1Ref, xs);
    expect(r.ulps, `expm1 at ${r.at}`).toBeLessThanOrEqual(BOUND);
    r = worst(tanh, tanhRef, [...logUniform(-27, 4, N), ...uniform(-3, 3, N)]);
    expect(r.ulps, `tanh at ${r.at}`).toBeLessThanOrEqual(2);
  });

  test('log over the whole range, next to 1 and on subnormals', () => {
    const xs = [...logUniform(-1074, 1023, N, false), ...uniform(0.5, 2, N), ...around(1, 4), ...around(Math.SQRT2), ...uniform(0, 1, N).filter((v) => v > 0)];
    const { ulps, at } = worst(log, logRef, xs.filter((v) => v !== 1));
    expect(ulps, `at ${at}`).toBeLessThanOrEqual(BOUND);
  });

  test('sin and cos up to their range, next to multiples of pi/2', () => {
    const near = [1, 2, 3, 4, 5, 10, 100, 1000, 100000].flatMap((k) => around((k * Math.PI) / 2, 2));
    const xs = [...uniform(-10, 10, N), ...uniform(-800000, 800000, N), ...logUniform(-30, 2, N), ...near];
    let r = worst(sin, sinRef, xs);
    expect(r.ulps, `sin at ${r.at}`).toBeLessThanOrEqual(BOUND);
    r = worst(cos, cosRef, xs);
    expect(r.ulps, `cos at ${r.at}`).toBeLessThanOrEqual(BOUND);
  });

  test('sinPi and cosPi, any finite argument; exact at the quarter turns', () => {
    const xs = [...uniform(-4, 4, N), ...uniform(0, 1, N), ...logUniform(-40, 40, N)].filter((x) => !Number.isInteger(2 * x));
    let r = worst(sinPi, sinPiRef, xs);
    expect(r.ulps, `sinPi at ${r.at}`).toBeLessThanOrEqual(BOUND);
    r = worst(cosPi, cosPiRef, xs);
    expect(r.ulps, `cosPi at ${r.at}`).toBeLessThanOrEqual(BOUND);
    for (const k of [-3, -2, -1, 0, 1, 2, 3, 2 ** 52 + 1, 2 ** 60]) {
      expect(Math.abs(sinPi(k))).toBe(0);
      expect(Math.abs(cosPi(k))).toBe(1);
      expect(cosPi(k)).toBe(Math.abs(k % 2) === 1 ? -1 : 1);
      if (Math.abs(k) < 100) {
        expect(Math.abs(sinPi(k + 0.5))).toBe(1);
        expect(Math.abs(cosPi(k + 0.5))).toBe(0);
      }
    }
  });

  test('sinCosPi gives sinPi and cosPi from one reduction, the same bits', () => {
    const out = new Float64Array(2);
    const xs = [...uniform(-4, 4, N), ...logUniform(-40, 40, N), 0, -0, 0.5, -1.5, 2 ** 53, 2 ** 60, -(2 ** 52) - 1];
    for (const x of xs) {
      sinCosPi(x, out);
      expect(Object.is(out[0], sinPi(x)) && Object.is(out[1], cosPi(x)), `sinCosPi(${x})`).toBe(true);
    }
    for (const x of [NaN, Infinity, -Infinity]) {
      sinCosPi(x, out);
      expect([out[0], out[1]]).toEqual([NaN, NaN]);
    }
  });

  test("powInt (Adam's beta^t) is within one ulp for any step count; pow within a few ulp", () => {
    const bases = [0.9, 0.999, 0.99, 1.0001, 2, 0.5, 3.7, 1e-3];
    for (const b of bases) {
      for (const t of [1, 2, 3, 7, 10, 100, 1000, 12345, 1_000_000, -1, -7, -1000]) {
        const got = powInt(b, t);
        if (got === 0 || !Number.isFinite(got)) continue;
        expect(ulpError(got, powRef(b, t)), `${b}^${t}`).toBeLessThanOrEqual(1);
      }
    }
    expect(powInt(-2, 3)).toBe(-8);
    expect(powInt(2, -1074)).toBe(5e-324);
    expect(powInt(2, 1024)).toBe(Infinity);
    expect(powInt(0.9, 0)).toBe(1);
    const xs = uniform(0.01, 10, N);
    const ys = uniform(-3, 3, N);
    let worstPow = 0;
    for (let i = 0; i < N; i++) worstPow = Math.max(worstPow, ulpError(pow(xs[i], ys[i]), powRef(xs[i], ys[i])));
    expect(worstPow).toBeLessThanOrEqual(1.5);
  });

  test('special values follow IEEE 754 and Math', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(NaN)).toBeNaN();
    expect(Object.is(expm1(-0), -0)).toBe(true);
    expect(expm1(-Infinity)).toBe(-1);
    expect(log(1)).toBe(0);
    expect(log(0)).toBe(-Infinity);
    expect(log(-1)).toBeNaN();
    expect(log(Infinity)).toBe(Infinity);
    expect(Object.is(sin(-0), -0)).toBe(true);
    expect(cos(0)).toBe(1);
    expect(sin(NaN)).toBeNaN();
    expect(() => sin(1e7)).toThrow(/sin: \|x\| must be at most/);
    expect(tanh(Infinity)).toBe(1);
    expect(tanh(-50)).toBe(-1);
    expect(pow(0, 0.5)).toBe(0);
    expect(pow(-8, 1 / 3)).toBeNaN();
    expect(pow(4, 0.5)).toBe(2);
    expect(() => powInt(2, 0.5)).toThrow(/powInt: n must be an integer/);
  });
});
