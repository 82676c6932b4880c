import { describe, test, expect, beforeAll } from 'vitest';
import {
  createBackend, Affine, MatMul, Sigmoid, ReLU, Tanh, LeakyReLU, ELU, Identity, Softmax, Dropout, Repeat, Sum, Add, Mul,
  SoftmaxWithLoss, SigmoidWithLoss, MeanSquaredError, Rng, ops,
} from '../src/index.js';
import type { Backend, Tensor, Layer, LossLayer, FloatDType } from '../src/index.js';
import { centralDifference } from './central-difference.js';

/**
 * Gradient checks for every layer: backprop against central differences computed here.
 * A layer's scalar objective is L = sum(forward(x) * R) for a fixed random R, so dL/dout = R.
 * float64: max relative error < 1e-6. float32: < 2e-2 (the float32 forward pass itself is only good
 * to ~1e-7 relative, and the difference quotient divides that noise by h = 1e-2).
 */
const TOL: Record<FloatDType, number> = { float64: 1e-6, float32: 2e-2 };
const H: Record<FloatDType, number> = { float64: 1e-5, float32: 1e-2 };
const FLOOR: Record<FloatDType, number> = { float64: 1e-6, float32: 1e-2 };

const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32' });
  backends.float64 = await createBackend({ dtype: 'float64' });
});

function relError(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor));
  return worst;
}


function dot(a: Tensor, b: Float64Array): number {
  const d = a.data;
  let s = 0;
  for (let i = 0; i < b.length; i++) s += d[i] * b[i];
  return s;
}

function randn(b: Backend, shape: number[], seed: number, dtype: FloatDType, scale = 1): Tensor {
  return b.randn(shape, { seed, dtype, std: scale });
}

/** Check dx and every param grad of `layer` at input x. */
function checkLayer(layer: Layer, x: Tensor, dtype: FloatDType, inputGrad = true): number {
  const out = layer.forward(x);
  const R = Float64Array.from({ length: out.size }, (_, i) => Math.sin(i * 1.7 + 0.3));
  const dout = x.backend.tensor(R, out.shape, dtype);
  const dx = Float64Array.from(layer.backward(dout).data);
  const grads = layer.grads.map((g) => Float64Array.from(g.data));
  const objective = () => dot(layer.forward(x), R);
  let worst = 0;
  if (inputGrad) worst = Math.max(worst, relError(dx, centralDifference(x, objective, H[dtype]), FLOOR[dtype]));
  layer.params.forEach((p, i) => (worst = Math.max(worst, relError(grads[i], centralDifference(p, objective, H[dtype]), FLOOR[dtype]))));
  return worst;
}

const dtypes: FloatDType[] = ['float64', 'float32'];

