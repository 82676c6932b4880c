import { describe, test, expect, beforeAll, afterAll, vi } from 'vitest';
import { availableParallelism } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBackend, ops, MultiLayerNet, Adam, Rng, tensorHash, paramsHash } from '../src/index.js';
import type { Backend, Tensor } from '../src/index.js';
import { PARALLEL_KERNELS, SPLIT_ELEMENTS, THREAD_KERNEL_NAMES, splitArgs } from '../src/backend/threads/parallel-kernels.js';
import { GEMM_SPLIT_COLS, GEMM_SPLIT_ROWS, splitGemm } from '../src/backend/threads/gemm-split.js';
import { gemmKernel } from '../src/ops/gemm.js';
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
    repeatRows: () => [ROWS, COLS, f(COLS), f(ROWS, COLS)],
    softmaxRows: () => [ROWS, COLS, f(ROWS, COLS), f(ROWS, COLS)],
    gatherRows: () => [ROWS, COLS, f(300, COLS), i32(ROWS, 300), f(ROWS, COLS)],
    gatherRowsU8: () => [ROWS, COLS, u8(300 * COLS), i32(ROWS, 300), f(ROWS, COLS), 1 / 255],
    softmaxCrossEntropyBackwardOneHot: () => [ROWS, COLS, f(ROWS, COLS), f(ROWS, COLS), f(ROWS, COLS), 0.01],
    softmaxCrossEntropyBackwardLabels: () => [ROWS, COLS, f(ROWS, COLS), i32(ROWS, COLS), f(ROWS, COLS), 0.01],
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
      ];
      for (const [m, k, n, transA, transB] of cases) {
        const pad = 5; // every matrix is a window of one with 5 more columns
        const hashes = backends.map((b) => {
          const run = b.threadPool ? vi.spyOn(b.threadPool, 'run') : null;
          const a = randomTensor(b, transA ? [k, m + pad] : [m, k + pad], 1, dtype);
          const w = randomTensor(b, transB ? [n, k + pad] : [k, n + pad], 2, dtype);
          const c = randomTensor(b, [m, n + pad], 3, dtype);
          gemmKernel(b, dtype, transA, transB, m, n, k, 0.75, a.ptr, a.shape[1], w.ptr, w.shape[1], -0.5, c.ptr, c.shape[1]);
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
