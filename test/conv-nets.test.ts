// SimpleConvNet and conv layers in nets: architecture, specs, saved files (batchnorm state
// included), MNIST as (N, 1, 28, 28) images, and SimpleConvNet learning a slice of MNIST.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createBackend, loadMnist, Adam, Affine, BatchNormalization, Convolution, ConvNet, DeepConvNet, Flatten, Pooling, ReLU, Sequential, SimpleConvNet, Trainer,
  buildNet, netSpec, checkNetSpec, tensorHash, encodeSafetensors, MultiLayerNet, gradientCheck, netToSafetensors, netFromSafetensors, loadNetWeightsFromSafetensors,
} from '../src/index.js';
import type { Backend, Mnist, Tensor } from '../src/index.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float32', threads: 1 });
});
afterAll(() => backend.dispose());

/** Standard deviation of a tensor's values. */
function std(t: Tensor): number {
  const d = t.data;
  let mean = 0;
  for (const v of d) mean += v / d.length;
  let s = 0;
  for (const v of d) s += (v - mean) ** 2;
  return Math.sqrt(s / d.length);
}

/** A conv net with every new layer: conv -> relu -> batchnorm -> avg pool -> flatten -> affine. */
function convBnNet(b: Backend): Sequential {
  return new Sequential([
    new Convolution(b.randn([4, 1, 3, 3], { seed: 1, std: 0.5 }), b.zeros([4]), 1, 1),
    new ReLU(),
    new BatchNormalization(b.ones([4]), b.zeros([4]), 0.7),
    new Pooling(2, 2, 2, 0, 'avg'),
    new Flatten(),
    new Affine(b.randn([4 * 3 * 3, 3], { seed: 2, std: 0.3 }), b.zeros([3])),
  ]);
}

describe('SimpleConvNet', () => {
  test("the book's architecture and param names, He init", () => {
    const net = new SimpleConvNet({}, { backend, seed: 1 });
    expect(net.paramNames).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    expect(net.params.map((p) => p.shape)).toEqual([[30, 1, 5, 5], [30], [4320, 100], [100], [100, 10], [10]]);
    expect(net.layers.map((l) => l.label)).toEqual([
      'Convolution(1 -> 30, 5x5, stride 1, pad 0)', 'ReLU', 'Pooling(max 2x2, stride 2, pad 0)', 'Affine(4320 -> 100)', 'ReLU', 'Affine(100 -> 10)',
    ]);
    // He: std sqrt(2 / fan-in), fan-in C * FH * FW for the conv.
    expect(std(net.params[0]) / Math.sqrt(2 / 25)).toBeGreaterThan(0.85);
    expect(std(net.params[0]) / Math.sqrt(2 / 25)).toBeLessThan(1.15);
    expect(std(net.params[2]) / Math.sqrt(2 / 4320)).toBeCloseTo(1, 1);
    const scores = net.predict(backend.rand([3, 1, 28, 28], { seed: 2 }));
    expect(scores.shape).toEqual([3, 10]);
    expect(() => new SimpleConvNet({ inputDim: [1, 4, 4] }, { backend })).toThrow('SimpleConvNet: a 5x5 conv and a 2x2 pool leave nothing of a 4x4 input');
    net.dispose();
  });

  test('netSpec, buildNet and safetensors bring back a SimpleConvNet with the same params and outputs', () => {
    const net = new SimpleConvNet({ inputDim: [2, 12, 10], filterNum: 6, filterSize: 3, pad: 1, hiddenSize: 20 }, { backend, seed: 3 });
    const spec = netSpec(net);
    expect(spec.net).toBe('simple-conv');
    expect(spec.layers[0]).toEqual({ type: 'convolution', inChannels: 2, filters: 6, filterH: 3, filterW: 3, stride: 1, pad: 1 });
    expect(spec.layers[2]).toEqual({ type: 'pooling', mode: 'max', poolH: 2, poolW: 2, stride: 2, pad: 0 });
    const again = netFromSafetensors(netToSafetensors(net), { backend });
    expect(again).toBeInstanceOf(SimpleConvNet);
    expect(again.params.map(tensorHash)).toEqual(net.params.map(tensorHash));
    const x = backend.rand([2, 2, 12, 10], { seed: 4 });
    expect(tensorHash(again.predict(x))).toBe(tensorHash(net.predict(x)));
    const built = buildNet(JSON.parse(JSON.stringify(spec)), { backend });
    expect(built.params.map((p) => p.shape)).toEqual(net.params.map((p) => p.shape));
    [net, again, built].forEach((n) => n.dispose());
  });
});

