import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam } from '../src/index.js';
import type { Backend, Optimizer, Tensor, FloatDType } from '../src/index.js';

/**
 * Each optimizer against a plain float64 TypeScript reference of its update rule, step by step for
 * several steps with changing gradients, over a net-like layout (several params in one block) and
 * over separate tensors. Tolerance: 1e-12 relative in float64, 1e-4 in float32.
 */
type Reference = (p: Float64Array, g: Float64Array, state: Float64Array[], t: number) => void;

const references: [string, () => Optimizer, number, Reference][] = [
  ['SGD', () => new SGD(0.1), 0, (p, g) => p.forEach((_, i) => (p[i] -= 0.1 * g[i]))],
  ['Momentum', () => new Momentum(0.1, 0.9), 1, (p, g, [v]) => p.forEach((_, i) => {
    v[i] = 0.9 * v[i] - 0.1 * g[i];
    p[i] += v[i];
  })],
  ['Nesterov', () => new Nesterov(0.1, 0.9), 1, (p, g, [v]) => p.forEach((_, i) => {
    v[i] = 0.9 * v[i] - 0.1 * g[i];
    p[i] += 0.9 * v[i] - 0.1 * g[i];
  })],
  ['AdaGrad', () => new AdaGrad(0.1), 1, (p, g, [h]) => p.forEach((_, i) => {
    h[i] += g[i] * g[i];
    p[i] -= (0.1 * g[i]) / (Math.sqrt(h[i]) + 1e-7);
  })],
  ['RMSprop', () => new RMSprop(0.01, 0.99), 1, (p, g, [h]) => p.forEach((_, i) => {
    h[i] = 0.99 * h[i] + 0.01 * g[i] * g[i];
    p[i] -= (0.01 * g[i]) / (Math.sqrt(h[i]) + 1e-7);
  })],
  ['Adam', () => new Adam(0.001, 0.9, 0.999), 2, (p, g, [m, v], t) => {
    const lrT = (0.001 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
    p.forEach((_, i) => {
      m[i] += (1 - 0.9) * (g[i] - m[i]);
      v[i] += (1 - 0.999) * (g[i] * g[i] - v[i]);
      p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + 1e-7);
    });
  }],
];

const backends: Partial<Record<FloatDType, Backend>> = {};
beforeAll(async () => {
  backends.float32 = await createBackend({ dtype: 'float32' });
  backends.float64 = await createBackend({ dtype: 'float64' });
});

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return worst;
}

describe.each(['float64', 'float32'] as FloatDType[])('%s', (dtype) => {
  // float32 keeps its state (velocity, moments) in float32 too, so it drifts from the float64 reference.
  const tol = dtype === 'float64' ? 1e-12 : 1e-4;

  test.each(references)('%s matches the reference over 6 steps, in one block and as separate tensors', (_name, make, stateCount, reference) => {
    const b = backends[dtype]!;
    const shapes = [[5, 3], [3], [3, 7], [7], [33]];
    const total = shapes.reduce((n, s) => n + s.reduce((x, y) => x * y, 1), 0);
    // A block with views, as nets hold them, and the same values as separate tensors.
    const pBlock = b.randn([total], { seed: 1 });
    const gBlock = b.zeros([total]);
    let offset = 0;
    const params: Tensor[] = [];
    const grads: Tensor[] = [];
    for (const s of shapes) {
      params.push(pBlock.subview(offset, s));
      grads.push(gBlock.subview(offset, s));
      offset += s.reduce((x, y) => x * y, 1);
    }
    const loose = params.map((p) => p.clone());
    const looseGrads = grads.map((g) => b.zeros(g.shape));
    const ref = Float64Array.from(pBlock.data);
    const state = Array.from({ length: stateCount }, () => new Float64Array(total));
    const blockOpt = make();
    const looseOpt = make();
    for (let step = 1; step <= 6; step++) {
      const g = b.randn([total], { seed: 100 + step });
      gBlock.set(g);
      let o = 0;
      for (const lg of looseGrads) {
        lg.set(g.data.subarray(o, o + lg.size));
        o += lg.size;
      }
      blockOpt.update(params, grads);
      looseOpt.update(loose, looseGrads);
      // The reference sees the gradient as the kernel does: rounded to the dtype.
      reference(ref, Float64Array.from(g.data), state, step);
      if (dtype === 'float32') ref.set(Float32Array.from(ref));
      expect(maxRel(pBlock.data, ref)).toBeLessThan(tol);
      expect(maxRel(Float64Array.from(loose.flatMap((t) => Array.from(t.data))), ref)).toBeLessThan(tol);
      g.dispose();
    }
    blockOpt.dispose();
    looseOpt.dispose();
  });
});

test('bad optimizer input is refused', () => {
  const b = backends.float32!;
  expect(() => new SGD(-1)).toThrow(/SGD: learning rate must be a positive number, got -1/);
  expect(() => new Adam(0.001).update([b.zeros([3])], [b.zeros([4])])).toThrow(/param 0 \(3,\) and its grad \(4,\) differ/);
  expect(() => new SGD().update([b.zeros([3])], [])).toThrow(/1 params but 0 grads/);
});
