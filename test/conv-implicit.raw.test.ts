// assembly/conv-implicit.ts (convInputGrad) against a plain float64 convolution gradient, and
// bit for bit against the lowering it replaces (gemm into dcol, then col2im), through the raw
// wasm exports: odd sizes, partial micro-tiles, stride 2, padding larger than the window, more
// filters than one k-block, no filters, blocks of one output row up to more rows than the
// image has, misaligned pointers, and the work region guarded like the arrays.
import { describe, expect, it } from 'vitest';
import { DTYPES, MISALIGNMENTS, call, input, inout, kernels, output, round, uniform, values } from './raw-kernel.js';
import type { DType } from './raw-kernel.js';

/** (n, c, h, w, fn, fh, fw, stride, pad) */
const SHAPES: ReadonlyArray<readonly [number, number, number, number, number, number, number, number, number]> = [
  [1, 1, 1, 1, 1, 1, 1, 1, 0], // everything 1
  [1, 1, 1, 1, 2, 3, 3, 1, 1], // 1x1 image, padding makes room for a 3x3 window
  [2, 3, 5, 7, 5, 3, 2, 2, 1], // non-square, stride 2
  [1, 2, 4, 4, 3, 2, 2, 1, 3], // padding larger than the window
  [3, 1, 6, 5, 4, 4, 4, 3, 0], // window larger than the stride, last column not covered
  [1, 1, 28, 28, 30, 5, 5, 1, 0], // MNIST's first layer: 25-value col rows (a partial 4-row panel of Wᵀ)
  [2, 3, 9, 11, 7, 3, 3, 1, 1], // 3x3 with 27-value col rows, 9 positions per output row
  [2, 16, 7, 9, 16, 3, 3, 1, 1], // DeepConvNet-like channels, positions not a multiple of the tile
  [1, 2, 5, 7, 3, 2, 2, 1, 0], // 2x2, stride 1: vectors up to the right edge
  [2, 2, 6, 5, 3, 3, 3, 1, 0], // 3x3 without padding on a 5-wide image
  [1, 2, 4, 3, 300, 2, 2, 1, 1], // 300 filters: the sum over them runs in two k-blocks, as gemm's does
  [2, 3, 4, 4, 0, 3, 3, 1, 1], // no filters: dx is 0
];

const out = (size: number, window: number, stride: number, pad: number) => Math.floor((size + 2 * pad - window) / stride) + 1;
const data = (dtype: DType, count: number, seed: number) => values(uniform(-2, 2, seed), count).map((v) => round(dtype, v));

describe('convInputGrad', () => {
  for (const dtype of DTYPES) {
    it(`equals the float64 gradient of a direct convolution and, bit for bit, col2im(gemm(dY, W)) (${dtype})`, () => {
      const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;
      const itemSize = dtype === 'f32' ? 4 : 8;
      for (const shape of SHAPES) {
        const [n, c, h, w, fn, fh, fw, stride, pad] = shape;
        const oh = out(h, fh, stride, pad);
        const ow = out(w, fw, stride, pad);
        const rowLength = c * fh * fw;
        const dout = data(dtype, n * fn * oh * ow, 71);
        const W = data(dtype, fn * rowLength, 72);

        // Reference: every product dout[img, f, oy, ox] W[f, ch, ky, kx] added onto the pixel it reaches (float64).
        const want = new Array<number>(n * c * h * w).fill(0);
        const magnitude = new Array<number>(n * c * h * w).fill(0);
        for (let img = 0; img < n; img++)
          for (let f = 0; f < fn; f++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++)
                for (let ch = 0; ch < c; ch++)
                  for (let ky = 0; ky < fh; ky++)
                    for (let kx = 0; kx < fw; kx++) {
                      const iy = oy * stride - pad + ky;
                      const ix = ox * stride - pad + kx;
                      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                      const product = dout[((img * fn + f) * oh + oy) * ow + ox] * W[(f * c + ch) * fh * fw + ky * fw + kx];
                      const i = ((img * c + ch) * h + iy) * w + ix;
                      want[i] += product;
                      magnitude[i] += Math.abs(product);
                    }

        // The lowering through dcol: dY = dout as rows (n * oh * ow, fn), dcol = dY W, dx = col2im(dcol).
        const dY: number[] = [];
        for (let img = 0; img < n; img++)
          for (let p = 0; p < oh * ow; p++) for (let f = 0; f < fn; f++) dY.push(dout[(img * fn + f) * oh * ow + p]);
        const gemmWork = kernels[`gemmWorkBytes_${dtype}`]() / itemSize;
        const dcol = call(`gemm_${dtype}`, [0, 0, n * oh * ow, rowLength, fn, 1, input(dtype, dY), fn, input(dtype, W), rowLength,
          0, output(dtype, n * oh * ow * rowLength), rowLength, output(dtype, gemmWork)]).arrays[11];
        const lowered = call(`col2im_${dtype}`, [n, c, h, w, fh, fw, stride, pad, input(dtype, dcol), output(dtype, n * c * h * w)]).arrays[9];

        for (const chunkRows of [1, 2, 3, oh + 2]) {
          const workBytes = kernels[`convInputGradWorkBytes_${dtype}`](c, fh, fw, fn, ow, chunkRows);
          for (const misalign of MISALIGNMENTS) {
            const what = `convInputGrad_${dtype} ${shape} chunkRows ${chunkRows} misalign ${misalign}`;
            // dx starts as garbage: the kernel must overwrite, not accumulate into it.
            const got = call(`convInputGrad_${dtype}`, [n, c, h, w, fn, fh, fw, stride, pad, input(dtype, dout), input(dtype, W),
              inout(dtype, data(dtype, n * c * h * w, 73)), chunkRows, output('u8', workBytes)], misalign).arrays[11];
            got.forEach((v, i) => {
              expect(Math.abs(v - want[i]) <= (fn + fh * fw + 1) * u * magnitude[i], `${what} [${i}]: ${v} vs ${want[i]}`).toBe(true);
              expect(Object.is(v, lowered[i]), `${what} [${i}]: ${v} vs col2im(gemm) ${lowered[i]}`).toBe(true);
            });
          }
        }
      }
    });
  }
});
