// Convolution, Pooling, BatchNormalization, Flatten and Affine on images: gradient checks of each
// layer (dx and every param, float64 < 1e-6), gradientCheck of small conv nets in training and
// inference modes, float32 against float64, and the layers' errors.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import {
  createBackend, Affine, BatchNormalization, Convolution, Flatten, Pooling, ReLU, Rng, Sequential, SoftmaxWithLoss, gradientCheck,
} from '../src/index.js';
import type { Backend, FloatDType, Layer, Tensor } from '../src/index.js';
import { centralDifference } from './central-difference.js';

const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32', threads: 1 });
  backends.float64 = await createBackend({ dtype: 'float64', threads: 1 });
});
afterAll(() => Object.values(backends).forEach((b) => b.dispose()));

const randn = (b: Backend, shape: number[], seed: number, dtype: FloatDType = 'float64', std = 1) => b.randn(shape, { seed, dtype, std });

function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor));
  return worst;
}


/** Worst relative error of dx and every param grad of `layer` at x, for L = sum(forward(x) * R). */
function checkLayer(layer: Layer, x: Tensor): number {
  const out = layer.forward(x);
  const rng = new Rng(5);
  const R = Float64Array.from({ length: out.size }, () => rng.normal());
  const dout = x.backend.tensor(R, out.shape, x.dtype as FloatDType);
  const dxTensor = layer.backward(dout);
  expect(dxTensor.shape, `${layer.label}: dx has the input's shape`).toEqual(x.shape);
  const dx = Float64Array.from(dxTensor.data);
  const grads = layer.grads.map((g) => Float64Array.from(g.data));
  const objective = () => {
    const y = layer.forward(x).data;
    let s = 0;
    for (let i = 0; i < R.length; i++) s += y[i] * R[i];
    return s;
  };
  let worst = relError(dx, centralDifference(x, objective), 1e-6);
  layer.params.forEach((p, i) => (worst = Math.max(worst, relError(grads[i], centralDifference(p, objective), 1e-6))));
  return worst;
}

describe('gradient check of each layer, float64', () => {
  const b = () => backends.float64!;
  const cases: Array<[string, () => Layer, number[]]> = [
    ['Convolution 3x3, stride 1, pad 1', () => new Convolution(randn(b(), [4, 2, 3, 3], 1), randn(b(), [4], 2), 1, 1), [2, 2, 5, 5]],
    ['Convolution 3x2, stride 2, pad 1 on a 7x6 image', () => new Convolution(randn(b(), [3, 3, 3, 2], 1), randn(b(), [3], 2), 2, 1), [2, 3, 7, 6]],
    ['Convolution 1x1 image, 3x3 filter, pad 1', () => new Convolution(randn(b(), [2, 1, 3, 3], 1), randn(b(), [2], 2), 1, 1), [1, 1, 1, 1]],
    ['Convolution, padding larger than the filter', () => new Convolution(randn(b(), [2, 2, 2, 2], 1), randn(b(), [2], 2), 1, 3), [1, 2, 3, 3]],
    ['Convolution 5x5 on one channel (MNIST-like)', () => new Convolution(randn(b(), [3, 1, 5, 5], 1), randn(b(), [3], 2), 1, 0), [2, 1, 8, 8]],
    ['Pooling max 2x2 stride 2', () => new Pooling(2, 2, 2, 0, 'max'), [2, 3, 4, 4]],
    ['Pooling max 3x3 stride 1 (overlapping), pad 1', () => new Pooling(3, 3, 1, 1, 'max'), [2, 2, 5, 4]],
    ['Pooling avg 2x3 stride 2, pad 1', () => new Pooling(2, 3, 2, 1, 'avg'), [2, 2, 5, 6]],
    ['Pooling avg 3x3 stride 1 (overlapping)', () => new Pooling(3, 3, 1, 0, 'avg'), [1, 2, 5, 5]],
    ['BatchNormalization (N, C, H, W), training', () => new BatchNormalization(randn(b(), [3], 1), randn(b(), [3], 2)), [4, 3, 3, 2]],
    ['BatchNormalization (N, D), training', () => new BatchNormalization(randn(b(), [5], 1), randn(b(), [5], 2)), [6, 5]],
    ['BatchNormalization (N, C, H, W), N = 1, training', () => new BatchNormalization(randn(b(), [2], 1), randn(b(), [2], 2)), [1, 2, 3, 3]],
    ['BatchNormalization (N, C, H, W), inference', () => {
      const bn = new BatchNormalization(randn(b(), [3], 1), randn(b(), [3], 2), 0.9, {
        runningMean: randn(b(), [3], 3), runningVar: b().tensor([0.5, 1.5, 2], [3]),
      });
      bn.training = false;
      return bn;
    }, [4, 3, 3, 2]],
    ['Flatten', () => new Flatten(), [2, 3, 2, 2]],
    ['Affine on (N, C, H, W)', () => new Affine(randn(b(), [12, 4], 1), randn(b(), [4], 2)), [2, 3, 2, 2]],
  ];
  test.each(cases)('%s', (_name, make, shape) => {
    const layer = make();
    const x = randn(b(), shape, 11);
    expect(checkLayer(layer, x)).toBeLessThan(1e-6);
    layer.dispose();
  });
});

