// assembly/activation.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, SIZES, call, checkElementwise, close, expectClose, inout, input, output, round, same, ulps, uniform, values, withEdges } from './raw-kernel.js';
import type { DType, Tol } from './raw-kernel.js';

const EDGES = [-1, 0, 1, -0, 400, -400, 1e-40, -1e-40, 1e-310, -1e-310];
const x = withEdges(uniform(-6, 6, 1), EDGES);
const dy = uniform(-2, 2, 2);
/** The e^x-based kernels: the accuracy asked of the SIMD exp (f32 2e-7, f64 1e-15 relative). */
const EXP: Tol = { f32: { rel: 2e-7, abs: 1e-44 }, f64: { rel: 1e-15, abs: 1e-320 } };
/** A few roundings, a little cancellation (1 - y, 1 - y*y). */
const ARITH = ulps(6, 6);
const EXACT = ulps(1);

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const elu = (v: number, alpha: number) => (v > 0 ? v : alpha * Math.expm1(v));

describe('activation kernels', () => {
  it('step', () => checkElementwise({ kernel: 'step', signature: 'n x y', given: { x }, reference: (v) => (v.x > 0 ? 1 : 0), tol: EXACT }));
  it('sigmoid', () => checkElementwise({ kernel: 'sigmoid', signature: 'n x y', given: { x }, reference: (v) => sigmoid(v.x), tol: EXP }));
  it('sigmoidBackward', () =>
    checkElementwise({
      kernel: 'sigmoidBackward', signature: 'n y dy dx', given: { y: uniform(0, 1, 3), dy },
      reference: (v) => v.dy * v.y * (1 - v.y), tol: ARITH,
    }));
  it('relu', () => checkElementwise({ kernel: 'relu', signature: 'n x y', given: { x }, reference: (v) => (v.x > 0 ? v.x : 0), tol: EXACT }));
  it('reluBackward', () =>
    checkElementwise({ kernel: 'reluBackward', signature: 'n x dy dx', given: { x, dy }, reference: (v) => (v.x > 0 ? v.dy : 0), tol: EXACT }));
  it('tanh', () => checkElementwise({ kernel: 'tanh', signature: 'n x y', given: { x }, reference: (v) => Math.tanh(v.x), tol: EXP }));
  it('tanhBackward', () =>
    checkElementwise({
      kernel: 'tanhBackward', signature: 'n y dy dx', given: { y: uniform(-1, 1, 4), dy },
      reference: (v) => v.dy * (1 - v.y * v.y), tol: ARITH,
    }));
  it('leakyRelu', () =>
    checkElementwise({
      kernel: 'leakyRelu', signature: 'n x y alpha', given: { x, alpha: 0.01 },
      reference: (v) => (v.x > 0 ? v.x : v.alpha * v.x), tol: EXACT,
    }));
  it('leakyReluBackward', () =>
    checkElementwise({
      kernel: 'leakyReluBackward', signature: 'n x dy dx alpha', given: { x, dy, alpha: 0.2 },
      reference: (v) => (v.x > 0 ? v.dy : v.alpha * v.dy), tol: EXACT,
    }));
  it('elu', () =>
    checkElementwise({ kernel: 'elu', signature: 'n x y alpha', given: { x, alpha: 1.3 }, reference: (v) => elu(v.x, v.alpha), tol: EXP }));
  it('eluBackward', () =>
    checkElementwise({
      kernel: 'eluBackward', signature: 'n x y dy dx alpha', given: { x, y: uniform(-1, 1, 5), dy, alpha: 0.7 },
      reference: (v) => (v.x > 0 ? v.dy : v.dy * (v.y + v.alpha)), tol: ARITH,
    }));
});

/** The activations that take an Affine's bias: forward f, and the backward rule from y. */
const WITH_BIAS = [
  { name: 'Sigmoid', f: sigmoid, backward: (y: number, dy: number) => dy * y * (1 - y), tol: EXP, y: uniform(0, 1, 3) },
  { name: 'Relu', f: (v: number) => (v > 0 ? v : 0), backward: (y: number, dy: number) => (y > 0 ? dy : 0), tol: EXACT, y: withEdges(uniform(0, 2, 3), [0, 0, 1]) },
];

