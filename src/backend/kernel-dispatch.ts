import type { FloatDType } from './dtype.js';
import { ITEM_SIZE, kernelSuffix } from './dtype.js';
import type { ThreadPool } from './threads/thread-pool.js';
import { PARALLEL_KERNELS, splitArgs, workOf } from './threads/parallel-kernels.js';
import { GEMM_MIN_MULTIPLY_ADDS, GEMM_SPLIT_COLS, splitGemm } from './threads/gemm-split.js';
import { outSize } from './threads/parallel-kernels.js';

/**
 * How one kernel call becomes a wasm call, or one call per thread.
 *
 * An op names its kernel once, where it is defined (`const SIGMOID = kernelFamily('sigmoid')`),
 * and asks its tensor's backend for it on every call (`backend.kernel(SIGMOID, dtype)`): an array
 * index, no name built or looked up. The backend makes each kernel's callable on first use
 * (`dispatchFor`) and keeps it: the wasm export itself, or a function that cuts a large call into
 * one share per thread (PARALLEL_KERNELS, GEMM) and hands GEMM its packing workspaces.
 */

/** A kernel as ops call it: numbers in (byte addresses, sizes, scalars), a number or nothing out. */
export type KernelFn = (...args: number[]) => number;

/** A kernel's f32 and f64 exports (`sigmoid_f32`, `sigmoid_f64`), by name and by a small index. */
export interface KernelFamily {
  readonly name: string;
  /** Position in every backend's table of callables (families are numbered as they are named). */
  readonly index: number;
}

const families: KernelFamily[] = [];
const familiesByName = new Map<string, KernelFamily>();

/** The family of the `${name}_f32` / `${name}_f64` exports; the same object for the same name. */
export function kernelFamily(name: string): KernelFamily {
  let family = familiesByName.get(name);
  if (family === undefined) {
    family = { name, index: families.length };
    families.push(family);
    familiesByName.set(name, family);
  }
  return family;
}

/** What making a callable needs from a backend. */
export interface DispatchHost {
  readonly kernels: Record<string, KernelFn>;
  readonly threadPool: ThreadPool | null;
  /** Scratch memory made once per kind and kept (GEMM's packing buffers). */
  workspace(kind: string, bytes: number): number;
}

/** The callable for one kernel of one dtype on `host`: made once, then kept by the backend. */
export function dispatchFor(host: DispatchHost, family: KernelFamily, dtype: FloatDType): KernelFn {
  const full = `${family.name}_${kernelSuffix(dtype)}`;
  const fn = host.kernels[full];
  if (typeof fn !== 'function') throw new Error(`the wasm core has no kernel ${full}`);
  if (family.name === 'gemm') return gemmDispatch(host, dtype, fn);
  if (family.name === 'csrTransposeMatmul' || family.name === 'byteRowsTransposeMatmul') return sparseTransposeDispatch(host, family.name, dtype, fn);
  if (family.name === 'convInputGrad' || family.name === 'convForward') return convByImagesDispatch(host, dtype, fn, family.name);
  if (family.name === 'convFilterGrad') return convFilterGradDispatch(host, dtype, fn);
  const split = PARALLEL_KERNELS[family.name];
  const pool = host.threadPool;
  if (pool === null || split === undefined) return fn;
  const kernel = pool.kernelIndex(full);
  const itemSize = ITEM_SIZE[dtype];
  return (...args: number[]): number => {
    // Most calls of a small net stay below the threshold: go straight to the kernel.
    if (workOf(split, args) < split.minElements) return fn(...args);
    const shares = splitArgs(split, itemSize, args, pool.threads);
    if (shares.length === 1) return fn(...args);
    pool.run(full, shares.map((share) => ({ kernel, args: share })));
    return 0;
  };
}

/**
 * GEMM C = alpha * op(A) op(B) + beta * C as ops call it: the wasm export's arguments but the
 * last, (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), with the flags 0 or 1,
 * pointers as byte addresses and lda/ldb/ldc as row strides in elements. The packing workspace
 * is the backend's, one per thread; above GEMM_MIN_MULTIPLY_ADDS each thread computes a block
 * of C (splitGemm), bit-identical to the whole.
 */
