/**
 * ONNX export checked by a runtime not written here: onnxruntime-web (its wasm backend, in Node)
 * loads each exported model, and its outputs must match net.predict on real MNIST test images.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import {
  createBackend, loadMnist, MultiLayerNet, Sequential, Trainer, Adam, Affine, MatMul, ReLU, LeakyReLU, ELU, Tanh, Sigmoid,
  Softmax, Dropout, Identity, Add, SigmoidWithLoss, MeanSquaredError, Rng, SimpleConvNet, DeepConvNet, ConvNet, Convolution, Pooling,
  BatchNormalization, Flatten, netFromSafetensors, netToSafetensors,
} from '../src/index.js';
import type { Backend, Mnist, Tensor, FloatDType } from '../src/index.js';
import { exportOnnx } from '../src/io/onnx.js';
import { OnnxGraph } from '../src/io/onnx-graph.js';

const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(import.meta.dirname, '../../shared/datasets/mnist');
ort.env.wasm.numThreads = 1;

/** One backend holds float32 and float64 nets alike (and the MNIST bytes they train on). */
let backend: Backend;
let mnist: Mnist;

beforeAll(async () => {
  backend = await createBackend({ dtype: 'float32', threads: 1 });
  mnist = await loadMnist({ dir: mnistDir, backend, download: false });
});
afterAll(() => mnist?.dispose());

/** Runs the model on x (float32 or float64 rows) and returns every output's values. */
async function runOnnx(bytes: Uint8Array, x: Tensor, dtype: FloatDType = x.dtype as FloatDType): Promise<Record<string, Float32Array | Float64Array>> {
  const session = await ort.InferenceSession.create(bytes);
  const data = dtype === 'float32' ? Float32Array.from(x.data as ArrayLike<number>) : Float64Array.from(x.data as ArrayLike<number>);
  const results = await session.run({ input: new ort.Tensor(dtype, data, [...x.shape]) });
  await session.release();
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const [name, value] of Object.entries(results)) {
    expect(value.dims).toEqual(results.scores.dims);
    out[name] = value.data as Float32Array | Float64Array;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Float64 reference: row softmax of (rows, cols) scores. */
function softmaxRows(scores: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(scores.length);
  for (let r = 0; r < scores.length / cols; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, scores[r * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out[r * cols + c] = Math.exp(scores[r * cols + c] - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] /= sum;
  }
  return out;
}

/** The first `count` MNIST test images as (count, 784) rows in `dtype`. */
function testImages(count: number, dtype: FloatDType): Tensor {
  const pixels = Array.from(mnist.test.images.rows(0, count).data, (b) => b / 255);
  return backend.empty([count, 784], dtype).set(pixels);
}

function trainedMnistNet(dtype: FloatDType): MultiLayerNet {
  const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [64, 32], outputSize: 10, activation: 'relu', weightInit: 'he', dropout: 0.2 }, { backend, dtype, seed: 3 });
  // The batches are gathered in the net's dtype, so one float32 MNIST serves both nets.
  new Trainer(net, new Adam(0.002)).fit(mnist.train.slice(6000), { iterations: 120, batchSize: 100, seed: 5, evaluate: false });
  return net;
}

describe('exportOnnx on a trained MNIST net', () => {
  test('float32: onnxruntime-web gives net.predict (max abs diff < 1e-5) and its softmax on 500 test images', async () => {
    const net = trainedMnistNet('float32');
    const x = testImages(500, 'float32');
    const expected = net.predict(x);
    const out = await runOnnx(exportOnnx(net), x);
    expect(maxAbsDiff(out.scores, expected.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.probabilities, softmaxRows(expected.data, 10))).toBeLessThan(1e-6);
    // The net learned something, so the comparison is between meaningful scores.
    const labels = mnist.test.labels.rows(0, 500).data;
    let correct = 0;
    for (let r = 0; r < 500; r++) {
      const row = Array.from(out.scores.subarray(r * 10, r * 10 + 10));
      if (row.indexOf(Math.max(...row)) === labels[r]) correct++;
    }
    expect(correct / 500).toBeGreaterThan(0.85);
    for (const t of [x, expected]) t.dispose();
    net.dispose();
  });

  test('float64: exported as ONNX float by default (max abs diff < 1e-5); as double on request, to 1e-12', async () => {
    const net = trainedMnistNet('float64');
    const x = testImages(200, 'float64');
    const expected = net.predict(x);
    const asDouble = await runOnnx(exportOnnx(net, { dtype: 'float64' }), x);
    expect(asDouble.scores).toBeInstanceOf(Float64Array);
    expect(maxAbsDiff(asDouble.scores, expected.data)).toBeLessThan(1e-12);
    const asFloat = await runOnnx(exportOnnx(net), x, 'float32');
    expect(asFloat.scores).toBeInstanceOf(Float32Array);
    expect(maxAbsDiff(asFloat.scores, expected.data)).toBeLessThan(1e-5);
    for (const t of [x, expected]) t.dispose();
    net.dispose();
  });

  test('input as images (N, 1, 28, 28): a Flatten goes before the first Gemm', async () => {
    const net = trainedMnistNet('float32');
    const x = testImages(50, 'float32');
    const expected = net.predict(x);
    const images = x.reshape(50, 1, 28, 28);
    const out = await runOnnx(exportOnnx(net, { inputShape: [1, 28, 28] }), images);
    expect(maxAbsDiff(out.scores, expected.data)).toBeLessThan(1e-5);
    for (const t of [x, expected]) t.dispose();
    net.dispose();
  });
});

