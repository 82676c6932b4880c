import { describe, test, expect, beforeAll, afterAll, vi } from 'vitest';
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createBackend, ByteRowsBatch, ops, MultiLayerNet, Adam, Rng, tensorHash, paramsHash, Sequential, Convolution, ReLU, BatchNormalization, Pooling, Flatten, Affine,
} from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';
import { PARALLEL_KERNELS, SPLIT_ELEMENTS, THREAD_KERNEL_NAMES, argKinds, splitArgs, workOf } from '../src/backend/threads/parallel-kernels.js';
import { KERNEL_SIGNATURES } from '../src/backend/threads/kernel-signatures.js';
// @ts-expect-error: a plain .mjs build script, without type declarations
import { readSignatures } from '../scripts/kernel-signatures.mjs';
import { GEMM_SPLIT_COLS, GEMM_SPLIT_ROWS, splitGemm } from '../src/backend/threads/gemm-split.js';
import { ThreadPool } from '../src/backend/threads/thread-pool.js';
import type { WorkerHandle } from '../src/backend/threads/thread-pool.js';
import { spawnNodeWorker } from '../src/backend/threads/spawn-node.js';

type FloatDType = 'float32' | 'float64';
const DTYPES: FloatDType[] = ['float32', 'float64'];
const THREADS = [1, 2, 3];

let backends: Backend[];
beforeAll(async () => {
  // Start small so the arena grows the shared memory while the workers are running.
  backends = await Promise.all(THREADS.map((threads) => createBackend({ threads, initialMemoryMB: 1 })));
});
afterAll(() => backends.forEach((b) => b.dispose()));

/** A tensor of seeded values in [-2, 2): the same on every backend for the same seed. */
function randomTensor(b: Backend, shape: number[], seed: number, dtype: FloatDType | 'uint8' | 'int32', max = 0): Tensor {
  const size = shape.reduce((x, y) => x * y, 1);
  const key = `${size} ${seed} ${dtype} ${max}`;
  let values = randomValues.get(key);
  if (values === undefined) {
    const rng = new Rng(seed);
    values = Float64Array.from({ length: size }, () =>
      dtype === 'uint8' ? rng.int(256) : dtype === 'int32' ? rng.int(max) : rng.uniform() * 4 - 2,
    );
    randomValues.set(key, values);
  }
  return b.tensor(values, shape, dtype);
}
/** Made once, used on every backend. */
const randomValues = new Map<string, Float64Array>();

/**
 * Arguments for one call of each parallel kernel, over tensors made on `b` (every one filled with
 * seeded values, outputs included, so a share left undone would show). Sizes divide evenly
 * neither by 16 nor by 3.
 */