function gemmDispatch(host: DispatchHost, dtype: FloatDType, fn: KernelFn): KernelFn {
  const name = `gemm_${kernelSuffix(dtype)}`;
  const bytes = host.kernels[`gemmWorkBytes_${kernelSuffix(dtype)}`]();
  const works: number[] = [];
  const work = (thread: number): number =>
    (works[thread] ??= host.workspace(thread === 0 ? name : `${name} thread ${thread}`, bytes));
  const pool = host.threadPool;
  const poolIndex = pool === null ? -1 : pool.kernelIndex(name);
  const itemSize = ITEM_SIZE[dtype];
  return (tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): number => {
    if (pool === null || m * n * k < GEMM_MIN_MULTIPLY_ADDS) {
      fn(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work(0));
      return 0;
    }
    const shares = splitGemm(pool.threads, tA !== 0, tB !== 0, m, n, a, lda, b, ldb, c, ldc, itemSize);
    const jobs = shares.map((s, t) => ({
      kernel: poolIndex,
      args: [tA, tB, s.m, s.n, k, alpha, s.a, lda, s.b, ldb, beta, s.c, ldc, work(t)],
    }));
    pool.run(name, jobs);
    return 0;
  };
}

/**
 * Elements of dY (rows * cols) below which dW = Xᵀ dY from compressed rows stays on one thread.
 * A column split makes each thread walk every nonzero for half the columns: at a training batch
 * (100 x 50, the book's run) the two halves took longer than the whole (3,000 steps: 4.21 s on 2
 * threads against 2.48 s on 1; 2.63 s with this threshold). Evaluation batches still split.
 */
const SPARSE_TRANSPOSE_MIN_DY = 65_536;

/**
 * dW = Xᵀ dY from compressed rows, (rows, d, cols, ...the rows' arrays..., dy, ld, dw) (a float
 * batch's three arrays, or a byte set's index, arrays and table): with threads each takes a block
 * of dW's columns (multiples of GEMM_SPLIT_COLS, as the GEMM's), its window of dY and dW through
 * pointer offsets, summed in the same order as on one thread.
 */
function sparseTransposeDispatch(host: DispatchHost, family: string, dtype: FloatDType, fn: KernelFn): KernelFn {
  const name = `${family}_${kernelSuffix(dtype)}`;
  const pool = host.threadPool;
  const poolIndex = pool === null ? -1 : pool.kernelIndex(name);
  const itemSize = ITEM_SIZE[dtype];
  return (...args: number[]): number => {
    const [rows, , cols] = args;
    if (pool === null || rows * cols < SPARSE_TRANSPOSE_MIN_DY || cols <= GEMM_SPLIT_COLS) return fn(...args);
    const dyAt = args.length - 3;
    const dwAt = args.length - 1;
    const units = Math.ceil(cols / GEMM_SPLIT_COLS);
    const jobs = [];
    for (let t = 0; t < pool.threads; t++) {
      const start = Math.round((units * t) / pool.threads) * GEMM_SPLIT_COLS;
      const end = Math.min(cols, Math.round((units * (t + 1)) / pool.threads) * GEMM_SPLIT_COLS);
      if (end <= start) continue;
      const share = [...args];
      share[2] = end - start;
      share[dyAt] += start * itemSize;
      share[dwAt] += start * itemSize;
      jobs.push({ kernel: poolIndex, args: share });
    }
    pool.run(name, jobs);
    return 0;
  };
}

/**
 * Bytes of colᵀ or dcolᵀ a conv kernel works on at once: whole output rows, as many as fit (at
 * least one). With 32 KiB, DeepConvNet's 16 -> 16 layer takes two rows of 28 (seven whole 8-wide tiles).
 */
const CONV_BLOCK_BYTES = 32_768;

/** The conv kernels' arguments as ops pass them: (n, c, h, w, fn, fh, fw, stride, pad, ...three arrays). */
type ConvArgs = [number, number, number, number, number, number, number, number, number, number, number, number];

/** What a conv kernel's dispatch needs from one call: its sizes, and the work region of each thread. */
function convCall(host: DispatchHost, name: string, dtype: FloatDType, args: ConvArgs) {
  const [n, c, h, w, filters, fh, fw, stride, pad] = args;
  const oh = outSize(h, fh, stride, pad);
  const ow = outSize(w, fw, stride, pad);
  const rowLength = c * fh * fw;
  const itemSize = ITEM_SIZE[dtype];
  return {
    n, c, h, w, filters, fh, fw, oh, ow, itemSize,
    /** Whole output rows per block (CONV_BLOCK_BYTES of colᵀ). */
    chunkRows: Math.max(1, Math.min(oh, Math.floor(CONV_BLOCK_BYTES / Math.max(1, rowLength * ow * itemSize)))),
    /** Threads worth using: one below a GEMM's threshold, else at most `units` (images or channels). */
    shares: (units: number) =>
      host.threadPool === null || n * filters * rowLength * oh * ow < GEMM_MIN_MULTIPLY_ADDS ? 1 : Math.max(1, Math.min(host.threadPool.threads, units)),
    work: (thread: number, bytes: number) => host.workspace(thread === 0 ? name : `${name} thread ${thread}`, bytes),
  };
}

