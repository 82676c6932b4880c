// The sparse ops (src/ops/sparse.ts) on real MNIST batches: against the dense path and a float64
// reference, in float32 and float64, bit-identical on 1, 2 and 3 threads; and their argument checks.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Affine, ByteImageSource, ByteRowsBatch, createBackend, loadMnist, ops, Rng, Sequential, SGD, Sigmoid, SparseRows, Trainer, TwoLayerNet, evaluateAccuracy, tensorHash } from '../src/index.js';
import type { Backend, FloatDType, Mnist, Tensor } from '../src/index.js';
import { SPARSE_DENSITY_THRESHOLD } from '../src/ops/sparse.js';
import { usesSparseInput } from '../src/train/evaluate.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const mnistDir = process.env.SCRATCHNET_DATA ?? resolve(repoRoot, '../shared/datasets/mnist');
const DTYPES: FloatDType[] = ['float32', 'float64'];
const THREADS = [1, 2, 3];
const BATCH = 100;
const PIXELS = 784;

let backends: Backend[];
/** The first 2,000 test images as bytes (2000 * 784,), copied onto each backend. */
let imageBytes: Uint8Array;
let mnist: Mnist;

beforeAll(async () => {
  backends = await Promise.all(THREADS.map((threads) => createBackend({ threads, initialMemoryMB: 4 })));
  mnist = await loadMnist({ dir: mnistDir, backend: backends[0], download: false });
  imageBytes = mnist.test.images.data.slice(0, 2000 * PIXELS) as Uint8Array;
});
afterAll(() => backends.forEach((b) => b.dispose()));

function images(b: Backend): Tensor {
  return b.tensor(imageBytes, [2000, PIXELS], 'uint8');
}

/** A shuffled batch of row indices into the 2,000 images. */
function batchIndex(b: Backend, seed: number): Tensor {
  const rng = new Rng(seed);
  return b.tensor(Int32Array.from({ length: BATCH }, () => rng.int(2000)), [BATCH], 'int32');
}

function randomMatrix(b: Backend, rows: number, cols: number, dtype: FloatDType, seed: number): Tensor {
  const rng = new Rng(seed);
  return b.tensor(Float64Array.from({ length: rows * cols }, () => rng.uniform() * 2 - 1), [rows, cols], dtype);
}

/** Largest |got - want| / (sum of |terms|) over the elements: the relative rounding of a sum. */
function worstRelative(got: ArrayLike<number>, want: Float64Array, magnitude: Float64Array): number {
  let worst = 0;
  for (let e = 0; e < want.length; e++) worst = Math.max(worst, Math.abs(got[e] - want[e]) / (magnitude[e] || 1));
  return worst;
}