function callOf(name: string, b: Backend, dtype: FloatDType): { args: number[]; tensors: Tensor[] } {
  const N = 5_007;
  const COLS = 37;
  const ROWS = 301;
  const tensors: Tensor[] = [];
  let seed = 1;
  const f = (...shape: number[]) => tensors[tensors.push(randomTensor(b, shape, seed++, dtype)) - 1].ptr;
  const f64 = (n: number) => tensors[tensors.push(randomTensor(b, [n], seed++, 'float64')) - 1].ptr;
  const u8 = (n: number) => tensors[tensors.push(randomTensor(b, [n], seed++, 'uint8')) - 1].ptr;
  const i32 = (n: number, max: number) => tensors[tensors.push(randomTensor(b, [n], seed++, 'int32', max)) - 1].ptr;
  const positive = () => {
    const t = randomTensor(b, [N], seed++, dtype);
    ops.mul(t, t, t); // optimizer state that is a running sum of squares must be >= 0
    tensors.push(t);
    return t.ptr;
  };
  const calls: Record<string, () => number[]> = {
    step: () => [N, f(N), f(N)],
    relu: () => [N, f(N), f(N)],
    sigmoid: () => [N, f(N), f(N)],
    tanh: () => [N, f(N), f(N)],
    leakyRelu: () => [N, f(N), f(N), 0.1],
    elu: () => [N, f(N), f(N), 0.7],
    sigmoidBackward: () => [N, f(N), f(N), f(N)],
    reluBackward: () => [N, f(N), f(N), f(N)],
    tanhBackward: () => [N, f(N), f(N), f(N)],
    leakyReluBackward: () => [N, f(N), f(N), f(N), 0.1],
    eluBackward: () => [N, f(N), f(N), f(N), f(N), 0.7],
    copy: () => [N, f(N), f(N)],
    add: () => [N, f(N), f(N), f(N)],
    sub: () => [N, f(N), f(N), f(N)],
    mul: () => [N, f(N), f(N), f(N)],
    scale: () => [N, f(N), 0.3, f(N)],
    axpy: () => [N, -0.3, f(N), f(N)],
    dropoutBackward: () => [N, f(N), u8(N), f(N), 0.8],
    bytesToFloat: () => [N, u8(N), f(N), 1 / 255],
    sgd: () => [N, f(N), f(N), 0.01],
    momentum: () => [N, f(N), f(N), f(N), 0.01, 0.9],
    nesterov: () => [N, f(N), f(N), f(N), 0.01, 0.9],
    adagrad: () => [N, f(N), f(N), positive(), 0.01, 1e-7],
    rmsprop: () => [N, f(N), f(N), positive(), 0.01, 0.99, 1e-7],
    adam: () => [N, f(N), f(N), f(N), positive(), 0.001, 0.9, 0.999, 1e-7],
    addBias: () => [ROWS, COLS, f(ROWS, COLS), f(COLS), f(ROWS, COLS)],
    addBiasSigmoid: () => [ROWS, COLS, f(ROWS, COLS), f(COLS), f(ROWS, COLS)],
    addBiasRelu: () => [ROWS, COLS, f(ROWS, COLS), f(COLS), f(ROWS, COLS)],
    repeatRows: () => [ROWS, COLS, f(COLS), f(ROWS, COLS)],
    softmaxRows: () => [ROWS, COLS, f(ROWS, COLS), f(ROWS, COLS)],
    gatherRows: () => [ROWS, COLS, f(300, COLS), i32(ROWS, 300), f(ROWS, COLS)],
    gatherRowsU8: () => [ROWS, COLS, u8(300 * COLS), i32(ROWS, 300), f(ROWS, COLS), 1 / 255],
    softmaxCrossEntropyLabels: () => [ROWS, COLS, f(ROWS, COLS), i32(ROWS, COLS), f(ROWS, COLS), f64(ROWS)],
    softmaxCrossEntropyOneHot: () => [ROWS, COLS, f(ROWS, COLS), f(ROWS, COLS), f(ROWS, COLS), f64(ROWS)],
    softmaxCrossEntropyBackwardOneHot: () => [ROWS, COLS, f(ROWS, COLS), f(ROWS, COLS), f(ROWS, COLS), 0.01],
    softmaxCrossEntropyBackwardLabels: () => [ROWS, COLS, f(ROWS, COLS), i32(ROWS, COLS), f(ROWS, COLS), 0.01],
    // 5 images (2, 9, 7), 3x4 filters, stride 2, pad 1: (5, 3) outputs, rows of 24
    im2col: () => [5, 2, 9, 7, 3, 4, 2, 1, f(5, 2, 9, 7), f(5 * 15, 24)],
    col2im: () => [5, 2, 9, 7, 3, 4, 2, 1, f(5 * 15, 24), f(5, 2, 9, 7)],
    transposeBatch: () => [5, 13, 7, f(5, 13, 7), f(5, 7, 13)],
    // 7 planes (9, 8), 3x2 windows, stride 2, pad 1: (5, 5) outputs
    maxPoolForward: () => [7, 9, 8, 3, 2, 2, 1, f(7, 9, 8), f(7, 25), i32(7 * 25, 72)],
    maxPoolBackward: () => [7, 9, 8, 3, 2, 2, 1, f(7, 25), i32(7 * 25, 72), f(7, 9, 8)],
    avgPoolForward: () => [7, 9, 8, 3, 2, 2, 1, f(7, 9, 8), f(7, 25)],
    avgPoolBackward: () => [7, 9, 8, 3, 2, 2, 1, f(7, 25), f(7, 9, 8)],
    // 5 channels of (7, 5, 11) tensors
    batchNormForwardTrain: () => [5, 7, 11, 55, f(7, 55), f(5), f(5), f(5), positive(), 0.9, 1e-5, f(7, 55), f(7, 55), f(5)],
    batchNormForwardInfer: () => [5, 7, 11, 55, f(7, 55), f(5), f(5), f(5), positive(), 1e-5, f(7, 55), f(7, 55), f(5)],
    batchNormBackward: () => [5, 7, 11, 55, 1, f(7, 55), f(7, 55), f(5), f(5), f(7, 55), f(5), f(5)],
    csrMatmul: () => {
      // X (ROWS, 50) in CSR: row i keeps the columns j with (7i + 3j) % 5 == 0 (a fifth of them).
      const D = 50;
      const rowStart = [0];
      const colIdx: number[] = [];
      for (let i = 0; i < ROWS; i++) {
        for (let j = 0; j < D; j++) if ((7 * i + 3 * j) % 5 === 0) colIdx.push(j);
        rowStart.push(colIdx.length);
      }
      const ints = (v: number[]) => tensors[tensors.push(b.tensor(v, [v.length], 'int32')) - 1].ptr;
      return [ROWS, COLS, ints(rowStart), ints(colIdx), f(colIdx.length), f(D, COLS), f(COLS), f(ROWS, COLS)];
    },
    byteRowsMatmul: () => {
      // A set of 40 byte rows of 50 (a fifth nonzero, as above), read through a shuffled index.
      const D = 50;
      const setRows = 40;
      const bytes = b.zeros([setRows, D], 'uint8');
      const px = bytes.data as Uint8Array;
      for (let i = 0; i < setRows; i++) for (let j = 0; j < D; j++) if ((7 * i + 3 * j) % 5 === 0) px[i * D + j] = 1 + ((i * 13 + j) % 255);
      const set = ops.compressSet(bytes);
      bytes.dispose();
      const batch = new ByteRowsBatch(set, ROWS, dtype, 1 / 255).select(b.tensor(Array.from({ length: ROWS }, (_, i) => (i * 17) % setRows), [ROWS], 'int32'));
      const { index, table } = batch.arrays;
      const { rowStart, colIdx, bytes: values } = set.arrays;
      tensors.push(index, table, rowStart, colIdx, values);
      return [ROWS, COLS, index.ptr, rowStart.ptr, colIdx.ptr, values.ptr, table.ptr, f(D, COLS), f(COLS), f(ROWS, COLS)];
    },
  };
  const make = calls[name];
  if (make === undefined) throw new Error(`no test call for ${name}`);
  return { args: make(), tensors };
}

