import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, autograd, Affine, ReLU, Sequential, SoftmaxWithLoss, SGD, Adam, TensorSource, batches } from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';

const { nn, noGrad, tidy, variable, param } = autograd;

let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64', seed: 3 });
});

function values(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>);
}

describe('the tape', () => {
  test('records only when an input requires a gradient and gradients are on', () => {
    const x = backend.tensor([1, 2, 3]);
    const w = param(backend.tensor([4, 5, 6]));
    const plain = autograd.mul(x, x);
    expect(plain.requiresGrad).toBe(false);
    expect(plain.node).toBeNull();
    const recorded = autograd.mul(w, x);
    expect(recorded.requiresGrad).toBe(true);
    expect(recorded.node?.op).toBe('mul');
    expect(autograd.isGradEnabled()).toBe(true);
    const inside = noGrad(() => {
      expect(autograd.isGradEnabled()).toBe(false);
      return autograd.mul(w, x);
    });
    expect(inside.node).toBeNull();
    expect(autograd.isGradEnabled()).toBe(true);
    for (const v of [plain, recorded, inside]) v.dispose();
    x.dispose();
    w.dispose();
  });

  test('backward sums d loss / d leaf into grad; a second pass adds to it until zeroed', () => {
    const w = param(backend.tensor([1, -2, 3]));
    const x = backend.tensor([2, 5, -1]);
    for (let pass = 1; pass <= 2; pass++) {
      const loss = autograd.sum(autograd.mul(autograd.mul(w, w), x)); // sum(w² x): d/dw = 2 w x
      loss.backward();
      expect(loss.item()).toBe(1 * 2 + 4 * 5 + 9 * -1);
      expect(values(w.grad!)).toEqual([4, -20, -6].map((g) => g * pass));
    }
    w.grad!.fill(0);
    x.dispose();
    w.dispose();
  });

  test('detach stops the gradient; the detached value shares memory', () => {
    const w = param(backend.tensor([3, 4]));
    const d = w.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.value.ptr).toBe(w.value.ptr);
    const loss = autograd.sum(autograd.mul(w, d)); // d/dw = d = w, not 2w
    loss.backward();
    expect(values(w.grad!)).toEqual([3, 4]);
    d.dispose(); // a view: w keeps its memory
    expect(values(w.value)).toEqual([3, 4]);
    w.grad!.dispose();
    w.dispose();
  });

  test('backward frees the graph: values, saved tensors, intermediate gradients', () => {
    const w = param(backend.randn([5, 4], { seed: 1 }));
    const x = backend.randn([3, 5], { seed: 2 });
    const labels = backend.tensor([0, 3, 1], [3], 'int32');
    noGrad(() => tidy(() => autograd.matmul(x, w))); // GEMM's packing workspaces are made on first use, once
    const before = backend.memoryUsage();
    const h = autograd.tanh(autograd.matmul(x, w));
    const kept = autograd.relu(h).keep();
    const loss = autograd.softmaxCrossEntropy(kept, labels);
    loss.backward();
    const lossValue = loss.item();
    expect(Number.isFinite(lossValue)).toBe(true);
    expect(() => h.value).toThrow(/its value was freed .*keep\(\)/);
    expect(kept.value.shape).toEqual([3, 4]);
    kept.dispose();
    expect(() => loss.backward()).toThrow(/leaf or its graph was already freed/);
    // All that is left over: w's new grad (one region).
    const after = backend.memoryUsage();
    expect(after.tensors - before.tensors).toBe(1);
    expect(after.bytes - before.bytes).toBe(Math.ceil((20 * 8) / 64) * 64);
    w.grad!.dispose();
    for (const t of [x, labels]) t.dispose();
    w.dispose();
  });

  test('tidy frees what ops made inside except what it returns (and what that needs)', () => {
    const w = param(backend.randn([4, 4], { seed: 5 }));
    const before = backend.memoryUsage();
    const y = tidy(() => {
      const a = autograd.tanh(w);
      const b = autograd.mul(a, a);
      autograd.sigmoid(b); // dropped
      return autograd.sum(b);
    });
    expect(backend.memoryUsage().tensors).toBe(before.tensors + 3); // a, b (kept for backward), y
    y.backward();
    expect(backend.memoryUsage().tensors).toBe(before.tensors + 1); // w.grad
    // A returned view keeps the tensor it views; the enclosing scope frees both.
    tidy(() => {
      tidy(() => noGrad(() => autograd.reshape(autograd.relu(w), [16])));
      expect(backend.memoryUsage().tensors).toBe(before.tensors + 2);
    });
    expect(backend.memoryUsage().tensors).toBe(before.tensors + 1);
    expect(() => tidy(() => autograd.add(autograd.relu(w), backend.zeros([3])))).toThrow(/add: shapes \(4, 4\) and \(3,\)/);
    expect(backend.memoryUsage().tensors).toBe(before.tensors + 2); // relu's output freed; the zeros are not an op's
    w.grad!.dispose();
    w.dispose();
  });

  test('errors name the op and the shapes, before any kernel runs', () => {
    const a = param(backend.zeros([2, 3]));
    const b = backend.zeros([4]);
    expect(() => autograd.add(a, b)).toThrow(/add: shapes \(2, 3\) and \(4,\) do not broadcast \(dimension 1: 3 vs 4\)/);
    expect(() => autograd.mul(a, backend.zeros([3, 2]))).toThrow(/mul: shapes \(2, 3\) and \(3, 2\) do not broadcast/);
    expect(() => autograd.matmul(a, a)).toThrow(/matmul: inner dimensions differ: \(2, 3\) x \(2, 3\)/);
    expect(() => autograd.linear(a, backend.zeros([2, 5]))).toThrow(/linear: x \(2, 3\), W \(2, 5\) do not fit/);
    expect(() => autograd.linear(a, backend.zeros([3, 5], 'float32'))).toThrow(/linear: dtypes differ: \(2, 3\) float64, \(3, 5\) float32/);
    expect(() => autograd.slice(a, 1, 2, 5)).toThrow(/slice: \[2, 5\) is not a non-empty range inside the 3 entries of axis 1 of \(2, 3\)/);
    expect(() => autograd.sum(a, 2)).toThrow(/sum: axis 2 is out of range for \(2, 3\)/);
    expect(() => autograd.gather(a, backend.tensor([0, 2], [2], 'int32'))).toThrow(/gatherRows: index 2 at position 1 is out of range for 2 source rows/);
    expect(() => autograd.softmaxCrossEntropy(a, backend.tensor([0, 3], [2], 'int32'))).toThrow(/label 3 at row 1 is out of range for 3 classes/);
    expect(() => autograd.sum(autograd.mul(a, a)).backward(backend.zeros([2]))).toThrow(/backward: gradient \(2,\) float64 does not match Variable \(1,\)/);
    expect(() => autograd.mul(a, a).backward()).toThrow(/backward: Variable \(2, 3\) is not a scalar/);
    expect(() => autograd.sum(b).backward()).toThrow(/does not require a gradient/);
    expect(() => autograd.scale(a, NaN)).toThrow(/scale: alpha must be a finite number/);
    expect(() => param(backend.zeros([2], 'int32'))).toThrow(/variable: only float tensors can require a gradient, got int32/);
  });
});