describe('sparse ops on real MNIST batches', () => {
  for (const dtype of DTYPES) {
    const unit = dtype === 'float32' ? 2 ** -24 : 2 ** -53;

    it(`compressRows holds exactly the batch gatherRows makes, zeros left out (${dtype})`, () => {
      const b = backends[0];
      const src = images(b);
      const index = batchIndex(b, 1);
      const sparse = ops.compressRows(src, index, new SparseRows(b, BATCH, PIXELS, dtype));
      const dense = ops.gatherRows(src, index, b.empty([BATCH, PIXELS], dtype));
      expect(tensorHash(sparse.toDense())).toBe(tensorHash(dense));
      const zeros = Array.from(dense.data).filter((v) => v === 0).length;
      expect(sparse.nnz).toBe(BATCH * PIXELS - zeros);
      // MNIST: about 81% of the pixels are 0.
      expect(sparse.density).toBeGreaterThan(0.15);
      expect(sparse.density).toBeLessThan(0.25);
      [src, index, dense].forEach((t) => t.dispose());
      sparse.dispose();
    });

    it(`compressSet keeps every nonzero byte once; gatherSparseRows copies out compressRows's batches bit for bit (${dtype})`, () => {
      const b = backends[0];
      const src = images(b);
      const set = ops.compressSet(src);
      const all = b.arange(0, 2000, 1, 'int32');
      const whole = ops.compressRows(src, all, new SparseRows(b, 2000, PIXELS, dtype));
      expect(set.shape).toEqual([2000, PIXELS]);
      expect(set.nnz).toBe(whole.nnz);
      // 3 bytes per nonzero (u16 column, raw byte) and the row offsets.
      expect(set.byteSize).toBe(3 * whole.nnz + 4 * 2001);
      const check = (what: string, index: Tensor, n: number, scale?: number) => {
        const want = ops.compressRows(src, index, new SparseRows(b, n, PIXELS, dtype), scale);
        const got = ops.gatherSparseRows(set, index, new SparseRows(b, n, PIXELS, dtype), scale);
        for (const name of ['rowStart', 'colIdx', 'values'] as const) {
          const count = name === 'rowStart' ? n + 1 : want.nnz;
          expect(Array.from(got.arrays[name].data.subarray(0, count)), `${name} of ${what}`).toEqual(Array.from(want.arrays[name].data.subarray(0, count)));
        }
        want.dispose();
        got.dispose();
      };
      for (const seed of [5, 6]) {
        const index = batchIndex(b, seed);
        check(`batch ${seed}`, index, BATCH);
        check(`batch ${seed} scaled by 0.3`, index, BATCH, 0.3);
        index.dispose();
      }
      // Evaluation's windows: consecutive rows, as many as 1,000 at a time.
      const rows = b.arange(1234, 1234 + 766, 1, 'int32');
      check('rows 1234 .. 1999', rows, 766);
      [src, all, rows].forEach((t) => t.dispose());
      set.dispose();
      whole.dispose();
    });

    it(`sparseMatmul (+ bias) and sparseTransposeMatmul agree with the dense GEMM and a float64 reference (${dtype})`, () => {
      const b = backends[0];
      const src = images(b);
      // Widths for every block of the kernels: 8 vectors (+ a ninth, whole or partial), 4 (+ a partial), 1, a partial.
      for (const [h, seed] of [[100, 2], [50, 3], [10, 4], [34, 5], [17, 6], [36, 7]]) {
        const index = batchIndex(b, seed);
        const sparse = ops.compressRows(src, index, new SparseRows(b, BATCH, PIXELS, dtype));
        const x = sparse.toDense();
        const w = randomMatrix(b, PIXELS, h, dtype, seed + 10);
        const bias = randomMatrix(b, 1, h, dtype, seed + 20).reshape(h);
        const dy = randomMatrix(b, BATCH, h, dtype, seed + 30);
        const [xv, wv, bv, dyv] = [Float64Array.from(x.data), Float64Array.from(w.data), Float64Array.from(bias.data), Float64Array.from(dy.data)];

        // Forward: float64 reference of x W + b on the same (rounded) inputs.
        const want = new Float64Array(BATCH * h);
        const size = new Float64Array(BATCH * h);
        for (let i = 0; i < BATCH; i++) {
          for (let c = 0; c < h; c++) {
            let [s, m] = [0, 0];
            for (let j = 0; j < PIXELS; j++) {
              s += xv[i * PIXELS + j] * wv[j * h + c];
              m += Math.abs(xv[i * PIXELS + j] * wv[j * h + c]);
            }
            want[i * h + c] = s + bv[c];
            size[i * h + c] = m + Math.abs(bv[c]);
          }
        }
        const y = ops.sparseMatmul(sparse, w, undefined, bias);
        const yDense = ops.addBias(ops.matmul(x, w), bias);
        expect(worstRelative(y.data, want, size), `sparse forward h=${h}`).toBeLessThan(200 * unit);
        expect(worstRelative(yDense.data, want, size), `dense forward h=${h}`).toBeLessThan(200 * unit);
        // Without a bias the product alone.
        const noBias = ops.sparseMatmul(sparse, w);
        expect(worstRelative(noBias.data, want.map((v, e) => v - bv[e % h]), size), `sparse forward, no bias, h=${h}`).toBeLessThan(200 * unit);

        // Weight gradient: float64 reference of xᵀ dy.
        const wantDw = new Float64Array(PIXELS * h);
        const sizeDw = new Float64Array(PIXELS * h);
        for (let i = 0; i < BATCH; i++) {
          for (let j = 0; j < PIXELS; j++) {
            const v = xv[i * PIXELS + j];
            if (v === 0) continue;
            for (let c = 0; c < h; c++) {
              wantDw[j * h + c] += v * dyv[i * h + c];
              sizeDw[j * h + c] += Math.abs(v * dyv[i * h + c]);
            }
          }
        }
        const dw = ops.sparseTransposeMatmul(sparse, dy, b.full([PIXELS, h], 7, dtype));
        const dwDense = ops.matmul(x, dy, undefined, { transA: true });
        expect(worstRelative(dw.data, wantDw, sizeDw), `sparse dW h=${h}`).toBeLessThan(200 * unit);
        expect(worstRelative(dwDense.data, wantDw, sizeDw), `dense dW h=${h}`).toBeLessThan(200 * unit);
        // Pixels no image of the batch lights (MNIST's corners) get a gradient of exactly 0.
        const unlit = Array.from({ length: PIXELS }, (_, j) => j).filter((j) => Array.from({ length: BATCH }, (_, i) => xv[i * PIXELS + j]).every((v) => v === 0));
        expect(unlit.length).toBeGreaterThan(0);
        expect(unlit.every((j) => dw.data.slice(j * h, (j + 1) * h).every((v) => v === 0))).toBe(true);

        [index, x, w, bias, dy, y, yDense, noBias, dw, dwDense].forEach((t) => t.dispose());
        sparse.dispose();
      }
      src.dispose();
    });

    it(`the sparse path is bit-identical on 1, 2 and 3 threads, split whenever there are threads (${dtype})`, () => {
      // 700 outputs per row: enough that both kernels split (dW needs 65,536 elements of dy).
      const H = 700;
      const hashes = backends.map((b) => {
        const run = b.threadPool ? vi.spyOn(b.threadPool, 'run') : null;
        const src = images(b);
        const index = batchIndex(b, 5);
        const sparse = ops.compressRows(src, index, new SparseRows(b, BATCH, PIXELS, dtype));
        const w = randomMatrix(b, PIXELS, H, dtype, 6);
        const bias = randomMatrix(b, 1, H, dtype, 7).reshape(H);
        const dy = randomMatrix(b, BATCH, H, dtype, 8);
        const y = ops.sparseMatmul(sparse, w, undefined, bias);
        const dw = ops.sparseTransposeMatmul(sparse, dy, b.empty([PIXELS, H], dtype));
        if (run) expect(run, `${b.threads} threads`).toHaveBeenCalledTimes(2);
        run?.mockRestore();
        const hash = `${tensorHash(y)} ${tensorHash(dw)}`;
        [src, index, w, bias, dy, y, dw].forEach((t) => t.dispose());
        sparse.dispose();
        return hash;
      });
      expect(hashes[1], '2 threads').toBe(hashes[0]);
      expect(hashes[2], '3 threads').toBe(hashes[0]);
    });
  }
});

