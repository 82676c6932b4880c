import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { matmul, matmulTransA, matmulTransB, plainGemm, PlainMlp, arrayTypeOf } from '../bench/peers/plain.js';
import type { FloatArray } from '../bench/peers/plain.js';
import { TfjsMlp, tfjsCases, useTfjsBackend } from '../bench/peers/tfjs.js';
import { TfjsSimpleConvNet, tfjsConvCases } from '../bench/peers/tfjs-conv.js';
import { PlainSimpleConvNet, plainConvCases } from '../bench/peers/plain-conv.js';
import { createBackend, SimpleConvNet, SGD } from '../src/index.js';
import type { TfjsBackend } from '../bench/peers/tfjs.js';
import { GEMM_VARIANTS, MLP_SHAPES, makeGemmOperands, makeSimpleConvProblem, makeTrainProblem } from '../bench/problems.js';
import type { GemmShape, GemmVariant, MlpShape } from '../bench/problems.js';
import { filterCases, median, runCases, validateCases } from '../bench/harness.js';
import type { BenchCase } from '../bench/harness.js';
import { formatRatio, formatReport } from '../bench/table.js';

/** op(A)[i][p] and op(B)[p][j] read straight from the stored layout, summed in float64. */
function referenceGemm(variant: GemmVariant, a: ArrayLike<number>, b: ArrayLike<number>, { m, k, n }: GemmShape): number[] {
  const opA = (i: number, p: number): number => (variant === 'A^T*B' ? a[p * m + i] : a[i * k + p]);
  const opB = (p: number, j: number): number => (variant === 'A*B^T' ? b[j * k + p] : b[p * n + j]);
  const c: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += opA(i, p) * opB(p, j);
      c.push(sum);
    }
  }
  return c;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  expect(worst).toBeLessThan(tolerance);
}

const SMALL_SHAPES: GemmShape[] = [
  { m: 1, k: 1, n: 1 },
  { m: 3, k: 5, n: 2 },
  { m: 7, k: 4, n: 9 },
  { m: 16, k: 3, n: 5 },
  { m: 5, k: 17, n: 8 },
];

describe('plain-TS GEMM', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const variant of GEMM_VARIANTS) {
      it(`${variant} ${dtype} matches the float64 reference`, () => {
        const arrayType = arrayTypeOf(dtype);
        for (const shape of SMALL_SHAPES) {
          const operands = makeGemmOperands(shape, shape.m * 100 + shape.k);
          const a = arrayType.from(operands.a);
          const b = arrayType.from(operands.b);
          const c = arrayType.from(new Array(shape.m * shape.n).fill(Number.NaN)); // overwritten, not accumulated
          plainGemm(variant)(c, a, b, shape.m, shape.k, shape.n);
          expectClose(c, referenceGemm(variant, a, b, shape), dtype === 'float32' ? 1e-5 : 1e-13);
        }
      });
    }
  }

  it('names the function and the shapes on a size mismatch', () => {
    const c = new Float64Array(6);
    expect(() => matmul(c, new Float64Array(14), new Float64Array(10), 3, 5, 2)).toThrow('matmul: a must hold (3, 5) = 15 numbers, got 14');
    expect(() => matmulTransA(c, new Float64Array(15), new Float64Array(10), 3, 5, 2)).not.toThrow();
    expect(() => matmulTransA(c, new Float64Array(15), new Float64Array(9), 3, 5, 2)).toThrow('matmulTransA: b must hold (5, 2)');
    expect(() => matmulTransB(new Float64Array(5), new Float64Array(15), new Float64Array(10), 3, 5, 2)).toThrow('matmulTransB: c must hold (3, 2)');
  });
});

/** Central-difference gradient of net.loss with respect to every entry of params. */
function numericalGradient(net: PlainMlp<FloatArray>, params: FloatArray, x: FloatArray, labels: Int32Array): number[] {
  const h = 1e-6;
  const grad: number[] = [];
  for (let i = 0; i < params.length; i++) {
    const saved = params[i];
    params[i] = saved + h;
    const up = net.loss(x, labels);
    params[i] = saved - h;
    const down = net.loss(x, labels);
    params[i] = saved;
    grad.push((up - down) / (2 * h));
  }
  return grad;
}

