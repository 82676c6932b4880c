import { describe, test, expect, beforeAll } from 'vitest';
import { createBackend, ops } from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';

let b32: Backend;
let b64: Backend;
beforeAll(async () => {
  b32 = await createBackend({ dtype: 'float32' });
  b64 = await createBackend({ dtype: 'float64' });
});

describe('Tensor', () => {
  test('fromArray infers shapes from nested arrays and toArray gives them back', () => {
    const t = b64.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(b32.fromArray([1, 2, 3, 4], [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(b32.tensor([7, 8], [2], 'int32').data).toBeInstanceOf(Int32Array);
    expect(() => b64.tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => b64.tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \(2, 2\)/);
  });

  test('reshape, view, squeeze, unsqueeze and rows share memory with their base', () => {
    const t = b64.arange(12);
    const m = t.reshape(3, -1);
    expect(m.shape).toEqual([3, 4]);
    m.data[5] = 100;
    expect(t.data[5]).toBe(100);
    expect(t.view([2, 2, 3]).shape).toEqual([2, 2, 3]);
    expect(m.unsqueeze(0).shape).toEqual([1, 3, 4]);
    expect(m.unsqueeze(-1).shape).toEqual([3, 4, 1]);
    expect(m.unsqueeze(1).squeeze(1).shape).toEqual([3, 4]);
    expect(b64.zeros([1, 5, 1]).squeeze().shape).toEqual([5]);
    expect(m.rows(1, 3).toArray()).toEqual([[4, 100, 6, 7], [8, 9, 10, 11]]);
    expect(() => t.reshape(5, -1)).toThrow(/cannot reshape 12 elements/);
    expect(() => m.squeeze(0)).toThrow(/dimension 0 of \(3, 4\) has size 3, not 1/);
    t.dispose();
    expect(() => m.data).toThrow(/disposed/);
  });

  test('concat and stack along any axis', () => {
    const a = b32.tensor([[1, 2], [3, 4]]);
    const c = b32.tensor([[5, 6]]);
    expect(b32.concat([a, c]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(b32.concat([a, b32.tensor([[9], [9]])], 1).toArray()).toEqual([[1, 2, 9], [3, 4, 9]]);
    expect(b32.stack([a, a]).shape).toEqual([2, 2, 2]);
    expect(b32.stack([a, a], 1).toArray()).toEqual([[[1, 2], [1, 2]], [[3, 4], [3, 4]]]);
    expect(b32.stack([b32.tensor([1, 2]), b32.tensor([3, 4])], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(() => b32.concat([a, b32.tensor([[1, 2, 3]])])).toThrow(/do not fit together/);
  });

  test('arange, linspace, fill, full, ones, cast', () => {
    expect(Array.from(b64.arange(2, 10, 3).data)).toEqual([2, 5, 8]);
    expect(Array.from(b64.linspace(0, 1, 5).data)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(b32.full([3], 2.5).data)).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(b32.ones([2]).data)).toEqual([1, 1]);
    const x = b64.tensor([0.1, 1e-40, 3e38, 1e300]);
    const y = x.cast('float32');
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data)).toEqual([Math.fround(0.1), Math.fround(1e-40), Math.fround(3e38), Infinity]);
    expect(Array.from(y.cast('float64').data)).toEqual([Math.fround(0.1), Math.fround(1e-40), Math.fround(3e38), Infinity]);
    expect(Array.from(b64.tensor([1.7, -2.2]).cast('int32').data)).toEqual([1, -2]);
  });

  test('rand and randn are reproducible by seed and have the right moments', () => {
    const a = b64.randn([20000], { seed: 7 });
    const c = b64.randn([20000], { seed: 7 });
    expect(Array.from(a.data)).toEqual(Array.from(c.data));
    const mean = ops.sum(a) / a.size;
    const variance = ops.sumSquares(a) / a.size - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const u = b32.rand([20000], { seed: 3 }).data;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Array.from(b32.randn([3], { seed: 1 }).data)).not.toEqual(Array.from(b32.randn([3], { seed: 2 }).data));
  });
});

describe('memory growth', () => {
  test('every tensor stays valid and every kernel works across several grows', async () => {
    const backend = await createBackend({ dtype: 'float32', initialMemoryMB: 1 });
    const startBytes = backend.memory.buffer.byteLength;
    const kept: { t: Tensor; values: Float32Array }[] = [];
    for (let i = 0; i < 12; i++) {
      const t = backend.randn([64, 256 * (i + 1)], { seed: i });
      kept.push({ t, values: Float32Array.from(t.data) });
      // Make garbage between keepers so freed regions get reused and merged.
      backend.zeros([1000 * (i + 1)]).dispose();
    }
    expect(backend.memory.buffer.byteLength).toBeGreaterThan(startBytes * 4);
    const grows = backend.memory.buffer.byteLength;
    const unchanged = (t: Tensor, values: Float32Array) => t.data.every((v, i) => v === values[i]);
    expect(kept.every(({ t, values }) => unchanged(t, values))).toBe(true);

    // Kernels on tensors made before the grows, with outputs made after them.
    const w = kept[1].t.reshape(512, 64);
    const big = backend.empty([4096, 1024]); // forces another grow
    expect(backend.memory.buffer.byteLength).toBeGreaterThan(grows);
    big.dispose();
    const a = kept[0].t.reshape(256, 64);
    const c = ops.matmul(a, w, undefined, { transB: true }); // (256, 512)
    const ref = new Float64Array(256 * 512);
    const av = kept[0].values;
    const wv = kept[1].values;
    for (let i = 0; i < 256; i++)
      for (let j = 0; j < 512; j++) {
        let s = 0;
        for (let k = 0; k < 64; k++) s += av[i * 64 + k] * wv[j * 64 + k];
        ref[i * 512 + j] = s;
      }
    const got = c.data;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    expect(worst).toBeLessThan(1e-3);
    const s = ops.sigmoid(a).data;
    worst = 0;
    for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(s[i] - 1 / (1 + Math.exp(-av[i]))));
    expect(worst).toBeLessThan(1e-6);
    const sums = ops.sumRows(kept[2].t);
    expect(sums.data[0]).toBeCloseTo(Array.from({ length: 64 }, (_, r) => kept[2].values[r * 768]).reduce((x, y) => x + y), 3);
    backend.dispose();
  });

  test('freed regions are reused: a loop that makes and frees one size does not grow', async () => {
    const backend = await createBackend({ initialMemoryMB: 2 });
    backend.empty([1000]).dispose();
    const before = backend.arena.liveRegions;
    const bytes = backend.memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) backend.empty([100, 100]).dispose();
    expect(backend.arena.liveRegions).toBe(before);
    expect(backend.memory.buffer.byteLength).toBe(bytes);
  });
});

describe('bad input', () => {
  test('each throws a clear error and no other tensor changes', () => {
    const a = b32.randn([3, 4], { seed: 1 });
    const b = b32.randn([5, 6], { seed: 2 });
    const c = b32.randn([3, 6], { seed: 3 });
    const d = b32.randn([4, 6], { seed: 4, dtype: 'float64' });
    const gone = b32.randn([4, 6], { seed: 5 });
    gone.dispose();
    const snapshot = [a, b, c, d].map((t) => Array.from(t.data));
    expect(() => ops.matmul(a, b)).toThrow(/matmul: inner dimensions differ: \(3, 4\) x \(5, 6\) \(4 vs 5\)/);
    expect(() => ops.gemm(a, b32.randn([4, 6]), b32.zeros([3, 5]))).toThrow(/does not give c \(3, 5\)/);
    expect(() => ops.matmul(a, d)).toThrow(/dtypes differ: \(3, 4\) float32, \(4, 6\) float64/);
    expect(() => ops.matmul(a, gone)).toThrow(/tensor \(4, 6\) float32 has been disposed/);
    expect(() => ops.add(a, c)).toThrow(/add: shapes differ: \(3, 4\), \(3, 6\)/);
    expect(() => ops.sigmoid(a, c)).toThrow(/sigmoid: output must be \(3, 4\) float32, got \(3, 6\) float32/);
    expect(() => ops.addBias(a, b32.zeros([5]))).toThrow(/bias \(5,\) does not match the 4 columns/);
    expect(() => ops.softmax(b32.zeros([4]))).toThrow(/softmax: x must be a matrix/);
    expect(() => ops.crossEntropy(c, b32.tensor([0, 1], [2], 'int32'))).toThrow(/3 rows of scores \(3, 6\) need 3 labels/);
    expect(() => ops.crossEntropy(c, b32.tensor([0, 1, 6], [3], 'int32'))).toThrow(/label 6 at row 2 is out of range for 6 classes/);
    expect(() => ops.sgdUpdate(a, c, 0.1)).toThrow(/sgd: sizes differ/);
    expect(() => b32.empty([0, 3])).toThrow(/every dimension must be a positive integer, got shape \[0, 3\]/);
    expect(() => b32.zeros([-2])).toThrow(/positive integer/);
    expect(() => b32.empty([2.5])).toThrow(/positive integer/);
    expect(() => b32.empty([2], 'int8' as never)).toThrow(/unknown dtype "int8"/);
    expect(() => ops.gemm(c, b32.randn([6, 6]), c)).toThrow(/a and c must not share memory/);
    expect(() => ops.sigmoid(b32.tensor([1, 2], [2], 'int32'))).toThrow(/expected float32 or float64 tensors, got \(2,\) int32/);
    expect([a, b, c, d].map((t) => Array.from(t.data))).toEqual(snapshot);
  });

  test('a disposed backend refuses work', async () => {
    const backend = await createBackend();
    const t = backend.ones([2]);
    backend.dispose();
    expect(() => t.data).toThrow(/disposed/);
    expect(() => backend.zeros([2])).toThrow(/backend has been disposed/);
  });
});
