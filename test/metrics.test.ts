import { describe, test, expect, beforeAll } from 'vitest';
import {
  createBackend, MultiLayerNet, TwoLayerNet, SimpleConvNet, ConvNet, DeepConvNet, Sequential, Affine, Layer, MeanSquaredError, Adam, Trainer, spiral, TensorSource,
  topKAccuracy, confusionMatrix, evaluateAccuracy, evaluateLossAndAccuracy,
} from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64' });
});

/** A spiral net trained a little, so its scores are neither uniform nor perfect. */
function trainedSpiral(classes = 4) {
  const data = spiral({ pointsPerClass: 60, classes, seed: 7 });
  const x = backend.tensor(data.x, [data.count, 2], 'float64');
  const t = backend.tensor(data.labels, [data.count], 'int32');
  const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [12], outputSize: classes }, { backend, dtype: 'float64', seed: 3 });
  new Trainer(net, new Adam(0.02)).fit(x, t, { epochs: 3, batchSize: 40, evaluate: false });
  const scores = net.predict(x);
  const rows = Array.from({ length: data.count }, (_, i) => Array.from(scores.data.subarray(i * classes, (i + 1) * classes)));
  scores.dispose();
  return { data, x, t, net, rows, classes };
}

const softmaxRow = (row: number[]) => {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

describe('metrics, in batched passes', () => {
  test('top-k accuracy against a plain TS count, for every k, any batch size, labels or one-hot', () => {
    const { data, x, t, net, rows, classes } = trainedSpiral();
    const oneHot = backend.zeros([data.count, classes], 'float64');
    data.labels.forEach((label, i) => (oneHot.data[i * classes + label] = 1));
    for (let k = 1; k <= classes; k++) {
      const expected = rows.filter((row, i) => row.filter((v) => v > row[data.labels[i]]).length < k).length / data.count;
      for (const batchSize of [1, 37, 1000]) {
        expect(topKAccuracy(net, new TensorSource(x, t), k, { batchSize })).toBe(expected);
        expect(topKAccuracy(net, new TensorSource(x, oneHot), k, { batchSize })).toBe(expected);
      }
    }
    expect(topKAccuracy(net, new TensorSource(x, t), 1)).toBe(evaluateAccuracy(net, new TensorSource(x, t)));
    expect(topKAccuracy(net, new TensorSource(x, t), classes)).toBe(1);
    expect(() => topKAccuracy(net, new TensorSource(x, t), 0)).toThrow(/topKAccuracy: k must be a positive integer, got 0/);
    expect(() => topKAccuracy(net, new TensorSource(x, t), 2, { batchSize: 0 })).toThrow(/topKAccuracy: batchSize must be a positive integer, got 0/);
    net.dispose();
  });

  test('the confusion matrix against a plain TS count, the same batched or one sample at a time', () => {
    const { data, x, t, net, rows, classes } = trainedSpiral();
    const expected = Array.from({ length: classes }, () => new Array(classes).fill(0));
    rows.forEach((row, i) => expected[data.labels[i]][row.indexOf(Math.max(...row))]++);
    const batched = confusionMatrix(net, new TensorSource(x, t), { batchSize: 50 });
    expect(batched.counts).toEqual(expected);
    expect(confusionMatrix(net, new TensorSource(x, t), { batchSize: 1 }).counts).toEqual(expected);
    expect(batched.accuracy).toBe(evaluateAccuracy(net, new TensorSource(x, t)));
    expect(confusionMatrix(net, new TensorSource(x, t), { limit: 10 }).total).toBe(10);
    net.dispose();
  });

  test('loss and accuracy in one pass: the mean softmax cross-entropy by a float64 reference', () => {
    const { data, x, t, net, rows } = trainedSpiral();
    const loss = rows.reduce((s, row, i) => s - Math.log(softmaxRow(row)[data.labels[i]]), 0) / data.count;
    const result = evaluateLossAndAccuracy(net, new TensorSource(x, t), { batchSize: 33 });
    expect(result.loss).toBeCloseTo(loss, 12);
    expect(result.accuracy).toBe(evaluateAccuracy(net, new TensorSource(x, t)));
    net.dispose();
  });
});

describe('predictions from plain data', () => {
  test('a tensor, rows, a flat array with its shape and single samples give the same classes and probabilities', () => {
    const { data, x, net, rows, classes } = trainedSpiral();
    const points = Array.from({ length: data.count }, (_, i) => [data.x[2 * i], data.x[2 * i + 1]]);
    const proba = rows.map(softmaxRow);
    const classesExpected = rows.map((row) => row.indexOf(Math.max(...row)));
    const forms = [x, points, { data: Float32Array.from(data.x), shape: [data.count, 2] }, { data: Array.from(data.x), shape: [data.count, 2] }];
    for (const [f, form] of forms.entries()) {
      const p = net.predictProba(form);
      expect(p, `form ${f}`).toHaveLength(data.count);
      const tol = f === 2 ? 6 : 12; // float32 inputs round the points
      p.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(proba[i][c], tol)));
      if (f !== 2) expect(net.predictClasses(form)).toEqual(classesExpected);
    }
    for (const i of [0, 17, 239]) {
      expect(net.predictClasses(points[i])).toBe(classesExpected[i]);
      expect(net.predictClasses(Float64Array.from(points[i]))).toBe(classesExpected[i]);
      const one = net.predictProba(points[i]);
      expect(one).toHaveLength(classes);
      one.forEach((v, c) => expect(v).toBeCloseTo(proba[i][c], 12));
    }
    const live = backend.arena.liveRegions;
    net.predictProba(points);
    net.predictClasses(points[0]);
    expect(backend.arena.liveRegions).toBe(live);
    net.dispose();
  });

  test('bad plain data is refused naming the row or the sizes; a net without probabilities says so', () => {
    const net = new TwoLayerNet(3, 4, 2, 0.1, { backend, seed: 1 });
    expect(() => net.predictClasses([[1, 2, 3], [1, 2]])).toThrow(/predictClasses: row 1 has 2 values, row 0 has 3/);
    expect(() => net.predictClasses([[1, 2]])).toThrow(/predictClasses: the net takes samples of 3 values, but row 0 has 2/);
    expect(() => net.predictProba([1, 2, 3, 4])).toThrow(/predictProba: one sample of this net has 3 values, got 4; give rows/);
    expect(() => net.predictProba({ data: [1, 2, 3], shape: [2, 3] })).toThrow(/predictProba: 3 values do not fill the shape \(2, 3\)/);
    const mse = new Sequential([new Affine(backend.ones([3, 2], 'float64'), backend.zeros([2], 'float64'))], new MeanSquaredError());
    expect(() => mse.predictProba([1, 2, 3])).toThrow(/predictProba: a net trained with MeanSquaredError gives no probabilities/);
    expect(mse.predictClasses([[1, 2, 3]])).toEqual([0]);
    mse.dispose();
    net.dispose();
  });
});

