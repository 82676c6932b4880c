import { describe, test, expect, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { createBackend, ops, TwoLayerNet, Affine, ReLU, Sequential, SGD, Adam, Trainer, TensorSource, ByteImageSource, evaluateAccuracy } from '../src/index.js';
import type { Backend, Tensor, FloatDType } from '../src/index.js';

/**
 * A kernel reads every address in the memory of the backend it runs in, so a tensor of another
 * backend must be refused in TypeScript before any kernel call: the error names the op and both
 * backends, and neither backend's memory changes.
 */

// Two backends of each float type: `home` holds an op's tensors, `away` the one that does not belong.
const pairs: Partial<Record<FloatDType, [Backend, Backend]>> = {};
beforeAll(async () => {
  for (const dtype of ['float32', 'float64'] as FloatDType[]) {
    pairs[dtype] = [await createBackend({ dtype }), await createBackend({ dtype })];
  }
});

function pair(dtype: FloatDType = 'float32'): [Backend, Backend] {
  return pairs[dtype]!;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches an error naming `op` first, then both backends (in either order). */
function twoBackendsError(op: string, a: Backend, b: Backend): RegExp {
  const [x, y] = [escape(String(a)), escape(String(b))];
  return new RegExp(`^${escape(op)}: .*(${x}.*${y}|${y}.*${x})`);
}

/** Copies of the tensors' elements, to prove later that nothing was written. */
function snapshot(tensors: Tensor[]): number[][] {
  return tensors.map((t) => Array.from(t.data as ArrayLike<number>));
}

// --- the cases of the issue ---------------------------------------------------

describe('tensors of two backends, the reported cases', () => {
  test('backends have a printable identity: number, dtype, threads', async () => {
    const [home, away] = pair('float64');
    expect(away.id).not.toBe(home.id);
    expect(String(home)).toMatch(/^backend #\d+ \(float64, \d+ threads?\)$/);
    const one = await createBackend({ dtype: 'float32', threads: 1 });
    expect(one.id).toBeGreaterThan(away.id);
    expect(String(one)).toBe(`backend #${one.id} (float32, 1 thread)`);
    one.dispose();
    expect(String(one)).toBe(`backend #${one.id} (float32, 1 thread, disposed)`);
  });

  test('bytesToFloat with a source in another backend throws and writes nothing', () => {
    const [home, away] = pair();
    const src = away.tensor(Array.from({ length: 200 }, (_, i) => i % 256), [200], 'uint8');
    const bystander = away.full([256], 7);
    const dst = home.zeros([200]);
    expect(() => ops.bytesToFloat(src, dst)).toThrow(twoBackendsError('bytesToFloat', away, home));
    expect(Array.from(dst.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(bystander.data).every((v) => v === 7)).toBe(true);
    // In one backend it computes x * (1/255), rounded to float32.
    const own = ops.bytesToFloat(home.tensor(src.toTypedArray(), [200], 'uint8'), dst);
    own.data.forEach((v, i) => expect(v).toBe(Math.fround((i % 256) * Math.fround(1 / 255))));
  });

  test('gatherRows (uint8 rows) with a source in another backend throws and writes nothing', () => {
    const [home, away] = pair();
    const rows = 10;
    const cols = 100;
    const src = away.tensor(Array.from({ length: rows * cols }, (_, i) => (i * 7) % 256), [rows, cols], 'uint8');
    const bystander = away.full([512], 3);
    const index = home.tensor([9, 0, 4], [3], 'int32');
    const dst = home.zeros([3, cols]);
    expect(() => ops.gatherRows(src, index, dst)).toThrow(twoBackendsError('gatherRows', away, home));
    expect(Array.from(dst.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(bystander.data).every((v) => v === 3)).toBe(true);
    // The index in the source's backend, the batch in another: refused as well.
    expect(() => ops.gatherRows(src, away.tensor([9, 0, 4], [3], 'int32'), dst)).toThrow(twoBackendsError('gatherRows', away, home));
    expect(Array.from(dst.data).every((v) => v === 0)).toBe(true);
  });

  test('concat and stack refuse a tensor of another backend; in one backend they join [1..9]', () => {
    const [home, away] = pair();
    const parts = [home.tensor([1, 2, 3]), home.tensor([4, 5, 6]), away.tensor([7, 8, 9])];
    expect(() => home.concat(parts)).toThrow(twoBackendsError('concat', away, home));
    expect(() => home.stack(parts)).toThrow(twoBackendsError('stack', away, home));
    // Called on a backend that holds none of them.
    const homeParts = parts.slice(0, 2);
    expect(() => away.concat(homeParts)).toThrow(twoBackendsError('concat', home, away));
    expect(() => away.stack(homeParts)).toThrow(twoBackendsError('stack', home, away));
    const own = [...homeParts, home.tensor([7, 8, 9])];
    expect(Array.from(home.concat(own).data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(home.stack(own, 1).toArray()).toEqual([[1, 4, 7], [2, 5, 8], [3, 6, 9]]);
  });

  test('tensor.set(t) refuses a tensor of another backend; set(t.toTypedArray()) copies across', () => {
    const [home, away] = pair();
    const dst = home.zeros([2, 3]);
    const src = away.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => dst.set(src)).toThrow(twoBackendsError('set', home, away));
    expect(Array.from(dst.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(dst.set(src.toTypedArray()).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    // The library guide's way (docs/library.md) to move a tensor: a copy through TypeScript.
    const labels = away.tensor([3, 1, 2], [3], 'int32');
    const moved = home.tensor(labels.toTypedArray(), labels.shape, labels.dtype);
    expect([moved.backend, moved.dtype, Array.from(moved.data)]).toEqual([home, 'int32', [3, 1, 2]]);
  });

  test('net.loss and net.accuracy refuse labels made in another backend', () => {
    const [home, away] = pair('float64');
    const net = new TwoLayerNet(4, 5, 3, 0.5, { backend: home, seed: 11 });
    const n = 10;
    const x = home.randn([n, 4], { seed: 5 });
    const labels = Array.from({ length: n }, (_, i) => (i * 2) % 3);
    const awayLabels = away.tensor(labels, [n], 'int32');
    expect(() => net.loss(x, awayLabels)).toThrow(/^Sequential\.loss: \(10,\) int32 is in backend #\d+ .*but the net computes in backend #\d+/);
    expect(() => net.loss(x, awayLabels)).toThrow(`${away}`);
    expect(() => net.accuracy(x, awayLabels)).toThrow(/^accuracy: \(10,\) int32 is in backend #\d+/);
    expect(() => net.forward(away.randn([n, 4]))).toThrow(/^Sequential\.forward: /);
    // Labels in the net's backend: the loss and accuracy of a plain float64 softmax over the scores.
    const homeLabels = home.tensor(labels, [n], 'int32');
    const scores = net.predict(x).toArray() as number[][];
    let loss = 0;
    let correct = 0;
    scores.forEach((row, i) => {
      const max = Math.max(...row);
      const sumExp = row.reduce((s, v) => s + Math.exp(v - max), 0);
      loss -= row[labels[i]] - max - Math.log(sumExp);
      if (row.indexOf(max) === labels[i]) correct++;
    });
    expect(net.loss(x, homeLabels)).toBeCloseTo(loss / n, 12);
    expect(net.accuracy(x, homeLabels)).toBe(correct / n);
  });

  test('a layer refuses an input from another backend, naming the layer', () => {
    const [home, away] = pair();
    const layer = new Affine(home.randn([4, 2], { seed: 1 }), home.zeros([2]));
    expect(() => layer.forward(away.randn([3, 4]))).toThrow(/^Affine\(4 -> 2\)\.forward: \(3, 4\) float32 is in backend #\d+ .*but its weights are in backend #\d+/);
    expect(() => new Affine(home.randn([4, 2]), away.zeros([2]))).toThrow(twoBackendsError('Affine', home, away));
  });
});

describe('nets, layers and data sets of two backends', () => {
  test('a net cannot be built from layers of two backends', () => {
    const [home, away] = pair();
    const first = new Affine(home.randn([4, 3]), home.zeros([3]));
    const second = new Affine(away.randn([3, 2]), away.zeros([2]));
    expect(() => new Sequential([first, new ReLU(), second])).toThrow(
      /^Sequential: \(3, 2\) float32 is in backend #\d+ .*but the first layer's params are in backend #\d+/,
    );
  });

  test('an optimizer refuses a grad of another backend before it counts the step', () => {
    const [home, away] = pair('float64');
    const p = home.tensor([1, 2, 3]);
    const adam = new Adam(0.1);
    expect(() => adam.update([p], [away.tensor([1, 1, 1])])).toThrow(twoBackendsError('Adam.update', home, away));
    expect(Array.from(p.data)).toEqual([1, 2, 3]);
    // The first real step is Adam's first: with bias correction its size is lr for every element.
    adam.update([p], [home.tensor([0.5, -2, 4])]);
    Array.from(p.data).forEach((v, i) => expect(v).toBeCloseTo([0.9, 2.1, 2.9][i], 5));
  });

  test('data sets, the trainer and evaluation refuse data of another backend before any step', () => {
    const [home, away] = pair('float64');
    const net = new TwoLayerNet(4, 5, 3, 0.1, { backend: home, seed: 3 });
    const before = Array.from(net.paramBlock.data);
    const x = away.randn([6, 4], { seed: 1 });
    const t = away.tensor([0, 1, 2, 0, 1, 2], [6], 'int32');
    const trainer = new Trainer(net, new SGD(0.1));
    expect(() => trainer.fit(x, t, { batchSize: 3, epochs: 1 })).toThrow(`Trainer.fit: the data set is in ${away}, but the net computes in ${home}`);
    const homeSource = new TensorSource(home.randn([6, 4]), home.tensor([0, 1, 2, 0, 1, 2], [6], 'int32'));
    expect(() => trainer.fit(homeSource, { batchSize: 3, epochs: 1, test: { x, t } })).toThrow(/^Trainer\.fit \(test set\): the data set is in/);
    expect(Array.from(net.paramBlock.data)).toEqual(before);
    expect(() => evaluateAccuracy(net, new TensorSource(x, t))).toThrow(`evaluateAccuracy: the data set is in ${away}`);
    expect(() => new TensorSource(x, home.tensor([0, 1, 2, 0, 1, 2], [6], 'int32'))).toThrow(twoBackendsError('TensorSource', away, home));
    const images = away.tensor(new Uint8Array(24), [6, 4], 'uint8');
    expect(() => new ByteImageSource(images, home.tensor(new Uint8Array(6), [6], 'uint8'))).toThrow(twoBackendsError('ByteImageSource', away, home));
  });
});

// --- every exported op ----------------------------------------------------------

/** How to call one op: its tensor arguments (made in a given backend) and the call itself. */
interface OpCase {
  /** What the op's errors start with, when it is not the export's name. */
  label?: string;
  /** The op's tensors; `at(i)` is the backend tensor i is made in. */
  tensors(at: (i: number) => Backend): Tensor[];
  call(t: Tensor[]): unknown;
}

const N = 3;
/** A 2x2 window, stride 1, no padding: over 3x3 planes it gives 2x2. */
const WINDOW = { height: 2, width: 2, stride: 1, pad: 0 };
const C = 4;
let seed = 1;
const floats = (b: Backend, shape: number[]) => b.rand(shape, { seed: seed++ });
const labels = (b: Backend) => b.tensor([2, 0, 3], [N], 'int32');
const oneHot = (b: Backend) => b.tensor([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
const bytes = (b: Backend, shape: number[], below = 256) =>
  b.tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => (i * 37 + 11) % below), shape, 'uint8');
const rowIndex = (b: Backend) => b.tensor([4, 0, 2], [N], 'int32');

const unary = (fn: (x: Tensor, out?: Tensor) => Tensor): OpCase => ({
  tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C])],
  call: ([x, out]) => fn(x, out),
});
const unaryBackward = (fn: (kept: Tensor, dy: Tensor, dx?: Tensor) => Tensor): OpCase => ({
  tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C]), floats(at(2), [N, C])],
  call: ([kept, dy, dx]) => fn(kept, dy, dx),
});
const binary = (fn: (a: Tensor, b: Tensor, out?: Tensor) => Tensor): OpCase => ({
  tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C]), floats(at(2), [N, C])],
  call: ([a, b, out]) => fn(a, b, out),
});
const blocks = (label: string, count: number, fn: (t: Tensor[]) => void): OpCase => ({
  label,
  tensors: (at) => Array.from({ length: count }, (_, i) => floats(at(i), [N, C])),
  call: fn,
});

const OP_CASES: Record<string, OpCase> = {
  step: unary(ops.step),
  identity: unary(ops.identity),
  sigmoid: unary(ops.sigmoid),
  relu: unary(ops.relu),
  tanh: unary(ops.tanh),
  leakyRelu: unary((x, out) => ops.leakyRelu(x, 0.1, out)),
  elu: unary((x, out) => ops.elu(x, 1, out)),
  softmax: unary(ops.softmax),
  sigmoidBackward: unaryBackward(ops.sigmoidBackward),
  reluBackward: unaryBackward(ops.reluBackward),
  tanhBackward: unaryBackward(ops.tanhBackward),
  leakyReluBackward: unaryBackward((x, dy, dx) => ops.leakyReluBackward(x, dy, 0.1, dx)),
  eluBackward: {
    tensors: (at) => [0, 1, 2, 3].map((i) => floats(at(i), [N, C])),
    call: ([x, y, dy, dx]) => ops.eluBackward(x, y, dy, 1, dx),
  },
  add: binary(ops.add),
  sub: binary(ops.sub),
  mul: binary(ops.mul),
  scale: unary((x, out) => ops.scale(x, 2, out)),
  axpy: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C])], call: ([x, y]) => ops.axpy(2, x, y) },
  copy: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C])], call: ([x, y]) => ops.copy(x, y) },
  dropout: {
    tensors: (at) => [floats(at(0), [N, C]), bytes(at(1), [N, C], 2), floats(at(2), [N, C])],
    call: ([x, mask, out]) => ops.dropout(x, mask, 0.5, 7, out),
  },
  dropoutBackward: {
    tensors: (at) => [floats(at(0), [N, C]), bytes(at(1), [N, C], 2), floats(at(2), [N, C])],
    call: ([dy, mask, dx]) => ops.dropoutBackward(dy, mask, 0.5, dx),
  },
  gemm: {
    tensors: (at) => [floats(at(0), [N, 5]), floats(at(1), [5, C]), floats(at(2), [N, C])],
    call: ([a, b, c]) => ops.gemm(a, b, c, { beta: 1 }),
  },
  matmul: {
    tensors: (at) => [floats(at(0), [5, N]), floats(at(1), [5, C]), floats(at(2), [N, C])],
    call: ([a, b, out]) => ops.matmul(a, b, out, { transA: true }),
  },
  'crossEntropy (labels)': { tensors: (at) => [floats(at(0), [N, C]), labels(at(1))], call: ([y, t]) => ops.crossEntropy(y, t) },
  'crossEntropy (one-hot)': { tensors: (at) => [floats(at(0), [N, C]), oneHot(at(1))], call: ([y, t]) => ops.crossEntropy(y, t) },
  'softmaxCrossEntropyBackward (labels)': {
    tensors: (at) => [floats(at(0), [N, C]), labels(at(1)), floats(at(2), [N, C])],
    call: ([y, t, dx]) => ops.softmaxCrossEntropyBackward(y, t, 0.5, dx),
  },
  'softmaxCrossEntropyBackward (one-hot)': {
    tensors: (at) => [floats(at(0), [N, C]), oneHot(at(1)), floats(at(2), [N, C])],
    call: ([y, t, dx]) => ops.softmaxCrossEntropyBackward(y, t, 0.5, dx),
  },
  'softmaxCrossEntropy (labels)': {
    tensors: (at) => [floats(at(0), [N, C]), labels(at(1)), floats(at(2), [N, C]), at(3).zeros([N], 'float64')],
    call: ([x, t, y, rowLoss]) => ops.softmaxCrossEntropy(x, t, y, rowLoss),
  },
  'softmaxCrossEntropy (one-hot)': {
    tensors: (at) => [floats(at(0), [N, C]), oneHot(at(1)), floats(at(2), [N, C]), at(3).zeros([N], 'float64')],
    call: ([x, t, y, rowLoss]) => ops.softmaxCrossEntropy(x, t, y, rowLoss),
  },
  sigmoidCrossEntropyBackward: {
    tensors: (at) => [0, 1, 2].map((i) => floats(at(i), [N, C])),
    call: ([y, t, dx]) => ops.sigmoidCrossEntropyBackward(y, t, 0.5, dx),
  },
  firstNonFinite: { tensors: (at) => [floats(at(0), [N, C])], call: ([x]) => ops.firstNonFinite(x) },
  im2col: { tensors: (at) => [floats(at(0), [1, 2, 3, 3]), floats(at(1), [4, 8])], call: ([x, col]) => ops.im2col(x, WINDOW, col) },
  col2im: { tensors: (at) => [floats(at(0), [4, 8]), floats(at(1), [1, 2, 3, 3])], call: ([col, dx]) => ops.col2im(col, [1, 2, 3, 3], WINDOW, dx) },
  transposeBatch: { tensors: (at) => [floats(at(0), [2, 3, 4]), floats(at(1), [2, 4, 3])], call: ([x, y]) => ops.transposeBatch(x, y) },
  conv2d: {
    tensors: (at) => [floats(at(0), [1, 2, 3, 3]), floats(at(1), [3, 2, 2, 2]), floats(at(2), [3]), floats(at(3), [1, 3, 2, 2])],
    call: ([x, W, b, y]) => ops.conv2d(x, W, b, {}, y),
  },
  convFilterGrad: {
    tensors: (at) => [floats(at(0), [1, 2, 3, 3]), floats(at(1), [4, 3]), floats(at(2), [3, 2, 2, 2])],
    call: ([x, doutRows, dW]) => ops.convFilterGrad(x, doutRows, [3, 2, 2, 2], {}, dW),
  },
  convInputGrad: {
    tensors: (at) => [floats(at(0), [1, 3, 2, 2]), floats(at(1), [3, 2, 2, 2]), floats(at(2), [1, 2, 3, 3])],
    call: ([dout, W, dx]) => ops.convInputGrad(dout, W, [1, 2, 3, 3], {}, dx),
  },
  maxPool: {
    tensors: (at) => [floats(at(0), [1, 2, 3, 3]), floats(at(1), [1, 2, 2, 2]), at(2).zeros([1, 2, 2, 2], 'int32')],
    call: ([x, y, argmax]) => ops.maxPool(x, WINDOW, y, argmax),
  },
  maxPoolBackward: {
    tensors: (at) => [floats(at(0), [1, 2, 2, 2]), at(1).tensor([0, 1, 3, 4, 0, 1, 3, 4], [1, 2, 2, 2], 'int32'), floats(at(2), [1, 2, 3, 3])],
    call: ([dy, argmax, dx]) => ops.maxPoolBackward(dy, argmax, [1, 2, 3, 3], WINDOW, dx),
  },
  avgPool: { tensors: (at) => [floats(at(0), [1, 2, 3, 3]), floats(at(1), [1, 2, 2, 2])], call: ([x, y]) => ops.avgPool(x, WINDOW, y) },
  avgPoolBackward: {
    tensors: (at) => [floats(at(0), [1, 2, 2, 2]), floats(at(1), [1, 2, 3, 3])],
    call: ([dy, dx]) => ops.avgPoolBackward(dy, [1, 2, 3, 3], WINDOW, dx),
  },
  batchNorm: {
    tensors: (at) => [floats(at(0), [N, C]), ...[1, 2, 3, 4].map((i) => floats(at(i), [C])), floats(at(5), [N, C]), floats(at(6), [N, C]), floats(at(7), [C])],
    call: ([x, gamma, beta, runningMean, runningVar, y, xn, invStd]) =>
      ops.batchNorm(x, { gamma, beta, runningMean, runningVar }, { training: true, momentum: 0.9, eps: 1e-5 }, y, { xn, invStd }),
  },
  batchNormBackward: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C]), floats(at(2), [C]), floats(at(3), [C]), floats(at(4), [N, C]), floats(at(5), [C]), floats(at(6), [C])],
    call: ([dout, xn, invStd, gamma, dx, dgamma, dbeta]) => ops.batchNormBackward(dout, { xn, invStd }, gamma, true, dx, dgamma, dbeta),
  },
  sumAxis: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C])], call: ([x, y]) => ops.sumAxis(x, 0, y) },
  repeatAxis: { tensors: (at) => [floats(at(0), [1, C]), floats(at(1), [N, C])], call: ([x, y]) => ops.repeatAxis(x, 0, [N, C], y) },
  transpose: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C, N])], call: ([x, y]) => ops.transpose(x, y) },
  scatterAddRows: {
    tensors: (at) => [floats(at(0), [N, C]), rowIndex(at(1)), floats(at(2), [5, C])],
    call: ([src, index, dst]) => ops.scatterAddRows(src, index, dst),
  },
  checkTargets: { tensors: (at) => [floats(at(0), [N, C]), labels(at(1))], call: ([y, t]) => ops.checkTargets('checkTargets', y, t) },
  sumSquaresError: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C])], call: ([y, t]) => ops.sumSquaresError(y, t) },
  sumSquaresBackward: {
    tensors: (at) => [0, 1, 2].map((i) => floats(at(i), [N, C])),
    call: ([y, t, dx]) => ops.sumSquaresBackward(y, t, 0.5, dx),
  },
  binaryCrossEntropy: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C])], call: ([y, t]) => ops.binaryCrossEntropy(y, t) },
  addBias: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C]), floats(at(2), [N, C])],
    call: ([x, b, out]) => ops.addBias(x, b, out),
  },
  sigmoidBackwardSumRows: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C]), floats(at(2), [N, C]), floats(at(3), [C])],
    call: ([y, dy, dx, db]) => ops.sigmoidBackwardSumRows(y, dy, dx, db),
  },
  reluBackwardSumRows: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [N, C]), floats(at(2), [N, C]), floats(at(3), [C])],
    call: ([y, dy, dx, db]) => ops.reluBackwardSumRows(y, dy, dx, db),
  },
  addBiasSigmoid: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C]), floats(at(2), [N, C])],
    call: ([x, b, out]) => ops.addBiasSigmoid(x, b, out),
  },
  addBiasRelu: {
    tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C]), floats(at(2), [N, C])],
    call: ([x, b, out]) => ops.addBiasRelu(x, b, out),
  },
  sumRows: { tensors: (at) => [floats(at(0), [N, C]), floats(at(1), [C])], call: ([x, out]) => ops.sumRows(x, out) },
  repeatRows: { tensors: (at) => [floats(at(0), [C]), floats(at(1), [N, C])], call: ([x, out]) => ops.repeatRows(x, N, out) },
  argmaxRows: {
    tensors: (at) => [floats(at(0), [N, C]), at(1).tensor([9, 9, 9], [N], 'int32')],
    call: ([x, out]) => ops.argmaxRows(x, out),
  },
  'countCorrect (labels)': { tensors: (at) => [floats(at(0), [N, C]), labels(at(1))], call: ([y, t]) => ops.countCorrect(y, t) },
  'countCorrect (one-hot)': { tensors: (at) => [floats(at(0), [N, C]), oneHot(at(1))], call: ([y, t]) => ops.countCorrect(y, t) },
  sum: { tensors: (at) => [floats(at(0), [N, C])], call: ([x]) => ops.sum(x) },
  sumSquares: { tensors: (at) => [floats(at(0), [N, C])], call: ([x]) => ops.sumSquares(x) },
  sgdUpdate: blocks('sgd', 2, ([p, g]) => ops.sgdUpdate(p, g, 0.1)),
  momentumUpdate: blocks('momentum', 3, ([p, g, v]) => ops.momentumUpdate(p, g, v, 0.1, 0.9)),
  nesterovUpdate: blocks('nesterov', 3, ([p, g, v]) => ops.nesterovUpdate(p, g, v, 0.1, 0.9)),
  adagradUpdate: blocks('adagrad', 3, ([p, g, h]) => ops.adagradUpdate(p, g, h, 0.1, 1e-7)),
  rmspropUpdate: blocks('rmsprop', 3, ([p, g, h]) => ops.rmspropUpdate(p, g, h, 0.1, 0.99, 1e-7)),
  adamUpdate: blocks('adam', 4, ([p, g, m, v]) => ops.adamUpdate(p, g, m, v, 0.1, 0.9, 0.999, 1e-7)),
  'gatherRows (uint8)': {
    label: 'gatherRows',
    tensors: (at) => [bytes(at(0), [5, C]), rowIndex(at(1)), floats(at(2), [N, C])],
    call: ([src, index, dst]) => ops.gatherRows(src, index, dst),
  },
  'gatherRows (floats)': {
    label: 'gatherRows',
    tensors: (at) => [floats(at(0), [5, C]), rowIndex(at(1)), floats(at(2), [N, C])],
    call: ([src, index, dst]) => ops.gatherRows(src, index, dst),
  },
  gatherLabels: {
    tensors: (at) => [bytes(at(0), [5], 10), rowIndex(at(1)), at(2).tensor([9, 9, 9], [N], 'int32')],
    call: ([l, index, dst]) => ops.gatherLabels(l, index, dst),
  },
  gatherOneHot: {
    tensors: (at) => [bytes(at(0), [5], C), rowIndex(at(1)), floats(at(2), [N, C])],
    call: ([l, index, dst]) => ops.gatherOneHot(l, index, dst),
  },
  bytesToFloat: {
    tensors: (at) => [bytes(at(0), [N * C]), floats(at(1), [N * C])],
    call: ([src, dst]) => ops.bytesToFloat(src, dst),
  },
};

