import { describe, test, expect, beforeAll } from 'vitest';
import {
  createBackend, TwoLayerNet, MultiLayerNet, Sequential, Affine, MatMul, Tanh, SigmoidWithLoss, MeanSquaredError, gradientCheck, SGD, ops,
} from '../src/index.js';
import type { Backend, Tensor, FloatDType } from '../src/index.js';

const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32' });
  backends.float64 = await createBackend({ dtype: 'float64' });
});

/**
 * float64 nets: gradientCheck (backprop against central differences, h = 1e-5) to 1e-6.
 * float32 nets: float32 backprop against central differences taken in float64 on the very same
 * (float32-rounded) weights and inputs, to 1e-3 relative (floor 1e-3). Differences taken in float32
 * itself are too coarse for ReLU nets: any h large enough to beat float32 rounding steps across kinks.
 */
const TOL32 = 1e-3;

function worst(results: { maxRelativeError: number }[]): number {
  return Math.max(...results.map((r) => r.maxRelativeError));
}

type NetMaker = (b: Backend) => Sequential;

function checkNet(make: NetMaker, data: (b: Backend) => [Tensor, Tensor], dtype: FloatDType): number {
  const b64 = backends.float64!;
  if (dtype === 'float64') {
    const [x, t] = data(b64);
    return worst(gradientCheck(make(b64), x, t));
  }
  const b32 = backends.float32!;
  const net32 = make(b32);
  const net64 = make(b64);
  net64.paramBlock.set(Float64Array.from(net32.paramBlock.data));
  const [x32, t32] = data(b32);
  const [x64, t64] = data(b64);
  x64.set(Float64Array.from(x32.data));
  if (t32.dtype !== 'int32') t64.set(Float64Array.from(t32.data));
  const backprop = net32.gradient(x32, t32).map((g) => Float64Array.from(g.data));
  const numerical = net64.numericalGradient(x64, t64, 1e-5);
  let w = 0;
  backprop.forEach((a, i) =>
    a.forEach((v, j) => (w = Math.max(w, Math.abs(v - numerical[i][j]) / Math.max(Math.abs(v), Math.abs(numerical[i][j]), 1e-3)))),
  );
  return w;
}

function labelled(n: number, d: number, classes: number, seed: number) {
  return (b: Backend): [Tensor, Tensor] => batch(b, n, d, classes, seed);
}

function batch(b: Backend, n: number, d: number, classes: number, seed: number): [Tensor, Tensor] {
  const x = b.randn([n, d], { seed });
  const t = b.tensor(Array.from({ length: n }, (_, i) => (i * 7 + seed) % classes), [n], 'int32');
  return [x, t];
}

describe.each(['float64', 'float32'] as FloatDType[])('gradient check of each net, %s', (dtype) => {
  const tol = dtype === 'float64' ? 1e-6 : TOL32;

  test.each(['sigmoid', 'relu'] as const)('TwoLayerNet with %s', (activation) => {
    const make = (b: Backend) => new TwoLayerNet(6, 5, 3, 0.5, { backend: b, seed: 1, activation });
    expect(make(backends.float64!).paramNames).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(checkNet(make, labelled(4, 6, 3, 2), dtype)).toBeLessThan(tol);
  });

  test.each(['relu', 'sigmoid', 'tanh', 'leaky-relu', 'elu'] as const)('MultiLayerNet with %s and weight decay', (activation) => {
    const make = (b: Backend) =>
      new MultiLayerNet({ inputSize: 5, hiddenSizes: [6, 4], outputSize: 3, activation, weightDecay: 0.1 }, { backend: b, seed: 3 });
    expect(checkNet(make, labelled(5, 5, 3, 4), dtype)).toBeLessThan(tol);
  });

  test('Sequential of MatMul, Tanh, Affine with one-hot targets', () => {
    const make = (b: Backend) =>
      new Sequential([new MatMul(b.randn([4, 5], { seed: 1 })), new Tanh(), new Affine(b.randn([5, 3], { seed: 2 }), b.randn([3], { seed: 3 }))]);
    const data = (b: Backend): [Tensor, Tensor] => [b.randn([3, 4], { seed: 4 }), b.tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0]])];
    expect(checkNet(make, data, dtype)).toBeLessThan(tol);
  });

  test('Sequential with SigmoidWithLoss, and with MeanSquaredError', () => {
    const binary = (b: Backend) => new Sequential([new Affine(b.randn([4, 1], { seed: 5 }), b.zeros([1]))], new SigmoidWithLoss());
    const bdata = (b: Backend): [Tensor, Tensor] => [b.randn([3, 4], { seed: 4 }), b.tensor([1, 0, 1], [3, 1])];
    expect(checkNet(binary, bdata, dtype)).toBeLessThan(tol);
    const regression = (b: Backend) =>
      new Sequential([new Affine(b.randn([4, 2], { seed: 6 }), b.zeros([2])), new Tanh()], new MeanSquaredError());
    const rdata = (b: Backend): [Tensor, Tensor] => [b.randn([3, 4], { seed: 4 }), b.randn([3, 2], { seed: 7 })];
    expect(checkNet(regression, rdata, dtype)).toBeLessThan(tol);
  });
});

