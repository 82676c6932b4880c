import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, autograd, Rng } from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';

const { noGrad, tidy, variable, param } = autograd;
type Variable = autograd.Variable;

/**
 * Every autograd op's gradient against central differences in float64. For f(inputs) and a fixed
 * random R shaped like f's output, L = sum(f * R) (computed here in float64): backward with seed R
 * gives dL/d input, the difference quotient (L(x + h) - L(x - h)) / 2h gives the reference.
 */
let backend: Backend;
beforeAll(async () => {
  backend = await createBackend({ dtype: 'float64' });
});

const H = 1e-5;
const TOL = 1e-6;

/** Random values in ±[0.2, 1.2): away from 0, where relu and friends have their kink. */
function randomAwayFromZero(shape: number[], rng: Rng): Tensor {
  const t = backend.empty(shape, 'float64');
  const v = new Float64Array(t.size);
  for (let i = 0; i < v.length; i++) v[i] = (rng.uniform() < 0.5 ? -1 : 1) * (0.2 + rng.uniform());
  return t.set(v);
}

function objective(f: (...xs: Variable[]) => Variable, inputs: Tensor[], R: Float64Array): number {
  return noGrad(() =>
    tidy(() => {
      const y = f(...inputs.map((t) => variable(t))).value.data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * R[i];
      return s;
    }),
  );
}

/** Max relative error of f's analytic gradients against central differences, over all inputs. */
function gradientError(f: (...xs: Variable[]) => Variable, inputs: Tensor[], seed = 1): number {
  const rng = new Rng(seed);
  const leaves = inputs.map((t) => param(t));
  const y = f(...leaves);
  const R = new Float64Array(y.size);
  for (let i = 0; i < R.length; i++) R[i] = rng.uniform() * 2 - 1;
  const seedTensor = backend.tensor(R, y.shape, 'float64');
  y.backward(seedTensor);
  seedTensor.dispose();
  let worst = 0;
  inputs.forEach((x, k) => {
    const analytic = leaves[k].grad!.toTypedArray();
    leaves[k].grad!.dispose();
    const data = () => x.data as Float64Array;
    for (let i = 0; i < x.size; i++) {
      const old = data()[i];
      data()[i] = old + H;
      const plus = objective(f, inputs, R);
      data()[i] = old - H;
      const minus = objective(f, inputs, R);
      data()[i] = old;
      const numeric = (plus - minus) / (2 * H);
      worst = Math.max(worst, Math.abs(numeric - analytic[i]) / Math.max(Math.abs(numeric), Math.abs(analytic[i]), 1e-6));
    }
  });
  return worst;
}

function check(f: (...xs: Variable[]) => Variable, ...shapes: number[][]): void {
  const rng = new Rng(shapes.flat().reduce((a, b) => a * 31 + b, 7));
  const inputs = shapes.map((s) => randomAwayFromZero(s, rng));
  try {
    expect(gradientError(f, inputs)).toBeLessThan(TOL);
  } finally {
    for (const t of inputs) t.dispose();
  }
}