describe('ConvNet (--net conv)', () => {
  test('two 5x5 conv stages with batchnorm, ReLU and 2x2 max pool, then Affine 512 -> 100 -> 10, He init', () => {
    const net = new ConvNet({}, { backend, seed: 1 });
    expect(net.layers.map((l) => l.label)).toEqual([
      'Convolution(1 -> 16, 5x5, stride 1, pad 0)', 'BatchNormalization(16)', 'ReLU', 'Pooling(max 2x2, stride 2, pad 0)',
      'Convolution(16 -> 32, 5x5, stride 1, pad 0)', 'BatchNormalization(32)', 'ReLU', 'Pooling(max 2x2, stride 2, pad 0)',
      'Affine(512 -> 100)', 'ReLU', 'Affine(100 -> 10)',
    ]);
    // Each conv's W, b, then its batchnorm's gamma, beta.
    expect(net.params.map((p) => p.shape)).toEqual([[16, 1, 5, 5], [16], [16], [16], [32, 16, 5, 5], [32], [32], [32], [512, 100], [100], [100, 10], [10]]);
    expect(std(net.params[4]) / Math.sqrt(2 / 400)).toBeCloseTo(1, 1);
    expect(net.state.length).toBe(4);
    expect(net.predict(backend.rand([3, 1, 28, 28], { seed: 2 })).shape).toEqual([3, 10]);
    expect(new ConvNet({ batchnorm: false }, { backend, seed: 1 }).layers.length).toBe(9);
    expect(() => new ConvNet({ inputDim: [1, 12, 12] }, { backend })).toThrow('ConvNet: 2 stages of 5x5 conv and 2x2 pool leave nothing of a 12x12 input');
    expect(() => new ConvNet({ filters: [] }, { backend })).toThrow('ConvNet: sizes must be positive integers and filters non-empty');
    net.dispose();
  });

  test('saves as a Sequential of its layers and comes back with the same params, running averages, input shape and outputs', () => {
    const net = new ConvNet({ inputDim: [1, 14, 14], filters: [3, 4], filterSize: 3, hiddenSize: 8 }, { backend, seed: 5 });
    const trainer = new Trainer(net, new Adam(0.01));
    trainer.fit(backend.rand([6, 1, 14, 14], { seed: 6 }), backend.tensor([0, 1, 2, 3, 4, 5], [6], 'int32'), { batchSize: 3, epochs: 2, evaluate: false });
    expect(netSpec(net).net).toBe('sequential');
    expect(netSpec(net).inputShape).toEqual([1, 14, 14]);
    const again = netFromSafetensors(netToSafetensors(net), { backend });
    // The input shape is what lets predict take one flat sample, and ONNX export know the image size.
    expect(again.inputShape).toEqual([1, 14, 14]);
    const sample = Array.from({ length: 196 }, (_, i) => (i % 7) / 7);
    expect(again.predictProba(sample)).toEqual(net.predictProba(sample));
    expect(again.predictProba(sample)).toHaveLength(10);
    expect(again.params.map(tensorHash)).toEqual(net.params.map(tensorHash));
    expect(again.state.map(tensorHash)).toEqual(net.state.map(tensorHash));
    const x = backend.rand([2, 1, 14, 14], { seed: 7 });
    expect(tensorHash(again.predict(x))).toBe(tensorHash(net.predict(x)));
    [net, again].forEach((n) => n.dispose());
  });
});

