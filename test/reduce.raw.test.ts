// assembly/reduce.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, SIZES, call, expectClose, inout, input, output, round, same, ulps, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

const ROWS = [0, 1, 3, 7];
const COLS = SIZES.filter((n) => n > 0);
const EXACT = ulps(1);

/** An (m, n) matrix of T values, row-major, as float64 numbers. */
function matrix(dtype: DType, m: number, n: number, seed: number, lo = -2, hi = 2): number[] {
  return values(uniform(lo, hi, seed), m * n).map((v) => round(dtype, v));
}

describe('addBias, sumRows, repeatRows', () => {
  for (const dtype of DTYPES) {
    it(`addBias: y[i, j] = x[i, j] + b[j], also in place (${dtype})`, () => {
      for (const m of ROWS) {
        for (const n of COLS) {
          const x = matrix(dtype, m, n, 31);
          const b = matrix(dtype, 1, n, 32);
          const want = x.map((v, k) => v + b[k % n]);
          for (const misalign of MISALIGNMENTS) {
            const got = call(`addBias_${dtype}`, [m, n, input(dtype, x), input(dtype, b), output(dtype, m * n)], misalign).arrays[4];
            expectClose(`addBias_${dtype} ${m}x${n}`, got, want, EXACT[dtype]);
          }
          const inPlace = call(`addBias_${dtype}`, [m, n, inout(dtype, x), input(dtype, b), same(2)]).arrays[2];
          expectClose(`addBias_${dtype} ${m}x${n} in place`, inPlace, want, EXACT[dtype]);
        }
      }
    });

    it(`sumRows: out[j] = sum_i x[i, j] (${dtype})`, () => {
      for (const m of [...ROWS, 100]) {
        for (const n of COLS) {
          const x = matrix(dtype, m, n, 33);
          const want = new Array<number>(n).fill(0);
          const magnitude = new Array<number>(n).fill(0);
          x.forEach((v, k) => {
            want[k % n] += v;
            magnitude[k % n] += Math.abs(v);
          });
          for (const misalign of MISALIGNMENTS) {
            const got = call(`sumRows_${dtype}`, [m, n, input(dtype, x), output(dtype, n)], misalign).arrays[3];
            // Added in T, in row order: at most m roundings, each within u * sum |x|.
            const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
            got.forEach((v, j) => expect(Math.abs(v - want[j]) <= m * u * magnitude[j], `sumRows_${dtype} ${m}x${n} [${j}]`).toBe(true));
          }
        }
      }
    });

    it(`repeatRows: y[i, :] = x (${dtype})`, () => {
      for (const m of ROWS) {
        for (const n of COLS) {
          const x = matrix(dtype, 1, n, 34);
          const got = call(`repeatRows_${dtype}`, [m, n, input(dtype, x), output(dtype, m * n)], 4).arrays[3];
          expectClose(`repeatRows_${dtype} ${m}x${n}`, got, Array.from({ length: m * n }, (_, k) => x[k % n]), { rel: 0, abs: 0 });
        }
      }
    });
  }
});

describe('argmax and correct counts', () => {
  const argmax = (row: number[]) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0);

  for (const dtype of DTYPES) {
    it(`argmaxRows returns the first index of the max, ties and infinities included (${dtype})`, () => {
      for (const m of [1, 3, 7]) {
        for (const n of COLS) {
          // Few distinct values, so ties are common.
          const x = values(uniform(0, 4, 35 + n), m * n).map(Math.floor);
          if (n > 2) x[1] = Infinity;
          if (n > 4) x[n + 3] = -Infinity;
          const rows = Array.from({ length: m }, (_, i) => x.slice(i * n, (i + 1) * n));
          const got = call(`argmaxRows_${dtype}`, [m, n, input(dtype, x), output('i32', m)]).arrays[3];
          expect(Array.from(got), `argmaxRows_${dtype} ${m}x${n}`).toEqual(rows.map(argmax));
        }
      }
      const equal = call(`argmaxRows_${dtype}`, [2, 3, input(dtype, [5, 5, 5, -1, 2, 2]), output('i32', 2)]).arrays[3];
      expect(Array.from(equal)).toEqual([0, 1]);
    });

    it(`countCorrectLabels and countCorrectOneHot count rows whose argmax is right (${dtype})`, () => {
      for (const m of [0, 1, 5, 100]) {
        for (const n of [1, 2, 10, 33]) {
          const y = matrix(dtype, m, n, 36 + m, 0, 1);
          const labels = values(uniform(0, n, 37 + n), m).map(Math.floor);
          const hits = labels.filter((l, i) => argmax(y.slice(i * n, (i + 1) * n)) === l).length;
          const byLabel = call(`countCorrectLabels_${dtype}`, [m, n, input(dtype, y), input('i32', labels)]).result;
          expect(byLabel, `countCorrectLabels_${dtype} ${m}x${n}`).toBe(hits);
          const t = Array.from({ length: m * n }, (_, k) => (labels[Math.floor(k / n)] === k % n ? 1 : 0));
          const byOneHot = call(`countCorrectOneHot_${dtype}`, [m, n, input(dtype, y), input(dtype, t)]).result;
          expect(byOneHot, `countCorrectOneHot_${dtype} ${m}x${n}`).toBe(hits);
        }
      }
    });
  }
});

