// assembly/conv-implicit.ts and conv-direct.ts (convForward, convFilterGrad, convInputGrad) against a
// plain float64 convolution and its gradients, and bit for bit against the lowering each replaces
// (im2col, gemm, addBias, transposeBatch; gemm over col; gemm into dcol, then col2im; at stride 1
// with 4 or more channels, dx against the sums of a convolution of dout with the flipped filters,
// in gemm's k-blocks),
// through the raw wasm exports: odd sizes, partial micro-tiles, stride 2, padding larger than the window, more
// filters (or col columns) than one k-block, no filters, blocks of one output row up to more rows
// than the image has, dW for a range of channels (as a thread computes it), misaligned pointers,
// and the work region guarded like the arrays.
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
  [2, 31, 5, 4, 5, 3, 3, 1, 1], // 279-value col rows: the forward's sums run in two k-blocks of 140 and 139
  [40, 2, 3, 4, 9, 3, 3, 1, 1], // 480 positions: dW's two k-blocks each span 20 images, in runs of 4
  [1, 5, 4, 3, 40, 3, 3, 1, 1], // dx as a flipped convolution over 360 values: two k-blocks, a 1-channel last panel
  [2, 4, 3, 5, 3, 2, 2, 1, 3], // the same with padding past the window: dout's frame crops its first rows
  [2, 4, 5, 6, 5, 3, 3, 1, 1], // 6-wide rows: in f32 a tile's half can be a pair at a row's end and a pair at the next's start
  [1, 4, 2, 2, 4, 3, 3, 1, 1], // 2-wide rows: every half of a tile spans two rows, the image is half a tile
];

/** gemm's k-block size for a sum over k (assembly/gemm-tile.ts kBlockStep). */
const kBlockStep = (k: number) => Math.ceil(k / Math.ceil(k / 256));

const out = (size: number, window: number, stride: number, pad: number) => Math.floor((size + 2 * pad - window) / stride) + 1;
const data = (dtype: DType, count: number, seed: number) => values(uniform(-2, 2, seed), count).map((v) => round(dtype, v));

/** One assertion per call (thousands of expect calls are slow): the first element `problem` objects to, or none. */
function expectEvery(what: string, got: ArrayLike<number>, problem: (v: number, i: number) => string | null): void {
  for (let i = 0; i < got.length; i++) {
    const message = problem(got[i], i);
    if (message !== null) expect.fail(`${what} [${i}]: ${message}`);
  }
}

/** x[img, ch, iy, ix] or 0 outside the image. */
const pixel = (x: number[], [c, h, w]: readonly number[], img: number, ch: number, iy: number, ix: number) =>
  iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((img * c + ch) * h + iy) * w + ix] : 0;