describe('DeepConvNet', () => {
  test("the book's chapter 8 layers: six 3x3 convs, three pools, Affine 1024 -> 50, dropout, Affine 50 -> 10, dropout", () => {
    const net = new DeepConvNet({}, { backend, seed: 1 });
    expect(net.paramNames).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4', 'W5', 'b5', 'W6', 'b6', 'W7', 'b7', 'W8', 'b8']);
    expect(net.params.filter((_, i) => i % 2 === 0).map((p) => p.shape)).toEqual([
      [16, 1, 3, 3], [16, 16, 3, 3], [32, 16, 3, 3], [32, 32, 3, 3], [64, 32, 3, 3], [64, 64, 3, 3], [1024, 50], [50, 10],
    ]);
    expect(net.layers.filter((l) => l instanceof Convolution).map((l) => (l as Convolution).pad)).toEqual([1, 1, 1, 2, 1, 1]);
    expect(net.layers.map((l) => l.constructor.name).slice(-5)).toEqual(['Affine', 'ReLU', 'Dropout', 'Affine', 'Dropout']);
    // He init for a conv: std sqrt(2 / (C * 3 * 3)).
    expect(std(net.params[10]) / Math.sqrt(2 / (64 * 9))).toBeCloseTo(1, 1);
    net.dispose();
  });

  test('a few Adam steps lower the loss; saved and reloaded it predicts the same', () => {
    const net = new DeepConvNet({ inputDim: [1, 12, 12], hiddenSize: 20, outputSize: 4 }, { backend, seed: 2 });
    const x = backend.rand([8, 1, 12, 12], { seed: 3 });
    const t = backend.tensor([0, 1, 2, 3, 3, 2, 1, 0], [8], 'int32');
    const opt = new Adam(0.003);
    const first = net.inEvalMode(() => net.loss(x, t));
    for (let i = 0; i < 15; i++) {
      net.gradient(x, t);
      opt.update(net);
    }
    expect(net.inEvalMode(() => net.loss(x, t))).toBeLessThan(first);
    const again = netFromSafetensors(netToSafetensors(net), { backend });
    expect(again).toBeInstanceOf(DeepConvNet);
    expect(netSpec(again)).toEqual(netSpec(net));
    expect(tensorHash(again.predict(x))).toBe(tensorHash(net.predict(x)));
    [net, again].forEach((n) => n.dispose());
  });
});

describe('conv layers in saved nets', () => {
  test('batchnorm running averages are saved and loaded with the params, and change only in training', () => {
    const net = convBnNet(backend);
    expect(net.paramNames).toEqual(['W1', 'b1', 'gamma2', 'beta2', 'W3', 'b3']);
    expect(net.stateNames).toEqual(['running_mean2', 'running_var2']);
    const x = backend.rand([5, 1, 6, 6], { seed: 5 });
    const t = backend.tensor([0, 1, 2, 1, 0], [5], 'int32');
    const before = net.state.map(tensorHash);
    const opt = new Adam(0.01);
    for (let i = 0; i < 3; i++) {
      net.gradient(x, t);
      opt.update(net);
    }
    const trained = net.state.map(tensorHash);
    expect(trained).not.toEqual(before);
    net.predict(x);
    expect(net.state.map(tensorHash)).toEqual(trained);

    const again = netFromSafetensors(netToSafetensors(net), { backend });
    expect(again.state.map(tensorHash)).toEqual(trained);
    expect(again.params.map(tensorHash)).toEqual(net.params.map(tensorHash));
    expect(tensorHash(again.predict(x))).toBe(tensorHash(net.predict(x)));
    // Weights without the state (saved by another tool) are rejected, naming what is missing.
    const fresh = convBnNet(backend);
    const paramsOnly = Object.fromEntries(
      net.params.map((p, i) => [net.paramNames[i], { dtype: 'F32' as const, shape: [...p.shape], data: p.toTypedArray() as Float32Array }]),
    );
    expect(() => loadNetWeightsFromSafetensors(fresh, encodeSafetensors(paramsOnly), 'f')).toThrow(
      "f: lacks running_mean2, running_var2; the net's params and state are W1, b1, gamma2, beta2, W3, b3, running_mean2, running_var2",
    );
    [net, again, fresh].forEach((n) => n.dispose());
  });

  test('a spec with a wrong conv, pooling or batchnorm layer is rejected, naming the layer', () => {
    const base = { net: 'sequential', loss: 'softmax-with-loss', weightDecay: 0 };
    const conv = { type: 'convolution', inChannels: 1, filters: 4, filterH: 3, filterW: 3, stride: 1, pad: 0 };
    expect(() => checkNetSpec({ ...base, layers: [{ ...conv, stride: 0 }] })).toThrow('net spec: layer 0 (convolution) stride must be a positive integer, got 0');
    expect(() => checkNetSpec({ ...base, layers: [{ ...conv, pad: -1 }] })).toThrow('net spec: layer 0 (convolution) pad must be a non-negative integer, got -1');
    expect(() => checkNetSpec({ ...base, layers: [conv, { type: 'pooling', mode: 'min', poolH: 2, poolW: 2, stride: 2, pad: 0 }] })).toThrow(
      'net spec: layer 1 (pooling) mode must be max or avg, got "min"',
    );
    expect(() => checkNetSpec({ ...base, layers: [{ type: 'batch-normalization', channels: 3, momentum: 2, eps: 1e-5 }] })).toThrow(
      'net spec: layer 0 (batch-normalization) momentum must be in [0, 1], got 2',
    );
    expect(() => checkNetSpec({ ...base, layers: [{ type: 'flatten' }] })).toThrow(/nothing to load/);
    expect(checkNetSpec({ ...base, layers: [conv, { type: 'flatten' }] }).layers).toHaveLength(2);
    expect(checkNetSpec({ ...base, layers: [conv], inputShape: [1, 5, 5] }).inputShape).toEqual([1, 5, 5]);
    expect(() => checkNetSpec({ ...base, layers: [conv], inputShape: [1, 0, 5] })).toThrow('net spec: inputShape[1] must be a positive integer, got 0');
    expect(() => checkNetSpec({ ...base, layers: [conv], inputShape: [] })).toThrow('net spec: inputShape must be a non-empty list, got []');
  });
});

