// assembly/loss.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, SIZES, call, checkElementwise, close, input, round, ulps, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

const LOG_GUARD = 1e-7;
/** Losses are added in f64 from T inputs: only the order of additions differs from the reference. */
const LOSS = { rel: 1e-13, abs: 1e-13 };

/** Rows of probabilities and one-hot targets for them. */
function classification(dtype: DType, m: number, n: number, seed: number) {
  const e = values(uniform(-5, 5, seed), m * n).map(Math.exp);
  const y: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = e.slice(i * n, (i + 1) * n);
    const sum = row.reduce((s, v) => s + v, 0);
    y.push(...row.map((v) => round(dtype, v / sum)));
  }
  const labels = values(uniform(0, n, seed + 1), m).map(Math.floor);
  const t = Array.from({ length: m * n }, (_, k) => (labels[Math.floor(k / n)] === k % n ? 1 : 0));
  return { y, labels, t };
}

describe('cross-entropy of probabilities', () => {
  for (const dtype of DTYPES) {
    it(`crossEntropyOneHot and crossEntropyLabels: mean of -log(y[label] + 1e-7) (${dtype})`, () => {
      for (const m of [1, 3, 100]) {
        for (const n of [1, 2, 10, 33]) {
          const { y, labels, t } = classification(dtype, m, n, 43 + m + n);
          if (m > 1) y[labels[1] + n] = 0; // a zero probability on the label: the guard keeps it finite
          let want = 0;
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) want -= t[i * n + j] * Math.log(y[i * n + j] + LOG_GUARD);
          want /= m;
          for (const misalign of MISALIGNMENTS) {
            const oneHot = call(`crossEntropyOneHot_${dtype}`, [m, n, input(dtype, y), input(dtype, t), LOG_GUARD], misalign).result;
            expect(close(oneHot, want, LOSS), `crossEntropyOneHot_${dtype} ${m}x${n}: ${oneHot} vs ${want}`).toBe(true);
            const byLabel = call(`crossEntropyLabels_${dtype}`, [m, n, input(dtype, y), input('i32', labels), LOG_GUARD], misalign).result;
            expect(close(byLabel, want, LOSS), `crossEntropyLabels_${dtype} ${m}x${n}: ${byLabel} vs ${want}`).toBe(true);
          }
        }
      }
    });

    it(`crossEntropyLabels is NaN for a label outside the row, not another row's value (${dtype})`, () => {
      const y = [0.5, 0.5, 0.25, 0.75];
      expect(call(`crossEntropyLabels_${dtype}`, [2, 2, input(dtype, y), input('i32', [0, 2]), LOG_GUARD]).result).toBeNaN();
      expect(call(`crossEntropyLabels_${dtype}`, [2, 2, input(dtype, y), input('i32', [-1, 0]), LOG_GUARD]).result).toBeNaN();
    });
  }
});

describe('sum of squares and binary cross-entropy', () => {
  const y = uniform(-2, 2, 46);
  const t = uniform(-2, 2, 47);

  it('sumSquaresBackward: dx = (y - t) * scale', () =>
    checkElementwise({
      kernel: 'sumSquaresBackward', signature: 'n y t dx scale', given: { y, t, scale: 0.01 },
      reference: (v) => (v.y - v.t) * v.scale, tol: ulps(2, 2),
    }));
  it('sigmoidCrossEntropyBackward: dx = (y - t) * scale', () =>
    checkElementwise({
      kernel: 'sigmoidCrossEntropyBackward', signature: 'n y t dx scale', given: { y: uniform(0, 1, 50), t, scale: 0.01 },
      reference: (v) => (v.y - v.t) * v.scale, tol: ulps(2, 2),
    }));

  for (const dtype of DTYPES) {
    it(`sumSquaresError = 0.5 sum (y - t)^2 and binaryCrossEntropy, in f64 (${dtype})`, () => {
      for (const n of [...SIZES, 4097]) {
        const ys = values(y, n).map((v) => round(dtype, v));
        const ts = values(t, n).map((v) => round(dtype, v));
        const want = 0.5 * ys.reduce((s, v, i) => s + (v - ts[i]) ** 2, 0);
        const p = values(uniform(0, 1, 48), n).map((v) => round(dtype, v));
        const bits = values(uniform(0, 1, 49), n).map((v) => (v < 0.5 ? 0 : 1));
        if (n > 2) [p[0], p[1]] = [0, 1]; // log guards at both ends
        const bce = -p.reduce((s, v, i) => s + bits[i] * Math.log(v + LOG_GUARD) + (1 - bits[i]) * Math.log(1 - v + LOG_GUARD), 0);
        for (const misalign of MISALIGNMENTS) {
          const got = call(`sumSquaresError_${dtype}`, [n, input(dtype, ys), input(dtype, ts)], misalign).result;
          expect(close(got, want, LOSS), `sumSquaresError_${dtype} n=${n}: ${got} vs ${want}`).toBe(true);
          const gotBce = call(`binaryCrossEntropy_${dtype}`, [n, input(dtype, p), input(dtype, bits), LOG_GUARD], misalign).result;
          expect(close(gotBce, bce, LOSS), `binaryCrossEntropy_${dtype} n=${n}: ${gotBce} vs ${bce}`).toBe(true);
        }
      }
    });
  }
});
