import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, TwoLayerNet, MultiLayerNet, SGD, Adam, Trainer, spiral, DivergenceError, ByteImageSource, TensorSource, decisionBoundarySvg, evaluateAccuracy, EvaluationBuffers, ops } from '../src/index.js';
import { usesSparseInput } from '../src/train/evaluate.js';
import type { Backend, BatchSource } from '../src/index.js';

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float32' });
});

function spiralTensors(b: Backend) {
  const data = spiral({ pointsPerClass: 100, classes: 3, seed: 1984 });
  return { x: b.tensor(data.x, [data.count, 2]), t: b.tensor(data.labels, [data.count], 'int32'), data };
}

describe('Trainer', () => {
  test('book 2\'s spiral task: hidden 10, SGD lr 1.0, batch 30, 300 epochs -> loss < 0.2, accuracy >= 0.9', () => {
    const { x, t } = spiralTensors(backend);
    const net = new TwoLayerNet(2, 10, 3, 1, { activation: 'sigmoid', seed: 1984, backend });
    const trainer = new Trainer(net, new SGD(1.0));
    const epochs = trainer.fit(x, t, { epochs: 300, batchSize: 30, seed: 1984 });
    expect(epochs).toHaveLength(300);
    expect(trainer.lossHistory).toHaveLength(3000);
    const last = epochs[299];
    expect(last.loss).toBeLessThan(0.2);
    expect(last.trainAccuracy!).toBeGreaterThanOrEqual(0.9);
    expect(net.accuracy(x, t)).toBe(last.trainAccuracy);
    // The loss falls: the last epoch's mean is well below the first's.
    expect(last.loss).toBeLessThan(epochs[0].loss / 4);
    const svg = trainer.plot();
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
    // The decision regions of the trained net: one predict call over the grid, every point drawn.
    const { data } = spiralTensors(backend);
    const regions = decisionBoundarySvg(net, data, { resolution: 50 });
    expect(regions.match(/<circle/g)).toHaveLength(300);
    // The same picture as from an explicit classifier: argmax of the net's scores for each grid point.
    const byHand = decisionBoundarySvg((points, count) => {
      const x = backend.tensor(points, [count, 2]);
      return Array.from(ops.argmaxRows(net.forward(x)).data);
    }, data, { resolution: 50 });
    expect(regions).toBe(byHand);
  });

  test('step(x, t) is one gradient and one update: the same bits as net.gradient + optimizer.update, loss recorded', () => {
    const { x, t } = spiralTensors(backend);
    const a = new MultiLayerNet({ inputSize: 2, hiddenSizes: [12], outputSize: 3 }, { backend, seed: 4 });
    const b = new MultiLayerNet({ inputSize: 2, hiddenSizes: [12], outputSize: 3 }, { backend, seed: 4 });
    const trainer = new Trainer(a, new Adam(0.02));
    const byHand = new Adam(0.02);
    const xs = x.rows(0, 50);
    const ts = t.rows(0, 50);
    for (let i = 0; i < 3; i++) {
      const loss = trainer.step(xs, ts);
      b.gradient(xs, ts);
      byHand.update(b);
      expect(loss).toBe(b.lastLoss);
    }
    expect(trainer.lossHistory).toHaveLength(3);
    expect(Array.from(a.paramBlock.data)).toEqual(Array.from(b.paramBlock.data));
    a.dispose();
    b.dispose();
  });

  test('step stops before the update when the loss is not finite, naming the iteration', () => {
    const { x, t } = spiralTensors(backend);
    const net = new TwoLayerNet(2, 10, 3, 1, { backend, seed: 1 });
    const trainer = new Trainer(net, new SGD(1e30));
    expect(() => {
      for (let i = 0; i < 20; i++) trainer.step(x, t);
    }).toThrow(/loss became NaN or infinite at epoch 1 \(iteration \d+\)|gradients became NaN or infinite/);
    expect(ops.firstNonFinite(net.paramBlock)).toBe(-1);
    net.dispose();
  });

  test('a training step allocates nothing after the first', () => {
    const { x, t } = spiralTensors(backend);
    const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [16, 16], outputSize: 3, dropout: 0.1 }, { backend, seed: 2 });
    const regions: number[] = [];
    const bytes: number[] = [];
    new Trainer(net, new Adam(0.01)).fit(x, t, {
      epochs: 3,
      batchSize: 30,
      evaluate: false,
      onBatch: () => {
        regions.push(backend.arena.liveRegions);
        bytes.push(backend.arena.liveBytes);
      },
    });
    expect(new Set(regions.slice(1)).size).toBe(1);
    expect(new Set(bytes.slice(1)).size).toBe(1);
  });

  test('test accuracy per epoch, evalSample, iterations and a partial last batch', () => {
    const { x, t } = spiralTensors(backend);
    const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [20], outputSize: 3 }, { backend, seed: 3 });
    const trainer = new Trainer(net, new Adam(0.05));
    // 300 samples, batch 64: 5 batches an epoch, the last of 44.
    const epochs = trainer.fit(x, t, { iterations: 12, batchSize: 64, test: { x, t }, evalSample: 100 });
    expect(epochs.map((e) => e.iteration)).toEqual([5, 10, 12]);
    expect(trainer.testAccuracy).toHaveLength(3);
    expect(trainer.trainAccuracy[2]).toBe(trainer.testAccuracy[2]); // same data, same first 100 samples
    expect(trainer.lossHistory).toHaveLength(12);
  });

  test("trainAccuracy 'running' counts each batch's right answers before its update, as predict would", () => {
    const { x, t } = spiralTensors(backend);
    const make = () => new MultiLayerNet({ inputSize: 2, hiddenSizes: [16], outputSize: 3 }, { backend, seed: 9 });
    const a = make();
    const b = make();
    // 300 samples in batches of 40: the last batch of each epoch holds 20.
    const epochs = new Trainer(a, new Adam(0.03)).fit(x, t, { epochs: 3, batchSize: 40, shuffle: false, trainAccuracy: 'running' });
    const byHand = new Trainer(b, new Adam(0.03));
    const labels = Array.from(t.data);
    for (let epoch = 0; epoch < 3; epoch++) {
      let right = 0;
      for (let start = 0; start < 300; start += 40) {
        const end = Math.min(300, start + 40);
        const classes = b.predictClasses(x.rows(start, end));
        classes.forEach((c, i) => (right += c === labels[start + i] ? 1 : 0));
        byHand.step(x.rows(start, end), t.rows(start, end));
      }
      expect(epochs[epoch].trainAccuracy).toBe(right / 300);
    }
    // The counting changes nothing the net learns.
    expect(Array.from(a.paramBlock.data)).toEqual(Array.from(b.paramBlock.data));
    // 'full' is the default and measures the trained net; evaluate: false measures neither.
    const full = new Trainer(make(), new Adam(0.03)).fit(x, t, { epochs: 1, batchSize: 40, shuffle: false });
    expect(full[0].trainAccuracy).not.toBe(epochs[0].trainAccuracy);
    expect(new Trainer(make(), new Adam(0.03)).fit(x, t, { epochs: 1, evaluate: false, trainAccuracy: 'running' })[0].trainAccuracy).toBeUndefined();
    expect(() => new Trainer(make(), new Adam(0.03)).fit(x, t, { trainAccuracy: 'batch' as 'full' })).toThrow("Trainer.fit: trainAccuracy must be 'full' or 'running', got batch");
  });

  test('the same seed trains to the same weights', () => {
    const { x, t } = spiralTensors(backend);
    const run = () => {
      const net = new TwoLayerNet(2, 8, 3, 0.5, { backend, seed: 7 });
      new Trainer(net, new SGD(0.5)).fit(x, t, { epochs: 3, batchSize: 25, seed: 11, evaluate: false });
      const w = Array.from(net.paramBlock.data);
      net.dispose();
      return w;
    };
    expect(run()).toEqual(run());
  });

  test('a diverging loss stops training with a message naming the epoch', () => {
    const { x, t } = spiralTensors(backend);
    const net = new TwoLayerNet(2, 10, 3, 1, { backend, seed: 1 });
    const fit = () => new Trainer(net, new SGD(1e30)).fit(x, t, { epochs: 5, batchSize: 30 });
    expect(fit).toThrow(DivergenceError);
    expect(fit).toThrow(/loss became NaN or infinite at epoch 1 \(iteration \d+\); try a lower learning rate than 1e\+30/);
  });

  test('TensorSource rejects a NaN or infinite sample or target, naming it, before any step', () => {
    const { x, t } = spiralTensors(backend);
    x.data[45 * 2 + 1] = NaN;
    const net = new TwoLayerNet(2, 8, 3, 0.5, { backend, seed: 7 });
    const before = Array.from(net.paramBlock.data);
    expect(() => new Trainer(net, new SGD(0.5)).fit(x, t, { epochs: 1 })).toThrow(
      /TensorSource: sample 45 of \(300, 2\) holds NaN at element 1; NaN and infinite values would poison training/,
    );
    expect(Array.from(net.paramBlock.data)).toEqual(before);
    x.data[45 * 2 + 1] = 0;
    const oneHot = backend.zeros([300, 3]);
    oneHot.data[299 * 3 + 2] = -Infinity;
    expect(() => new TensorSource(x, oneHot)).toThrow(/TensorSource: target 299 of \(300, 3\) holds -Infinity at element 2/);
    for (const d of [x, t, oneHot]) d.dispose();
    net.dispose();
  });

  test('one NaN input value stops a ReLU net before its gradients reach the params (SGD and Adam)', () => {
    // ReLU maps the NaN to 0 on the way forward, so every loss stays finite; dW1 = x^T dout does not.
    // A BatchSource of one's own (samples in a JS array) has no entry check: the grad check catches it.
    const { data } = spiralTensors(backend);
    const xs = data.x.slice();
    xs[45 * 2 + 1] = NaN; // sample 45: the third batch of 20, unshuffled
    const source: BatchSource = {
      backend,
      count: data.count,
      sampleShape: [2],
      targetShape: (n) => [n],
      targetDType: () => 'int32',
      fill: (index, x, t) => {
        const idx = index.data as Int32Array;
        for (let r = 0; r < x.shape[0]; r++) {
          x.data[2 * r] = xs[2 * idx[r]];
          x.data[2 * r + 1] = xs[2 * idx[r] + 1];
          t.data[r] = data.labels[idx[r]];
        }
      },
    };
    for (const optimizer of [new SGD(0.5), new Adam(0.01)]) {
      const net = new MultiLayerNet({ inputSize: 2, hiddenSizes: [16, 16], outputSize: 3, activation: 'relu' }, { backend, seed: 3 });
      const afterStep: number[][] = [];
      const losses: number[] = [];
      const fit = () =>
        new Trainer(net, optimizer).fit(source, {
          epochs: 1, batchSize: 20, shuffle: false, evaluate: false,
          onBatch: (info) => {
            afterStep.push(Array.from(net.paramBlock.data));
            losses.push(info.loss);
          },
        });
      let error: unknown = null;
      try {
        fit();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DivergenceError);
      const divergence = error as DivergenceError;
      expect([divergence.epoch, divergence.iteration, divergence.what]).toEqual([1, 3, 'gradients']);
      expect(divergence.message).toMatch(/gradients became NaN or infinite at epoch 1 \(iteration 3\) while the loss was finite; check the training data/);
      expect(losses.length).toBe(2);
      expect(losses.every(Number.isFinite)).toBe(true);
      const params = Array.from(net.paramBlock.data);
      expect(params.every(Number.isFinite)).toBe(true);
      expect(params).toEqual(afterStep[1]);
      net.dispose();
      optimizer.dispose();
    }
  });

  test('a byte data set in wasm memory trains through the gather kernel, labels or one-hot', () => {
    // Two classes of 4x4 "images": a bright top half or a bright bottom half, with noise.
    const n = 200;
    const images = backend.empty([n, 16], 'uint8');
    const labels = backend.empty([n], 'uint8');
    const px = images.data as Uint8Array;
    const lb = labels.data as Uint8Array;
    for (let i = 0; i < n; i++) {
      lb[i] = i % 2;
      for (let j = 0; j < 16; j++) px[i * 16 + j] = ((j < 8) === (i % 2 === 0) ? 200 : 20) + ((i * 31 + j * 17) % 40);
    }
    for (const oneHot of [false, true]) {
      const source = new ByteImageSource(images, labels, { classes: 2, oneHot });
      const net = new MultiLayerNet({ inputSize: 16, hiddenSizes: [8], outputSize: 2 }, { backend, seed: 1 });
      const epochs = new Trainer(net, new Adam(0.01)).fit(source, { epochs: 5, batchSize: 20 });
      expect(epochs[4].trainAccuracy).toBe(1);
    }
    expect(() => new TensorSource(backend.zeros([3, 2]), backend.zeros([4], 'int32'))).toThrow(/3 samples \(3, 2\) but 4 targets \(4,\)/);
  });

  test('evaluation after each epoch allocates nothing after the first, on the sparse path too, and a fit frees what it made', () => {
    const regions = backend.arena.liveRegions;
    const bytes = backend.arena.liveBytes;
    // Sparse "images" (about 10% nonzero): the first layer takes them as sparse rows.
    const n = 250;
    const cols = 64;
    const images = backend.zeros([n, cols], 'uint8');
    const labels = backend.empty([n], 'uint8');
    const px = images.data as Uint8Array;
    const lb = labels.data as Uint8Array;
    for (let i = 0; i < n; i++) {
      lb[i] = i % 3;
      for (let j = (i * 7) % 10; j < cols; j += 10) px[i * cols + j] = 1 + ((i + j) % 200);
    }
    const train = new ByteImageSource(images, labels, { classes: 3 });
    const test = new ByteImageSource(images.rows(0, 90), labels.rows(0, 90), { classes: 3 });
    const net = new TwoLayerNet(cols, 8, 3, 0.1, { backend, seed: 4 });
    expect(usesSparseInput(train, net)).toBe(true);
    // Count the arena's allocations from the end of the first epoch on (its evaluation included).
    const arena = backend.arena;
    const alloc = arena.alloc.bind(arena);
    let counting = false;
    let allocations = 0;
    arena.alloc = (size: number) => {
      if (counting) allocations++;
      return alloc(size);
    };
    try {
      // 250 samples in batches of 40 (a last of 10); evaluation in windows of 60 (a last of 10 and 30).
      const epochs = new Trainer(net, new SGD(0.1)).fit(train, { epochs: 3, batchSize: 40, test, evalBatchSize: 60, onEpoch: () => void (counting = true) });
      expect(epochs[2].testAccuracy).toBeGreaterThan(0);
    } finally {
      arena.alloc = alloc;
    }
    expect(allocations).toBe(0);
    // Kept buffers give the counts of a pass that makes its own, and free nothing until disposed.
    const buffers = new EvaluationBuffers();
    for (const batchSize of [60, 60, 1000]) expect(evaluateAccuracy(net, train, { batchSize, buffers })).toBe(evaluateAccuracy(net, train, { batchSize }));
    const kept = backend.arena.liveRegions;
    buffers.dispose();
    expect(backend.arena.liveRegions).toBeLessThan(kept);
    // What is left belongs to the net and the sources: freeing them leaves the arena as it was.
    net.dispose();
    train.dispose();
    test.dispose();
    expect(backend.arena.liveRegions).toBe(regions);
    expect(backend.arena.liveBytes).toBe(bytes);
  });

  test('evaluation batch sizes and sample limits: any positive integer counts the same; others are refused by name', () => {
    const { x, t, data } = spiralTensors(backend);
    const net = new TwoLayerNet(2, 10, 3, 0.5, { backend, seed: 2 });
    // Reference: argmax of each row of scores, counted in plain TS over the first 50 samples.
    const scores = net.predict(x).toArray() as number[][];
    const right = scores.slice(0, 50).filter((row, i) => row.indexOf(Math.max(...row)) === data.labels[i]).length;
    const source = new TensorSource(x, t);
    for (const batchSize of [1, 7, 50, 1000]) expect(evaluateAccuracy(net, source, { batchSize, limit: 50 })).toBe(right / 50);
    for (const bad of [-1, 0, 2.5, NaN]) {
      expect(() => evaluateAccuracy(net, source, { batchSize: bad })).toThrow(`evaluateAccuracy: batchSize must be a positive integer, got ${bad}`);
      expect(() => evaluateAccuracy(net, source, { limit: bad })).toThrow(`evaluateAccuracy: limit must be a positive integer, got ${bad}`);
    }
    const before = Array.from(net.paramBlock.data);
    const fit = (options: object) => () => new Trainer(net, new SGD(0.1)).fit(x, t, { epochs: 1, batchSize: 30, ...options });
    expect(fit({ evalBatchSize: 2.5 })).toThrow('Trainer.fit: evalBatchSize must be a positive integer, got 2.5');
    expect(fit({ evalSample: -1 })).toThrow('Trainer.fit: evalSample must be a positive integer, got -1');
    expect(Array.from(net.paramBlock.data)).toEqual(before); // refused before the first step
    net.dispose();
  });
});