describe('plain-TS MLP training step', () => {
  const tiny: MlpShape[] = [
    { sizes: [6, 5, 4], activation: 'sigmoid' },
    { sizes: [6, 5, 5, 3], activation: 'relu' },
  ];
  for (const shape of tiny) {
    it(`${shape.sizes.join('-')} ${shape.activation}: the SGD update is -lr times the numerical gradient`, () => {
      const batch = 4;
      const problem = makeTrainProblem(shape, batch, 7);
      // Larger weights than the book's init, so every layer's gradient is well above the difference error.
      for (const w of problem.weights) for (let i = 0; i < w.length; i++) w[i] *= shape.activation === 'sigmoid' ? 100 : 1;
      for (const b of problem.biases) for (let i = 0; i < b.length; i++) b[i] = 0.1 * (i - 1);
      const probe = new PlainMlp(shape.sizes, shape.activation, batch, Float64Array, problem);
      const trained = new PlainMlp(shape.sizes, shape.activation, batch, Float64Array, problem);
      const x = Float64Array.from(problem.x);
      const lr = 0.5;
      const lossBefore = probe.loss(x, problem.labels);
      expect(trained.trainStep(x, problem.labels, lr)).toBeCloseTo(lossBefore, 12);
      for (let l = 0; l < shape.sizes.length - 1; l++) {
        for (const [name, before, after] of [
          ['weights', probe.weights[l], trained.weights[l]],
          ['biases', probe.biases[l], trained.biases[l]],
        ] as const) {
          const numerical = numericalGradient(probe, before, x, problem.labels);
          const analytic = Array.from(before, (v, i) => (v - after[i]) / lr);
          expect(Math.max(...numerical.map(Math.abs)), `${name}[${l}] has a gradient`).toBeGreaterThan(1e-4);
          // The 1e-7 guard inside the log shifts the loss's exact gradient from the book's
          // (p - onehot) / N by a relative 1e-7 / p, about 1e-6 here.
          expectClose(analytic, numerical, 1e-5);
        }
      }
    });
  }

  it('784-50-10 sigmoid in float32 starts near ln 10 and lowers the loss on a fixed batch', () => {
    const shape = MLP_SHAPES[0];
    const problem = makeTrainProblem(shape);
    const net = new PlainMlp(shape.sizes, shape.activation, 100, Float32Array, problem);
    const x = Float32Array.from(problem.x);
    const losses = Array.from({ length: 6 }, () => net.trainStep(x, problem.labels, 0.5));
    // 0.01 * randn weights: the outputs are nearly uniform over 10 classes.
    expect(losses[0]).toBeCloseTo(Math.log(10), 2);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.01);
  });

  it('rejects a batch of the wrong size and labels out of range', () => {
    const shape: MlpShape = { sizes: [3, 2], activation: 'sigmoid' };
    const problem = makeTrainProblem(shape, 2);
    const net = new PlainMlp(shape.sizes, shape.activation, 2, Float64Array, problem);
    expect(() => net.trainStep(new Float64Array(5), problem.labels, 0.1)).toThrow('PlainMlp.trainStep: x must be (2, 3) and labels (2)');
    expect(() => net.loss(Float64Array.from(problem.x), Int32Array.of(0, 2))).toThrow('PlainMlp.loss: label 2 at row 1 is outside [0, 2)');
  });
});

describe('plain-TS SimpleConvNet training step', () => {
  it("float64: the same losses as scratchnet's float64 SimpleConvNet over three SGD steps, and the same params after", async () => {
    const batch = 6;
    const p = makeSimpleConvProblem(batch, 12);
    const plain = new PlainSimpleConvNet(batch, 'float64', p.params);
    const x = Float64Array.from(p.x);
    const plainLosses = [0, 1, 2].map(() => plain.trainStep(x, p.labels, 0.05));

    const backend = await createBackend({ dtype: 'float64', threads: 1 });
    const net = new SimpleConvNet({}, { backend, seed: 0, dtype: 'float64' });
    [p.params.W1, p.params.b1, p.params.W2, p.params.b2, p.params.W3, p.params.b3].forEach((v, i) => net.params[i].set(Float64Array.from(v)));
    const xt = backend.tensor(x, [batch, 1, 28, 28], 'float64');
    const t = backend.tensor(p.labels, [batch], 'int32');
    const sgd = new SGD(0.05);
    const losses = [0, 1, 2].map(() => {
      const loss = net.loss(xt, t);
      net.backward();
      sgd.update(net);
      return loss;
    });
    const params = net.params.map((q) => Float64Array.from(q.data as Float64Array));
    backend.dispose();
    expectClose(plainLosses, losses, 1e-10);
    expect(Math.abs(losses[2] - losses[0])).toBeGreaterThan(1e-3);
    plain.params.forEach((q, i) => expectClose(q, params[i], 1e-10));
  });

  it('rejects a batch of the wrong size, and its cases run in both dtypes', () => {
    const p = makeSimpleConvProblem(2, 1);
    expect(() => new PlainSimpleConvNet(3, 'float32', p.params).trainStep(Float32Array.from(p.x), p.labels, 0.1)).toThrow(
      'PlainSimpleConvNet.trainStep: x must be (3, 1, 28, 28) and labels (3), got 1568 and 2 numbers',
    );
    const cases = plainConvCases();
    expect(cases.map((c) => `${c.impl} ${c.dtype} ${c.name}`)).toEqual(['plain-ts float32 train step SimpleConvNet', 'plain-ts float64 train step SimpleConvNet']);
  });
});