describe('exportOnnx on trained conv nets: onnxruntime-web gives net.predict on MNIST test images (max abs diff < 1e-5)', () => {
  /** MNIST as (N, 1, 28, 28) images, for training the conv nets. */
  let images: Mnist;
  beforeAll(async () => {
    images = await loadMnist({ dir: mnistDir, backend, flatten: false, download: false });
  });
  afterAll(() => images?.dispose());

  /** A few Adam steps, so weights and batchnorm running averages are far from their initial values. */
  function trainFew(net: Sequential, iterations: number, batchSize: number, lr = 0.003): void {
    new Trainer(net, new Adam(lr)).fit(images.train.slice(3000), { iterations, batchSize, seed: 5, evaluate: false });
  }

  /** Exports `net` (its input shape from the net itself) and compares ort's scores with net.predict on `count` test images. */
  async function expectOnnxMatches(net: Sequential, count: number): Promise<void> {
    const flat = testImages(count, net.dtype);
    const x = flat.reshape(count, 1, 28, 28);
    const expected = net.predict(x);
    const out = await runOnnx(exportOnnx(net), x, 'float32');
    expect(maxAbsDiff(out.scores, expected.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.probabilities, softmaxRows(expected.data, 10))).toBeLessThan(1e-6);
    // The scores are not near zero, so the comparison means something.
    expect(Math.max(...Array.from(expected.data, Math.abs))).toBeGreaterThan(0.1);
    for (const t of [flat, expected]) t.dispose();
  }

  test('SimpleConvNet (conv 5x5, max pool 2x2, Affine after (30, 12, 12)): float32, and a float64 net as float32', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const net = new SimpleConvNet({}, { backend, dtype, seed: 1 });
      trainFew(net, 20, 50);
      await expectOnnxMatches(net, 200);
      net.dispose();
    }
  });

  test('DeepConvNet (six 3x3 convs padded by 1, three max pools, dropout)', async () => {
    const net = new DeepConvNet({}, { backend, seed: 2 });
    trainFew(net, 10, 20, 0.001);
    await expectOnnxMatches(net, 50);
    net.dispose();
  });

  test('ConvNet (--net conv: batchnorm per channel with trained running averages), also after a save and load', async () => {
    const net = new ConvNet({}, { backend, seed: 3 });
    trainFew(net, 30, 50);
    const [mean1, var1] = net.state.map((t) => Array.from(t.data));
    expect(Math.max(...mean1.map(Math.abs))).toBeGreaterThan(0.01);
    expect(Math.max(...var1.map((v) => Math.abs(v - 1)))).toBeGreaterThan(0.01);
    await expectOnnxMatches(net, 200);
    // Saved and loaded it is a plain Sequential that still knows its (1, 28, 28) input.
    const again = netFromSafetensors(netToSafetensors(net), { backend });
    expect(again.inputShape).toEqual([1, 28, 28]);
    await expectOnnxMatches(again, 50);
    [net, again].forEach((n) => n.dispose());
  });

  /**
   * Padded pooling, where our zero padding differs from ONNX's: max pools right after a conv
   * (negative outputs at the border lose to a padding 0), an average pool (the padding counts in
   * the mean); batchnorm on (N, C, H, W) and on (N, D), an explicit Flatten.
   */
  function paddedPoolingNet(dtype: FloatDType): Sequential {
    const rng = new Rng(11);
    const weights = (shape: number[], scale: number) => {
      const t = backend.empty(shape, dtype);
      return t.set(Array.from({ length: t.size }, () => (rng.uniform() * 2 - 1) * scale));
    };
    const ones = (n: number) => backend.ones([n], dtype);
    const zeros = (n: number) => backend.zeros([n], dtype);
    return new Sequential(
      [
        new Convolution(weights([4, 1, 3, 3], 0.6), weights([4], 0.3), 1, 1), // (4, 28, 28)
        new Pooling(3, 3, 2, 1, 'max'), // (4, 14, 14)
        new BatchNormalization(ones(4), zeros(4), 0.5),
        new Pooling(3, 3, 2, 1, 'avg'), // (4, 7, 7)
        new Convolution(weights([6, 4, 3, 3], 0.4), weights([6], 0.3), 2, 2), // (6, 5, 5)
        new Pooling(2, 2, 2, 1, 'max'), // (6, 3, 3)
        new Flatten(), // (54,)
        new Affine(weights([54, 16], 0.2), weights([16], 0.1)),
        new BatchNormalization(ones(16), zeros(16), 0.5, { eps: 1e-3 }),
        new ReLU(),
        new Affine(weights([16, 10], 0.4), weights([10], 0.1)),
      ],
      undefined,
      { inputShape: [1, 28, 28] },
    );
  }

  test('padded max and average pooling, batchnorm on images and on rows, Flatten: float32 and float64 nets', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const net = paddedPoolingNet(dtype);
      trainFew(net, 20, 50);
      await expectOnnxMatches(net, 200);
      net.dispose();
    }
  });
});