describe('a ByteRowsBatch: rows of a compressed byte set read where they lie', () => {
  for (const dtype of DTYPES) {
    it(`gives the bits of the batch gatherSparseRows copies out, forward and dW, on 1, 2 and 3 threads (${dtype})`, () => {
      const perThreads = backends.map((b) => {
        const src = images(b);
        const set = ops.compressSet(src);
        const hashes: string[] = [];
        for (const [h, seed] of [[1, 1], [3, 2], [17, 3], [18, 4], [34, 5], [36, 6], [50, 7], [100, 8], [700, 9]]) {
          const index = batchIndex(b, seed);
          const copied = ops.gatherSparseRows(set, index, new SparseRows(b, BATCH, PIXELS, dtype), 1 / 255);
          const inPlace = new ByteRowsBatch(set, BATCH, dtype, 1 / 255).select(index);
          const w = randomMatrix(b, PIXELS, h, dtype, seed + 10);
          const bias = randomMatrix(b, 1, h, dtype, seed + 20).reshape(h);
          const dy = randomMatrix(b, BATCH, h, dtype, seed + 30);
          const [y, yBytes] = [copied, inPlace].map((x) => ops.sparseMatmul(x, w, undefined, bias));
          const [dw, dwBytes] = [copied, inPlace].map((x) => ops.sparseTransposeMatmul(x, dy, b.full([PIXELS, h], 7, dtype)));
          expect(tensorHash(yBytes), `forward h=${h}`).toBe(tensorHash(y));
          expect(tensorHash(dwBytes), `dW h=${h}`).toBe(tensorHash(dw));
          hashes.push(`${tensorHash(yBytes)} ${tensorHash(dwBytes)}`);
          [index, w, bias, dy, y, yBytes, dw, dwBytes].forEach((t) => t.dispose());
          copied.dispose();
          inPlace.dispose();
        }
        src.dispose();
        set.dispose();
        return hashes.join();
      });
      expect(perThreads[1], '2 threads').toBe(perThreads[0]);
      expect(perThreads[2], '3 threads').toBe(perThreads[0]);
    });
  }

  it('refuses an index out of the set, a scale that is not finite, and use after its set is freed', () => {
    const b = backends[0];
    const set = ops.compressSet(b.tensor(new Uint8Array([0, 5, 0, 7, 0, 0]), [3, 2], 'uint8'));
    expect(() => new ByteRowsBatch(set, 2, 'float32', Number.NaN)).toThrow('ByteRowsBatch: scale must be a finite number, got NaN');
    const batch = new ByteRowsBatch(set, 2, 'float32', 0.5);
    expect(() => batch.select(b.tensor([0, 3], [2], 'int32'))).toThrow('ByteRowsBatch.select: index 3 at position 1 is out of range for 3 set rows');
    expect(() => batch.select(b.tensor([0], [1], 'int32'))).toThrow('ByteRowsBatch.select: index must be int32 with at least 2 entries, got (1,) int32');
    batch.select(b.tensor([2, 0], [2], 'int32'));
    expect(ops.sparseMatmul(batch, b.tensor([[1, 10], [100, 1000]])).toArray()).toEqual([[0, 0], [250, 2500]]); // row 0 is (0, 5), times 0.5
    expect(() => ops.sparseMatmul(batch, b.zeros([3, 2]))).toThrow('sparseMatmul: sparse (2, 2) float32 times w (3, 2): inner dimensions differ (2 vs 3)');
    set.dispose();
    expect(() => ops.sparseMatmul(batch, b.zeros([2, 2]))).toThrow('sparseMatmul: byte rows batch (2, 2) float32 (or its set) has been disposed');
    batch.dispose();
  });
});

