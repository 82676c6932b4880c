// The checked conv, pooling and batchnorm ops: conv2d against a direct (loop) convolution in
// float64, and every kind of bad input rejected in TypeScript with the op and the shapes named.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createBackend, ops } from '../src/index.js';
import type { Backend, FloatDType } from '../src/index.js';

const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32', threads: 1 });
  backends.float64 = await createBackend({ dtype: 'float64', threads: 1 });
});
afterAll(() => Object.values(backends).forEach((b) => b.dispose()));

/** out[n, f, oy, ox] = b[f] + sum over c, ky, kx of W[f, c, ky, kx] * x[n, c, oy*s - p + ky, ox*s - p + kx] (0 outside). */
function directConv(x: ArrayLike<number>, xs: number[], W: ArrayLike<number>, ws: number[], b: ArrayLike<number>, s: number, p: number): number[] {
  const [n, c, h, w] = xs;
  const [fn, , fh, fw] = ws;
  const oh = Math.floor((h + 2 * p - fh) / s) + 1;
  const ow = Math.floor((w + 2 * p - fw) / s) + 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    for (let f = 0; f < fn; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let sum = b[f];
          for (let ch = 0; ch < c; ch++)
            for (let ky = 0; ky < fh; ky++)
              for (let kx = 0; kx < fw; kx++) {
                const iy = oy * s - p + ky;
                const ix = ox * s - p + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                sum += W[((f * c + ch) * fh + ky) * fw + kx] * x[((i * c + ch) * h + iy) * w + ix];
              }
          out.push(sum);
        }
  return out;
}

describe('conv2d', () => {
  // [x shape, W shape, stride, pad]
  const cases: Array<[number[], number[], number, number]> = [
    [[1, 1, 1, 1], [1, 1, 1, 1], 1, 0],
    [[2, 3, 7, 6], [4, 3, 3, 2], 2, 1],
    [[1, 2, 4, 4], [3, 2, 2, 2], 1, 3],
    [[3, 1, 28, 28], [30, 1, 5, 5], 1, 0],
    [[2, 16, 9, 9], [32, 16, 3, 3], 1, 1],
  ];
  for (const dtype of ['float64', 'float32'] as const) {
    test.each(cases)(`%j * %j, stride %d, pad %d equals a direct convolution (${dtype})`, (xs, ws, stride, pad) => {
      const b = backends[dtype]!;
      const x = b.randn(xs, { seed: 1 });
      const W = b.randn(ws, { seed: 2 });
      const bias = b.randn([ws[0]], { seed: 3 });
      const y = ops.conv2d(x, W, bias, { stride, pad });
      const want = directConv(x.data, xs, W.data, ws, bias.data, stride, pad);
      const oh = Math.floor((xs[2] + 2 * pad - ws[2]) / stride) + 1;
      const ow = Math.floor((xs[3] + 2 * pad - ws[3]) / stride) + 1;
      expect(y.shape).toEqual([xs[0], ws[0], oh, ow]);
      const tol = dtype === 'float64' ? 1e-12 : 1e-4;
      const got = y.data;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `element ${i}`).toBeLessThan(tol * (1 + Math.abs(want[i])));
      [x, W, bias, y].forEach((t) => t.dispose());
    });
  }
});