/** Exported functions that take no tensor memory to a kernel, and why. */
const NOT_SWEPT: Record<string, string> = {
  isLabels: "reads a tensor's dtype only",
  compressRows: 'takes SparseRows, not only tensors: its two-backend cases are in sparse.test.ts',
  compressSet: 'one tensor in, sparse byte rows made in its backend out: nothing to mix',
  gatherSparseRows: 'takes SparseByteRows and SparseRows, not only tensors: its two-backend cases are in sparse.test.ts',
  sparseMatmul: 'takes SparseRows, not only tensors: its two-backend cases are in sparse.test.ts',
  sparseTransposeMatmul: 'takes SparseRows, not only tensors: its two-backend cases are in sparse.test.ts',
  windowOutputSize: 'arithmetic on sizes only',
  checkAxis: 'checks numbers only',
  aroundAxis: 'arithmetic on a shape only',
  checkWindowParams: 'checks numbers only',
  checkWindowOver: "reads a tensor's shape only",
  convWindow: "reads a tensor's shape only",
  checkConv: 'the shape and backend check that conv2d runs (its case covers it)',
};

/** The export a case calls: its key up to the first space ("crossEntropy (labels)" -> crossEntropy). */
const exportOf = (name: string) => name.split(' ')[0];

test('every exported op has a two-backend case (or a reason it needs none)', () => {
  const covered = new Set([...Object.keys(OP_CASES).map(exportOf), ...Object.keys(NOT_SWEPT)]);
  const functions = Object.entries(ops).filter(([, v]) => typeof v === 'function').map(([k]) => k);
  expect(functions.filter((f) => !covered.has(f))).toEqual([]);
  expect([...covered].filter((f) => !functions.includes(f))).toEqual([]);
});