/**
 * conv -> relu -> batchnorm -> max pool -> conv -> avg pool -> flatten -> affine, softmax loss.
 * (Batchnorm straight after a conv would make the conv's bias gradient exactly 0 in training
 * mode, which a difference quotient can only meet as noise.)
 */
function smallConvNet(b: Backend, dtype: FloatDType): Sequential {
  return new Sequential([
    new Convolution(randn(b, [4, 2, 3, 3], 1, dtype, 0.5), randn(b, [4], 2, dtype, 0.1), 1, 1),
    new ReLU(),
    new BatchNormalization(b.tensor([1, 0.8, 1.2, 0.9], [4], dtype), randn(b, [4], 4, dtype, 0.1), 0.9, {
      runningMean: randn(b, [4], 5, dtype, 0.2), runningVar: b.full([4], 1.3, dtype),
    }),
    new Pooling(2, 2, 2, 0, 'max'),
    new Convolution(randn(b, [3, 4, 2, 2], 6, dtype, 0.5), randn(b, [3], 7, dtype, 0.1), 1, 1),
    new Pooling(2, 2, 1, 0, 'avg'),
    new Flatten(),
    new Affine(randn(b, [27, 5], 8, dtype, 0.3), randn(b, [5], 9, dtype, 0.1)),
  ], new SoftmaxWithLoss());
}

describe('gradientCheck of a small conv net', () => {
  for (const mode of ['training', 'inference'] as const) {
    test(`float64 < 1e-6, ${mode} mode`, () => {
      const b = backends.float64!;
      const net = smallConvNet(b, 'float64');
      if (mode === 'inference') net.eval();
      const x = randn(b, [3, 2, 6, 6], 20);
      const t = b.tensor([0, 3, 4], [3], 'int32');
      for (const r of gradientCheck(net, x, t)) expect(r.maxRelativeError, r.name).toBeLessThan(1e-6);
      net.dispose();
    });

    test(`float32 gradients within 1e-3 of float64, ${mode} mode`, () => {
      const grads = (['float64', 'float32'] as const).map((dtype) => {
        const b = backends[dtype]!;
        const net = smallConvNet(b, dtype);
        if (mode === 'inference') net.eval();
        const x = randn(b, [3, 2, 6, 6], 20, dtype);
        const t = b.tensor([0, 3, 4], [3], 'int32');
        const g = net.gradient(x, t).map((p) => Float64Array.from(p.data));
        net.dispose();
        return g;
      });
      grads[0].forEach((g64, i) => {
        const scale = Math.max(...g64.map(Math.abs), 1e-3);
        const worst = Math.max(...g64.map((v, j) => Math.abs(v - grads[1][i][j])));
        expect(worst / scale, `param ${i}`).toBeLessThan(1e-3);
      });
    });
  }
});