for (const { name, f, backward, tol, y: yGen } of WITH_BIAS) {
  const lower = name.toLowerCase();
  describe(`addBias${name} and ${lower}BackwardSumRows`, () => {
    for (const dtype of DTYPES) {
      it(`y[i, j] = ${lower}(x[i, j] + b[j]), the bits of addBias then ${lower}, also in place (${dtype})`, () => {
        for (const m of [0, 1, 3, 7]) {
          for (const n of SIZES.filter((s) => s > 0)) {
            const xs = values(uniform(-8, 8, 40 + n), m * n).map((v) => round(dtype, v));
            const b = values(uniform(-3, 3, 41), n).map((v) => round(dtype, v));
            // The reference: the sum rounded to T (as a T array holds it), then f in float64.
            const want = xs.map((v, k) => f(round(dtype, v + b[k % n])));
            const summed = call(`addBias_${dtype}`, [m, n, input(dtype, xs), input(dtype, b), output(dtype, m * n)]).arrays[4];
            const unfused = call(`${lower}_${dtype}`, [m * n, input(dtype, summed), output(dtype, m * n)]).arrays[2];
            for (const misalign of MISALIGNMENTS) {
              const got = call(`addBias${name}_${dtype}`, [m, n, input(dtype, xs), input(dtype, b), output(dtype, m * n)], misalign).arrays[4];
              expectClose(`addBias${name}_${dtype} ${m}x${n}`, got, want, tol[dtype]);
              expect(Array.from(got)).toEqual(Array.from(unfused));
            }
            const inPlace = call(`addBias${name}_${dtype}`, [m, n, inout(dtype, xs), input(dtype, b), same(2)]).arrays[2];
            expect(Array.from(inPlace)).toEqual(Array.from(unfused));
          }
        }
      });

      it(`dx from y and dy, and db = dx's column sums, the bits of ${lower}Backward then sumRows, also in place (${dtype})`, () => {
        for (const m of [0, 1, 3, 7, 100]) {
          for (const n of SIZES.filter((s) => s > 0)) {
            const ys = values(yGen, m * n).map((v) => round(dtype, v));
            const dys = values(uniform(-2, 2, 51 + n), m * n).map((v) => round(dtype, v));
            const wantDx = ys.map((y, k) => backward(y, dys[k]));
            const wantDb = new Array<number>(n).fill(0);
            wantDx.forEach((v, k) => (wantDb[k % n] += v));
            const dx = call(`${lower}Backward_${dtype}`, [m * n, input(dtype, ys), input(dtype, dys), output(dtype, m * n)]).arrays[3];
            const db = call(`sumRows_${dtype}`, [m, n, input(dtype, dx), output(dtype, n)]).arrays[3];
            const kernel = `${lower}BackwardSumRows_${dtype}`;
            for (const misalign of MISALIGNMENTS) {
              const got = call(kernel, [m, n, input(dtype, ys), input(dtype, dys), output(dtype, m * n), output(dtype, n)], misalign);
              expectClose(`${kernel} ${m}x${n} dx`, got.arrays[4], wantDx, ARITH[dtype]);
              // db: a sum of m terms, each a few ulps off, against float64 sums.
              expectClose(`${kernel} ${m}x${n} db`, got.arrays[5], wantDb, { rel: 0, abs: (dtype === 'f32' ? 1e-5 : 1e-13) * Math.max(1, m) });
              expect(Array.from(got.arrays[4])).toEqual(Array.from(dx));
              expect(Array.from(got.arrays[5])).toEqual(Array.from(db));
            }
            const inPlace = call(kernel, [m, n, input(dtype, ys), inout(dtype, dys), same(3), output(dtype, n)]);
            expect(Array.from(inPlace.arrays[3])).toEqual(Array.from(dx));
            expect(Array.from(inPlace.arrays[5])).toEqual(Array.from(db));
          }
        }
      });
    }
  });
}

