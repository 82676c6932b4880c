// assembly/conv.ts (im2col, col2im, transposeBatch) against plain float64 references,
// through the raw wasm exports, at odd sizes: 1x1 images, windows larger than the stride,
// padding larger than the window, N = 1, misaligned pointers.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, call, expectClose, input, output, round, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

/** (n, c, h, w, fh, fw, stride, pad) */
const WINDOWS: ReadonlyArray<readonly [number, number, number, number, number, number, number, number]> = [
  [1, 1, 1, 1, 1, 1, 1, 0], // 1x1 image, 1x1 filter
  [1, 1, 1, 1, 3, 3, 1, 1], // 1x1 image, padding makes room for a 3x3 window
  [2, 3, 5, 7, 3, 2, 2, 1], // non-square everything, stride 2
  [1, 2, 4, 4, 2, 2, 1, 3], // padding larger than the window
  [3, 1, 6, 5, 4, 4, 3, 0], // window larger than the stride, last column not covered
  [2, 2, 3, 3, 1, 1, 2, 2], // 1x1 filter, stride 2, padding 2
  [1, 1, 28, 28, 5, 5, 1, 0], // MNIST's first layer
  [2, 3, 9, 11, 3, 3, 1, 1], // a 3x3 layer as in DeepConvNet: window rows copied as whole v128s
  [1, 2, 6, 9, 1, 1, 1, 0], // 1x1 filter, stride 1: a col row shorter than a v128
  [2, 5, 4, 6, 1, 1, 1, 0], // 1x1 filter, 5 channels: a v128 per one-value window row, but the row's last
  [1, 2, 5, 7, 2, 2, 1, 0], // 2x2, stride 1: partial v128s up to the image's right edge and the col row's end
  [2, 2, 6, 5, 3, 3, 1, 0], // 3x3 without padding on a 5-wide image: only x0 = 0 leaves room for a whole v128
];

const out = (size: number, window: number, stride: number, pad: number) => Math.floor((size + 2 * pad - window) / stride) + 1;

/** x[img, ch, iy, ix] or 0 outside the image. */
function pixel(x: number[], c: number, h: number, w: number, img: number, ch: number, iy: number, ix: number): number {
  return iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((img * c + ch) * h + iy) * w + ix] : 0;
}

/** The book's im2col, written from its definition: row (img, oy, ox), column (ch, ky, kx). */
function im2colReference(x: number[], [n, c, h, w, fh, fw, stride, pad]: readonly number[]): number[] {
  const oh = out(h, fh, stride, pad);
  const ow = out(w, fw, stride, pad);
  const col: number[] = [];
  for (let img = 0; img < n; img++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++)
          for (let ky = 0; ky < fh; ky++)
            for (let kx = 0; kx < fw; kx++) col.push(pixel(x, c, h, w, img, ch, oy * stride - pad + ky, ox * stride - pad + kx));
  return col;
}

const data = (dtype: DType, count: number, seed: number) => values(uniform(-2, 2, seed), count).map((v) => round(dtype, v));

describe('im2col, col2im, transposeBatch', () => {
  for (const dtype of DTYPES) {
    it(`im2col copies every receptive field into one row, zeros in the padding (${dtype})`, () => {
      for (const shape of WINDOWS) {
        const [n, c, h, w, fh, fw, stride, pad] = shape;
        const x = data(dtype, n * c * h * w, 61);
        const want = im2colReference(x, shape);
        for (const misalign of MISALIGNMENTS) {
          const got = call(`im2col_${dtype}`, [n, c, h, w, fh, fw, stride, pad, input(dtype, x), output(dtype, want.length)], misalign);
          expectClose(`im2col_${dtype} ${shape}`, got.arrays[9], want, { rel: 0, abs: 0 });
        }
      }
    });

    it(`col2im adds each column entry back onto the pixel it came from (${dtype})`, () => {
      const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
      for (const shape of WINDOWS) {
        const [n, c, h, w, fh, fw, stride, pad] = shape;
        const oh = out(h, fh, stride, pad);
        const ow = out(w, fw, stride, pad);
        const col = data(dtype, n * oh * ow * c * fh * fw, 62);
        // Reference: scatter-add through the same index map as im2col (in float64).
        const want = new Array<number>(n * c * h * w).fill(0);
        const magnitude = new Array<number>(n * c * h * w).fill(0);
        let k = 0;
        for (let img = 0; img < n; img++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++)
              for (let ch = 0; ch < c; ch++)
                for (let ky = 0; ky < fh; ky++)
                  for (let kx = 0; kx < fw; kx++, k++) {
                    const iy = oy * stride - pad + ky;
                    const ix = ox * stride - pad + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    const i = ((img * c + ch) * h + iy) * w + ix;
                    want[i] += col[k];
                    magnitude[i] += Math.abs(col[k]);
                  }
        for (const misalign of MISALIGNMENTS) {
          // dx starts as garbage: the kernel must overwrite, not accumulate into it.
          const got = call(`col2im_${dtype}`, [n, c, h, w, fh, fw, stride, pad, input(dtype, col), { kind: dtype, role: 'inout', values: data(dtype, want.length, 63) }], misalign).arrays[9];
          got.forEach((v, i) => expect(Math.abs(v - want[i]) <= fh * fw * u * magnitude[i], `col2im_${dtype} ${shape} [${i}]: ${v} vs ${want[i]}`).toBe(true));
        }
      }
    });

    it(`transposeBatch transposes each of n matrices (${dtype})`, () => {
      for (const [n, rows, cols] of [[1, 1, 1], [1, 1, 9], [2, 9, 1], [3, 8, 8], [2, 17, 30], [1, 576, 30]]) {
        const src = data(dtype, n * rows * cols, 64);
        const want: number[] = [];
        for (let i = 0; i < n; i++) for (let k = 0; k < cols; k++) for (let r = 0; r < rows; r++) want.push(src[(i * rows + r) * cols + k]);
        for (const misalign of MISALIGNMENTS) {
          const got = call(`transposeBatch_${dtype}`, [n, rows, cols, input(dtype, src), output(dtype, want.length)], misalign).arrays[4];
          expectClose(`transposeBatch_${dtype} ${n}x${rows}x${cols}`, got, want, { rel: 0, abs: 0 });
        }
      }
    });
  }
});