/** The problem of one shape, with the products the lowering through col computes (raw kernels). */
function lowered(dtype: DType, shape: (typeof SHAPES)[number]) {
  const [n, c, h, w, fn, fh, fw, stride, pad] = shape;
  const itemSize = dtype === 'f32' ? 4 : 8;
  const oh = out(h, fh, stride, pad);
  const ow = out(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  const positions = n * oh * ow;
  const x = data(dtype, n * c * h * w, 74);
  const W = data(dtype, fn * rowLength, 75);
  const b = data(dtype, fn, 76);
  const dY = data(dtype, positions * fn, 77);
  const gemmWork = () => output(dtype, kernels[`gemmWorkBytes_${dtype}`]() / itemSize);
  const col = call(`im2col_${dtype}`, [n, c, h, w, fh, fw, stride, pad, input(dtype, x), output(dtype, positions * rowLength)]).arrays[9];
  const rows = call(`gemm_${dtype}`, [0, 1, positions, fn, rowLength, 1, input(dtype, col), rowLength, input(dtype, W), rowLength,
    0, output(dtype, positions * fn), fn, gemmWork()]).arrays[11];
  const biased = call(`addBias_${dtype}`, [positions, fn, input(dtype, rows), input(dtype, b), output(dtype, positions * fn)]).arrays[4];
  const y = call(`transposeBatch_${dtype}`, [n, oh * ow, fn, input(dtype, biased), output(dtype, positions * fn)]).arrays[4];
  const dW = call(`gemm_${dtype}`, [1, 0, fn, rowLength, positions, 1, input(dtype, dY), fn, input(dtype, col), rowLength,
    0, output(dtype, fn * rowLength), rowLength, gemmWork()]).arrays[11];
  return { n, c, h, w, fn, fh, fw, stride, pad, oh, ow, rowLength, positions, x, W, b, dY, y, dW };
}

describe('convForward, convFilterGrad', () => {
  for (const dtype of DTYPES) {
    const u = dtype === 'f32' ? 2 ** -24 : 2 ** -53;

    it(`convForward equals a float64 direct convolution and, bit for bit, im2col, gemm, addBias and transposeBatch (${dtype})`, () => {
      for (const shape of SHAPES) {
        const p = lowered(dtype, shape);
        const { n, c, h, w, fn, fh, fw, stride, pad, oh, ow } = p;
        const want: number[] = [];
        const magnitude: number[] = [];
        for (let img = 0; img < n; img++)
          for (let f = 0; f < fn; f++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                let sum = p.b[f];
                let size = Math.abs(p.b[f]);
                for (let ch = 0; ch < c; ch++)
                  for (let ky = 0; ky < fh; ky++)
                    for (let kx = 0; kx < fw; kx++) {
                      const product = p.W[((f * c + ch) * fh + ky) * fw + kx] * pixel(p.x, [c, h, w], img, ch, oy * stride - pad + ky, ox * stride - pad + kx);
                      sum += product;
                      size += Math.abs(product);
                    }
                want.push(sum);
                magnitude.push(size);
              }
        for (const chunkRows of [1, 2, 3, oh + 2]) {
          const workBytes = kernels[`convForwardWorkBytes_${dtype}`](c, h, w, fn, fh, fw, stride, pad, chunkRows);
          for (const misalign of MISALIGNMENTS) {
            const what = `convForward_${dtype} ${shape} chunkRows ${chunkRows} misalign ${misalign}`;
            const got = call(`convForward_${dtype}`, [n, c, h, w, fn, fh, fw, stride, pad, input(dtype, p.x), input(dtype, p.W), input(dtype, p.b),
              inout(dtype, data(dtype, n * fn * oh * ow, 78)), chunkRows, output('u8', workBytes)], misalign).arrays[12];
            expectEvery(what, got, (v, i) =>
              Math.abs(v - want[i]) > (c * fh * fw + 2) * u * magnitude[i] ? `${v} vs ${want[i]}`
                : !Object.is(v, p.y[i]) ? `${v} vs the lowering ${p.y[i]}` : null);
          }
        }
      }
    });

    it(`convFilterGrad equals a float64 sum over positions and, bit for bit, gemm(dY, col, transA), whole or by channels (${dtype})`, () => {
      for (const shape of SHAPES) {
        const p = lowered(dtype, shape);
        const { n, c, h, w, fn, fh, fw, stride, pad, oh, ow, rowLength, positions } = p;
        const want = new Array<number>(fn * rowLength).fill(0);
        const magnitude = new Array<number>(fn * rowLength).fill(0);
        for (let img = 0; img < n; img++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++)
              for (let f = 0; f < fn; f++)
                for (let ch = 0; ch < c; ch++)
                  for (let ky = 0; ky < fh; ky++)
                    for (let kx = 0; kx < fw; kx++) {
                      const i = f * rowLength + (ch * fh + ky) * fw + kx;
                      const product = p.dY[((img * oh + oy) * ow + ox) * fn + f] * pixel(p.x, [c, h, w], img, ch, oy * stride - pad + ky, ox * stride - pad + kx);
                      want[i] += product;
                      magnitude[i] += Math.abs(product);
                    }
        // Channels [c0, c1) as one thread's share: x and dW from that channel's first value on, the
        // other columns of dW (sentinels) untouched.
        const ranges = c > 1 ? [[0, c], [1, c], [0, c - 1], [1, Math.min(c, 2)]] : [[0, c]];
        for (const [c0, c1] of ranges) {
          const workBytes = kernels[`convFilterGradWorkBytes_${dtype}`](c1 - c0, h, w, fn, fh, fw, stride, pad, positions);
          const skip = c0 * fh * fw;
          const sentinels = data(dtype, fn * rowLength, 79);
          for (const misalign of MISALIGNMENTS) {
            const what = `convFilterGrad_${dtype} ${shape} channels ${c0}-${c1} misalign ${misalign}`;
            const got = call(`convFilterGrad_${dtype}`, [n, c1 - c0, h, w, fn, fh, fw, stride, pad, input(dtype, p.x.slice(c0 * h * w)), input(dtype, p.dY),
              inout(dtype, sentinels.slice(skip)), c, output('u8', workBytes)], misalign).arrays[11];
            expectEvery(what, got, (v, j) => {
              const i = j + skip;
              const column = i % rowLength;
              if (column < c0 * fh * fw || column >= c1 * fh * fw) return Object.is(v, sentinels[i]) ? null : 'outside the share, written';
              return Math.abs(v - want[i]) > (positions + 1) * u * magnitude[i] ? `${v} vs ${want[i]}`
                : !Object.is(v, p.dW[i]) ? `${v} vs gemm ${p.dW[i]}` : null;
            });
          }
        }
      }
    });
  }
});

describe('convInputGrad', () => {
  for (const dtype of DTYPES) {
    it(`equals the float64 gradient of a direct convolution and, bit for bit, col2im(gemm(dY, W)) or, at stride 1 and c >= 4, the flipped convolution (${dtype})`, () => {
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
        const viaDcol = call(`col2im_${dtype}`, [n, c, h, w, fh, fw, stride, pad, input(dtype, dcol), output(dtype, n * c * h * w)]).arrays[9];
        // conv-direct.ts takes dx at stride 1 when dx has a whole micro-tile of channels (4).
        const direct = stride === 1 && fn > 0 && c >= 4;
        const bits = direct ? flippedConvolution(dtype, shape, dout, W) : viaDcol;
        const bitsName = direct ? 'the flipped convolution' : 'col2im(gemm)';

        for (const chunkRows of [1, 2, 3, oh + 2]) {
          const workBytes = kernels[`convInputGradWorkBytes_${dtype}`](c, h, w, fn, fh, fw, stride, pad, chunkRows);
          for (const misalign of MISALIGNMENTS) {
            const what = `convInputGrad_${dtype} ${shape} chunkRows ${chunkRows} misalign ${misalign}`;
            // dx starts as garbage: the kernel must overwrite, not accumulate into it.
            const got = call(`convInputGrad_${dtype}`, [n, c, h, w, fn, fh, fw, stride, pad, input(dtype, dout), input(dtype, W),
              inout(dtype, data(dtype, n * c * h * w, 73)), chunkRows, output('u8', workBytes)], misalign).arrays[11];
            expectEvery(what, got, (v, i) =>
              Math.abs(v - want[i]) > (fn + fh * fw + 1) * u * magnitude[i] ? `${v} vs ${want[i]}`
                : !Object.is(v, bits[i]) ? `${v} vs ${bitsName} ${bits[i]}` : null);
          }
        }
      }
    });
  }
});

