// assembly/elementwise.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, SIZES, call, checkElementwise, expectClose, inout, input, output, round, same, ulps, uniform, values, withEdges } from './raw-kernel.js';

const EDGES = [-1, 0, 1, -0, 400, -400, 1e-40, -1e-310];
const a = withEdges(uniform(-3, 3, 11), EDGES);
const b = uniform(-3, 3, 12);
const EXACT = ulps(1);
/** Two roundings (alpha x, then the sum), with cancellation near 0. */
const TWO_OPS = ulps(2, 8);

describe('element-wise kernels', () => {
  it('fill', () => checkElementwise({ kernel: 'fill', signature: 'n y value', given: { value: -2.7 }, reference: (v) => v.value, tol: EXACT }));
  it('copy', () => checkElementwise({ kernel: 'copy', signature: 'n x y', given: { x: a }, reference: (v) => v.x, tol: EXACT }));
  it('add', () => checkElementwise({ kernel: 'add', signature: 'n a b y', given: { a, b }, reference: (v) => v.a + v.b, tol: EXACT }));
  it('sub', () => checkElementwise({ kernel: 'sub', signature: 'n a b y', given: { a, b }, reference: (v) => v.a - v.b, tol: EXACT }));
  it('mul', () => checkElementwise({ kernel: 'mul', signature: 'n a b y', given: { a, b }, reference: (v) => v.a * v.b, tol: EXACT }));
  it('scale', () =>
    checkElementwise({ kernel: 'scale', signature: 'n x alpha y', given: { x: a, alpha: -0.37 }, reference: (v) => v.alpha * v.x, tol: EXACT }));
  it('axpy (y is updated in place)', () =>
    checkElementwise({
      kernel: 'axpy', signature: 'n alpha x y', given: { alpha: 0.3, x: a, y: b },
      reference: (v) => ({ y: v.y + v.alpha * v.x }), tol: TWO_OPS,
    }));
  it('dropoutBackward', () => {
    // mask as a float array of 0/1 would not be bytes: the raw call below covers it.
    for (const dtype of DTYPES) {
      for (const n of SIZES) {
        const keep = round(dtype, 0.8);
        const dy = values(a, n).map((v) => round(dtype, v));
        const mask = values(uniform(0, 1, 13), n).map((v) => (v < 0.5 ? 0 : v < 0.75 ? 1 : 7));
        const want = dy.map((v, i) => (mask[i] ? v / keep : 0));
        const name = `dropoutBackward_${dtype}`;
        for (const misalign of [0, 4, 8]) {
          const got = call(name, [n, input(dtype, dy), input('u8', mask), output(dtype, n), keep], misalign).arrays[3];
          expectClose(`${name} n=${n}`, got, want, EXACT[dtype]);
        }
        const inPlace = call(name, [n, inout(dtype, dy), input('u8', mask), same(1), keep]).arrays[1];
        expectClose(`${name} n=${n} in place`, inPlace, want, EXACT[dtype]);
      }
    }
  });
});

// ------------------------------------------------------------------------------ dropout

/** MurmurHash3's 32-bit finalizer. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The documented dropout hash: mix32(mix32(i + key) ^ key), key = mix32(seed). */
function dropoutHash(seed: number, i: number): number {
  const key = mix32(seed);
  return mix32((mix32((i + key) >>> 0) ^ key) >>> 0);
}

