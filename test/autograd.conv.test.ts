import { describe, test, expect, beforeAll } from 'vitest';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createBackend, autograd, loadMnist, batches, Adam, Rng, TensorSource,
  Convolution, Pooling, BatchNormalization, MeanSquaredError, SigmoidWithLoss,
} from '../src/index.js';
import type { Backend, Kernels, Tensor } from '../src/index.js';
import { convParams } from '../src/nets/weight-init.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');

const { nn, variable } = autograd;

/**
 * Autograd's conv ops and modules against the book's layers with the same weights (the same
 * kernels in the same order, so the same bits), modes and errors, and a conv net learning MNIST.
 */
let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64', seed: 3 });
});

function values(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

/** Runs fn with every wasm export of backend counting its calls; returns how many there were. */
function kernelCalls(fn: () => void): number {
  let calls = 0;
  const real = backend.kernels;
  const counting: Kernels = {};
  for (const [name, f] of Object.entries(real)) {
    counting[name] = typeof f !== 'function' ? f : (...args: number[]) => (calls++, f(...args));
  }
  Object.defineProperty(backend, 'kernels', { value: counting, configurable: true });
  try {
    fn();
  } finally {
    Object.defineProperty(backend, 'kernels', { value: real, configurable: true });
  }
  return calls;
}

/** y's value and, for seed gy, dx and each param's gradient (the tape run with x as a leaf that wants its gradient). */
function autogradPass(forward: (x: autograd.Variable) => autograd.Variable, x: Tensor, gy: Tensor, params: autograd.Variable[]) {
  const vx = variable(x, { requiresGrad: true });
  const y = forward(vx).keep();
  y.backward(gy);
  const result = { y: values(y.value), dx: values(vx.grad!), grads: params.map((p) => values(p.grad!)) };
  y.dispose();
  vx.grad!.dispose();
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
  return result;
}

describe('the same values as the book layers', () => {
  test('nn.Conv2d and Convolution: y, dx, dW, db, for stride 1 and stride 2 with padding', () => {
    for (const [shape, kernel, options] of [
      [[2, 3, 7, 7], 3, { stride: 1, pad: 0 }],
      [[1, 2, 6, 5], [3, 2], { stride: 2, pad: 1 }],
    ] as const) {
      const conv = new nn.Conv2d(shape[1], 4, kernel as number | [number, number], { ...options, seed: 5 });
      const layer = new Convolution(conv.W.value.clone(), conv.b!.value.clone(), options.stride, options.pad);
      const x = backend.randn([...shape], { seed: 6 });
      const out = layer.forward(x);
      const gy = backend.randn(out.shape, { seed: 7 });
      const ours = autogradPass((v) => conv.forward(v), x, gy, [conv.W, conv.b!]);
      expect(ours.y).toEqual(values(out));
      expect(ours.dx).toEqual(values(layer.backward(gy)));
      expect(ours.grads).toEqual([values(layer.grads[0]), values(layer.grads[1])]);
      for (const t of [x, gy]) t.dispose();
      layer.dispose();
      conv.dispose();
    }
  });

  test('nn.Conv2d draws He-initialized filters as the conv nets do (convParams with the same seed), bias zero', () => {
    const conv = new nn.Conv2d(3, 5, 3, { seed: 11 });
    const [W, b] = convParams(backend, 5, 3, 3, 3, 'he', new Rng(11), 'float64');
    expect(conv.W.shape).toEqual([5, 3, 3, 3]);
    expect(values(conv.W.value)).toEqual(values(W));
    expect(values(conv.b!.value)).toEqual(values(b));
    const noBias = new nn.Conv2d(3, 5, 3, { seed: 11, bias: false });
    expect(noBias.b).toBeNull();
    expect(noBias.allParams()).toEqual([noBias.W]);
    for (const t of [W, b]) t.dispose();
    conv.dispose();
    noBias.dispose();
  });

  test('nn.MaxPool2d / nn.AvgPool2d and Pooling: y and dx, side by side and overlapping with padding', () => {
    for (const mode of ['max', 'avg'] as const) {
      for (const [size, stride, pad] of [[2, 2, 0], [3, 2, 1]]) {
        const pool = mode === 'max' ? new nn.MaxPool2d(size, { stride, pad }) : new nn.AvgPool2d(size, { stride, pad });
        const layer = new Pooling(size, size, stride, pad, mode);
        const x = backend.randn([2, 3, 5, 6], { seed: size });
        const out = layer.forward(x);
        const gy = backend.randn(out.shape, { seed: 8 });
        const ours = autogradPass((v) => pool.forward(v), x, gy, []);
        expect(ours.y).toEqual(values(out));
        expect(ours.dx).toEqual(values(layer.backward(gy)));
        for (const t of [x, gy]) t.dispose();
        layer.dispose();
      }
    }
    const pool = new nn.MaxPool2d(2);
    expect(pool.options).toEqual({ size: 2, stride: 2, pad: 0 });
  });

  test('nn.BatchNorm2d and BatchNormalization: training step (y, dx, dgamma, dbeta, running statistics), then eval', () => {
    const bn = new nn.BatchNorm2d(3);
    const gamma = backend.tensor([1.5, 0.5, -1], [3]);
    const beta = backend.tensor([0.1, -0.2, 0.3], [3]);
    bn.gamma.value.set(gamma);
    bn.beta.value.set(beta);
    const layer = new BatchNormalization(gamma, beta);
    const x = backend.randn([4, 3, 3, 2], { seed: 9, mean: 1, std: 2 });
    const out = layer.forward(x);
    const gy = backend.randn(out.shape, { seed: 10 });
    const ours = autogradPass((v) => bn.forward(v), x, gy, [bn.gamma, bn.beta]);
    expect(ours.y).toEqual(values(out));
    expect(ours.dx).toEqual(values(layer.backward(gy)));
    expect(ours.grads).toEqual([values(layer.grads[0]), values(layer.grads[1])]);
    expect(values(bn.runningMean)).toEqual(values(layer.runningMean));
    expect(values(bn.runningVar)).toEqual(values(layer.runningVar));
    expect(values(bn.runningMean).every((m) => m !== 0)).toBe(true);

    // Evaluation: the running statistics, left unchanged.
    bn.eval();
    layer.training = false;
    const meanBefore = values(bn.runningMean);
    const evalOut = layer.forward(x);
    const evalOurs = autogradPass((v) => bn.forward(v), x, gy, [bn.gamma, bn.beta]);
    expect(evalOurs.y).toEqual(values(evalOut));
    expect(evalOurs.dx).toEqual(values(layer.backward(gy)));
    expect(values(bn.runningMean)).toEqual(meanBefore);
    for (const t of [x, gy]) t.dispose();
    layer.dispose();
    bn.dispose();
  });

  test('mseLoss and MeanSquaredError, sigmoidCrossEntropy and SigmoidWithLoss: loss and dx', () => {
    const y = backend.randn([5, 3], { seed: 12 });
    const t = backend.randn([5, 3], { seed: 13 });
    const mse = new MeanSquaredError();
    const mseLoss = mse.forward(y, t);
    const vy = variable(y, { requiresGrad: true });
    const loss = autograd.mseLoss(vy, t);
    expect(loss.item()).toBe(mseLoss);
    loss.backward();
    expect(values(vy.grad!)).toEqual(values(mse.backward()));
    // Reference in plain float64: the mean of (y - t)².
    const diffs = values(y).map((v, i) => v - values(t)[i]);
    expect(mseLoss).toBeCloseTo(diffs.reduce((s, d) => s + d * d, 0) / 15, 14);
    vy.grad!.dispose();

    const labels = backend.tensor([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0], [5, 3]);
    const bce = new SigmoidWithLoss();
    const bceLoss = bce.forward(y, labels);
    const vx = variable(y, { requiresGrad: true });
    const loss2 = autograd.sigmoidCrossEntropy(vx, labels);
    expect(loss2.item()).toBe(bceLoss);
    loss2.backward();
    expect(values(vx.grad!)).toEqual(values(bce.backward()));
    // Reference: -sum [t log s + (1 - t) log(1 - s)] / N rows, s = 1 / (1 + e^-x).
    const reference = values(y).reduce((sum, v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      const l = values(labels)[i];
      return sum - (l * Math.log(s) + (1 - l) * Math.log(1 - s));
    }, 0) / 5;
    expect(bceLoss).toBeCloseTo(reference, 12);
    vx.grad!.dispose();
    for (const tensor of [y, t, labels]) tensor.dispose();
    mse.dispose();
    bce.dispose();
  });
});

describe('modes and errors', () => {
  test('train() / eval() set the mode of the whole tree; nn.accuracy measures in eval mode and restores training', () => {
    const bn = new nn.BatchNorm2d(1);
    const model = new nn.Sequential(bn, new nn.Flatten(), new nn.Linear(4, 2, { seed: 1 }));
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(model.modules().some((m) => m.training)).toBe(false);
    model.train();
    expect(bn.training).toBe(true);
    const x = backend.randn([6, 1, 2, 2], { seed: 2 });
    const t = backend.tensor([0, 1, 0, 1, 1, 0], [6], 'int32');
    const accuracy = nn.accuracy(model, new TensorSource(x, t), 4);
    expect(accuracy * 6).toBe(Math.round(accuracy * 6));
    expect(values(bn.runningMean)).toEqual([0]); // eval mode: the running statistics untouched
    expect(bn.training).toBe(true);
    for (const tensor of [x, t]) tensor.dispose();
    model.dispose();
  });

  test('backward frees what conv2d, batchNorm and pooling saved; dispose() frees params, gradients and running statistics', () => {
    const before = backend.memoryUsage();
    const model = new nn.Sequential(
      new nn.Conv2d(1, 2, 3, { seed: 1, pad: 1 }), new nn.BatchNorm2d(2), new nn.ReLU(),
      new nn.MaxPool2d(2), new nn.AvgPool2d(2), new nn.Flatten(), new nn.Linear(2, 2, { seed: 2 }),
    );
    const x = backend.randn([2, 1, 4, 4], { seed: 3 });
    const made = backend.memoryUsage();
    autograd.sum(model.forward(x)).backward();
    // Left over: the six gradients (W, b, gamma, beta, W, b); no col, argmax, xn or invStd.
    expect(backend.memoryUsage().tensors).toBe(made.tensors + 6);
    model.dispose();
    x.dispose();
    expect(backend.memoryUsage()).toEqual(before);
  });

  test('bad input throws in TypeScript naming the op and the shapes, before any kernel, leaving memory as it was', () => {
    const x = backend.zeros([2, 3, 5, 5]);
    const W = autograd.param(backend.zeros([4, 2, 3, 3]));
    const W3 = backend.zeros([4, 3, 3, 3]);
    const big = backend.zeros([4, 3, 7, 7]);
    const c2 = backend.ones([2]);
    const c3 = backend.zeros([3]);
    const seven = backend.zeros([7]);
    const f32 = backend.zeros([2, 3, 5, 5], 'float32');
    const c3f32 = backend.zeros([3], 'float32');
    const bn = new nn.BatchNorm2d(3);
    const before = backend.memoryUsage();
    const calls = kernelCalls(() => {
      expect(() => autograd.conv2d(x, W)).toThrow('conv2d: input (2, 3, 5, 5) has 3 channels, filters W (4, 2, 3, 3) expect 2');
      expect(() => autograd.conv2d(x.reshape(2, 75), W3)).toThrow('conv2d: input must be (N, C, H, W), got (2, 75)');
      expect(() => autograd.conv2d(x, W3, c3)).toThrow('conv2d: bias (3,) does not match the 4 filters of W (4, 3, 3, 3)');
      expect(() => autograd.conv2d(x, big)).toThrow('conv2d: a 7x7 window does not fit input (2, 3, 5, 5) padded by 0');
      expect(() => autograd.conv2d(x, W3, undefined, { stride: 0 })).toThrow('conv2d: stride must be a positive integer, got 0');
      expect(() => autograd.maxPool2d(x, { size: 6 })).toThrow('maxPool2d: a 6x6 window does not fit input (2, 3, 5, 5) padded by 0');
      expect(() => autograd.avgPool2d(x, { size: 2, pad: -1 })).toThrow('avgPool2d: pad must be a non-negative integer, got -1');
      expect(() => autograd.batchNorm(x, c2, c3, { training: true })).toThrow('batchNorm: x (2, 3, 5, 5), gamma (2,), beta (3,) do not fit');
      expect(() => autograd.batchNorm(x, c3, c3, { training: false })).toThrow(/batchNorm: .*inference \(training: false\) needs them/);
      expect(() => autograd.batchNorm(x, c3, c3, { training: true, runningMean: c3 })).toThrow(/batchNorm: runningMean and runningVar go together/);
      expect(() => autograd.batchNorm(x, c3, c3, { training: true, momentum: 2 })).toThrow('batchNorm: momentum must be in [0, 1], got 2');
      expect(() => autograd.batchNorm(x, c3, c3, { training: false, runningMean: c3, runningVar: c3f32 })).toThrow(/batchNorm: dtypes differ/);
      expect(() => autograd.mseLoss(x, seven)).toThrow('mseLoss: predictions (2, 3, 5, 5) and targets (7,) differ in size');
      expect(() => autograd.sigmoidCrossEntropy(x, f32)).toThrow(/sigmoidCrossEntropy: dtypes differ/);
      expect(() => bn.forward(W)).toThrow('BatchNorm2d(3): input must be (N, 3, H, W), got (4, 2, 3, 3)');
      expect(() => bn.forward(c3)).toThrow('BatchNorm2d(3): input must be (N, 3, H, W), got (3,)');
    });
    expect(calls).toBe(0);
    // The same counter sees a good call's kernels (the check can fail).
    expect(kernelCalls(() => autograd.maxPool2d(x, { size: 2 }).dispose())).toBeGreaterThan(0);
    expect(backend.memoryUsage()).toEqual(before);
    expect(() => new nn.Conv2d(1, 2, 3, { stride: 1.5 })).toThrow('Conv2d: stride must be a positive integer, got 1.5');
    expect(() => new nn.Conv2d(0, 2, 3)).toThrow('Conv2d: inChannels must be a positive integer, got 0');
    expect(() => new nn.MaxPool2d(0)).toThrow('MaxPool2d: window must be positive integers, got 0x0');
    expect(() => new nn.BatchNorm2d(2, { eps: 0 })).toThrow('BatchNorm2d: eps must be a positive number, got 0');
    expect(backend.memoryUsage()).toEqual(before);
    for (const t of [x, W3, big, c2, c3, seven, f32, c3f32]) t.dispose();
    W.dispose();
    bn.dispose();
  });
});

describe('an autograd conv net on MNIST', () => {
  test('Conv2d -> ReLU -> MaxPool2d -> Flatten -> Linear: 300 steps of Adam on 3,000 images, loss falls, >= 90% on 1,000 test images, memory flat', async () => {
    const b = await createBackend({ dtype: 'float32', seed: 1 });
    const mnist = await loadMnist({ dir: mnistDir, backend: b, flatten: false });
    const train = mnist.train.slice(3000);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 5, { seed: 2, backend: b }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(8 * 12 * 12, 10, { seed: 3, backend: b }),
    );
    const params = model.parameters();
    const optimizer = new Adam(0.002);
    const losses: number[] = [];
    let usage: { tensors: number; bytes: number } | null = null;
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const { x, t } of batches(train, 50, { shuffle: true, seed: epoch })) {
        const loss = autograd.softmaxCrossEntropy(model.forward(x), t);
        loss.backward();
        optimizer.step(params);
        model.zeroGrad();
        losses.push(loss.item());
        // After the first step (the optimizer's moments are made then), every step ends where it began.
        if (usage === null) usage = b.memoryUsage();
        else expect(b.memoryUsage()).toEqual(usage);
      }
    }
    expect(losses.length).toBe(300);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(mean(losses.slice(0, 20)) / 4);
    expect(nn.accuracy(model, mnist.test.slice(1000))).toBeGreaterThanOrEqual(0.9);
    optimizer.dispose();
    model.dispose();
    mnist.dispose();
    b.dispose();
  }, 120_000);
});