describe('Convolution backward at a batch large enough for the few-rows dW GEMM', () => {
  // dW sums over N * OH * OW = 8 * 16 * 16 = 2048 output positions, with 6 filters: the GEMM's
  // few-rows path (B = col read in place). Checked against direct float64 sums:
  //   dW[f, c, ky, kx] = sum over n, oy, ox of dout[n, f, oy, ox] * x[n, c, oy - p + ky, ox - p + kx],
  //   dx[n, c, iy, ix] = sum over f, ky, kx of dout[n, f, iy + p - ky, ix + p - kx] * W[f, c, ky, kx].
  for (const dtype of ['float32', 'float64'] as FloatDType[]) {
    test(dtype, () => {
      const b = backends[dtype]!;
      const [n, c, h, w, fn, k, p] = [8, 5, 16, 16, 6, 3, 1];
      const x = randn(b, [n, c, h, w], 11, dtype);
      const layer = new Convolution(randn(b, [fn, c, k, k], 12, dtype, 0.3), randn(b, [fn], 13, dtype), 1, p);
      layer.forward(x);
      const dout = randn(b, [n, fn, h, w], 14, dtype);
      const dx = Float64Array.from(layer.backward(dout).data);
      const dW = Float64Array.from(layer.grads[0].data);
      const X = Float64Array.from(x.data), D = Float64Array.from(dout.data), W = Float64Array.from(layer.params[0].data);
      const refW = new Float64Array(dW.length), refX = new Float64Array(dx.length);
      let scaleW = 0;
      for (let i = 0; i < n; i++)
        for (let f = 0; f < fn; f++)
          for (let oy = 0; oy < h; oy++)
            for (let ox = 0; ox < w; ox++) {
              const d = D[((i * fn + f) * h + oy) * w + ox];
              for (let ch = 0; ch < c; ch++)
                for (let ky = 0; ky < k; ky++)
                  for (let kx = 0; kx < k; kx++) {
                    const iy = oy - p + ky, ix = ox - p + kx;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    const xi = ((i * c + ch) * h + iy) * w + ix, wi = ((f * c + ch) * k + ky) * k + kx;
                    refW[wi] += d * X[xi];
                    refX[xi] += d * W[wi];
                    scaleW = Math.max(scaleW, Math.abs(d * X[xi]));
                  }
            }
      // Sums of 2048 products in f32: errors of order sqrt(2048) roundings of the largest term.
      const tolerance = dtype === 'float32' ? 1e-4 : 1e-12;
      expect(Math.max(...dW.map((v, i) => Math.abs(v - refW[i]))) / (scaleW * Math.sqrt(2048)), 'dW').toBeLessThan(tolerance);
      expect(relError(dx, refX, 1), 'dx').toBeLessThan(tolerance);
      [x, dout, ...layer.params, ...layer.grads].forEach((t) => t.dispose());
      layer.dispose();
    });
  }
});