describe('grad and valueAndGrad', () => {
  test('give d f / d arg for each argument, and nothing else', () => {
    const x = backend.tensor([1, 2, -3]);
    const y = backend.tensor([4, 0.5, 2]);
    const w = param(backend.tensor([1, 1, 1]));
    // f = sum(x² y + w x): df/dx = 2 x y + w, df/dy = x²
    const f = (a: autograd.Variable, b: autograd.Variable) => autograd.sum(autograd.add(autograd.mul(autograd.mul(a, a), b), autograd.mul(w, a)));
    const before = backend.memoryUsage().tensors;
    const { value, grads } = autograd.valueAndGrad(f)(x, y);
    expect(value).toBe(4 + 2 + 18 + (1 + 2 - 3));
    expect(values(grads[0])).toEqual([9, 3, -11]);
    expect(values(grads[1])).toEqual([1, 4, 9]);
    expect(w.grad).toBeNull();
    expect(backend.memoryUsage().tensors).toBe(before + 2);
    const [gx] = autograd.grad((a) => autograd.mean(autograd.mul(a, a)))(x);
    expect(values(gx)).toEqual([2 / 3, 4 / 3, -6 / 3]);
    for (const t of [x, y, gx, ...grads]) t.dispose();
    w.dispose();
  });
});