describe('dropout', () => {
  for (const dtype of DTYPES) {
    it(`keeps element i when hash(seed, i) / 2^32 < keep, scales kept by 1 / keep (${dtype})`, () => {
      for (const keep of [0.5, 0.9, 0.25, 1]) {
        for (const n of SIZES) {
          const k = round(dtype, keep);
          const seed = 12345 + n;
          const x = values(a, n).map((v) => round(dtype, v));
          const mask = x.map((_, i) => (dropoutHash(seed, i) / 2 ** 32 < k ? 1 : 0));
          const want = x.map((v, i) => (mask[i] ? v / k : 0));
          const name = `dropout_${dtype}`;
          for (const misalign of [0, 4, 8]) {
            const got = call(name, [n, input(dtype, x), output(dtype, n), output('u8', n), k, seed], misalign);
            expect(Array.from(got.arrays[3]), `${name} mask n=${n} keep=${keep}`).toEqual(mask);
            expectClose(`${name} n=${n} keep=${keep}`, got.arrays[2], want, EXACT[dtype]);
          }
          const inPlace = call(name, [n, inout(dtype, x), same(1), output('u8', n), k, seed]);
          expectClose(`${name} n=${n} in place`, inPlace.arrays[1], want, EXACT[dtype]);
        }
      }
    });
  }

  it('keeps about keep * n elements, and another seed gives another mask', () => {
    const n = 100_000;
    const x = new Array<number>(n).fill(1);
    const kept = (seed: number) => call('dropout_f32', [n, input('f32', x), output('f32', n), output('u8', n), 0.7, seed]).arrays[3];
    const m1 = kept(1);
    const m2 = kept(2);
    const count = m1.reduce((s, v) => s + v, 0);
    // Binomial(n, 0.7): standard deviation 145; allow 5 of them.
    expect(Math.abs(count - 0.7 * n)).toBeLessThan(5 * Math.sqrt(n * 0.7 * 0.3));
    // Two independent masks agree on 0.7^2 + 0.3^2 = 58% of the elements.
    const agree = m1.reduce((s, v, i) => s + (v === m2[i] ? 1 : 0), 0);
    expect(Math.abs(agree - 0.58 * n)).toBeLessThan(5 * Math.sqrt(n * 0.58 * 0.42));
    // Neighbouring elements are not correlated.
    let both = 0;
    for (let i = 1; i < n; i++) both += m1[i] * m1[i - 1];
    expect(Math.abs(both - 0.49 * (n - 1))).toBeLessThan(5 * Math.sqrt(n * 0.49 * 0.51));
  });
});

// -------------------------------------------------------------------------------- casts

describe('casts', () => {
  const x = withEdges(uniform(-1e3, 1e3, 14), [0, -0, 1e-40, 3.4e38, -3.4e38, 1e-310, 1e300, -1e300, 0.1]);

  it('castF32ToF64 widens exactly, also in place', () => {
    for (const n of SIZES) {
      const xs = values(x, n).map(Math.fround);
      for (const misalign of [0, 4, 8]) {
        const got = call('castF32ToF64', [n, input('f32', xs), output('f64', n)], misalign).arrays[2];
        expectClose(`castF32ToF64 n=${n}`, got, xs, { rel: 0, abs: 0 });
      }
      // In place: the f32s sit at the start of a region big enough for the f64s.
      const region = new Uint8Array(8 * n);
      new Float32Array(region.buffer, 0, n).set(xs);
      const bytes = call('castF32ToF64', [n, inout('u8', region), same(1)]).arrays[1];
      const widened = new Float64Array(Uint8Array.from(bytes).buffer);
      expectClose(`castF32ToF64 n=${n} in place`, widened, xs, { rel: 0, abs: 0 });
    }
  });

  it('castF64ToF32 rounds to nearest (overflow to Infinity), also in place', () => {
    for (const n of SIZES) {
      const xs = values(x, n);
      const want = xs.map(Math.fround);
      for (const misalign of [0, 4, 8]) {
        const got = call('castF64ToF32', [n, input('f64', xs), output('f32', n)], misalign).arrays[2];
        expectClose(`castF64ToF32 n=${n}`, got, want, { rel: 0, abs: 0 });
      }
      const region = new Uint8Array(new Float64Array(xs).buffer);
      const bytes = call('castF64ToF32', [n, inout('u8', region), same(1)]).arrays[1];
      const narrowed = new Float32Array(Uint8Array.from(bytes).buffer, 0, n);
      expectClose(`castF64ToF32 n=${n} in place`, narrowed, want, { rel: 0, abs: 0 });
    }
  });
});