describe('layer behaviour and errors', () => {
  test('BatchNormalization: training updates the running averages, inference uses them and leaves them', () => {
    const b = backends.float64!;
    const bn = new BatchNormalization(b.ones([2]), b.zeros([2]), 0.8);
    const x = b.tensor([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1]); // channel 0: 1, 2, 10, 20; channel 1: 3, 4, 30, 40
    const y = Array.from(bn.forward(x).data);
    const mean = [33 / 4, 77 / 4];
    const variance = [[1, 2, 10, 20], [3, 4, 30, 40]].map((v, c) => v.reduce((s, e) => s + (e - mean[c]) ** 2, 0) / 4);
    bn.runningMean.data.forEach((v, c) => expect(v).toBeCloseTo((1 - 0.8) * mean[c], 14));
    bn.runningVar.data.forEach((v, c) => expect(v).toBeCloseTo(0.8 + (1 - 0.8) * variance[c], 13));
    expect(y[0]).toBeCloseTo((1 - mean[0]) / Math.sqrt(variance[0] + 1e-6), 12);
    bn.training = false;
    const before = Array.from(bn.runningMean.data);
    const z = bn.forward(x).data;
    expect(z[0]).toBeCloseTo((1 - 0.2 * mean[0]) / Math.sqrt(0.8 + 0.2 * variance[0] + 1e-6), 12);
    expect(Array.from(bn.runningMean.data)).toEqual(before);
    expect(bn.state).toHaveLength(2);
    expect(bn.stateNames).toEqual(['running_mean', 'running_var']);
    bn.dispose();
  });

  test('Affine returns dx in the shape of an (N, C, H, W) input', () => {
    const b = backends.float32!;
    const affine = new Affine(b.ones([12, 2]), b.zeros([2]));
    affine.forward(b.ones([4, 3, 2, 2]));
    expect(affine.backward(b.ones([4, 2])).shape).toEqual([4, 3, 2, 2]);
  });

  test('bad input names the layer and the shapes', () => {
    const b = backends.float32!;
    const conv = new Convolution(b.zeros([30, 1, 5, 5]), b.zeros([30]));
    expect(() => conv.forward(b.zeros([2, 3, 28, 28]))).toThrow(
      'Convolution(1 -> 30, 5x5, stride 1, pad 0): input (2, 3, 28, 28) has 3 channels, filters W (30, 1, 5, 5) expect 1',
    );
    expect(() => conv.forward(b.zeros([2, 784]))).toThrow('Convolution(1 -> 30, 5x5, stride 1, pad 0): input must be (N, C, H, W), got (2, 784)');
    expect(() => conv.backward(b.zeros([2, 30, 24, 24]))).toThrow('backward((2, 30, 24, 24)) called before forward');
    conv.forward(b.zeros([2, 1, 28, 28]));
    expect(() => conv.backward(b.zeros([2, 30, 24, 23]))).toThrow('backward got dout (2, 30, 24, 23), but forward returned (2, 30, 24, 24)');
    expect(() => new Convolution(b.zeros([30, 5, 5]), b.zeros([30]))).toThrow('Convolution: W must be (FN, C, FH, FW) and b (FN,), got W (30, 5, 5) and b (30,)');
    expect(() => new Convolution(b.zeros([30, 1, 5, 5]), b.zeros([30]), 0)).toThrow('Convolution: stride must be a positive integer, got 0');
    expect(() => new Pooling(2, 2, 2, 0, 'min' as 'max')).toThrow(`Pooling: mode must be 'max' or 'avg', got "min"`);
    expect(() => new Pooling(2, 2, 2, -1)).toThrow('Pooling: pad must be a non-negative integer, got -1');
    expect(() => new Pooling(3, 3, 1).forward(b.zeros([1, 1, 2, 2]))).toThrow('Pooling(max 3x3, stride 1, pad 0): a 3x3 window does not fit input (1, 1, 2, 2) padded by 0');
    expect(() => new BatchNormalization(b.ones([3]), b.zeros([4]))).toThrow('BatchNormalization: gamma and beta must both be (C,), got (3,) and (4,)');
    expect(() => new BatchNormalization(b.ones([3]), b.zeros([3]), 1.2)).toThrow('BatchNormalization: momentum must be in [0, 1], got 1.2');
    expect(() => new BatchNormalization(b.ones([3]), b.zeros([3])).forward(b.zeros([2, 4, 2, 2]))).toThrow(
      'BatchNormalization(3): input must be (N, 3) or (N, 3, H, W), got (2, 4, 2, 2)',
    );
    expect(() => new Flatten().backward(b.zeros([2, 3]))).toThrow('Flatten: backward((2, 3)) called before forward');
  });
});