describe('summary', () => {
  test("an MLP's table: layers, output shapes, params, total and bytes in each float type", () => {
    const net = new TwoLayerNet(4, 3, 2, 0.1, { backend, seed: 1 });
    expect(net.summary()).toBe(
      [
        'Input: (N, 4) float64',
        '---------------------------------------',
        'Layer             Output shape   Params',
        '---------------------------------------',
        'Affine(4 -> 3)    (N, 3)             15',
        'ReLU              (N, 3)              0',
        'Affine(3 -> 2)    (N, 2)              8',
        'SoftmaxWithLoss                       0',
        '---------------------------------------',
        'Total params: 23 (184 bytes in float64; 92 bytes in float32)',
      ].join('\n'),
    );
    net.dispose();
  });

  test("the conv nets' tables: each layer's (N, C, H, W) output, params counted by hand, from the input shape they were made with", () => {
    const simple = new SimpleConvNet({}, { backend, seed: 1 });
    // conv 30·1·5·5 + 30 = 780; 28 - 5 + 1 = 24, pooled to 12; Affine 30·12·12 = 4,320 -> 100: 432,100; 100 -> 10: 1,010.
    expect(simple.summary()).toBe(
      [
        'Input: (N, 1, 28, 28) float64',
        '----------------------------------------------------------------------',
        'Layer                                        Output shape       Params',
        '----------------------------------------------------------------------',
        'Convolution(1 -> 30, 5x5, stride 1, pad 0)   (N, 30, 24, 24)       780',
        'ReLU                                         (N, 30, 24, 24)         0',
        'Pooling(max 2x2, stride 2, pad 0)            (N, 30, 12, 12)         0',
        'Affine(4320 -> 100)                          (N, 100)          432,100',
        'ReLU                                         (N, 100)                0',
        'Affine(100 -> 10)                            (N, 10)             1,010',
        'SoftmaxWithLoss                                                      0',
        '----------------------------------------------------------------------',
        'Total params: 433,890 (3,471,120 bytes in float64; 1,735,560 bytes in float32)',
      ].join('\n'),
    );
    // Plain rows of 784 values are (1, 28, 28) images to a conv net: one sample, or several, give the tensor's answers.
    const pixels = Array.from({ length: 2 }, (_, i) => Array.from({ length: 784 }, (_, j) => ((i * 7 + j * 13) % 17) / 16));
    const images = backend.tensor(pixels.flat(), [2, 1, 28, 28], 'float64');
    const expected = simple.predictClasses(images);
    expect(simple.predictClasses(pixels)).toEqual(expected);
    expect(simple.predictClasses(pixels[1])).toBe(expected[1]);
    images.dispose();
    simple.dispose();

    const conv = new ConvNet({}, { backend, seed: 1 });
    expect(conv.summary()).toContain('BatchNormalization(16)                        (N, 16, 24, 24)       32');
    expect(conv.summary()).toContain('Total params: 65,654 ');
    conv.dispose();

    // The book's DeepConvNet: conv4 has pad 2, so 14 -> 16 -> pooled 8 -> 4, and Affine takes 64·4·4 = 1,024.
    const deep = new DeepConvNet({}, { backend, seed: 1 });
    const table = deep.summary();
    expect(table).toContain('Convolution(32 -> 32, 3x3, stride 1, pad 2)   (N, 32, 16, 16)    9,248');
    expect(table).toContain('Affine(1024 -> 50)                            (N, 50)           51,250');
    const byHand = (16 * 9 + 16) + (16 * 16 * 9 + 16) + (32 * 16 * 9 + 32) + (32 * 32 * 9 + 32) + (64 * 32 * 9 + 64) + (64 * 64 * 9 + 64) + (1024 * 50 + 50) + (50 * 10 + 10);
    expect(table).toContain(`Total params: ${byHand.toLocaleString('en-US')} `);
    deep.dispose();
    expect(() => new Sequential([new Affine(backend.ones([3, 2], 'float64'), backend.zeros([2], 'float64'))], undefined, { inputShape: [0, 3] })).toThrow(
      /Sequential: inputShape must be one sample's sizes, positive integers \(no batch axis\), got \[0,3\]/,
    );
  });

  test('a first layer that does not fix the input shape needs one; a shape it does not take is refused, naming the layer', () => {
    /** A layer with a 4-D param (as a conv layer's), which says nothing of the image size. */
    class Gain extends Layer {
      constructor() {
        super();
        this.params = [backend.ones([1, 1, 1, 1], 'float64')];
        this.grads = [backend.zeros([1, 1, 1, 1], 'float64')];
      }
      forward(x: Tensor): Tensor {
        return x;
      }
      backward(dout: Tensor): Tensor {
        return dout;
      }
    }
    const net = new Sequential([new Gain(), new Affine(backend.ones([3, 2], 'float64'), backend.zeros([2], 'float64'))]);
    expect(() => net.summary()).toThrow(/summary: the first layer does not fix the input shape; give one sample's shape/);
    expect(net.summary([3])).toContain('Gain              (N, 3)              1\nAffine(3 -> 2)    (N, 2)              8');
    expect(net.summary([3])).toContain('Total params: 9 ');
    expect(() => net.summary([5])).toThrow(/summary: Affine\(3 -> 2\) does not take \(N, 5\)/);
    expect(() => net.predictClasses([1, 2, 3])).toThrow(/predictClasses: the net does not fix its input shape; give \{ data, shape \}/);
    expect(net.predictClasses({ data: [1, 2, 3], shape: [1, 3] })).toEqual([0]);
    net.dispose();
  });
});

describe('Trainer.plot', () => {
  test('draws the loss, and below it the accuracies measured', () => {
    const { x, t, net } = trainedSpiral(3);
    const trainer = new Trainer(net, new Adam(0.01));
    trainer.fit(x, t, { epochs: 1, batchSize: 60, evaluate: false });
    const lossOnly = trainer.plot();
    expect(lossOnly).not.toContain('accuracy');
    trainer.fit(x, t, { epochs: 3, batchSize: 60, validationSplit: 0.2, test: { x, t } });
    const both = trainer.plot({ height: 300 });
    expect(both).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="640" height="600"/);
    for (const name of ['training loss', 'train accuracy', 'validation accuracy', 'test accuracy']) expect(both).toContain(name);
    expect(both.match(/<polyline/g)!.length).toBeGreaterThanOrEqual(4);
    net.dispose();
  });
});