describe.each(dtypes)('gradient check of each layer, %s', (dtype) => {
  const b = () => backends[dtype]!;
  const cases: [string, () => Layer, number[], number?][] = [
    ['Affine', () => new Affine(randn(b(), [5, 4], 1, dtype), randn(b(), [4], 2, dtype)), [3, 5]],
    ['Affine on (N, 2, 3) input', () => new Affine(randn(b(), [6, 4], 1, dtype), randn(b(), [4], 2, dtype)), [2, 2, 3]],
    ['MatMul', () => new MatMul(randn(b(), [7, 3], 3, dtype)), [4, 7]],
    ['Sigmoid', () => new Sigmoid(), [3, 6]],
    ['ReLU', () => new ReLU(), [3, 6]],
    ['Tanh', () => new Tanh(), [3, 6]],
    ['LeakyReLU', () => new LeakyReLU(0.1), [3, 6]],
    ['ELU', () => new ELU(0.7), [3, 6]],
    ['Identity', () => new Identity(), [3, 6]],
    ['Softmax', () => new Softmax(), [3, 5]],
    ['Repeat', () => new Repeat(4), [1, 5]],
    ['Sum', () => new Sum(), [4, 5]],
  ];
  test.each(cases)('%s', (_name, make, shape) => {
    const layer = make();
    // Keep x away from ReLU's kink at 0, where the derivative does not exist.
    const x = randn(b(), shape, 11, dtype);
    const d = x.data;
    for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.05) d[i] = 0.3;
    expect(checkLayer(layer, x, dtype)).toBeLessThan(TOL[dtype]);
  });

  test('Add and Mul nodes give both input gradients', () => {
    const x = randn(b(), [3, 4], 1, dtype);
    const y = randn(b(), [3, 4], 2, dtype);
    const R = Float64Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const dout = b().tensor(R, [3, 4], dtype);
    for (const node of [new Add(), new Mul()]) {
      node.forward(x, y);
      const [dx, dy] = node.backwardBoth(dout).map((t) => Float64Array.from(t.data));
      const objective = () => dot(node.forward(x, y), R);
      expect(relError(dx, centralDifference(x, objective, H[dtype]), FLOOR[dtype])).toBeLessThan(TOL[dtype]);
      expect(relError(dy, centralDifference(y, objective, H[dtype]), FLOOR[dtype])).toBeLessThan(TOL[dtype]);
    }
  });

  const lossCases: [string, () => LossLayer, () => [Tensor, Tensor]][] = [
    ['SoftmaxWithLoss, integer labels', () => new SoftmaxWithLoss(), () => [randn(b(), [4, 4], 1, dtype, 0.3), b().tensor([0, 3, 2, 1], [4], 'int32')]],
    ['SoftmaxWithLoss, one-hot', () => new SoftmaxWithLoss(), () => {
      const t = b().zeros([4, 4], dtype);
      [2, 0, 3, 3].forEach((c, r) => (t.data[r * 4 + c] = 1));
      return [randn(b(), [4, 4], 2, dtype, 0.3), t];
    }],
    ['SigmoidWithLoss', () => new SigmoidWithLoss(), () => [randn(b(), [6, 1], 3, dtype), b().tensor([0, 1, 1, 0, 1, 0], [6, 1], dtype)]],
    ['MeanSquaredError', () => new MeanSquaredError(), () => [randn(b(), [3, 4], 4, dtype), randn(b(), [3, 4], 5, dtype)]],
  ];
  test.each(lossCases)('%s', (_name, make, data) => {
    const loss = make();
    const [x, t] = data();
    loss.forward(x, t);
    const dx = Float64Array.from(loss.backward(1).data);
    const num = centralDifference(x, () => loss.forward(x, t), H[dtype]);
    expect(relError(dx, num, FLOOR[dtype])).toBeLessThan(TOL[dtype]);
  });
});

