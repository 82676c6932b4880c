// assembly/gather.ts against plain TypeScript references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, SIZES, call, expectClose, input, output, round, uniform, values } from './raw-kernel.js';

const SET_ROWS = 40;
const bytes = (n: number, seed: number) => values(uniform(0, 256, seed), n).map(Math.floor);
/** Row indices with repeats, the first and the last row, in shuffled order. */
const indices = (rows: number) => [SET_ROWS - 1, 0, ...values(uniform(0, SET_ROWS, 51), rows)].slice(0, rows).map(Math.floor);

describe('gather kernels', () => {
  for (const dtype of DTYPES) {
    it(`gatherRowsU8: dst[r, :] = src[idx[r], :] * scale (${dtype})`, () => {
      for (const cols of [...SIZES, 784]) {
        for (const rows of [0, 1, 3, 10]) {
          const src = bytes(SET_ROWS * cols, 52);
          // 255 and 0 at both ends of row 0, so the widening is checked at its limits.
          if (cols > 1) [src[0], src[1], src[cols - 1]] = [255, 0, 255];
          src[src.length - 1] = 255;
          const idx = indices(rows);
          const scale = round(dtype, 1 / 255);
          const want = idx.flatMap((r) => src.slice(r * cols, (r + 1) * cols).map((b) => round(dtype, b * scale)));
          for (const misalign of MISALIGNMENTS) {
            const got = call(`gatherRowsU8_${dtype}`, [rows, cols, input('u8', src), input('i32', idx), output(dtype, rows * cols), scale], misalign);
            expectClose(`gatherRowsU8_${dtype} ${rows}x${cols}`, got.arrays[4], want, { rel: 0, abs: 0 });
          }
        }
      }
    });

    it(`bytesToFloat: dst[i] = src[i] * scale (${dtype})`, () => {
      for (const n of [...SIZES, 255, 256]) {
        const src = bytes(n, 53);
        const scale = round(dtype, -0.3);
        const want = src.map((b) => round(dtype, b * scale));
        for (const misalign of MISALIGNMENTS) {
          const got = call(`bytesToFloat_${dtype}`, [n, input('u8', src), output(dtype, n), scale], misalign).arrays[2];
          expectClose(`bytesToFloat_${dtype} n=${n}`, got, want, { rel: 0, abs: 0 });
        }
      }
    });

    it(`gatherRows: dst[r, :] = src[idx[r], :] for float rows (${dtype})`, () => {
      for (const cols of [1, 3, 17, 100]) {
        for (const rows of [0, 1, 7]) {
          const src = values(uniform(-1, 1, 54), SET_ROWS * cols).map((v) => round(dtype, v));
          const idx = indices(rows);
          const want = idx.flatMap((r) => src.slice(r * cols, (r + 1) * cols));
          for (const misalign of MISALIGNMENTS) {
            const got = call(`gatherRows_${dtype}`, [rows, cols, input(dtype, src), input('i32', idx), output(dtype, rows * cols)], misalign).arrays[4];
            expectClose(`gatherRows_${dtype} ${rows}x${cols}`, got, want, { rel: 0, abs: 0 });
          }
        }
      }
    });

    it(`gatherOneHot: row r is one-hot at src[idx[r]]; a label >= classes gives a zero row (${dtype})`, () => {
      for (const classes of [1, 2, 10, 33]) {
        for (const rows of [0, 1, 5, 64]) {
          const labels = values(uniform(0, classes + 1, 55), SET_ROWS).map(Math.floor); // classes itself is out of range
          const idx = indices(rows);
          const want = idx.flatMap((r) => Array.from({ length: classes }, (_, j) => (labels[r] === j ? 1 : 0)));
          for (const misalign of MISALIGNMENTS) {
            const got = call(`gatherOneHot_${dtype}`, [rows, classes, input('u8', labels), input('i32', idx), output(dtype, rows * classes)], misalign).arrays[4];
            expectClose(`gatherOneHot_${dtype} ${rows}x${classes}`, got, want, { rel: 0, abs: 0 });
          }
        }
      }
    });
  }

  it('gatherLabels: dst[r] = src[idx[r]] as i32', () => {
    for (const rows of [0, 1, 5, 64]) {
      const labels = bytes(SET_ROWS, 56);
      labels[0] = 255;
      const idx = indices(rows);
      for (const misalign of MISALIGNMENTS) {
        const got = call('gatherLabels', [rows, input('u8', labels), input('i32', idx), output('i32', rows)], misalign).arrays[3];
        expect(Array.from(got), `gatherLabels rows=${rows}`).toEqual(idx.map((r) => labels[r]));
      }
    }
  });
});