describe('nets', () => {
  test('params and grads are views of one block each, weights first', () => {
    const b = backends.float32!;
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [3], outputSize: 2 }, { backend: b, seed: 1 });
    expect(net.paramNames).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(net.paramCount).toBe(4 * 3 + 3 + 3 * 2 + 2);
    const [W1, b1, W2, b2] = net.params;
    for (const p of net.params) expect(p.base).toBe(net.paramBlock);
    for (const g of net.grads) expect(g.base).toBe(net.gradBlock);
    expect(W1.ptr).toBe(net.paramBlock.ptr);
    expect(W2.ptr).toBe(W1.ptr + 12 * 4);
    expect(b1.ptr).toBe(W2.ptr + 6 * 4);
    expect(b2.ptr).toBe(b1.ptr + 3 * 4);
    net.grads.forEach((g, i) => expect(g.ptr - net.gradBlock.ptr).toBe(net.params[i].ptr - net.paramBlock.ptr));
    // Writing through a layer's view writes the block.
    (net.layers[0].params[0].data as Float32Array)[0] = 42;
    expect(net.paramBlock.data[0]).toBe(42);
  });

  test('the same seed gives the same weights; He and Xavier scale by fan-in', () => {
    const b = backends.float64!;
    const a = new MultiLayerNet({ inputSize: 400, hiddenSizes: [300], outputSize: 10 }, { backend: b, seed: 5 });
    const c = new MultiLayerNet({ inputSize: 400, hiddenSizes: [300], outputSize: 10 }, { backend: b, seed: 5 });
    expect(Array.from(a.paramBlock.data)).toEqual(Array.from(c.paramBlock.data));
    const std = (t: Tensor) => Math.sqrt(Array.from(t.data).reduce((s, v) => s + v * v, 0) / t.size);
    expect(std(a.params[0])).toBeCloseTo(Math.sqrt(2 / 400), 3);
    const x = new MultiLayerNet({ inputSize: 400, hiddenSizes: [300], outputSize: 10, activation: 'sigmoid' }, { backend: b, seed: 5 });
    expect(std(x.params[0])).toBeCloseTo(Math.sqrt(1 / 400), 3);
    const two = new TwoLayerNet(400, 300, 10, 0.01, { backend: b, seed: 5 });
    expect(std(two.params[0])).toBeCloseTo(0.01, 3);
    expect(Array.from(two.params[1].data).every((v) => v === 0)).toBe(true);
    for (const n of [a, c, x, two]) n.dispose();
  });

  test('the first layer skips its input gradient: a two-affine net runs 3 GEMMs in backward, not 4', () => {
    const b = backends.float32!;
    const net = new TwoLayerNet(8, 6, 3, 0.1, { backend: b, seed: 1 });
    const [x, t] = batch(b, 5, 8, 3, 1);
    net.loss(x, t);
    const calls = countKernelCalls(b, () => net.backward());
    expect(calls.get('gemm_f32')).toBe(3);
  });

  test('one optimizer kernel call updates the whole net, whatever its depth', () => {
    const b = backends.float32!;
    const net = new MultiLayerNet({ inputSize: 8, hiddenSizes: [7, 6, 5, 4], outputSize: 3 }, { backend: b, seed: 1 });
    const [x, t] = batch(b, 5, 8, 3, 1);
    net.gradient(x, t);
    const sgd = new SGD(0.1);
    expect(countKernelCalls(b, () => sgd.update(net.params, net.grads)).get('sgd_f32')).toBe(1);
    expect(countKernelCalls(b, () => sgd.update(net)).get('sgd_f32')).toBe(1);
  });

  test('accuracy, predict in eval mode, and errors for bad batches', () => {
    const b = backends.float32!;
    const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [5], outputSize: 3, dropout: 0.5 }, { backend: b, seed: 1 });
    const [x, t] = batch(b, 10, 4, 3, 2);
    const p1 = net.predict(x);
    const p2 = net.predict(x);
    expect(Array.from(p1.data)).toEqual(Array.from(p2.data)); // dropout off in predict
    const scores = p1.toArray() as number[][];
    const expected = scores.filter((row, i) => row.indexOf(Math.max(...row)) === t.data[i]).length / 10;
    expect(net.accuracy(x, t)).toBe(expected);
    expect(net.accuracy(x, t, 3)).toBe(expected);
    for (const bad of [2.5, -1, 0]) expect(() => net.accuracy(x, t, bad)).toThrow(`accuracy: batchSize must be a positive integer, got ${bad}`);
    expect(() => net.loss(b.zeros([10, 5]), t)).toThrow('Affine(4 -> 5): input (10, 5) float32 does not fit weight W (4, 5) float32');
    expect(() => net.loss(x, b.tensor([0, 1], [2], 'int32'))).toThrow('SoftmaxWithLoss: 10 rows of scores (10, 3) need 10 labels, got labels (2,)');
    expect(() => net.loss(x, b.tensor(Array(10).fill(3), [10], 'int32'))).toThrow(/label 3 at row 0 is out of range for 3 classes/);
    const fresh = new TwoLayerNet(4, 5, 3, 0.1, { backend: b });
    expect(() => fresh.backward()).toThrow(/backward called before forward/);
  });

  test('dispose returns every region the net made', async () => {
    const b = await createBackend();
    // The backend's GEMM workspace is made on first use and kept: make it before counting.
    const warm = b.ones([2, 2]);
    ops.matmul(warm, warm).dispose();
    warm.dispose();
    const before = b.arena.liveRegions;
    const net = new MultiLayerNet({ inputSize: 20, hiddenSizes: [10, 10], outputSize: 4, dropout: 0.2 }, { backend: b, seed: 1 });
    const [x, t] = batch(b, 8, 20, 4, 1);
    net.gradient(x, t);
    net.accuracy(x, t);
    net.dispose();
    x.dispose();
    t.dispose();
    expect(b.arena.liveRegions).toBe(before);
  });
});