test('ops reach wasm only through callKernel (gemm through its checked plan)', () => {
  const dir = new URL('../src/ops/', import.meta.url);
  const direct = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'kernel-call.ts' && f !== 'gemm.ts')
    .filter((f) => /\.kernels?\b/.test(readFileSync(new URL(f, dir), 'utf8')));
  expect(direct).toEqual([]);
});

describe.each(['float32', 'float64'] as FloatDType[])('every op, %s', (dtype) => {
  test.each(Object.keys(OP_CASES))('%s: one tensor from another backend is refused, no memory changes', (name) => {
    const [home, away] = pair(dtype);
    const opCase = OP_CASES[name];
    const label = opCase.label ?? exportOf(name);
    const count = opCase.tensors(() => home).length;

    // All in one backend: the call is valid (so the errors below come from the backend alone).
    expect(() => opCase.call(opCase.tensors(() => home))).not.toThrow();

    if (count === 1) {
      // Nothing to mix: the op computes in its tensor's own backend, with the same result.
      seed = 100;
      const inHome = opCase.call(opCase.tensors(() => home));
      seed = 100;
      const inAway = opCase.call(opCase.tensors(() => away));
      expect(inAway).toBe(inHome);
      return;
    }

    for (let odd = 0; odd < count; odd++) {
      const tensors = opCase.tensors((i) => (i === odd ? away : home));
      // Neighbours on both sides, where a kernel writing at a wrong address would land.
      const bystanders = [home.rand([256], { seed: 9 }), away.rand([256], { seed: 9 })];
      const watched = [...tensors, ...bystanders];
      const before = snapshot(watched);
      const regions = [home.arena.liveRegions, away.arena.liveRegions];
      expect(() => opCase.call(tensors), `${name} with tensor ${odd} in the other backend`).toThrow(
        twoBackendsError(label, home, away),
      );
      expect(snapshot(watched)).toEqual(before);
      expect([home.arena.liveRegions, away.arena.liveRegions]).toEqual(regions);
      for (const t of watched) t.dispose();
    }
  });
});