describe('the parallel kernel table', () => {
  test('every entry names a kernel of both builds with as many arguments as its wasm export takes', () => {
    for (const b of backends) {
      for (const [name, spec] of Object.entries(PARALLEL_KERNELS)) {
        for (const sfx of ['f32', 'f64']) {
          expect(b.kernels[`${name}_${sfx}`]?.length, `${name}_${sfx}`).toBe(spec.args.length);
        }
      }
      for (const name of THREAD_KERNEL_NAMES) expect(typeof b.kernels[name], name).toBe('function');
    }
  });

  test('the signatures the split reads are those of assembly/, and each wasm export takes as many arguments', () => {
    expect(KERNEL_SIGNATURES).toEqual(readSignatures());
    for (const b of backends) {
      const exported = Object.entries(b.kernels).filter(([, f]) => typeof f === 'function');
      expect(exported.length).toBe(Object.keys(KERNEL_SIGNATURES).length);
      for (const [name, f] of exported) expect(KERNEL_SIGNATURES[name]?.length, name).toBe(f.length);
    }
  });

  test("argument kinds come from the kernel's parameter types", () => {
    expect(PARALLEL_KERNELS.relu.args).toEqual(['count', 'float', 'float']);
    expect(PARALLEL_KERNELS.axpy.args).toEqual(['count', 'same', 'float', 'float']);
    expect(PARALLEL_KERNELS.dropoutBackward.args).toEqual(['count', 'float', 'byte', 'float', 'same']);
    expect(PARALLEL_KERNELS.addBias.args).toEqual(['count', 'same', 'float', 'same', 'float']);
    expect(PARALLEL_KERNELS.gatherRowsU8.args).toEqual(['count', 'same', 'same', 'int', 'float', 'same']);
    expect(PARALLEL_KERNELS.softmaxCrossEntropyBackwardLabels.args).toEqual(['count', 'same', 'float', 'int', 'float', 'same']);
    const signatures = {
      ok_f32: ['i32', 'Bytes', 'usize', 'f32', 'u32'],
      ok_f64: ['i32', 'Bytes', 'usize', 'f64', 'u32'],
      vector_f32: ['i32', 'v128'],
      vector_f64: ['i32', 'v128'],
      sizeLast_f32: ['usize', 'i32'],
      sizeLast_f64: ['usize', 'i32'],
      differ_f32: ['i32', 'usize'],
      differ_f64: ['i32', 'Whole'],
      only_f32: ['i32'],
    };
    expect(argKinds('ok', signatures)).toEqual(['count', 'byte', 'float', 'same', 'same']);
    expect(() => argKinds('vector', signatures)).toThrow('threads: vector_f32 has a parameter of type v128, which a split cannot move');
    expect(() => argKinds('sizeLast', signatures)).toThrow('threads: sizeLast_f32 must take its split size (i32) first, not usize');
    expect(() => argKinds('differ', signatures)).toThrow('threads: differ_f32 and differ_f64 take different arguments');
    expect(() => argKinds('only', signatures)).toThrow('threads: the wasm core has no kernel only_f64');
  });

  test('element shares are contiguous, cover every element once and start on multiples of 16', () => {
    const spec = { by: 'elements' as const, args: ['count', 'float', 'same', 'byte'] as const, minElements: 0 };
    for (const threads of [2, 3, 4, 7]) {
      for (const n of [1, 15, 16, 17, 33, 100, 1000, 50_007]) {
        const shares = splitArgs(spec, 8, [n, 1000, 0.5, 64], threads);
        expect(shares.length).toBeLessThanOrEqual(threads);
        let next = 0;
        for (const [count, x, scalar, bytes] of shares) {
          const start = (x - 1000) / 8;
          expect(start).toBe(next);
          expect(start % SPLIT_ELEMENTS).toBe(0);
          expect(bytes - 64).toBe(start);
          expect(scalar).toBe(0.5);
          expect(count).toBeGreaterThan(0);
          next = start + count;
        }
        expect(next).toBe(n);
      }
    }
  });

  test('row shares step row pointers by whole rows and int pointers by one int per row', () => {
    const spec = PARALLEL_KERNELS.gatherRows;
    const shares = splitArgs({ ...spec, minElements: 0 }, 4, [10, 3, 500, 1000, 2000], 3);
    expect(shares).toEqual([
      [3, 3, 500, 1000, 2000],
      [4, 3, 500, 1012, 2000 + 3 * 3 * 4],
      [3, 3, 500, 1028, 2000 + 7 * 3 * 4],
    ]);
  });

  test('row shares step a per-row float64 array by 8 bytes a row', () => {
    const spec = PARALLEL_KERNELS.softmaxCrossEntropyLabels;
    const shares = splitArgs({ ...spec, minElements: 0 }, 4, [10, 3, 1000, 2000, 3000, 4000], 3);
    expect(shares).toEqual([
      [3, 3, 1000, 2000, 3000, 4000],
      [4, 3, 1000 + 3 * 3 * 4, 2012, 3000 + 3 * 3 * 4, 4024],
      [3, 3, 1000 + 7 * 3 * 4, 2028, 3000 + 7 * 3 * 4, 4056],
    ]);
  });

  test('item shares move each array by its own elements per item (images, planes, channels)', () => {
    // 3 images (2, 5, 5), 3x3 filters, stride 1, pad 0: 9 rows of 18 per image.
    const shares = splitArgs({ ...PARALLEL_KERNELS.im2col, minElements: 0 }, 8, [3, 2, 5, 5, 3, 3, 1, 0, 1000, 9000], 2);
    expect(shares).toEqual([
      [2, 2, 5, 5, 3, 3, 1, 0, 1000, 9000],
      [1, 2, 5, 5, 3, 3, 1, 0, 1000 + 2 * 50 * 8, 9000 + 2 * 9 * 18 * 8],
    ]);
    // Batchnorm over 4 channels of (n 6, hw 10): x-shaped arrays move by hw, per-channel ones by 1; work is n * hw per channel.
    const bn = PARALLEL_KERNELS.batchNormBackward;
    const [, second] = splitArgs({ ...bn, minElements: 0 }, 4, [4, 6, 10, 40, 1, 100, 200, 300, 400, 500, 600, 700], 2);
    expect(second).toEqual([2, 6, 10, 40, 1, 100 + 80, 200 + 80, 308, 408, 500 + 80, 608, 708]);
    expect(workOf(bn, [4, 6, 10, 40, 1, 0, 0, 0, 0, 0, 0, 0])).toBe(240);
  });

  test('a call below its threshold stays whole', () => {
    expect(splitArgs(PARALLEL_KERNELS.relu, 4, [100, 0, 64], 2)).toEqual([[100, 0, 64]]);
  });

  test('GEMM blocks cover C once: columns in multiples of 8 when C is wide, rows in multiples of 4 when tall', () => {
    const wide = splitGemm(3, false, true, 20, 100, 0, 50, 4000, 50, 8000, 100, 4);
    expect(wide.map((s) => s.n)).toEqual([32, 40, 28]);
    expect(wide.map((s) => (s.c - 8000) / 4)).toEqual([0, 32, 72]);
    expect(wide.map((s) => (s.b - 4000) / 4)).toEqual([0, 32 * 50, 72 * 50]); // B stored (n, k): rows
    expect(wide.every((s) => s.m === 20 && s.a === 0 && (s.c - 8000) / 4 % GEMM_SPLIT_COLS === 0)).toBe(true);
    const tall = splitGemm(2, true, false, 101, 10, 0, 101, 4000, 10, 8000, 10, 8);
    expect(tall.map((s) => s.m)).toEqual([52, 49]);
    expect(tall.map((s) => s.a / 8)).toEqual([0, 52]); // A stored (k, m): columns
    expect(tall.map((s) => (s.c - 8000) / 8)).toEqual([0, 52 * 10]);
    expect(tall[1].m % GEMM_SPLIT_ROWS === 1 && tall[0].m % GEMM_SPLIT_ROWS === 0).toBe(true);
  });
});