describe('TensorFlow.js peer', () => {
  for (const backend of ['cpu', 'wasm'] as TfjsBackend[]) {
    it(`tfjs-${backend} matMul agrees with the plain-TS GEMM in every variant`, async () => {
      await useTfjsBackend(backend);
      const shape = { m: 7, k: 13, n: 5 };
      const operands = makeGemmOperands(shape, 3);
      for (const variant of GEMM_VARIANTS) {
        const a = Float32Array.from(operands.a);
        const b = Float32Array.from(operands.b);
        const expected = new Float64Array(shape.m * shape.n);
        plainGemm(variant)(expected, Float64Array.from(a), Float64Array.from(b), shape.m, shape.k, shape.n);
        const actual = tf.tidy(() => {
          const ta = variant === 'A^T*B' ? tf.tensor2d(a, [shape.k, shape.m]) : tf.tensor2d(a, [shape.m, shape.k]);
          const tb = variant === 'A*B^T' ? tf.tensor2d(b, [shape.n, shape.k]) : tf.tensor2d(b, [shape.k, shape.n]);
          return tf.matMul(ta, tb, variant === 'A^T*B', variant === 'A*B^T').dataSync();
        });
        expectClose(actual, expected, 1e-5);
      }
      expect(tf.getBackend()).toBe(backend);
    });
  }

  it('the wasm backend runs with SIMD', async () => {
    await useTfjsBackend('wasm');
    expect(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')).toBe(true);
  });

  it('tfjs-wasm trains the same net as plain-TS float32: same losses step by step', async () => {
    await useTfjsBackend('wasm');
    const shape = MLP_SHAPES[0];
    const tensorsBefore = tf.memory().numTensors;
    const tfjsNet = new TfjsMlp(shape);
    const tfjsLosses = [tfjsNet.trainStep(), tfjsNet.trainStep(), tfjsNet.trainStep()];
    tfjsNet.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const problem = makeTrainProblem(shape);
    const plainNet = new PlainMlp(shape.sizes, shape.activation, 100, Float32Array, problem);
    const x = Float32Array.from(problem.x);
    const plainLosses = [0, 1, 2].map(() => plainNet.trainStep(x, problem.labels, 0.1));
    expectClose(tfjsLosses, plainLosses, 1e-5);
    expect(plainLosses[2]).toBeLessThan(plainLosses[0]);
  });

  it("tfjs-cpu's SimpleConvNet is scratchnet's: same losses over three SGD steps from the same params", async () => {
    await useTfjsBackend('cpu');
    const batch = 8;
    const p = makeSimpleConvProblem(batch, 11);
    const tensorsBefore = tf.memory().numTensors;
    const tfjsNet = new TfjsSimpleConvNet(p.params, p.x, p.labels);
    const tfjsLosses = [tfjsNet.trainStep(), tfjsNet.trainStep(), tfjsNet.trainStep()];
    tfjsNet.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const backend = await createBackend({ dtype: 'float32', threads: 1 });
    const net = new SimpleConvNet({}, { backend, seed: 0 });
    [p.params.W1, p.params.b1, p.params.W2, p.params.b2, p.params.W3, p.params.b3].forEach((v, i) => net.params[i].set(v));
    const x = backend.tensor(p.x, [batch, 1, 28, 28], 'float32');
    const t = backend.tensor(p.labels, [batch], 'int32');
    const sgd = new SGD(0.1);
    const losses = [0, 1, 2].map(() => {
      const loss = net.loss(x, t);
      net.backward();
      sgd.update(net);
      return loss;
    });
    backend.dispose();
    // Equal losses after each update mean equal gradients (lr 0.1 on random images is too large to
    // lower the loss; it only has to move it).
    expectClose(tfjsLosses, losses, 1e-4);
    expect(Math.abs(losses[1] - losses[0])).toBeGreaterThan(0.01);
  });

  it('SimpleConvNet cases: tfjs-cpu trains, tfjs-wasm runs the forward pass, and neither leaves a tensor behind', async () => {
    const cases = tfjsConvCases(4); // what matters here is running and disposing, not the suite's batch of 100
    expect(cases.map((c) => `${c.impl} ${c.name}`)).toEqual(['tfjs-cpu train step SimpleConvNet', 'tfjs-wasm forward SimpleConvNet']);
    for (const c of cases) {
      await c.setup!();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) c.fn();
      expect(tf.memory().numTensors).toBe(before);
      c.teardown!();
    }
  });

  it('benchmark cases run and leave no tensor behind (teardown checks)', async () => {
    const cases = tfjsCases({ quick: true }).filter(
      (c) => c.name === 'gemm A*B^T 100x784x100' || c.name === 'train step 784-50-10 sigmoid',
    );
    expect(cases.map((c) => c.impl)).toEqual(['tfjs-wasm', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-cpu']);
    for (const c of cases) {
      await c.setup!();
      for (let i = 0; i < 3; i++) c.fn();
      expect(() => c.teardown!()).not.toThrow();
    }
  });
});

describe('harness', () => {
  const noop = (): void => {};
  it('takes medians and formats ratios', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(formatRatio(1, true)).toBe('1.00');
    expect(formatRatio(12.34, false)).toBe('12.3x slower');
    expect(formatRatio(0.5, false)).toBe('2.00x faster');
  });

  it('filters by any of the parts of a|b, keeping a percentage only when its reference is kept', () => {
    const base = { impl: 'a', dtype: 'float32' as const, fn: noop };
    const all = [{ ...base, name: 'ceiling (1 thread)' }, { ...base, name: 'conv 1', flops: 1, percentOf: 'ceiling (1 thread)' }, { ...base, name: 'gemm 8' }];
    expect(filterCases(all, 'ceiling|conv ').map((c) => [c.name, c.percentOf])).toEqual([['ceiling (1 thread)', undefined], ['conv 1', 'ceiling (1 thread)']]);
    expect(filterCases(all, 'conv ').map((c) => [c.name, c.percentOf])).toEqual([['conv 1', undefined]]);
    expect(() => filterCases(all, 'x|y')).toThrow('bench: --filter "x|y" matches none of the 3 cases');
  });

  it('rejects duplicate cases, two baselines and a missing percentage reference', () => {
    const base = { name: 'g', impl: 'a', dtype: 'float32' as const, fn: noop };
    expect(() => validateCases([base, { ...base }])).toThrow('bench: case "g" a float32 appears twice');
    expect(() => validateCases([{ ...base, baseline: true }, { ...base, impl: 'b', baseline: true }])).toThrow('group "g" has 2 baselines');
    expect(() => validateCases([{ ...base, flops: 10, percentOf: 'ceiling' }])).toThrow('no float32 case has that name');
    expect(() => validateCases([{ ...base, flops: -1 }])).toThrow('flops = -1');
  });

  it('measures cases and derives throughput, ratio vs the baseline and percent of a reference', async () => {
    // Two loops of 2e5 and 6e5 additions: the second takes about three times as long.
    const work = (n: number) => (): void => {
      let s = 0;
      for (let i = 0; i < n; i++) s += i;
      if (s < 0) throw new Error('unreachable');
    };
    const cases: BenchCase[] = [
      { name: 'loop', impl: 'plain-ts', dtype: 'float64', flops: 6e5, fn: work(6e5), percentOf: 'ceiling' },
      { name: 'loop', impl: 'scratchnet', dtype: 'float64', flops: 6e5, fn: work(2e5) },
      { name: 'ceiling', impl: 'ceiling', dtype: 'float64', flops: 6e5, fn: work(2e5) },
    ];
    const results = await runCases(cases, { quick: true, rounds: 1, baselineImpl: 'scratchnet', log: noop });
    const [slow, fast, ceiling] = results;
    expect(fast.baseline).toBe(true);
    expect(fast.ratio).toBe(1);
    expect(slow.ratio).toBeCloseTo(slow.median_ms / fast.median_ms, 12);
    expect(slow.ratio).toBeGreaterThan(1.5);
    expect(slow.gflops).toBeCloseTo(6e5 / (slow.median_ms / 1e3) / 1e9, 12);
    expect(slow.percent_of!.percent).toBeCloseTo((100 * slow.gflops!) / ceiling.gflops!, 9);
    const table = formatReport({ machine: { cpu: 'x', cores: 1, node: 'v', platform: 'p', arch: 'a', date: 'd' }, cases: results });
    expect(table).toContain('| case ');
    expect(table).toMatch(/\| loop +\| plain-ts +\| float64 .*x slower \|/);
  });
});