/** Runs one job per share on the pool (the first on the calling thread), or the only one here. */
function runShares(host: DispatchHost, name: string, fn: KernelFn, jobs: number[][]): number {
  if (jobs.length === 1) return fn(...jobs[0]);
  const kernel = host.threadPool!.kernelIndex(name);
  host.threadPool!.run(name, jobs.map((args) => ({ kernel, args })));
  return 0;
}

/** [start, end) of share t of `units` split `shares` ways. */
const shareRange = (units: number, shares: number, t: number) => [Math.round((units * t) / shares), Math.round((units * (t + 1)) / shares)];

/**
 * The conv kernels that run image by image, as ops call them: convForward (n, c, h, w, fn, fh,
 * fw, stride, pad, x, W, b, y) and convInputGrad (..., dout, W, dx). The dispatch picks the block
 * of output rows and each thread's work region; threads take ranges of whole images of the first
 * array (input) and the last (output), the arrays between (W, b) being shared.
 */
function convByImagesDispatch(host: DispatchHost, dtype: FloatDType, fn: KernelFn, family: 'convForward' | 'convInputGrad'): KernelFn {
  const name = `${family}_${kernelSuffix(dtype)}`;
  const workBytes = host.kernels[`${family}WorkBytes_${kernelSuffix(dtype)}`];
  return (...args: number[]): number => {
    const [, , , , , , , stride, pad, ...arrays] = args;
    const k = convCall(host, name, dtype, args as ConvArgs);
    const bytes = workBytes(k.c, k.h, k.w, k.filters, k.fh, k.fw, stride, pad, k.chunkRows);
    // Bytes of one image of x (c, h, w) and of y or dout (fn, oh, ow).
    const xImage = k.c * k.h * k.w * k.itemSize;
    const yImage = k.filters * k.oh * k.ow * k.itemSize;
    const [inImage, outImage] = family === 'convForward' ? [xImage, yImage] : [yImage, xImage];
    const input = arrays[0];
    const output = arrays[arrays.length - 1];
    const shared = arrays.slice(1, -1);
    const shares = k.shares(k.n);
    const jobs = Array.from({ length: shares }, (_, t) => {
      const [start, end] = shareRange(k.n, shares, t);
      return [end - start, k.c, k.h, k.w, k.filters, k.fh, k.fw, stride, pad,
        input + start * inImage, ...shared, output + start * outImage, k.chunkRows, k.work(t, bytes)];
    });
    return runShares(host, name, fn, jobs);
  };
}

/**
 * dW of a convolution without col, (n, c, h, w, fn, fh, fw, stride, pad, x, dY, dW) as ops call
 * it, dY being dout as rows (n * oh * ow, fn): every dW value sums over all images, so threads
 * take ranges of input channels instead (whole column ranges of dW, each summed as on one thread).
 */
function convFilterGradDispatch(host: DispatchHost, dtype: FloatDType, fn: KernelFn): KernelFn {
  const name = `convFilterGrad_${kernelSuffix(dtype)}`;
  const workBytes = host.kernels[`convFilterGradWorkBytes_${kernelSuffix(dtype)}`];
  return (...args: number[]): number => {
    const [, , , , , , , stride, pad, x, dY, dW] = args;
    const k = convCall(host, name, dtype, args as ConvArgs);
    const shares = k.shares(k.c);
    const jobs = Array.from({ length: shares }, (_, t) => {
      const [start, end] = shareRange(k.c, shares, t);
      const bytes = workBytes(end - start, k.h, k.w, k.filters, k.fh, k.fw, stride, pad, k.n * k.oh * k.ow);
      const xShare = x + start * k.h * k.w * k.itemSize;
      const dWShare = dW + start * k.fh * k.fw * k.itemSize;
      return [k.n, end - start, k.h, k.w, k.filters, k.fh, k.fw, stride, pad, xShare, dY, dWShare, k.c, k.work(t, bytes)];
    });
    return runShares(host, name, fn, jobs);
  };
}