describe('bad input is rejected before any kernel runs, naming the op and the shapes', () => {
  test('conv2d, convFilterGrad, convInputGrad, im2col, col2im, transposeBatch', () => {
    const b = backends.float32!;
    const x = b.zeros([2, 3, 8, 8]);
    const W = b.zeros([4, 3, 3, 3]);
    const bias = b.zeros([4]);
    expect(() => ops.conv2d(b.zeros([3, 8, 8]), W, bias)).toThrow('conv2d: input must be (N, C, H, W), got (3, 8, 8)');
    expect(() => ops.conv2d(x, b.zeros([4, 2, 3, 3]), bias)).toThrow('conv2d: input (2, 3, 8, 8) has 3 channels, filters W (4, 2, 3, 3) expect 2');
    expect(() => ops.conv2d(x, b.zeros([4, 3, 3]), bias)).toThrow('conv2d: filters W must be (FN, C, FH, FW), got (4, 3, 3)');
    expect(() => ops.conv2d(x, W, b.zeros([5]))).toThrow('conv2d: bias (5,) does not match the 4 filters of W (4, 3, 3, 3)');
    expect(() => ops.conv2d(x, b.zeros([4, 3, 11, 3]), bias, { pad: 1 })).toThrow('conv2d: a 11x3 window does not fit input (2, 3, 8, 8) padded by 1');
    expect(() => ops.conv2d(x, W, bias, { stride: 0 })).toThrow('conv2d: stride must be a positive integer, got 0');
    expect(() => ops.conv2d(x, W, bias, { pad: -1 })).toThrow('conv2d: pad must be a non-negative integer, got -1');
    expect(() => ops.conv2d(x, W, bias, { stride: 1.5 })).toThrow('conv2d: stride must be a positive integer, got 1.5');
    expect(() => ops.conv2d(x, b.zeros([4, 3, 3, 3], 'float64'), bias)).toThrow(/conv2d: dtypes differ/);
    expect(() => ops.conv2d(x, W, bias, {}, b.zeros([2, 4, 5, 5]))).toThrow('conv2d: output must be (2, 4, 6, 6) float32, got (2, 4, 5, 5) float32');
    const window = { height: 3, width: 3, stride: 1, pad: 0 };
    expect(() => ops.col2im(b.zeros([10, 27]), [2, 3, 8, 8], window)).toThrow('col2im: col must be (72, 27) for input (2, 3, 8, 8), got (10, 27) float32');
    expect(() => ops.transposeBatch(b.zeros([4, 4]))).toThrow('transposeBatch: input must be (N, rows, cols), got (4, 4)');
    const dout = b.zeros([2, 4, 6, 6]);
    expect(() => ops.convInputGrad(b.zeros([2, 4, 5, 6]), W, [2, 3, 8, 8])).toThrow(
      'convInputGrad: dout must be (2, 4, 6, 6) for input (2, 3, 8, 8) and filters W (4, 3, 3, 3), got (2, 4, 5, 6) float32',
    );
    expect(() => ops.convInputGrad(dout, b.zeros([4, 2, 3, 3]), [2, 3, 8, 8])).toThrow('convInputGrad: input (2, 3, 8, 8) has 3 channels, filters W (4, 2, 3, 3) expect 2');
    expect(() => ops.convInputGrad(dout, W, [2, 3, 8])).toThrow('convInputGrad: input must be (N, C, H, W), got (2, 3, 8)');
    expect(() => ops.convInputGrad(dout, b.zeros([4, 3, 3, 3], 'float64'), [2, 3, 8, 8])).toThrow(/convInputGrad: dtypes differ/);
    expect(() => ops.convInputGrad(dout, W, [2, 3, 8, 8], {}, b.zeros([2, 3, 8, 7]))).toThrow('convInputGrad: output must be (2, 3, 8, 8) float32, got (2, 3, 8, 7) float32');
    const rows = b.zeros([72, 4]);
    expect(() => ops.convFilterGrad(x, b.zeros([70, 4]), [4, 3, 3, 3])).toThrow(
      'convFilterGrad: dout rows must be (72, 4) for input (2, 3, 8, 8) and filters W (4, 3, 3, 3), got (70, 4) float32',
    );
    expect(() => ops.convFilterGrad(x, rows, [4, 3, 3])).toThrow('convFilterGrad: filters W must be (FN, C, FH, FW), got (4, 3, 3)');
    expect(() => ops.convFilterGrad(x, rows, [4, 2, 3, 3])).toThrow('convFilterGrad: input (2, 3, 8, 8) has 3 channels, filters W (4, 2, 3, 3) expect 2');
    expect(() => ops.convFilterGrad(x, b.zeros([72, 4], 'float64'), [4, 3, 3, 3])).toThrow(/convFilterGrad: dtypes differ/);
    expect(() => ops.convFilterGrad(x, rows, [4, 3, 3, 3], {}, b.zeros([4, 27]))).toThrow('convFilterGrad: output must be (4, 3, 3, 3) float32, got (4, 27) float32');
    expect(() => ops.conv2d(x, W, bias, {}, b.zeros([2, 4, 6, 6], 'float64'))).toThrow('conv2d: output must be (2, 4, 6, 6) float32, got (2, 4, 6, 6) float64');
    const square = b.zeros([1, 1, 4, 4]);
    expect(() => ops.convInputGrad(square, b.zeros([1, 1, 1, 1]), [1, 1, 4, 4], {}, square)).toThrow(/^convInputGrad: dout and output/);
    const gone = b.zeros([1, 3, 8, 8]);
    gone.dispose();
    expect(() => ops.conv2d(gone, W, bias)).toThrow(/conv2d: tensor \(1, 3, 8, 8\) float32 has been disposed/);
  });

  test('pooling', () => {
    const b = backends.float32!;
    const window = { height: 2, width: 2, stride: 2, pad: 0 };
    expect(() => ops.maxPool(b.zeros([4, 6]), window)).toThrow('maxPool: input must be (N, C, H, W), got (4, 6)');
    expect(() => ops.avgPool(b.zeros([1, 1, 1, 1]), window)).toThrow('avgPool: a 2x2 window does not fit input (1, 1, 1, 1) padded by 0');
    expect(() => ops.maxPool(b.zeros([1, 1, 4, 4]), { ...window, height: 0 })).toThrow('maxPool: window must be positive integers, got 0x2');
    const { y, argmax } = ops.maxPool(b.zeros([1, 2, 4, 4]), window);
    expect(() => ops.maxPoolBackward(b.zeros([1, 2, 3, 2]), argmax, [1, 2, 4, 4], window)).toThrow(
      'maxPoolBackward: dy must be (1, 2, 2, 2) for input (1, 2, 4, 4), got (1, 2, 3, 2)',
    );
    argmax.data[3] = 16;
    expect(() => ops.maxPoolBackward(y, argmax, [1, 2, 4, 4], window)).toThrow('maxPoolBackward: argmax 16 at 3 is outside a 4x4 plane');
    expect(() => ops.maxPoolBackward(y, b.zeros([1, 2, 2, 2]), [1, 2, 4, 4], window)).toThrow('maxPoolBackward: argmax must be int32, got (1, 2, 2, 2) float32');
    expect(() => ops.avgPoolBackward(b.zeros([1, 2, 2, 3]), [1, 2, 4, 4], window)).toThrow('avgPoolBackward: dy must be (1, 2, 2, 2)');
  });

  test('batchNorm', () => {
    const b = backends.float32!;
    const x = b.zeros([4, 3, 2, 2]);
    const state = { gamma: b.ones([3]), beta: b.zeros([3]), runningMean: b.zeros([3]), runningVar: b.ones([3]) };
    const kept = { xn: b.zeros([4, 3, 2, 2]), invStd: b.zeros([3]) };
    const opts = { training: true, momentum: 0.9, eps: 1e-5 };
    expect(() => ops.batchNorm(b.zeros([4, 3, 2]), state, opts, b.zeros([4, 3, 2]), kept)).toThrow('batchNorm: input must be (N, D) or (N, C, H, W), got (4, 3, 2)');
    expect(() => ops.batchNorm(x, { ...state, gamma: b.ones([4]) }, opts, b.zeros(x.shape), kept)).toThrow(
      'batchNorm: gamma (4,) must hold the 3 channels of x (4, 3, 2, 2)',
    );
    expect(() => ops.batchNorm(x, state, opts, b.zeros([4, 12]), kept)).toThrow('batchNorm: y must be (4, 3, 2, 2) like x, got (4, 12) float32');
    expect(() => ops.batchNorm(x, state, { ...opts, momentum: 1.5 }, b.zeros(x.shape), kept)).toThrow('batchNorm: momentum must be in [0, 1], got 1.5');
    expect(() => ops.batchNorm(x, state, { ...opts, eps: 0 }, b.zeros(x.shape), kept)).toThrow('batchNorm: eps must be a positive number, got 0');
    expect(() => ops.batchNorm(x, state, opts, x, kept)).toThrow('batchNorm: x and y must not share memory');
    expect(() => ops.batchNormBackward(b.zeros([4, 3, 2, 2]), kept, state.gamma, true, b.zeros([4, 3, 2, 2]), b.zeros([2]), b.zeros([3]))).toThrow(
      'batchNormBackward: dgamma (2,) must hold the 3 channels of x (4, 3, 2, 2)',
    );
  });
});