describe('exportOnnx on every layer a Sequential holds', () => {
  /**
   * Affine, LeakyReLU, MatMul, ELU, Dropout, Tanh, Identity, Sigmoid, ReLU, Softmax, random weights.
   * onnxruntime's CPU kernels have no double Elu or LeakyRelu, so `alphaLayers: false` leaves them out
   * for the double model.
   */
  function everyLayerNet(dtype: FloatDType, loss: 'sigmoid' | 'mse', alphaLayers = true): Sequential {
    const rng = new Rng(9);
    const weights = (shape: number[]) => {
      const t = backend.empty(shape, dtype);
      return t.set(Array.from({ length: t.size }, () => rng.uniform() * 2 - 1));
    };
    // Alphas exact in float32, since ONNX stores them as float attributes.
    const layers = [
      new Affine(weights([7, 6]), weights([6])), ...(alphaLayers ? [new LeakyReLU(0.125)] : []),
      new MatMul(weights([6, 5])), ...(alphaLayers ? [new ELU(0.5)] : []), new Dropout(0.5),
      new Affine(weights([5, 5]), weights([5])), new Tanh(), new Identity(),
      new Affine(weights([5, 4]), weights([4])), new Sigmoid(),
      new Affine(weights([4, 3]), weights([3])), new ReLU(), new Softmax(),
    ];
    return new Sequential(layers, loss === 'sigmoid' ? new SigmoidWithLoss() : new MeanSquaredError());
  }

  const cases = [
    { net: 'float32', model: 'float32', alphaLayers: true, tolerance: 1e-6 },
    { net: 'float64', model: 'float32', alphaLayers: true, tolerance: 1e-6 },
    { net: 'float64', model: 'float64', alphaLayers: false, tolerance: 1e-14 },
  ] as const;
  for (const c of cases) {
    test(`${c.net} net as a ${c.model} model: scores, and Sigmoid(scores) for SigmoidWithLoss`, async () => {
      const net = everyLayerNet(c.net, 'sigmoid', c.alphaLayers);
      const rng = new Rng(4);
      const x = backend.empty([9, 7], c.net).set(Array.from({ length: 63 }, () => rng.uniform() * 6 - 3));
      const expected = net.predict(x);
      const out = await runOnnx(exportOnnx(net, { dtype: c.model }), x, c.model);
      expect(maxAbsDiff(out.scores, expected.data)).toBeLessThan(c.tolerance);
      const sigmoid = Array.from(expected.data, (s) => 1 / (1 + Math.exp(-s)));
      expect(maxAbsDiff(out.probabilities, sigmoid)).toBeLessThan(c.tolerance);
      for (const t of [x, expected]) t.dispose();
      net.dispose();
    });
  }

  test('MeanSquaredError: the model has the scores only', async () => {
    const net = everyLayerNet('float32', 'mse');
    const x = backend.zeros([2, 7], 'float32').fill(0.5);
    const out = await runOnnx(exportOnnx(net), x);
    expect(Object.keys(out)).toEqual(['scores']);
    net.dispose();
    x.dispose();
  });
});