describe('bit-identical for 1, 2 and 3 threads', () => {
  test('the default is every core, or SCRATCHNET_THREADS', async () => {
    const saved = process.env.SCRATCHNET_THREADS;
    try {
      delete process.env.SCRATCHNET_THREADS;
      const b = await createBackend();
      expect(b.threads).toBe(availableParallelism());
      expect(b.memory.buffer instanceof SharedArrayBuffer).toBe(b.threads > 1);
      b.dispose();
      process.env.SCRATCHNET_THREADS = '3';
      const three = await createBackend();
      expect(three.threads).toBe(3);
      three.dispose();
      process.env.SCRATCHNET_THREADS = 'two';
      await expect(createBackend()).rejects.toThrow('createBackend: SCRATCHNET_THREADS must be a positive integer, got "two"');
      await expect(createBackend({ threads: 0 })).rejects.toThrow('createBackend: threads must be a positive integer, got 0');
    } finally {
      if (saved === undefined) delete process.env.SCRATCHNET_THREADS;
      else process.env.SCRATCHNET_THREADS = saved;
    }
    expect(backends.map((x) => x.threads)).toEqual(THREADS);
    expect(backends[0].threadPool).toBeNull();
  });

  for (const dtype of DTYPES) {
    test(`every parallel kernel, split whatever its size, ${dtype}`, () => {
      for (const [name, spec] of Object.entries(PARALLEL_KERNELS)) {
        const hashes = backends.map((b) => {
          const { args, tensors } = callOf(name, b, dtype);
          const pool = b.threadPool;
          if (pool === null) b.kernel(name, dtype)(...args);
          else {
            const full = `${name}_${dtype === 'float32' ? 'f32' : 'f64'}`;
            const shares = splitArgs({ ...spec, minElements: 0 }, dtype === 'float32' ? 4 : 8, args, b.threads);
            expect(shares.length).toBe(b.threads);
            pool.run(full, shares.map((share) => ({ kernel: pool.kernelIndex(full), args: share })));
          }
          const hash = tensors.map(tensorHash).join(' ');
          tensors.forEach((t) => t.dispose());
          return hash;
        });
        expect(hashes[1], `${name} ${dtype}, 2 threads`).toBe(hashes[0]);
        expect(hashes[2], `${name} ${dtype}, 3 threads`).toBe(hashes[0]);
      }
    });

    test(`GEMM in every transpose, on windows of larger matrices, with alpha and beta, ${dtype}`, () => {
      const cases: Array<[number, number, number, boolean, boolean]> = [
        [100, 784, 100, false, false],
        [784, 100, 100, true, false],
        [100, 100, 784, false, true],
        [37, 300, 517, true, true],
        [3, 100, 1000, false, false],
        [1000, 100, 3, false, true],
        // A conv layer's dW (few rows over a long k, B read in place), split by columns.
        [16, 3000, 144, true, false],
        [13, 2500, 150, false, false],
      ];
      for (const [m, k, n, transA, transB] of cases) {
        const pad = 5; // every matrix is a window of one with 5 more columns
        const hashes = backends.map((b) => {
          const run = b.threadPool ? vi.spyOn(b.threadPool, 'run') : null;
          const a = randomTensor(b, transA ? [k, m + pad] : [m, k + pad], 1, dtype);
          const w = randomTensor(b, transB ? [n, k + pad] : [k, n + pad], 2, dtype);
          const c = randomTensor(b, [m, n + pad], 3, dtype);
          b.kernel('gemm', dtype)(+transA, +transB, m, n, k, 0.75, a.ptr, a.shape[1], w.ptr, w.shape[1], -0.5, c.ptr, c.shape[1]);
          if (run) expect(run, `(${m}, ${k}, ${n}) split on ${b.threads} threads`).toHaveBeenCalledTimes(1);
          run?.mockRestore();
          const hash = tensorHash(c);
          [a, w, c].forEach((t) => t.dispose());
          return hash;
        });
        const label = `(${m}, ${k}, ${n})${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`;
        expect(hashes[1], `${label}, 2 threads`).toBe(hashes[0]);
        expect(hashes[2], `${label}, 3 threads`).toBe(hashes[0]);
      }
    });
  }

  test('a call above its threshold is split by backend.kernel, and one below is not', () => {
    const b = backends[1];
    const run = vi.spyOn(b.threadPool!, 'run');
    for (const [name, n] of [['sigmoid', PARALLEL_KERNELS.sigmoid.minElements], ['add', PARALLEL_KERNELS.add.minElements]] as const) {
      const x = b.rand([n]);
      const y = b.rand([n]);
      const small = b.rand([n - 1]);
      run.mockClear();
      if (name === 'sigmoid') ops.sigmoid(x, y);
      else ops.add(x, y, y);
      expect(run, name).toHaveBeenCalledTimes(1);
      if (name === 'sigmoid') ops.sigmoid(small, small);
      else ops.add(small, small, small);
      expect(run, name).toHaveBeenCalledTimes(1);
      const reference = b.rand([n]);
      const x1 = backends[0].tensor(reference.data, [n]);
      expect(tensorHash(name === 'sigmoid' ? ops.sigmoid(reference) : ops.add(reference, reference))).toBe(
        tensorHash(name === 'sigmoid' ? ops.sigmoid(x1) : ops.add(x1, x1)),
      );
      [x, y, small, reference, x1].forEach((t) => t.dispose());
    }
    run.mockRestore();
  });

  test('every kernel, GEMM included, is made once per backend and dtype, then kept', () => {
    for (const b of backends) {
      for (const dtype of DTYPES) for (const name of ['relu', 'gemm', 'sumRows']) expect(b.kernel(name, dtype)).toBe(b.kernel(name, dtype));
      // A kernel that never splits, and any kernel on one thread, is the wasm export itself.
      expect(b.kernel('sumRows', 'float32')).toBe(b.kernels.sumRows_f32);
      expect(b.kernel('relu', 'float64') === b.kernels.relu_f64).toBe(b.threadPool === null);
    }
  });

  test("a split GEMM gives each thread its own packing workspace, the same on every call", () => {
    const b = backends[2];
    const a = b.rand([64, 100]);
    const w = b.rand([100, 128]);
    const run = vi.spyOn(b.threadPool!, 'run');
    ops.matmul(a, w);
    ops.matmul(w, w, undefined, { transA: true });
    const works = run.mock.calls.map(([, jobs]) => jobs.map((job) => job.args[13]));
    run.mockRestore();
    expect(works.length).toBe(2);
    expect(new Set(works[0]).size).toBe(3);
    expect(works[1]).toEqual(works[0]);
    [a, w].forEach((t) => t.dispose());
  });

  test('a split GEMM equals a float64 reference', () => {
    const b = backends[2];
    const a = randomTensor(b, [67, 45], 1, 'float64');
    const w = randomTensor(b, [45, 203], 2, 'float64');
    const run = vi.spyOn(b.threadPool!, 'run');
    const c = ops.matmul(a, w);
    expect(run).toHaveBeenCalledTimes(1);
    run.mockRestore();
    const [x, y, z] = [a.data, w.data, c.data];
    let worst = 0;
    for (let i = 0; i < 67; i++) {
      for (let j = 0; j < 203; j++) {
        let s = 0;
        for (let p = 0; p < 45; p++) s += x[i * 45 + p] * y[p * 203 + j];
        worst = Math.max(worst, Math.abs(s - z[i * 203 + j]));
      }
    }
    expect(worst).toBeLessThan(1e-12);
    [a, w, c].forEach((t) => t.dispose());
  });

  test('a 784-100-10 net trained 5 steps with Adam ends with the same params', () => {
    const hashes = backends.map((b) => {
      const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100], outputSize: 10 }, { backend: b, seed: 3 });
      const before = paramsHash(net);
      const x = randomTensor(b, [100, 784], 4, 'float32');
      const labels = randomTensor(b, [100], 5, 'int32', 10);
      const opt = new Adam(0.01);
      for (let i = 0; i < 5; i++) {
        net.gradient(x, labels);
        opt.update(net);
      }
      const after = paramsHash(net);
      expect(after).not.toBe(before);
      [net, opt, x, labels].forEach((t) => t.dispose());
      return after;
    });
    expect(hashes[1]).toBe(hashes[0]);
    expect(hashes[2]).toBe(hashes[0]);
  });
});