describe('modules', () => {
  test('gradients of an nn.Sequential match the book net with the same weights', () => {
    const model = new nn.Sequential(new nn.Linear(6, 5, { seed: 1 }), new nn.ReLU(), new nn.Linear(5, 3, { seed: 2 }));
    const [l1, , l2] = model.layers as [autograd.nn.Linear, autograd.nn.ReLU, autograd.nn.Linear];
    const book = new Sequential(
      [new Affine(l1.W.value.clone(), l1.b!.value.clone()), new ReLU(), new Affine(l2.W.value.clone(), l2.b!.value.clone())],
      new SoftmaxWithLoss(),
    );
    const x = backend.randn([4, 6], { seed: 9 });
    const t = backend.tensor([2, 0, 1, 2], [4], 'int32');
    const params = model.parameters();
    const loss = autograd.softmaxCrossEntropy(model.forward(x), t);
    const value = loss.item();
    loss.backward();
    expect(value).toBe(book.loss(x, t));
    const bookGrads = book.gradient(x, t);
    // The book's block is [W1, W2, b1, b2]; so is the packed one (weights first).
    expect(values(params.gradBlock)).toEqual(values(book.gradBlock));
    expect(bookGrads.length).toBe(4);
    model.zeroGrad();
    expect(values(params.gradBlock).every((g) => g === 0)).toBe(true);
    model.dispose();
    book.dispose();
    x.dispose();
    t.dispose();
  });

  test('parameters() packs every param into one block; an optimizer step is one update of it', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 4 }), new nn.Tanh(), new nn.Linear(4, 2, { seed: 5 }));
    const W1 = (model.layers[0] as autograd.nn.Linear).W;
    const before = W1.value.clone();
    const params = model.parameters();
    expect(params.paramBlock.size).toBe(3 * 4 + 4 * 2 + 4 + 2);
    expect(values(W1.value)).toEqual(values(before));
    expect(W1.value.base).toBe(params.paramBlock);
    expect(W1.grad!.base).toBe(params.gradBlock);
    expect(model.parameters()).toBe(params);
    const x = backend.randn([5, 3], { seed: 6 });
    autograd.sum(model.forward(x)).backward();
    const g = W1.grad!.toTypedArray();
    new SGD(0.5).step(params);
    const after = values(W1.value);
    values(before).forEach((w, i) => expect(after[i]).toBe(w - 0.5 * g[i]));
    before.dispose();
    x.dispose();
    model.dispose();
  });
});

describe('memory', () => {
  test('1,000 training steps of an autograd model: live bytes flat after the first step', () => {
    const b = backend;
    const x = b.randn([64, 10], { seed: 11 });
    const labels = new Int32Array(64).map((_, i) => i % 3);
    const t = b.tensor(labels, [64], 'int32');
    const model = new nn.Sequential(new nn.Linear(10, 16, { seed: 12 }), new nn.ReLU(), new nn.Linear(16, 3, { seed: 13 }));
    const params = model.parameters();
    const optimizer = new Adam(0.01);
    const step = () => {
      const loss = autograd.softmaxCrossEntropy(model.forward(x), t);
      loss.backward();
      optimizer.step(params);
      model.zeroGrad();
      return loss.item();
    };
    const first = step();
    const usage = b.memoryUsage();
    let last = first;
    for (let i = 1; i < 1000; i++) {
      last = step();
      expect(b.memoryUsage()).toEqual(usage);
    }
    expect(last).toBeLessThan(first / 4);
    optimizer.dispose();
    model.dispose();
    x.dispose();
    t.dispose();
  });

  test('the wasm memory growing in the middle of training changes nothing', async () => {
    const run = async (growAt: number): Promise<number[]> => {
      const b = await createBackend({ dtype: 'float32', initialMemoryMB: 1, threads: 1 });
      const x = b.randn([32, 20], { seed: 21 });
      const t = b.tensor(new Int32Array(32).map((_, i) => i % 4), [32], 'int32');
      const model = new nn.Sequential(new nn.Linear(20, 24, { seed: 22, backend: b }), new nn.Tanh(), new nn.Linear(24, 4, { seed: 23, backend: b }));
      const optimizer = new SGD(0.1);
      let ballast: Tensor | null = null;
      for (let i = 0; i < 20; i++) {
        const loss = autograd.softmaxCrossEntropy(model.forward(x), t);
        if (i === growAt) {
          const before = b.memory.buffer.byteLength;
          ballast = b.empty([4 << 20]); // 16 MiB more: memory.grow() detaches every view
          expect(b.memory.buffer.byteLength).toBeGreaterThan(before);
        }
        loss.backward();
        optimizer.step(model.parameters());
        model.zeroGrad();
      }
      const params = values(model.parameters().paramBlock);
      ballast?.dispose();
      b.dispose();
      return params;
    };
    const grown = await run(7);
    expect(grown).toEqual(await run(-1));
  });

  test('batches() hands out refilled buffers and frees them when the loop ends', () => {
    const x = backend.arange(0, 10).reshape(5, 2);
    const t = backend.tensor([0, 1, 2, 3, 4], [5], 'int32');
    const source = new TensorSource(x, t);
    const before = backend.memoryUsage().tensors;
    const seen: number[][] = [];
    for (const batch of batches(source, 2, { shuffle: true, seed: 1 })) seen.push(values(batch.t));
    expect(seen.map((s) => s.length)).toEqual([2, 2, 1]);
    expect(seen.flat().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(backend.memoryUsage().tensors).toBe(before);
    expect(() => batches(source, 0).next()).toThrow(/batches: batchSize must be a positive integer, got 0/);
    x.dispose();
    t.dispose();
  });
});