describe('exportOnnx rejects what it cannot export, before writing anything', () => {
  const small = () => new MultiLayerNet({ inputSize: 4, hiddenSizes: [3], outputSize: 2 }, { backend: backend, seed: 1 });

  test('a pooling padded by its whole window (onnxruntime refuses such pads), a conv net without its input shape, a shape that does not fit', () => {
    const W = backend.zeros([2, 1, 3, 3], 'float32');
    const conv = () => new Convolution(W.clone(), backend.zeros([2], 'float32'));
    const padded = new Sequential([conv(), new Pooling(2, 2, 2, 2, 'avg'), new Flatten(), new Affine(backend.zeros([98, 2], 'float32'), backend.zeros([2], 'float32'))], undefined, { inputShape: [1, 12, 12] });
    expect(() => exportOnnx(padded)).toThrow('exportOnnx: Pooling(avg 2x2, stride 2, pad 2) pads by as much as its window; ONNX runtimes (onnxruntime) refuse pooling pads that are not smaller than the window');
    const unknown = new Sequential([conv(), new Flatten(), new Affine(backend.zeros([200, 2], 'float32'), backend.zeros([2], 'float32'))]);
    expect(() => exportOnnx(unknown)).toThrow('exportOnnx: cannot tell the input shape of a net starting with Convolution(1 -> 2, 3x3, stride 1, pad 0); pass options.inputShape (one sample, e.g. [1, 28, 28])');
    expect(() => exportOnnx(unknown, { inputShape: [2, 12, 12] })).toThrow('exportOnnx: Convolution(1 -> 2, 3x3, stride 1, pad 0) takes samples (1, H, W) that its window fits, but gets shape (2, 12, 12)');
    expect(() => exportOnnx(unknown, { inputShape: [1, 2, 12] })).toThrow('gets shape (1, 2, 12)');
    expect(() => exportOnnx(unknown, { inputShape: [1, 13, 12] })).toThrow('exportOnnx: Affine(200 -> 2) takes 200 inputs per sample but gets shape (220,) (220)');
    expect(exportOnnx(unknown, { inputShape: [1, 12, 12] }).length).toBeGreaterThan(0);
    [padded, unknown].forEach((n) => n.dispose());
    W.dispose();
  });

  test('a layer without an ONNX form is named', () => {
    const W = backend.zeros([4, 4], 'float32');
    const net = new Sequential([new MatMul(W), new Add()]);
    expect(() => exportOnnx(net)).toThrow(/^exportOnnx: layer Add has no ONNX form; exportable layers are Affine, MatMul, ReLU/);
    net.dispose();
  });

  test('a disposed net', () => {
    const net = small();
    net.dispose();
    expect(() => exportOnnx(net)).toThrow(/exportOnnx/);
  });

  test('an inputShape that is not a list of positive integers, or does not fit the first layer', () => {
    const net = small();
    expect(() => exportOnnx(net, { inputShape: [] })).toThrow('exportOnnx: inputShape must be a non-empty list of positive integers (one sample, no batch axis), got []');
    expect(() => exportOnnx(net, { inputShape: [2, 1.5] })).toThrow('got [2,1.5]');
    expect(() => exportOnnx(net, { inputShape: [5] })).toThrow('exportOnnx: Affine(4 -> 3) takes 4 inputs per sample but gets shape (5,) (5)');
    expect(() => exportOnnx(net, { dtype: 'int32' as FloatDType })).toThrow(`exportOnnx: dtype must be 'float32' or 'float64', got "int32"`);
    net.dispose();
  });
});

describe('OnnxGraph, the builder the layer rows use', () => {
  test('constants and an ints attribute (what conv, pooling and batchnorm rows need) run in onnxruntime', async () => {
    // input (N, 2, 3) -> + constant (2, 3) -> Transpose perm [0, 2, 1] -> (N, 3, 2)
    const graph = new OnnxGraph('float32', 'input', [2, 3]);
    const shift = graph.constant('shift', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(graph.constant('shift', [1], Float32Array.of(0))).toBe('shift_1');
    graph.apply('Add', [shift]);
    graph.apply('Transpose', [], { perm: { ints: [0, 2, 1] } }, [3, 2]);
    graph.output('scores');
    const x = backend.empty([2, 2, 3], 'float32').set([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    const out = await runOnnx(graph.encode('test'), x);
    // Sample 0: [[1, 12, 23], [34, 45, 56]] transposed; sample 1 adds 60 to every input.
    expect(Array.from(out.scores)).toEqual([1, 34, 12, 45, 23, 56, 61, 94, 72, 105, 83, 116]);
    x.dispose();
  });

  test('a name used twice and a shape with a zero are refused', () => {
    const graph = new OnnxGraph('float32', 'input', [0]);
    expect(() => graph.initializer('input', [1], Float32Array.of(1))).toThrow("OnnxGraph: the name 'input' is used twice");
    graph.output('scores');
    expect(() => graph.encode('test')).toThrow("OnnxGraph: 'input' has shape (0,); every dimension must be a positive integer");
  });
});
