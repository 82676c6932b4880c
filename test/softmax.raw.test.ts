// assembly/softmax.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, SIZES, call, close, expectClose, inout, input, output, round, same, ulps, uniform, values } from './raw-kernel.js';
import type { DType, Tol } from './raw-kernel.js';

const COLS = SIZES.filter((n) => n > 0);
const LOG_GUARD = 1e-7;
/** e^x (2e-7 / 1e-15 relative) plus a row sum added in T over up to 785 terms. */
const SOFTMAX: Tol = { f32: { rel: 2e-6, abs: 1e-44 }, f64: { rel: 4e-15, abs: 1e-320 } };
/** Losses are added in f64 from T inputs: only the order of additions differs from the reference. */
const LOSS = { rel: 1e-13, abs: 1e-13 };

function matrix(dtype: DType, m: number, n: number, seed: number, lo = -5, hi = 5): number[] {
  return values(uniform(lo, hi, seed), m * n).map((v) => round(dtype, v));
}

function softmaxReference(x: number[], m: number, n: number): number[] {
  const y: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = x.slice(i * n, (i + 1) * n);
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    y.push(...e.map((v) => v / sum));
  }
  return y;
}

/** Rows of probabilities (softmax outputs) and one-hot targets for them. */
function classification(dtype: DType, m: number, n: number, seed: number) {
  const y = softmaxReference(matrix('f64', m, n, seed), m, n).map((v) => round(dtype, v));
  const labels = values(uniform(0, n, seed + 1), m).map(Math.floor);
  const t = Array.from({ length: m * n }, (_, k) => (labels[Math.floor(k / n)] === k % n ? 1 : 0));
  return { y, labels, t };
}