/** Runs a unary kernel on `xs` and returns y. */
function unary(kernel: string, dtype: DType, xs: number[], ...scalars: number[]): Float64Array {
  return call(`${kernel}_${dtype}`, [xs.length, input(dtype, xs), output(dtype, xs.length), ...scalars]).arrays[2];
}

describe('activation extremes', () => {
  const wide = (lo: number, hi: number, count: number) => Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));

  for (const dtype of ['f32', 'f64'] as const) {
    it(`sigmoid, tanh and elu saturate exactly, with no NaN (${dtype})`, () => {
      const xs = [-400, 400, -Infinity, Infinity, -1e30, 1e30, -746, 746];
      // e^-400 is 0 in f32 but a normal f64 (1.9e-174), so sigmoid(-400) is exactly 0 in f32 only.
      const at400 = dtype === 'f32' ? 0 : unary('sigmoid', dtype, [-400])[0];
      expect(close(at400, sigmoid(-400), EXP[dtype])).toBe(true);
      expect(Array.from(unary('sigmoid', dtype, xs))).toEqual([at400, 1, 0, 1, 0, 1, 0, 1]);
      expect(Array.from(unary('tanh', dtype, xs))).toEqual([-1, 1, -1, 1, -1, 1, -1, 1]);
      expect(Array.from(unary('elu', dtype, [-400, -Infinity, 400, Infinity], 2))).toEqual([-2, -2, 400, Infinity]);
      expect(Number.isNaN(unary('sigmoid', dtype, [NaN])[0])).toBe(true);
      expect(Number.isNaN(unary('tanh', dtype, [NaN])[0])).toBe(true);
    });

    it(`sigmoid is accurate where it is tiny, tanh and elu where they are tiny (${dtype})`, () => {
      // f32 stays normal down to e^-87; f64 to e^-708.
      const low = dtype === 'f32' ? -87 : -708;
      const tol = EXP[dtype];
      const xs = wide(low, 40, 4001);
      const ys = unary('sigmoid', dtype, xs.map((v) => (dtype === 'f32' ? Math.fround(v) : v)));
      xs.forEach((v, i) => {
        const r = dtype === 'f32' ? Math.fround(v) : v;
        expect(Math.abs(ys[i] - sigmoid(r)) <= tol.rel * sigmoid(r), `sigmoid(${r}) = ${ys[i]}`).toBe(true);
      });
      const tiny = [1e-30, -1e-20, 3e-12, -7e-8, 1e-5, -0.01, 0.17, -0.35, 0.5].map((v) => (dtype === 'f32' ? Math.fround(v) : v));
      const ts = unary('tanh', dtype, tiny);
      tiny.forEach((v, i) => expect(Math.abs(ts[i] - Math.tanh(v)) <= tol.rel * Math.abs(Math.tanh(v)), `tanh(${v})`).toBe(true));
      const neg = tiny.map((v) => -Math.abs(v));
      const es = unary('elu', dtype, neg, 1);
      neg.forEach((v, i) => expect(Math.abs(es[i] - Math.expm1(v)) <= tol.rel * Math.abs(Math.expm1(v)), `elu(${v})`).toBe(true));
    });

    it(`signed zeros: relu(-0) = +0, tanh(-0) = -0, step(-0) = 0 (${dtype})`, () => {
      expect(Object.is(unary('relu', dtype, [-0])[0], 0)).toBe(true);
      expect(Object.is(unary('tanh', dtype, [-0])[0], -0)).toBe(true);
      expect(Object.is(unary('step', dtype, [-0])[0], 0)).toBe(true);
    });

    it(`relu keeps positive subnormals, zeroes negative ones (${dtype})`, () => {
      const tiny = dtype === 'f32' ? 1e-40 : 5e-324;
      const r = dtype === 'f32' ? Math.fround(tiny) : tiny;
      expect(Array.from(unary('relu', dtype, [tiny, -tiny, tiny, -tiny, tiny]))).toEqual([r, 0, r, 0, r]);
    });
  }
});