describe('MNIST as images', () => {
  let mnist: Mnist;
  beforeAll(async () => {
    mnist = await loadMnist({ dir: mnistDir, backend, flatten: false });
  });
  afterAll(() => mnist?.dispose());

  test('flatten: false keeps each sample (1, 28, 28), one byte per pixel', () => {
    expect(mnist.train.sampleShape).toEqual([1, 28, 28]);
    expect(mnist.train.images.shape).toEqual([60000, 1, 28, 28]);
    expect(mnist.train.images.dtype).toBe('uint8');
    expect(mnist.test.slice(1000).images.ptr).toBe(mnist.test.images.ptr);
  });

  test('SimpleConvNet learns a slice of MNIST: 3000 images, 2 epochs of Adam, >= 90% on 1000 test images', () => {
    const net = new SimpleConvNet({}, { backend, seed: 0 });
    const trainer = new Trainer(net, new Adam(0.001));
    const epochs = trainer.fit(mnist.train.slice(3000), { epochs: 2, batchSize: 100, test: mnist.test.slice(1000) });
    expect(epochs[1].iteration).toBe(60);
    expect(epochs[1].testAccuracy!).toBeGreaterThanOrEqual(0.9);
    expect(epochs[1].loss).toBeLessThan(epochs[0].loss);
    net.dispose();
  });
});

describe('MultiLayerNet with useBatchnorm (the book\'s MultiLayerNetExtend)', () => {
  test('a BatchNormalization after each hidden Affine; gradientCheck in float64 < 1e-6; saved and loaded with its running averages', async () => {
    const b64 = await createBackend({ dtype: 'float64', threads: 1 });
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizes: [5, 4], outputSize: 3, useBatchnorm: true }, { backend: b64, seed: 1 });
    expect(net.layers.map((l) => l.constructor.name)).toEqual(['Affine', 'BatchNormalization', 'ReLU', 'Affine', 'BatchNormalization', 'ReLU', 'Affine']);
    expect(net.stateNames).toEqual(['running_mean2', 'running_var2', 'running_mean4', 'running_var4']);
    const x = b64.randn([7, 6], { seed: 2 });
    const t = b64.tensor([0, 1, 2, 0, 1, 2, 0], [7], 'int32');
    for (const r of gradientCheck(net, x, t)) {
      // A bias straight before batchnorm has gradient exactly 0 in training mode (the batch mean
      // takes it out), which a difference quotient meets only as rounding noise.
      if (r.name === 'b1' || r.name === 'b3') expect(r.maxAbsoluteError, r.name).toBeLessThan(1e-9);
      else expect(r.maxRelativeError, r.name).toBeLessThan(1e-6);
    }
    const again = netFromSafetensors(netToSafetensors(net), { backend: b64 });
    expect(again).toBeInstanceOf(MultiLayerNet);
    expect((again as MultiLayerNet).config.useBatchnorm).toBe(true);
    expect(again.state.map(tensorHash)).toEqual(net.state.map(tensorHash));
    expect(tensorHash(again.predict(x))).toBe(tensorHash(net.predict(x)));
    // A spec written before useBatchnorm existed builds the plain net.
    const plain = new MultiLayerNet({ inputSize: 6, hiddenSizes: [5], outputSize: 3 }, { backend: b64, seed: 1 });
    const spec = netSpec(plain) as { config: Record<string, unknown> };
    delete spec.config.useBatchnorm;
    expect(checkNetSpec(spec).net).toBe('multi-layer');
    expect(() => checkNetSpec({ ...spec, config: { ...spec.config, useBatchnorm: 'yes' } })).toThrow('net spec: config.useBatchnorm must be true or false, got "yes"');
    b64.dispose();
  });
});