describe('autograd gradients match central differences (float64, < 1e-6)', () => {
  test('matmul, with each combination of transposes', () => {
    check((a, b) => autograd.matmul(a, b), [3, 5], [5, 7]);
    check((a, b) => autograd.matmul(a, b, { transA: true }), [5, 3], [5, 7]);
    check((a, b) => autograd.matmul(a, b, { transB: true }), [3, 5], [7, 5]);
    check((a, b) => autograd.matmul(a, b, { transA: true, transB: true }), [5, 3], [7, 5]);
  });

  test('linear (x W + b), every input differentiated', () => {
    check((x, W, b) => autograd.linear(x, W, b), [4, 6], [6, 5], [5]);
    check((x, W) => autograd.linear(x, W), [4, 6], [6, 5]);
  });

  test('add and sub, same shapes and broadcast (row, column, middle axis, both sides)', () => {
    check((a, b) => autograd.add(a, b), [3, 4], [3, 4]);
    check((a, b) => autograd.add(a, b), [3, 4], [4]);
    check((a, b) => autograd.add(a, b), [4], [3, 4]);
    check((a, b) => autograd.add(a, b), [3, 1], [1, 4]);
    check((a, b) => autograd.add(a, b), [2, 3, 4], [3, 1]);
    check((a, b) => autograd.sub(a, b), [3, 4], [3, 4]);
    check((a, b) => autograd.sub(a, b), [2, 1, 4], [2, 3, 1]);
    check((a, b) => autograd.sub(a, b), [5], [2, 5]);
  });

  test('mul and scale, same shapes and broadcast', () => {
    check((a, b) => autograd.mul(a, b), [3, 5], [3, 5]);
    check((a, b) => autograd.mul(a, b), [3, 5], [5]);
    check((a, b) => autograd.mul(a, b), [2, 3, 4], [2, 1, 4]);
    check((a, b) => autograd.mul(a, b), [3, 1], [1, 6]);
    check((x) => autograd.scale(x, -2.5), [3, 7]);
  });

  test('activations', () => {
    check((x) => autograd.relu(x), [3, 9]);
    check((x) => autograd.sigmoid(x), [3, 9]);
    check((x) => autograd.tanh(x), [3, 9]);
    check((x) => autograd.leakyRelu(x, 0.1), [3, 9]);
    check((x) => autograd.elu(x, 0.7), [3, 9]);
  });

  test('softmax of rows', () => {
    check((x) => autograd.softmax(x), [4, 5]);
    check((x) => autograd.mul(autograd.softmax(x), x), [3, 7]);
  });

  test('softmax cross-entropy with labels and with one-hot targets', () => {
    const labels = backend.tensor([2, 0, 4, 1], [4], 'int32');
    const oneHot = backend.zeros([4, 5], 'float64');
    [3, 1, 0, 4].forEach((c, r) => (oneHot.data[r * 5 + c] = 1));
    check((x) => autograd.softmaxCrossEntropy(x, labels), [4, 5]);
    check((x) => autograd.softmaxCrossEntropy(x, oneHot), [4, 5]);
    labels.dispose();
    oneHot.dispose();
  });

  test('sum and mean of everything and along each axis', () => {
    check((x) => autograd.sum(x), [3, 4]);
    check((x) => autograd.mean(x), [3, 4]);
    for (const axis of [0, 1, 2, -1]) {
      check((x) => autograd.sum(x, axis), [2, 3, 5]);
      check((x) => autograd.mean(x, axis), [2, 3, 5]);
    }
    check((x) => autograd.sum(x, 0), [7]);
  });

  test('reshape, flatten, transpose', () => {
    check((x) => autograd.mul(autograd.reshape(x, [6, -1]), autograd.reshape(x, [6, 2])), [3, 4]);
    check((x) => autograd.flatten(autograd.tanh(x)), [2, 3, 4]);
    check((x) => autograd.transpose(x), [3, 5]);
    check((x) => autograd.transpose(x), [2, 3, 5]);
  });

  test('slice along each axis, concat along each axis, stack', () => {
    check((x) => autograd.slice(x, 0, 1, 3), [4, 3, 2]);
    check((x) => autograd.slice(x, 1, 0, 2), [4, 3, 2]);
    check((x) => autograd.slice(x, 2, 1, 2), [4, 3, 2]);
    for (const axis of [0, 1, 2]) {
      const other = [2, 3, 4];
      other[axis] = 1;
      check((a, b) => autograd.concat([a, b, a], axis), [2, 3, 4], other);
    }
    check((a, b) => autograd.stack([a, b], 1), [3, 2], [3, 2]);
  });

  test('gather by index, a row picked twice', () => {
    const index = backend.tensor([2, 0, 2, 3], [4], 'int32');
    check((t) => autograd.gather(t, index), [5, 3]);
    index.dispose();
  });

  test('ops used twice in one graph: gradients accumulate', () => {
    check((x) => autograd.mul(x, x), [4, 3]);
    check((x, W) => autograd.add(autograd.matmul(x, W), autograd.matmul(x, W)), [3, 4], [4, 2]);
    // An intermediate used by two ops, and a param reached along two paths of different length.
    check((x, W) => {
      const h = autograd.tanh(autograd.matmul(x, W));
      return autograd.add(autograd.mul(h, h), autograd.matmul(h, W, { transB: true }));
    }, [3, 4], [4, 4]);
  });

  test('conv2d: stride 1 and 2, padding, N = 1, odd and non-square sizes, with and without bias', () => {
    check((x, W, b) => autograd.conv2d(x, W, b), [2, 3, 5, 5], [4, 3, 3, 3], [4]);
    check((x, W, b) => autograd.conv2d(x, W, b, { stride: 2, pad: 1 }), [1, 2, 7, 6], [3, 2, 3, 2], [3]);
    check((x, W) => autograd.conv2d(x, W, undefined, { stride: 2 }), [3, 1, 5, 7], [2, 1, 3, 3]);
    check((x, W, b) => autograd.conv2d(x, W, b, { pad: 2 }), [1, 3, 3, 3], [2, 3, 5, 5], [2]);
    check((x, W, b) => autograd.conv2d(x, W, b), [2, 4, 3, 3], [5, 4, 1, 1], [5]);
  });

  test('conv2d whose input is another conv2d (dx and dW of the same op both used)', () => {
    check((x, W1, W2) => autograd.conv2d(autograd.tanh(autograd.conv2d(x, W1, undefined, { pad: 1 })), W2, undefined, { stride: 2 }), [2, 2, 6, 6], [3, 2, 3, 3], [2, 3, 2, 2]);
    // The same W and b in both: the second rule adds dW and db into the gradients the first made.
    check((x, W, b) => autograd.conv2d(autograd.tanh(autograd.conv2d(x, W, b, { pad: 1 })), W, b), [2, 2, 4, 4], [2, 2, 3, 3], [2]);
  });

  test('maxPool2d and avgPool2d: side by side, overlapping, stride 2 with padding, N = 1, odd sizes', () => {
    for (const pool of [autograd.maxPool2d, autograd.avgPool2d]) {
      check((x) => pool(x, { size: 2 }), [2, 3, 4, 4]);
      check((x) => pool(x, { size: 3, stride: 1 }), [1, 2, 5, 5]);
      check((x) => pool(x, { size: 3, stride: 2, pad: 1 }), [1, 2, 5, 7]);
      check((x) => pool(x, { size: 2, pad: 1 }), [3, 1, 3, 5]);
    }
  });

  test('batchNorm: training (through the batch statistics) on (N, C, H, W) and (N, C), inference on running statistics', () => {
    check((x, gamma, beta) => autograd.batchNorm(x, gamma, beta, { training: true }), [3, 2, 3, 3], [2], [2]);
    check((x, gamma, beta) => autograd.batchNorm(x, gamma, beta, { training: true }), [5, 4], [4], [4]);
    check((x, gamma, beta) => autograd.batchNorm(x, gamma, beta, { training: true, eps: 1e-3 }), [1, 3, 2, 3], [3], [3]);
    const runningMean = backend.tensor([0.3, -0.2], [2], 'float64');
    const runningVar = backend.tensor([0.5, 2], [2], 'float64');
    check((x, gamma, beta) => autograd.batchNorm(x, gamma, beta, { training: false, runningMean, runningVar }), [2, 2, 3, 2], [2], [2]);
    runningMean.dispose();
    runningVar.dispose();
  });

  test('mseLoss and sigmoidCrossEntropy', () => {
    const targets = backend.tensor([0.5, -1, 2, 0, 1, 0.25, -0.5, 3, 1, 1, 0, -2], [12], 'float64');
    check((y) => autograd.mseLoss(y, targets), [4, 3]);
    check((y) => autograd.mseLoss(y, targets), [12]);
    const labels = backend.tensor([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1], [4, 3], 'float64');
    check((x) => autograd.sigmoidCrossEntropy(x, labels), [4, 3]);
    check((x) => autograd.sigmoidCrossEntropy(x, labels.reshape(12)), [12]);
    targets.dispose();
    labels.dispose();
  });

  test('a small conv net with its loss, end to end', () => {
    const labels = backend.tensor([1, 0], [2], 'int32');
    check((x, W1, b1, gamma, beta, W2, b2) => {
      const h = autograd.conv2d(x, W1, b1, { pad: 1 });
      const n = autograd.relu(autograd.batchNorm(h, gamma, beta, { training: true }));
      const p = autograd.maxPool2d(n, { size: 2 });
      return autograd.softmaxCrossEntropy(autograd.linear(autograd.flatten(p), W2, b2), labels);
    }, [2, 1, 4, 4], [2, 1, 3, 3], [2], [2], [2], [8, 2], [2]);
    labels.dispose();
  });

  test('a two-layer net with its loss, end to end', () => {
    const labels = backend.tensor([1, 0, 2], [3], 'int32');
    check((x, W1, b1, W2, b2) => {
      const h = autograd.sigmoid(autograd.linear(x, W1, b1));
      return autograd.softmaxCrossEntropy(autograd.add(autograd.matmul(h, W2), b2), labels);
    }, [3, 5], [5, 4], [4], [4, 3], [3]);
    labels.dispose();
  });
});