describe('a conv net is bit-identical for 1, 2 and 3 threads', () => {
  test('conv -> relu -> batchnorm -> max pool -> conv -> avg pool -> affine, 3 Adam steps: same params, running averages and loss', () => {
    const results = backends.map((b) => {
      const run = b.threadPool ? vi.spyOn(b.threadPool, 'run') : null;
      const net = new Sequential([
        new Convolution(b.randn([16, 1, 5, 5], { seed: 1, std: 0.3 }), b.zeros([16])),
        new ReLU(),
        new BatchNormalization(b.ones([16]), b.zeros([16])),
        new Pooling(2, 2, 2, 0, 'max'),
        new Convolution(b.randn([8, 16, 3, 3], { seed: 2, std: 0.1 }), b.zeros([8]), 1, 1),
        new Pooling(3, 3, 2, 1, 'avg'),
        new Flatten(),
        new Affine(b.randn([8 * 6 * 6, 10], { seed: 3, std: 0.1 }), b.zeros([10])),
      ]);
      const x = randomTensor(b, [40, 1, 28, 28], 4, 'float32');
      const labels = randomTensor(b, [40], 5, 'int32', 10);
      const opt = new Adam(0.01);
      for (let i = 0; i < 3; i++) {
        net.gradient(x, labels);
        opt.update(net);
      }
      // The big conv kernels were split (the call count is not the point, only that splitting happened).
      for (const kernel of ['convForward_f32', 'convFilterGrad_f32', 'convInputGrad_f32']) {
        if (run) expect(run.mock.calls.some(([name]) => name === kernel), kernel).toBe(true);
      }
      run?.mockRestore();
      const result = `${paramsHash(net)} ${net.state.map(tensorHash).join(' ')} ${net.lastLoss}`;
      [net, opt, x, labels].forEach((t) => t.dispose());
      return result;
    });
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
  });
});