/** Count wasm kernel calls made while `fn` runs. */
function countKernelCalls(b: Backend, fn: () => void): Map<string, number> {
  const counts = new Map<string, number>();
  const real = b.kernels;
  const counting = Object.fromEntries(
    Object.entries(real).map(([name, f]) => [
      name,
      typeof f !== 'function'
        ? f
        : (...args: number[]) => {
            counts.set(name, (counts.get(name) ?? 0) + 1);
            return f(...args);
          },
    ]),
  );
  Object.defineProperty(b, 'kernels', { value: counting, configurable: true });
  try {
    fn();
  } finally {
    Object.defineProperty(b, 'kernels', { value: real, configurable: true });
  }
  return counts;
}

describe('an Affine and the sigmoid or relu after it share their passes over the hidden layer', () => {
  const cases = (['float32', 'float64'] as const).flatMap((dtype) => (['sigmoid', 'relu'] as const).map((activation) => [dtype, activation] as const));
  const kernelName = (activation: string) => (activation === 'sigmoid' ? 'Sigmoid' : 'Relu');

  test.each(cases)('forward gives the bits of the layers one by one, and skips addBias (%s, %s)', (dtype, activation) => {
    const b = backends[dtype]!;
    const net = new MultiLayerNet({ inputSize: 37, hiddenSizes: [21, 13], outputSize: 5, activation }, { backend: b, seed: 3 });
    net.params.forEach((p, i) => {
      if (i >= 3) p.set(Array.from({ length: p.size }, (_, k) => ((k * 7 + i) % 11) / 10 - 0.5)); // non-zero biases
    });
    const x = b.tensor(Array.from({ length: 9 * 37 }, (_, k) => ((k * 13) % 17) / 8 - 1), [9, 37], dtype);
    let oneByOne: Tensor = x;
    const kept: Float64Array[] = [];
    for (const layer of net.layers) {
      oneByOne = layer.forward(oneByOne);
      kept.push(Float64Array.from(oneByOne.data));
    }
    let scores: Tensor | null = null;
    const calls = countKernelCalls(b, () => (scores = net.forward(x)));
    expect(Float64Array.from(scores!.data)).toEqual(kept[kept.length - 1]);
    // Only the last Affine (no activation after it) adds its bias alone.
    const suffix = dtype === 'float32' ? 'f32' : 'f64';
    expect(calls.get(`addBias${kernelName(activation)}_${suffix}`)).toBe(2);
    expect(calls.get(`addBias_${suffix}`)).toBe(1);
    net.dispose();
    x.dispose();
  });

  test.each(cases)('backward gives the grads of the layers one by one, db summed in the activation backward (%s, %s)', (dtype, activation) => {
    const b = backends[dtype]!;
    const net = new MultiLayerNet({ inputSize: 37, hiddenSizes: [21, 13], outputSize: 5, activation }, { backend: b, seed: 4 });
    const x = b.tensor(Array.from({ length: 9 * 37 }, (_, k) => ((k * 13) % 17) / 8 - 1), [9, 37], dtype);
    const t = b.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3], [9], 'int32');
    net.loss(x, t);
    // One by one, as the book's backward loop runs them.
    let d = net.lossLayer.backward(1);
    for (let i = net.layers.length - 1; i >= 0; i--) d = net.layers[i].backward(d);
    const oneByOne = Float64Array.from(net.gradBlock.data);
    net.gradBlock.fill(NaN);
    const calls = countKernelCalls(b, () => net.backward());
    expect(Float64Array.from(net.gradBlock.data)).toEqual(oneByOne);
    const suffix = dtype === 'float32' ? 'f32' : 'f64';
    expect(calls.get(`${activation}BackwardSumRows_${suffix}`)).toBe(2);
    expect(calls.get(`sumRows_${suffix}`)).toBe(1);
    expect(calls.get(`${activation}Backward_${suffix}`)).toBeUndefined();
    net.dispose();
    x.dispose();
    t.dispose();
  });
});