describe('sum and sumSquares (f64 accumulation, order fixed by n)', () => {
  for (const dtype of DTYPES) {
    it(`match a float64 sum to within n u sum |x| (${dtype})`, () => {
      for (const n of [...SIZES, 4095, 4096, 4097, 10_000]) {
        const x = values(uniform(-3, 3, 38), n).map((v) => round(dtype, v));
        const u = 2 ** -53;
        const plain = x.reduce((s, v) => s + v, 0);
        const squares = x.reduce((s, v) => s + v * v, 0);
        const magnitude = x.reduce((s, v) => s + Math.abs(v), 0);
        for (const misalign of MISALIGNMENTS) {
          const sum = call(`sum_${dtype}`, [n, input(dtype, x)], misalign).result;
          expect(Math.abs(sum - plain) <= 2 * n * u * magnitude, `sum_${dtype} n=${n}: ${sum} vs ${plain}`).toBe(true);
          const sq = call(`sumSquares_${dtype}`, [n, input(dtype, x)], misalign).result;
          expect(Math.abs(sq - squares) <= 2 * n * u * squares, `sumSquares_${dtype} n=${n}`).toBe(true);
        }
      }
    });

    it(`adds block sums of 4096 elements left to right, so a split on block boundaries gives the same bits (${dtype})`, () => {
      const n = 4096 * 2 + 777;
      const x = values(uniform(-1, 1, 39), n).map((v) => round(dtype, v * 1e3 ** (v > 0 ? 1 : -1)));
      const whole = call(`sum_${dtype}`, [n, input(dtype, x)]).result;
      const parts = [x.slice(0, 4096), x.slice(4096, 8192), x.slice(8192)].map((part) => call(`sum_${dtype}`, [part.length, input(dtype, part)]).result);
      expect(Object.is(whole, parts[0] + parts[1] + parts[2])).toBe(true);
      // And the same call twice gives the same bits (no hidden state).
      expect(Object.is(call(`sum_${dtype}`, [n, input(dtype, x)], 8).result, whole)).toBe(true);
    });
  }

  it('sum of an f32 array is exact where an f32 accumulator would not be', () => {
    // 2^24 + 1 + 1 ... in f32 loses every 1; in f64 it does not.
    const x = [2 ** 24, ...new Array<number>(99).fill(1)];
    expect(call('sum_f32', [x.length, input('f32', x)]).result).toBe(2 ** 24 + 99);
  });
});

describe('firstNonFinite', () => {
  for (const dtype of DTYPES) {
    const largest = dtype === 'f32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    const tiny = dtype === 'f32' ? 2 ** -149 : Number.MIN_VALUE;

    it(`is -1 on finite values, extremes included, and finds NaN and +-Infinity at every position (${dtype})`, () => {
      for (const n of [...SIZES, 63, 64, 65, 128, 200]) {
        const x = matrix(dtype, 1, n, 60);
        [largest, -largest, tiny, -0].forEach((v, k) => k < n && (x[(k * 37) % n] = v));
        for (const misalign of MISALIGNMENTS) {
          expect(call(`firstNonFinite_${dtype}`, [n, input(dtype, x)], misalign).result, `${dtype} n=${n} finite`).toBe(-1);
        }
        for (let at = 0; at < n; at++) {
          const bad = x.slice();
          bad[at] = [NaN, Infinity, -Infinity][at % 3];
          if (at + 5 < n) bad[at + 5] = NaN; // a later one must not win
          const want = bad.findIndex((v) => !Number.isFinite(v));
          expect(call(`firstNonFinite_${dtype}`, [n, input(dtype, bad)], 4 * (at % 3)).result, `${dtype} n=${n} at ${at}`).toBe(want);
        }
      }
    });
  }
});