describe('SparseRows and the sparse ops reject bad input before any kernel runs', () => {
  it('fromDense and toDense round-trip; shapes and dtypes are checked', () => {
    const b = backends[0];
    const x = b.tensor([[0, 1.5, 0], [0, 0, 0], [-2, 0, 3]]);
    const s = SparseRows.fromDense(x);
    expect(s.nnz).toBe(3);
    expect(s.toDense().toArray()).toEqual([[0, 1.5, 0], [0, 0, 0], [-2, 0, 3]]);
    expect(() => new SparseRows(b, 0, 3)).toThrow('SparseRows: shape must be two positive integers, got (0, 3)');
    expect(() => SparseRows.fromDense(b.zeros([3], 'int32'))).toThrow('SparseRows.fromDense: expected a float32 or float64 matrix (rows, cols), got (3,) int32');
    expect(() => s.toDense(b.zeros([3, 2]))).toThrow('SparseRows.toDense: out must be (3, 3) float32, got (3, 2) float32');
    s.dispose();
    expect(() => s.nnz).toThrow('SparseRows.nnz: sparse rows (3, 3) float32 have been disposed');
    x.dispose();
  });

  it('every op names itself and the shapes involved', () => {
    const b = backends[0];
    const kernels = b.kernels;
    const calls: string[] = [];
    // A wrapper over the exports that records any kernel call: none may happen below.
    (b as { kernels: unknown }).kernels = Object.fromEntries(
      Object.entries(kernels).map(([name, fn]) => [name, typeof fn === 'function' ? (...args: number[]) => (calls.push(name), fn(...args)) : fn]),
    );
    try {
      const src = b.zeros([5, 6], 'uint8');
      const index = b.tensor([0, 4, 1], [3], 'int32');
      const s = new SparseRows(b, 3, 6);
      const s64 = new SparseRows(b, 3, 6, 'float64');
      const w = b.zeros([6, 4]);
      calls.length = 0;
      expect(() => ops.compressRows(b.zeros([5, 6]), index, s)).toThrow('compressRows: src must be uint8, got (5, 6) float32');
      expect(() => ops.compressRows(src, b.tensor([0, 5, 1], [3], 'int32'), s)).toThrow('compressRows: index 5 at position 1 is out of range for 5 source rows');
      expect(() => ops.compressRows(src, b.tensor([0, -1, 1], [3], 'int32'), s)).toThrow('compressRows: index -1 at position 1 is out of range for 5 source rows');
      expect(() => ops.compressRows(src, b.tensor([0, 1], [2], 'int32'), s)).toThrow('compressRows: index (2,) has fewer than 3 entries');
      expect(() => ops.compressRows(b.zeros([5, 7], 'uint8'), index, s)).toThrow('compressRows: source rows (5, 7) uint8 and batch rows sparse (3, 6) float32 differ in length');
      expect(() => ops.sparseMatmul(s, b.zeros([5, 4]))).toThrow('sparseMatmul: sparse (3, 6) float32 times w (5, 4): inner dimensions differ (6 vs 5)');
      expect(() => ops.sparseMatmul(s64, w)).toThrow('sparseMatmul: dtypes differ: sparse (3, 6) float64, (6, 4) float32');
      expect(() => ops.sparseMatmul(s, w, undefined, b.zeros([3]))).toThrow('sparseMatmul: bias (3,) does not fit w (6, 4) (needs 4 values)');
      expect(() => ops.sparseMatmul(s, w, b.zeros([3, 5]))).toThrow('sparseMatmul: output must be (3, 4) float32, got (3, 5) float32');
      expect(() => ops.sparseMatmul(s, w, w.rows(0, 3))).toThrow('sparseMatmul: w and out must not share memory');
      expect(() => ops.sparseTransposeMatmul(s, b.zeros([3, 4]), b.zeros([6, 5]))).toThrow(
        'sparseTransposeMatmul: sparse (3, 6) float32 transposed times dy (3, 4) does not give dw (6, 5)',
      );
      expect(() => ops.sparseTransposeMatmul(s, b.zeros([2, 4]), w)).toThrow('does not give dw (6, 4)');
      const other = backends[1];
      expect(() => ops.sparseMatmul(s, other.zeros([6, 4]))).toThrow(/^sparseMatmul: tensors from two backends: sparse \(3, 6\) float32 is in backend #\d+ .*\(6, 4\) float32 is in backend #\d+/);
      expect(() => ops.sparseTransposeMatmul(s, other.zeros([3, 4]), w)).toThrow(/^sparseTransposeMatmul: tensors from two backends: .*\(3, 4\) float32 is in backend #\d+/);
      expect(() => ops.sparseMatmul(s, w, undefined, other.zeros([4]))).toThrow(/^sparseMatmul: tensors from two backends: .*\(4,\) float32 is in backend #\d+/);
      expect(() => ops.compressRows(other.zeros([5, 6], 'uint8'), b.tensor([0, 1, 2], [3], 'int32'), s)).toThrow(/^compressRows: tensors from two backends: \(5, 6\) uint8 is in backend #\d+/);
      const set = ops.compressSet(b.tensor([0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0], [5, 6], 'uint8'));
      expect(set.nnz).toBe(9);
      expect(() => ops.compressSet(b.zeros([5, 6]))).toThrow('compressSet: src must be uint8, got (5, 6) float32');
      expect(() => ops.compressSet(b.zeros([1, 65537], 'uint8'))).toThrow('compressSet: rows of 65537 bytes in (1, 65537) uint8 are wider than the 65536 columns a u16 holds');
      expect(() => ops.gatherSparseRows(set, b.tensor([0, 5, 1], [3], 'int32'), s)).toThrow('gatherSparseRows: index 5 at position 1 is out of range for 5 set rows');
      expect(() => ops.gatherSparseRows(set, b.tensor([0, 1], [2], 'int32'), s)).toThrow('gatherSparseRows: index (2,) has fewer than 3 entries');
      expect(() => ops.gatherSparseRows(set, index, new SparseRows(b, 3, 7))).toThrow('gatherSparseRows: set rows (5, 6) and batch rows sparse (3, 7) float32 differ in length');
      expect(() => ops.gatherSparseRows(set, index, s, Infinity)).toThrow('gatherSparseRows: scale must be a finite number, got Infinity');
      expect(() => ops.gatherSparseRows(set, b.tensor([2, 2, 0], [3], 'int32'), new SparseRows(b, 3, 6, 'float32', 12))).toThrow(
        'gatherSparseRows: the 3 rows hold 13 nonzeros, more than the 12 sparse (3, 6) float32 has room for',
      );
      expect(() => ops.gatherSparseRows(set, other.tensor([0, 1, 2], [3], 'int32'), s)).toThrow(/^gatherSparseRows: tensors from two backends: .* index \(3,\) int32 in backend #\d+/);
      expect(() => new SparseRows(b, 3, 6, 'float32', 19)).toThrow('SparseRows: capacity must be an integer from 0 to 18 for (3, 6), got 19');
      set.dispose();
      expect(() => ops.gatherSparseRows(set, index, s)).toThrow('gatherSparseRows: sparse byte rows (5, 6) have been disposed');
      s.dispose();
      expect(() => ops.sparseMatmul(s, w)).toThrow('sparseMatmul: sparse rows (3, 6) float32 have been disposed');
      expect(calls.filter((name) => /csr|compress|nonzero/i.test(name))).toEqual(['countNonzeroU8', 'compressSetU8']); // the set's, made on purpose above
      ops.compressRows(src, index, s64);
      expect(calls).toContain('compressRowsU8_f64');
    } finally {
      (b as { kernels: unknown }).kernels = kernels;
    }
  });
});

describe('the first layer on sparse batches', () => {
  it('Affine.forwardSparse and backwardParams agree with the dense layer; its dx is refused', () => {
    const b = backends[0];
    for (const dtype of DTYPES) {
      const unit = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
      const src = images(b);
      const index = batchIndex(b, 9);
      const sparse = ops.compressRows(src, index, new SparseRows(b, BATCH, PIXELS, dtype));
      const x = sparse.toDense();
      const dense = new Affine(randomMatrix(b, PIXELS, 30, dtype, 1), randomMatrix(b, 1, 30, dtype, 2).reshape(30));
      const viaSparse = new Affine(dense.W.clone(), dense.b.clone());
      const dout = randomMatrix(b, BATCH, 30, dtype, 3);
      const yDense = dense.forward(x).clone();
      const ySparse = viaSparse.forwardSparse(sparse);
      dense.backwardParams(dout);
      viaSparse.backwardParams(dout);
      const [a, c] = [Array.from(yDense.data), Array.from(ySparse.data)];
      // |x| <= 1 and |W| < 1 with ~150 nonzeros a row: the sums stay below 200.
      expect(Math.max(...a.map((v, i) => Math.abs(v - c[i])))).toBeLessThan(200 * 200 * unit);
      const [dwD, dwS] = [Array.from(dense.grads[0].data), Array.from(viaSparse.grads[0].data)];
      expect(Math.max(...dwD.map((v, i) => Math.abs(v - dwS[i])))).toBeLessThan(200 * 200 * unit);
      expect(tensorHash(viaSparse.grads[1])).toBe(tensorHash(dense.grads[1]));
      expect(() => viaSparse.backward(dout)).toThrow('Affine(784 -> 30): the last forward took sparse rows, whose dx is not computed');
      expect(() => viaSparse.forwardSparse(new SparseRows(b, 2, 783, dtype))).toThrow('Affine(784 -> 30): sparse input (2, 783)');
      // A dense forward afterwards is the ordinary layer again.
      dense.forward(x);
      expect(dense.backward(dout).shape).toEqual([BATCH, PIXELS]);
      [src, index, x, yDense, dout, ...dense.params, ...dense.grads, ...viaSparse.params, ...viaSparse.grads].forEach((t) => t.dispose());
      sparse.dispose();
    }
  });

  it('a net whose first layer is not Affine refuses sparse rows', () => {
    const b = backends[0];
    const net = new Sequential([new Sigmoid(), new Affine(b.zeros([4, 2]), b.zeros([2]))]);
    const s = new SparseRows(b, 3, 4);
    expect(net.takesSparseInput).toBe(false);
    expect(() => net.forward(s)).toThrow('Sequential: sparse input needs an Affine first layer, got Sigmoid');
    s.dispose();
    net.dispose();
  });

  it('MNIST is measured sparse enough; a dense byte set and dense: true keep the dense path', () => {
    const b = backends[0];
    const net = new TwoLayerNet(PIXELS, 20, 10, 0.01, { backend: b, seed: 1 });
    expect(mnist.train.density).toBeGreaterThan(0.15);
    expect(mnist.train.density).toBeLessThan(SPARSE_DENSITY_THRESHOLD);
    expect(usesSparseInput(mnist.train, net)).toBe(true);
    expect(usesSparseInput(mnist.train, net, true)).toBe(false);
    const bright = new ByteImageSource(b.full([50, PIXELS], 200, 'uint8'), b.zeros([50], 'uint8'));
    expect(bright.density).toBe(1);
    expect(usesSparseInput(bright, net)).toBe(false);
    bright.dispose();
    net.dispose();
  });

  it('ByteImageSource.fillSparse gives compressRows\'s batches in either dtype, from one kept set, or from the bytes for rows wider than 65,536', () => {
    const b = backends[0];
    const rng = new Rng(11);
    for (const cols of [PIXELS, 65537]) {
      const rows = cols === PIXELS ? 2000 : 3;
      const bytes = cols === PIXELS ? imageBytes : Uint8Array.from({ length: rows * cols }, () => (rng.uniform() < 0.8 ? 0 : 1 + rng.int(255)));
      const source = new ByteImageSource(b.tensor(bytes, [rows, cols], 'uint8'), b.zeros([rows], 'uint8'), { scale: 0.5 });
      const index = b.tensor([rows - 1, 0, 1, 1], [4], 'int32');
      const t = b.empty([4], 'int32');
      const kernels = b.kernels;
      const calls: string[] = [];
      (b as { kernels: unknown }).kernels = Object.fromEntries(
        Object.entries(kernels).map(([name, fn]) => [name, typeof fn === 'function' ? (...args: number[]) => (calls.push(name), fn(...args)) : fn]),
      );
      for (const dtype of DTYPES) {
        const want = ops.compressRows(source.images, index, new SparseRows(b, 4, cols, dtype), 0.5);
        const got = new SparseRows(b, 4, cols, dtype);
        source.fillSparse(index, got, t);
        expect(got.nnz, `${cols} columns, ${dtype}`).toBe(want.nnz);
        expect(tensorHash(got.toDense()), `${cols} columns, ${dtype}`).toBe(tensorHash(want.toDense()));
        [want, got].forEach((x) => x.dispose());
      }
      (b as { kernels: unknown }).kernels = kernels;
      const kept = calls.filter((name) => /compressSet|gatherByteRows/.test(name));
      expect(kept, `${cols} columns: the kept set's kernels`).toEqual(cols === PIXELS ? ['compressSetU8', 'gatherByteRows_f32', 'gatherByteRows_f64'] : []);
      [index, t].forEach((x) => x.dispose());
      source.dispose();
    }
  });

  it('training on MNIST takes the sparse path by default and ends where the dense path does, to rounding', () => {
    const b = backends[0];
    const train = mnist.train.slice(3000);
    const test = mnist.test.slice(1000);
    const run = (dense: boolean) => {
      const net = new TwoLayerNet(PIXELS, 50, 10, 0.01, { backend: b, seed: 2 });
      const spy = vi.spyOn(Affine.prototype, 'forwardSparse');
      const trainer = new Trainer(net, new SGD(0.1));
      const epochs = trainer.fit(train, { epochs: 2, test, dense, seed: 3 });
      const sparseCalls = spy.mock.calls.length;
      spy.mockRestore();
      const accuracy = evaluateAccuracy(net, test, { dense: true });
      const params = Float64Array.from(net.params[0].data);
      net.dispose();
      return { losses: trainer.lossHistory, epochs, sparseCalls, accuracy, params };
    };
    const sparse = run(false);
    const dense = run(true);
    // 60 steps of 30 batches each, then evaluation of the 3000 train and 1000 test images in batches of 1000.
    expect(sparse.sparseCalls).toBe(60 + 2 * (3 + 1));
    expect(dense.sparseCalls).toBe(0);
    expect(sparse.losses.length).toBe(60);
    for (let i = 0; i < 60; i++) expect(Math.abs(sparse.losses[i] - dense.losses[i]), `loss ${i}`).toBeLessThan(1e-4);
    expect(Math.max(...sparse.params.map((v, i) => Math.abs(v - dense.params[i])))).toBeLessThan(1e-4);
    expect(Math.abs(sparse.epochs[1].testAccuracy! - dense.epochs[1].testAccuracy!)).toBeLessThanOrEqual(0.002);
    expect(sparse.epochs[1].testAccuracy).toBeGreaterThan(0.3); // learning: chance is 0.1
    expect(Math.abs(sparse.accuracy - dense.accuracy)).toBeLessThanOrEqual(0.002);
  });
});