/**
 * dx of a stride-1 convolution as conv-direct.ts sums it, in plain TypeScript: for each pixel,
 * over p = (f, ky', kx') ascending, W[f, ch, fh - 1 - ky', fw - 1 - kx'] times the dout value
 * that window position reaches (0 outside dout), each product and sum rounded to the dtype, in
 * gemm's k-blocks (a block's sum starts at 0 and is then added to the earlier blocks').
 */
function flippedConvolution(dtype: DType, shape: (typeof SHAPES)[number], dout: number[], W: number[]): number[] {
  const [n, c, h, w, fn, fh, fw, , pad] = shape;
  const oh = out(h, fh, 1, pad);
  const ow = out(w, fw, 1, pad);
  const k = fn * fh * fw;
  const step = kBlockStep(k);
  const dx: number[] = [];
  for (let img = 0; img < n; img++)
    for (let ch = 0; ch < c; ch++)
      for (let iy = 0; iy < h; iy++)
        for (let ix = 0; ix < w; ix++) {
          let value = 0;
          for (let p0 = 0; p0 < k; p0 += step) {
            let sum = 0;
            for (let p = p0; p < Math.min(k, p0 + step); p++) {
              const f = Math.floor(p / (fh * fw));
              const ky = fh - 1 - Math.floor((p % (fh * fw)) / fw);
              const kx = fw - 1 - (p % fw);
              const oy = iy + pad - ky;
              const ox = ix + pad - kx;
              const d = oy >= 0 && oy < oh && ox >= 0 && ox < ow ? dout[((img * fn + f) * oh + oy) * ow + ox] : 0;
              sum = round(dtype, sum + round(dtype, W[((f * c + ch) * fh + ky) * fw + kx] * d));
            }
            value = p0 === 0 ? sum : round(dtype, value + sum);
          }
          dx.push(value);
        }
  return dx;
}