describe('layer behaviour', () => {
  test('loss values match the book\'s formulas', () => {
    const b = backends.float64!;
    const x = b.tensor([[0.3, 2.9, 4.0], [1, 1, 1]]);
    const loss = new SoftmaxWithLoss().forward(x, b.tensor([2, 0], [2], 'int32'));
    // softmax([0.3, 2.9, 4.0])[2] = 0.73659691 (the book), softmax of equal scores = 1/3
    expect(loss).toBeCloseTo((-Math.log(0.73659691) - Math.log(1 / 3)) / 2, 7);
    const mse = new MeanSquaredError().forward(b.tensor([[1, 2], [3, 4]]), b.tensor([[1, 0], [0, 4]]));
    expect(mse).toBeCloseTo((0 + 4 + 9 + 0) / 4, 12);
    const bce = new SigmoidWithLoss().forward(b.tensor([0, 2], [2]), b.tensor([1, 0], [2]));
    const s2 = 1 / (1 + Math.exp(-2));
    expect(bce).toBeCloseTo((-Math.log(0.5) - Math.log(1 - s2)) / 2, 12);
  });

  test('SoftmaxWithLoss at scores of +-1e4 reports logsumexp(x) - x[target] exactly (f32, f64, labels, one-hot)', () => {
    const [m, n] = [5, 4];
    const H = 1e4;
    const scores = [
      H, -H, -H, H,
      -H, -H, -H, H,
      H, H, H, H,
      -H, H, -H, -H,
      -H, -H, H, -H,
    ];
    const labels = [1, 0, 2, 1, 3];
    let want = 0;
    for (let i = 0; i < m; i++) {
      const row = scores.slice(i * n, (i + 1) * n);
      const top = Math.max(...row);
      want += top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0)) - row[labels[i]];
    }
    want /= m;
    // Three rows have their label on -1e4 next to a +1e4: y[label] underflows to 0, where -log(y) is capped.
    expect(want).toBeCloseTo((3 * 2e4 + Math.log(2) + Math.log(4)) / 5, 9);
    for (const dtype of ['float32', 'float64'] as const) {
      const b = backends[dtype]!;
      const x = b.tensor(scores, [m, n], dtype);
      const oneHot = b.zeros([m, n], dtype);
      labels.forEach((c, r) => (oneHot.data[r * n + c] = 1));
      for (const t of [b.tensor(labels, [m], 'int32'), oneHot]) {
        const layer = new SoftmaxWithLoss();
        const got = layer.forward(x, t);
        expect(Math.abs(got - want), `${dtype} ${t.dtype}: ${got} vs ${want}`).toBeLessThan(1e-12 * want);
        // The gradient of that loss: (softmax(x) - t) / m, with softmax(x) computed here in float64.
        const dx = layer.backward(1).data;
        for (let k = 0; k < m * n; k++) {
          const i = Math.floor(k / n);
          const row = scores.slice(i * n, (i + 1) * n);
          const top = Math.max(...row);
          const y = Math.exp(scores[k] - top) / row.reduce((s, v) => s + Math.exp(v - top), 0);
          expect(Math.abs(dx[k] - (y - (labels[i] === k % n ? 1 : 0)) / m)).toBeLessThan(1e-7);
        }
      }
    }
  });

  test('softmaxCrossEntropy rejects a row-loss array of the wrong size or dtype and an output of the wrong shape', () => {
    const b = backends.float64!;
    const x = b.tensor([[1, 2, 3], [4, 5, 6]]);
    const t = b.tensor([0, 2], [2], 'int32');
    const y = b.empty([2, 3]);
    // Both rows shift to [-2, -1, 0]; row 0 loses 2 + L on its label, row 1 loses L.
    const L = Math.log(Math.exp(-2) + Math.exp(-1) + 1);
    expect(ops.softmaxCrossEntropy(x, t, y)).toBeCloseTo((2 + L + L) / 2, 12);
    expect(() => ops.softmaxCrossEntropy(x, t, y, b.empty([3], 'float64'))).toThrow(/softmaxCrossEntropy: rowLoss must hold the 2 rows of scores \(2, 3\)/);
    expect(() => ops.softmaxCrossEntropy(x, t, y, b.empty([2], 'float32'))).toThrow(/softmaxCrossEntropy: rowLoss must be float64/);
    expect(() => ops.softmaxCrossEntropy(x, t, b.empty([3, 2]))).toThrow(/softmaxCrossEntropy: output must be \(2, 3\)/);
  });

  test('backward overwrites grads rather than adding to them', () => {
    const b = backends.float64!;
    const layer = new Affine(randn(b, [3, 2], 1, 'float64'), b.zeros([2]));
    const x = randn(b, [4, 3], 2, 'float64');
    const dout = randn(b, [4, 2], 3, 'float64');
    layer.forward(x);
    layer.backward(dout);
    const first = layer.grads.map((g) => Array.from(g.data));
    layer.forward(x);
    layer.backward(dout);
    expect(layer.grads.map((g) => Array.from(g.data))).toEqual(first);
  });

  test('backward never writes the incoming dout', () => {
    const b = backends.float32!;
    for (const layer of [new ReLU(), new Sigmoid(), new Affine(randn(b, [4, 4], 1, 'float32'), b.zeros([4])), new Dropout(0.5)]) {
      const x = randn(b, [3, 4], 5, 'float32');
      layer.forward(x);
      const dout = randn(b, [3, 4], 6, 'float32');
      const before = Array.from(dout.data);
      layer.backward(dout);
      expect(Array.from(dout.data)).toEqual(before);
    }
  });

  test('Dropout keeps about 1 - ratio, scales kept values, passes the same mask back, and is the identity in eval mode', () => {
    const b = backends.float64!;
    const layer = new Dropout(0.3, { seed: 9 });
    const x = b.ones([100, 100]);
    const y = layer.forward(x).data;
    let kept = 0;
    for (const v of y) {
      if (v !== 0) {
        kept++;
        expect(v).toBeCloseTo(1 / 0.7, 12);
      }
    }
    expect(kept / 10000).toBeGreaterThan(0.68);
    expect(kept / 10000).toBeLessThan(0.72);
    const dx = layer.backward(b.ones([100, 100])).data;
    for (let i = 0; i < y.length; i++) expect(dx[i]).toBe(y[i]);
    layer.training = false;
    expect(layer.forward(x)).toBe(x);
  });

  test('bad input names the layer and the shapes', () => {
    const b = backends.float32!;
    const affine = new Affine(b.zeros([784, 50]), b.zeros([50]));
    expect(() => affine.forward(b.zeros([100, 785]))).toThrow('Affine(784 -> 50): input (100, 785) float32 does not fit weight W (784, 50) float32');
    expect(() => new Affine(b.zeros([3, 2]), b.zeros([2])).backward(b.zeros([1, 2]))).toThrow('Affine(3 -> 2): backward((1, 2)) called before forward');
    expect(() => new ReLU().backward(b.zeros([2]))).toThrow(/ReLU: backward\(\(2,\)\) called before forward/);
    const relu = new ReLU();
    relu.forward(b.zeros([2, 3]));
    expect(() => relu.backward(b.zeros([3, 2]))).toThrow('ReLU: backward got dout (3, 2), but forward returned (2, 3)');
    const loss = new SoftmaxWithLoss();
    expect(() => loss.forward(b.zeros([4, 10]), b.tensor([1, 2, 3], [3], 'int32'))).toThrow(
      'SoftmaxWithLoss: 4 rows of scores (4, 10) need 4 labels, got labels (3,)',
    );
    expect(() => loss.forward(b.zeros([2, 10]), b.tensor([1, 10], [2], 'int32'))).toThrow(/label 10 at row 1 is out of range for 10 classes/);
    expect(() => new SoftmaxWithLoss().backward()).toThrow('SoftmaxWithLoss: backward called before forward');
    expect(() => new Dropout(1)).toThrow(/ratio must be in \[0, 1\)/);
  });

  test('a new Rng seed gives new dropout masks, the same seed the same ones', () => {
    const b = backends.float32!;
    const x = b.ones([10, 10]);
    const m1 = Array.from(new Dropout(0.5, { seed: 1 }).forward(x).data);
    const m2 = Array.from(new Dropout(0.5, { seed: 1 }).forward(x).data);
    const m3 = Array.from(new Dropout(0.5, { seed: 2 }).forward(x).data);
    expect(m1).toEqual(m2);
    expect(m1).not.toEqual(m3);
    expect(new Rng(1).nextUint32()).toBe(new Rng(1).nextUint32());
  });

  test('layers and loss layers keep their buffers while shape, dtype and backend hold, and free them on dispose', async () => {
    const b = backends.float32!;
    const other = await createBackend({ dtype: 'float32', threads: 1 });
    const base = b.arena.liveRegions;
    const relu = new ReLU();
    const loss = new SoftmaxWithLoss();
    const x = b.randn([4, 3], { seed: 1 });
    const t = b.tensor([0, 1, 2, 0], [4], 'int32');
    const y1 = relu.forward(x);
    loss.forward(x, t);
    const p1 = loss.y!;
    const dx1 = loss.backward();
    expect(relu.forward(x)).toBe(y1);
    loss.forward(x, t);
    expect(loss.y).toBe(p1);
    expect(loss.backward()).toBe(dx1);
    // Another batch size: new buffers, the old ones returned.
    const x5 = b.randn([5, 3], { seed: 2 });
    const regions = b.arena.liveRegions;
    expect(relu.forward(x5)).not.toBe(y1);
    expect(y1.disposed).toBe(true);
    expect(b.arena.liveRegions).toBe(regions);
    // Another backend: the buffer is made there.
    const y2 = relu.forward(other.randn([5, 3]));
    expect(y2.backend).toBe(other);
    expect(Array.from(y2.data).every((v) => v >= 0)).toBe(true);
    relu.dispose();
    loss.dispose();
    for (const tensor of [x, t, x5]) tensor.dispose();
    expect(b.arena.liveRegions).toBe(base);
    other.dispose();
  });
});