describe('softmaxRows', () => {
  for (const dtype of DTYPES) {
    it(`matches exp(x - max) / sum, misaligned and in place (${dtype})`, () => {
      for (const m of [1, 3, 7]) {
        for (const n of COLS) {
          const x = matrix(dtype, m, n, 41 + n);
          const want = softmaxReference(x, m, n);
          for (const misalign of MISALIGNMENTS) {
            const got = call(`softmaxRows_${dtype}`, [m, n, input(dtype, x), output(dtype, m * n)], misalign).arrays[3];
            expectClose(`softmaxRows_${dtype} ${m}x${n}`, got, want, SOFTMAX[dtype]);
          }
          const inPlace = call(`softmaxRows_${dtype}`, [m, n, inout(dtype, x), same(2)]).arrays[2];
          expectClose(`softmaxRows_${dtype} ${m}x${n} in place`, inPlace, want, SOFTMAX[dtype]);
        }
      }
    });

    it(`does not overflow on large inputs, gives 0 for -Infinity, rows sum to 1 (${dtype})`, () => {
      const x = [1000, 1000, 999, -Infinity, 5, 1e30, -1e30, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3];
      const [m, n] = [1, x.length];
      const got = Array.from(call(`softmaxRows_${dtype}`, [m, n, input(dtype, x), output(dtype, n)]).arrays[3]);
      expect(got).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const big = call(`softmaxRows_${dtype}`, [1, 3, input(dtype, [1000, 1000, 999]), output(dtype, 3)]).arrays[3];
      expectClose(`softmaxRows_${dtype} [1000, 1000, 999]`, big, softmaxReference([1000, 1000, 999], 1, 3), SOFTMAX[dtype]);
      // e^(x - max) is 0 where it would be subnormal (slow on x86), and accurate just above.
      const [normal, subnormal] = dtype === 'f32' ? [-87.3, -87.4] : [-708.3, -708.4];
      const edge = call(`softmaxRows_${dtype}`, [1, 3, input(dtype, [0, normal, subnormal]), output(dtype, 3)]).arrays[3];
      expect(close(edge[1], Math.exp(round(dtype, normal)), SOFTMAX[dtype])).toBe(true);
      expect(edge[1]).toBeGreaterThanOrEqual(dtype === 'f32' ? 2 ** -126 : 2 ** -1022);
      expect([edge[0], edge[2]]).toEqual([1, 0]);
      // The max found in the scalar tail as well as in the vector lanes: else e^(1000 - 0) overflows.
      for (const n of [1, 3, 5, 17, 18, 19]) {
        for (const where of [0, n - 1]) {
          const row = Array.from({ length: n }, (_, j) => (j === where ? 1000 : j));
          const got = call(`softmaxRows_${dtype}`, [1, n, input(dtype, row), output(dtype, n)]).arrays[3];
          expectClose(`softmaxRows_${dtype} 1000 at ${where} of ${n}`, got, softmaxReference(row, 1, n), SOFTMAX[dtype]);
        }
      }
      const wide = call(`softmaxRows_${dtype}`, [1, 785, input(dtype, matrix(dtype, 1, 785, 42, -30, 30)), output(dtype, 785)]).arrays[3];
      expect(Math.abs(wide.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(dtype === 'f32' ? 1e-5 : 1e-14);
    });
  }
});

/** Row losses logsumexp(x) - sum_j t_j x_j in float64, the way one writes it by hand: top + log(sum e^(x - top)). */
function rowLossReference(x: number[], t: number[], m: number, n: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = x.slice(i * n, (i + 1) * n);
    const top = Math.max(...row);
    const lse = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
    losses.push(row.reduce((s, v, j) => (t[i * n + j] === 0 ? s : s + t[i * n + j] * (lse - v)), 0));
  }
  return losses;
}

/** A one-hot matrix (m, n) for labels. */
function oneHot(labels: number[], n: number): number[] {
  return labels.flatMap((label) => Array.from({ length: n }, (_, j) => (j === label ? 1 : 0)));
}

describe('softmax-with-loss', () => {
  for (const dtype of DTYPES) {
    it(`forward: y = softmaxRows(x) bit for bit, row losses = logsumexp(x) - x[target] in f64, one-hot and labels (${dtype})`, () => {
      for (const m of [1, 3, 7]) {
        for (const n of COLS) {
          const x = matrix(dtype, m, n, 51 + n);
          const labels = values(uniform(0, n, 52 + n), m).map(Math.floor);
          const t = oneHot(labels, n);
          const want = rowLossReference(x, t, m, n);
          const softmaxY = call(`softmaxRows_${dtype}`, [m, n, input(dtype, x), output(dtype, m * n)]).arrays[3];
          for (const misalign of MISALIGNMENTS) {
            const a = call(`softmaxCrossEntropyLabels_${dtype}`, [m, n, input(dtype, x), input('i32', labels), output(dtype, m * n), output('f64', m)], misalign);
            const b = call(`softmaxCrossEntropyOneHot_${dtype}`, [m, n, input(dtype, x), input(dtype, t), output(dtype, m * n), output('f64', m)], misalign);
            for (const [name, got] of [['Labels', a], ['OneHot', b]] as const) {
              expect(Array.from(got.arrays[4]), `softmaxCrossEntropy${name}_${dtype} ${m}x${n} y`).toEqual(Array.from(softmaxY));
              // log of a row sum added in T: the sum's rounding (n terms) is the loss's absolute error.
              expectClose(`softmaxCrossEntropy${name}_${dtype} ${m}x${n} loss`, got.arrays[5], want, { rel: 1e-13, abs: SOFTMAX[dtype].rel });
            }
          }
          const inPlace = call(`softmaxCrossEntropyLabels_${dtype}`, [m, n, inout(dtype, x), input('i32', labels), same(2), output('f64', m)]);
          expect(Array.from(inPlace.arrays[2]), `in place ${m}x${n}`).toEqual(Array.from(softmaxY));
          expectClose(`softmaxCrossEntropyLabels_${dtype} ${m}x${n} in place`, inPlace.arrays[5], want, { rel: 1e-13, abs: SOFTMAX[dtype].rel });
        }
      }
    });

    it(`forward at logits +-1e4: the loss is exact where y underflows to 0, not capped at -log(min) (${dtype})`, () => {
      const [m, n] = [6, 5];
      const x = values(uniform(0, 1, 53), m * n).map((v) => (v < 0.5 ? -1e4 : 1e4));
      // Labels on a -1e4 logit wherever the row has a +1e4 one: those rows lose 2e4 + log(count of 1e4s).
      const labels = Array.from({ length: m }, (_, i) => {
        const row = x.slice(i * n, (i + 1) * n);
        const low = row.indexOf(-1e4);
        return low >= 0 ? low : 0;
      });
      const t = oneHot(labels, n);
      const want = rowLossReference(x, t, m, n);
      expect(want.filter((v) => v >= 2e4).length).toBeGreaterThan(2);
      const a = call(`softmaxCrossEntropyLabels_${dtype}`, [m, n, input(dtype, x), input('i32', labels), output(dtype, m * n), output('f64', m)]);
      const b = call(`softmaxCrossEntropyOneHot_${dtype}`, [m, n, input(dtype, x), input(dtype, t), output(dtype, m * n), output('f64', m)]);
      expectClose(`softmaxCrossEntropyLabels_${dtype} +-1e4`, a.arrays[5], want, { rel: 1e-15, abs: 1e-12 });
      expectClose(`softmaxCrossEntropyOneHot_${dtype} +-1e4`, b.arrays[5], want, { rel: 1e-15, abs: 1e-12 });
    });

    it(`forward: a -Infinity score off the target adds nothing, a label outside the row gives NaN (${dtype})`, () => {
      const x = [0, -Infinity, 0, 1, 2, 3];
      const got = call(`softmaxCrossEntropyOneHot_${dtype}`, [2, 3, input(dtype, x), input(dtype, [1, 0, 0, 0, 0, 1]), output(dtype, 6), output('f64', 2)]);
      expectClose(`softmaxCrossEntropyOneHot_${dtype} -Infinity`, got.arrays[5], [Math.log(2), rowLossReference([1, 2, 3], [0, 0, 1], 1, 3)[0]], { rel: 1e-6, abs: 0 });
      const bad = call(`softmaxCrossEntropyLabels_${dtype}`, [2, 3, input(dtype, x), input('i32', [3, -1]), output(dtype, 6), output('f64', 2)]);
      expect(Array.from(bad.arrays[5])).toEqual([NaN, NaN]);
    });

    it(`softmax-with-loss backward: dx = (y - t) * scale, one-hot and labels, also in place (${dtype})`, () => {
      for (const m of [1, 3, 100]) {
        for (const n of [1, 2, 10, 33]) {
          const { y, labels, t } = classification(dtype, m, n, 44 + m + n);
          const scale = round(dtype, 1 / m);
          const want = y.map((v, k) => (v - t[k]) * scale);
          const tol = ulps(2, 2)[dtype];
          for (const misalign of MISALIGNMENTS) {
            const a = call(`softmaxCrossEntropyBackwardOneHot_${dtype}`, [m, n, input(dtype, y), input(dtype, t), output(dtype, m * n), scale], misalign);
            expectClose(`softmaxCrossEntropyBackwardOneHot_${dtype} ${m}x${n}`, a.arrays[4], want, tol);
            const b = call(`softmaxCrossEntropyBackwardLabels_${dtype}`, [m, n, input(dtype, y), input('i32', labels), output(dtype, m * n), scale], misalign);
            expectClose(`softmaxCrossEntropyBackwardLabels_${dtype} ${m}x${n}`, b.arrays[4], want, tol);
          }
          const a = call(`softmaxCrossEntropyBackwardOneHot_${dtype}`, [m, n, inout(dtype, y), input(dtype, t), same(2), scale]);
          expectClose(`softmaxCrossEntropyBackwardOneHot_${dtype} ${m}x${n} in place`, a.arrays[2], want, tol);
          const b = call(`softmaxCrossEntropyBackwardLabels_${dtype}`, [m, n, inout(dtype, y), input('i32', labels), same(2), scale]);
          expectClose(`softmaxCrossEntropyBackwardLabels_${dtype} ${m}x${n} in place`, b.arrays[2], want, tol);
        }
      }
    });

    it(`softmax-with-loss backward is the numerical gradient of softmax + cross-entropy (${dtype})`, () => {
      // d/dx mean_i logsumexp(x_i) - x_i[label_i] = (softmax(x) - t) / m, by central differences.
      const [m, n] = [3, 5];
      const x = matrix('f64', m, n, 45);
      const labels = [4, 0, 2];
      const loss = (xs: number[]) => {
        const rows = call('softmaxCrossEntropyLabels_f64', [m, n, input('f64', xs), input('i32', labels), output('f64', m * n), output('f64', m)]).arrays[5];
        return rows.reduce((s, v) => s + v, 0) / m;
      };
      const y = Array.from(call(`softmaxRows_${dtype}`, [m, n, input(dtype, x), output(dtype, m * n)]).arrays[3]);
      const dx = call(`softmaxCrossEntropyBackwardLabels_${dtype}`, [m, n, input(dtype, y), input('i32', labels), output(dtype, m * n), 1 / m]).arrays[4];
      const h = 1e-5;
      x.forEach((_, k) => {
        const up = x.slice();
        const down = x.slice();
        up[k] += h;
        down[k] -= h;
        // Central differences are good to about h^2 + 1e-16 / h; an f32 y rounds dx at 6e-8.
        expect(Math.abs(dx[k] - (loss(up) - loss(down)) / (2 * h))).toBeLessThan(dtype === 'f32' ? 1e-6 : 1e-9);
      });
    });
  }
});