describe('failures and lifetimes', () => {
  test("a worker's failure is thrown in the caller naming the kernel, and the pool goes on working", () => {
    const b = backends[2];
    const pool = b.threadPool!;
    const copy = pool.kernelIndex('copy_f32');
    const x = b.zeros([64]);
    const y = b.zeros([64]);
    const good = { kernel: copy, args: [16, x.ptr, y.ptr] };
    // Worker 2 is sent past the end of the 2 GiB memory: its wasm traps.
    const bad = { kernel: copy, args: [16, 2 ** 32 - 32, y.ptr] };
    pool.takeBack = false; // this test is about the worker's own path
    expect(() => pool.run('copy_f32', [good, good, bad])).toThrow(/^copy_f32: worker 2 failed in copy_f32: .*out of bounds/);
    pool.takeBack = true;
    x.fill(3);
    pool.run('copy_f32', [good, { kernel: copy, args: [16, x.ptr + 64, y.ptr + 64] }, { kernel: copy, args: [32, x.ptr + 128, y.ptr + 128] }]);
    expect(Array.from(y.data)).toEqual(new Array(64).fill(3));
    [x, y].forEach((t) => t.dispose());
  });

  test('a share no worker has taken yet is run by the caller, once', () => {
    const b = backends[2];
    const pool = b.threadPool!;
    const axpy = pool.kernelIndex('axpy_f64');
    const x = b.ones([48], 'float64');
    const y = b.zeros([48], 'float64');
    // Many calls in a row: each share adds 1 to its 16 elements exactly once, whoever runs it.
    for (let i = 0; i < 200; i++) {
      pool.run('axpy_f64', [0, 1, 2].map((t) => ({ kernel: axpy, args: [16, 1, x.ptr + 128 * t, y.ptr + 128 * t] })));
    }
    expect(Array.from(y.data)).toEqual(new Array(48).fill(200));
    [x, y].forEach((t) => t.dispose());
  });

  test("the caller's own failure is thrown too, after the workers are done", () => {
    const pool = backends[1].threadPool!;
    const copy = pool.kernelIndex('copy_f32');
    const bad = { kernel: copy, args: [16, 2 ** 32 - 32, 64] };
    expect(() => pool.run('copy_f32', [bad, { kernel: copy, args: [0, 0, 0] }])).toThrow(/^copy_f32: .*out of bounds/);
  });

  test('a worker that does not finish in time is reported, never waited on forever', async () => {
    const b = await createBackend({ threads: 2 });
    const pool = b.threadPool!;
    const a = b.rand([600, 600]);
    const c = b.empty([600, 600]);
    const gemm = pool.kernelIndex('gemm_f32');
    const work = b.workspace('slow', b.kernels.gemmWorkBytes_f32());
    pool.timeoutMs = 1;
    pool.takeBack = false;
    const slow = { kernel: gemm, args: [0, 0, 600, 600, 600, 1, a.ptr, 600, a.ptr, 600, 0, c.ptr, 600, work] };
    expect(() => pool.run('gemm_f32', [{ kernel: gemm, args: [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, work] }, slow])).toThrow(
      /gemm_f32: worker 1 did not finish gemm_f32 within 1 ms/,
    );
    expect(() => ops.sigmoid(b.zeros([100_000]))).toThrow(/dispose the backend and create a new one/);
    b.dispose();
  });

  test('a worker that dies makes the next call throw', async () => {
    const b = backends[1];
    let worker: WorkerHandle | null = null;
    let died: () => void = () => {};
    const exited = new Promise<void>((r) => (died = r));
    const pool = await ThreadPool.start({
      module: b.module,
      memory: b.memory,
      kernels: b.kernels,
      names: THREAD_KERNEL_NAMES,
      threads: 2,
      canBlock: true,
      spawn: (start, onExit) => {
        worker = spawnNodeWorker(start, (reason) => {
          onExit(reason);
          died();
        });
        return worker;
      },
    });
    worker!.terminate();
    await exited;
    const copy = pool.kernelIndex('copy_f32');
    const nothing = { kernel: copy, args: [0, 0, 0] };
    expect(() => pool.run('copy_f32', [nothing, nothing])).toThrow(/^copy_f32: worker 1 stopped \(exit code 1\)/);
    pool.dispose();
  });

  test('dispose ends the workers; a new threaded backend works afterwards', async () => {
    const b = await createBackend({ threads: 3 });
    const x = b.rand([64, 64]);
    b.dispose();
    expect(b.threadPool!.disposed).toBe(true);
    expect(() => ops.relu(x)).toThrow(/disposed/);
    const again = await createBackend({ threads: 2 });
    const y = ops.matmul(again.ones([128, 64]), again.ones([64, 128]));
    expect(y.data.every((v) => v === 64)).toBe(true);
    again.dispose();
  });

  test('a Node process that makes a threaded backend, runs a GEMM and never disposes exits by itself', () => {
    const dist = resolve(import.meta.dirname, '..', 'dist', 'index.js');
    if (!existsSync(dist)) throw new Error('dist/index.js is missing: run `npm run build` (CI does)');
    const script =
      `import { createBackend, ops } from ${JSON.stringify(dist)};\n` +
      `const b = await createBackend({ threads: 2 });\n` +
      `const c = ops.matmul(b.ones([200, 300]), b.ones([300, 200]));\n` +
      `console.log(b.threads, c.data[0]);\n`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.trim()).toBe('2 300');
  });
});
