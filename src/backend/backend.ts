import { Arena } from './arena.js';
import { ITEM_SIZE, checkDType, checkFloatDType } from './dtype.js';
import type { DType, FloatDType } from './dtype.js';
import { Tensor } from './tensor.js';
import type { NestedArray } from './tensor.js';
import { checkShape, formatShape, shapeSize, sameShape } from './shape.js';
import type { Shape } from './shape.js';
import { Rng } from '../random/rng.js';
import { checkInBackend } from '../ops/check.js';
import { ThreadPool } from './threads/thread-pool.js';
import type { SpawnWorker } from './threads/thread-pool.js';
import { THREAD_KERNEL_NAMES } from './threads/parallel-kernels.js';
import { dispatchFor, kernelFamily } from './kernel-dispatch.js';
import type { KernelFamily, KernelFn } from './kernel-dispatch.js';

/** The wasm core's exports: kernels by name (sigmoid_f32, gemm_f64, ...). All take numbers only. */
export type Kernels = Record<string, KernelFn>;

const PAGE = 65536;

/** Options of `createBackend` (Node and browsers). */
export interface BackendOptions {
  /** The float type nets and tensors use unless told otherwise. Default float32. */
  dtype?: FloatDType;
  /** Initial wasm memory in MiB (it grows on demand). Default 16. */
  initialMemoryMB?: number;
  /** Largest the wasm memory may grow, in MiB. Default 2048 (the module's own limit). */
  maximumMemoryMB?: number;
  /** Seed of the backend's default PRNG (rand, randn, inits without their own seed). Default 0. */
  seed?: number;
  /**
   * Threads the kernels run on, this one included: 1 means no workers at all. Default: every
   * core in Node (os.availableParallelism()), navigator.hardwareConcurrency in a cross-origin
   * isolated page, else 1. Results are bit-identical for any count.
   */
  threads?: number;
}

/** The module's declared maximum, in pages (asconfig.json maximumMemory). */
export const MODULE_MAX_PAGES = 32768;

/** Backends are numbered in the order they are made, so an error can say which one a tensor is in. */
let backendsMade = 0;

/**
 * A backend owns one WebAssembly memory, the instance of the wasm core over it,
 * and the arena that hands out its regions. Tensors, layers and nets all belong
 * to one backend; `dispose()` ends it.
 */
export class Backend {
  /** 1 for the first backend made in this process (or page), 2 for the next, ... */
  readonly id = ++backendsMade;
  readonly memory: WebAssembly.Memory;
  readonly kernels: Kernels;
  readonly arena: Arena;
  readonly dtype: FloatDType;
  /** The default PRNG for rand/randn and inits given no seed. */
  rng: Rng;
  /** The workers that share the kernel calls (null with threads: 1). */
  threadPool: ThreadPool | null = null;
  private workspaces = new Map<string, { ptr: number; bytes: number }>();
  private ended = false;

  /**
   * `module` is the wasm core's plain build, or its threads build when options.threads > 1 (the
   * memory is then shared, and `startThreads` starts the workers).
   */
  constructor(
    readonly module: WebAssembly.Module,
    options: BackendOptions = {},
  ) {
    this.dtype = checkFloatDType(options.dtype ?? 'float32', 'createBackend');
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`createBackend: threads must be a positive integer, got ${threads}`);
    const maxPages = Math.min(MODULE_MAX_PAGES, Math.floor(((options.maximumMemoryMB ?? 2048) * 2 ** 20) / PAGE));
    const initialPages = Math.min(maxPages, Math.ceil(((options.initialMemoryMB ?? 16) * 2 ** 20) / PAGE));
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages, shared: threads > 1 });
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    } catch (err) {
      // A module importing shared memory cannot take a plain one, and the other way round.
      const build = threads > 1 ? 'build/scratchnet-threads.wasm' : 'build/scratchnet.wasm';
      throw new Error(`createBackend: threads: ${threads} needs the wasm core from ${build}: ${(err as Error).message}`);
    }
    this.kernels = instance.exports as unknown as Kernels;
    this.arena = new Arena(this.memory, this.kernels.heapBase(), maxPages);
    this.rng = new Rng(options.seed ?? 0);
  }

  get disposed(): boolean {
    return this.ended;
  }

  /** The backend in error messages: "backend #2 (float64, 2 threads)". */
  toString(): string {
    const threads = this.threads;
    return `backend #${this.id} (${this.dtype}, ${threads} thread${threads === 1 ? '' : 's'}${this.ended ? ', disposed' : ''})`;
  }

  /** End the backend: every tensor made from it becomes unusable, and its workers end. */
  dispose(): void {
    this.ended = true;
    this.threadPool?.dispose();
  }

  /** Threads the kernels run on, this one included. */
  get threads(): number {
    return this.threadPool?.threads ?? 1;
  }

  /**
   * Start `threads - 1` workers over this backend's shared memory (the platform loader calls
   * this). `canBlock` is false where this thread may not Atomics.wait (a browser's main thread).
   */
  async startThreads(threads: number, spawn: SpawnWorker, canBlock: boolean): Promise<void> {
    if (this.threadPool !== null) throw new Error('startThreads: the threads are already running');
    if (!(this.memory.buffer instanceof SharedArrayBuffer)) {
      throw new Error('startThreads: this backend has plain memory; create it with threads > 1');
    }
    const pool = await ThreadPool.start({
      module: this.module,
      memory: this.memory,
      kernels: this.kernels,
      names: THREAD_KERNEL_NAMES,
      threads,
      spawn,
      canBlock,
    });
    if (this.ended) pool.dispose();
    this.threadPool = pool;
    this.cachedFrom = null;
  }

  /**
   * Scratch memory a kernel needs (GEMM packing buffers, a conv block), made once per kind and
   * kept; a later call asking for more bytes of the same kind gets a larger region instead.
   */
  workspace(kind: string, bytes: number): number {
    const held = this.workspaces.get(kind);
    if (held !== undefined && held.bytes >= bytes) return held.ptr;
    if (held !== undefined) this.arena.release(held.ptr);
    const ptr = this.arena.alloc(bytes);
    this.workspaces.set(kind, { ptr, bytes });
    return ptr;
  }

  /**
   * What the arena holds now (TensorFlow.js's tf.memory()): `tensors`, live regions (each tensor
   * that owns memory is one; views are free; kernel workspaces and optimizer state count too) and
   * their `bytes` (rounded up to the arena's 64-byte alignment). (`memory` is the WebAssembly.Memory.)
   */
  memoryUsage(): { tensors: number; bytes: number } {
    return { tensors: this.arena.liveRegions, bytes: this.arena.liveBytes };
  }

  private assertLive(op: string): void {
    if (this.ended) throw new Error(`${op}: the backend has been disposed`);
  }

  // --- making tensors ---------------------------------------------------------

  /** A tensor with unspecified contents. */
  empty<D extends DType = FloatDType>(shape: Shape, dtype?: D): Tensor<D> {
    this.assertLive('empty');
    const dt = checkDType(dtype ?? this.dtype, 'empty') as D;
    const s = checkShape(shape, 'empty');
    const ptr = this.arena.alloc(shapeSize(s) * ITEM_SIZE[dt]);
    return new Tensor(this, ptr, s, dt);
  }

  zeros<D extends DType = FloatDType>(shape: Shape, dtype?: D): Tensor<D> {
    return this.empty(shape, dtype).fill(0);
  }

  ones<D extends DType = FloatDType>(shape: Shape, dtype?: D): Tensor<D> {
    return this.empty(shape, dtype).fill(1);
  }

  full<D extends DType = FloatDType>(shape: Shape, value: number, dtype?: D): Tensor<D> {
    return this.empty(shape, dtype).fill(value);
  }

  /**
   * A tensor from nested arrays (shape inferred) or from a flat array-like with a shape.
   * `backend.tensor([[1, 2], [3, 4]])`, `backend.tensor(float32Array, [28, 28])`.
   *
   * @example
   * ```ts
   * import { createBackend, ops } from 'scratchnet';
   *
   * const backend = await createBackend({ threads: 1 });
   * const a = backend.tensor([[1, 2], [3, 4]]); // (2, 2) float32, shape from the nesting
   * const b = backend.tensor(new Float32Array([5, 6]), [2, 1]); // flat values and a shape
   * const ints = backend.tensor([3, 1, 2], [3], 'int32');
   * console.log(Array.from(ops.matmul(a, b).data)); // prints: [ 17, 39 ]
   * console.log(ints.dtype, Array.from(ints.data)); // prints: int32 [ 3, 1, 2 ]
   * ```
   */
  tensor<D extends DType = FloatDType>(values: NestedArray[] | ArrayLike<number>, shape?: Shape, dtype?: D): Tensor<D> {
    this.assertLive('tensor');
    let flat: ArrayLike<number>;
    let inferred: number[];
    if (Array.isArray(values) && values.some((v) => Array.isArray(v))) {
      inferred = [];
      flat = flattenNested(values as NestedArray[], inferred);
    } else {
      flat = values as ArrayLike<number>;
      inferred = [flat.length];
    }
    const s = shape ? checkShape(shape, 'tensor') : inferred;
    if (shapeSize(s) !== flat.length) {
      throw new Error(`tensor: ${flat.length} values do not fill shape ${formatShape(s)} (${shapeSize(s)} elements)`);
    }
    return this.empty(s, dtype).set(flat);
  }

  /** PyTorch-style alias of `tensor`. */
  fromArray<D extends DType = FloatDType>(values: NestedArray[] | ArrayLike<number>, shape?: Shape, dtype?: D): Tensor<D> {
    return this.tensor(values, shape, dtype);
  }

  /** Values start, start+step, ... below stop (arange(5) = 0..4). */
  arange<D extends DType = FloatDType>(start: number, stop?: number, step = 1, dtype?: D): Tensor<D> {
    if (stop === undefined) {
      stop = start;
      start = 0;
    }
    if (!(step !== 0 && Number.isFinite(step))) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
    const n = Math.ceil((stop - start) / step);
    if (!(n > 0)) throw new Error(`arange: [${start}, ${stop}) with step ${step} is empty`);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = start + i * step;
    return this.tensor(values, [n], dtype);
  }

  /** `num` evenly spaced values from start to stop inclusive. */
  linspace<D extends DType = FloatDType>(start: number, stop: number, num: number, dtype?: D): Tensor<D> {
    if (!Number.isInteger(num) || num <= 0) throw new Error(`linspace: num must be a positive integer, got ${num}`);
    const values = new Float64Array(num);
    const step = num > 1 ? (stop - start) / (num - 1) : 0;
    for (let i = 0; i < num; i++) values[i] = start + i * step;
    if (num > 1) values[num - 1] = stop;
    return this.tensor(values, [num], dtype);
  }

  /** Uniform values in [0, 1) from the seeded PRNG. */
  rand<D extends FloatDType = FloatDType>(shape: Shape, options: { seed?: number; rng?: Rng; dtype?: D } = {}): Tensor<D> {
    const rng = options.rng ?? (options.seed !== undefined ? new Rng(options.seed) : this.rng);
    const t = this.empty(shape, options.dtype);
    const values = new Float64Array(t.size);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform();
    return t.set(values);
  }

  /** Normal values (mean 0, std 1 unless given) from the seeded PRNG. */
  randn<D extends FloatDType = FloatDType>(
    shape: Shape,
    options: { seed?: number; rng?: Rng; dtype?: D; mean?: number; std?: number } = {},
  ): Tensor<D> {
    const rng = options.rng ?? (options.seed !== undefined ? new Rng(options.seed) : this.rng);
    const mean = options.mean ?? 0;
    const std = options.std ?? 1;
    const t = this.empty(shape, options.dtype);
    const values = new Float64Array(t.size);
    for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
    return t.set(values);
  }

  /** Join tensors of one dtype along an existing axis. */
  concat<D extends DType>(tensors: Tensor<D>[], axis = 0): Tensor<D> {
    if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
    const first = tensors[0];
    const rank = first.rank;
    const a = axis < 0 ? axis + rank : axis;
    if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`concat: axis ${axis} is out of range for rank ${rank}`);
    // The bytes are copied inside this backend's memory: every tensor must live there.
    this.assertLive('concat');
    checkInBackend('concat', this, 'concat was called on', ...tensors);
    for (const t of tensors) {
      const ok =
        t.dtype === first.dtype && t.rank === rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
      if (!ok) {
        throw new Error(
          `concat: along axis ${axis}, ${tensors.map((x) => `${formatShape(x.shape)} ${x.dtype}`).join(', ')} do not fit together`,
        );
      }
    }
    const shape = [...first.shape];
    shape[a] = tensors.reduce((sum, t) => sum + t.shape[a], 0);
    const out = this.empty(shape, first.dtype);
    const item = ITEM_SIZE[first.dtype];
    const outer = shapeSize(first.shape.slice(0, a));
    const bytes = new Uint8Array(this.memory.buffer);
    const outRow = (shapeSize(shape) / outer) * item;
    let column = 0;
    for (const t of tensors) {
      const chunk = (t.size / outer) * item;
      for (let o = 0; o < outer; o++) {
        const src = t.ptr + o * chunk;
        bytes.copyWithin(out.ptr + o * outRow + column, src, src + chunk);
      }
      column += chunk;
    }
    return out;
  }

  /** Join tensors of one shape along a new axis. */
  stack<D extends DType>(tensors: Tensor<D>[], axis = 0): Tensor<D> {
    if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
    const first = tensors[0];
    this.assertLive('stack');
    checkInBackend('stack', this, 'stack was called on', ...tensors);
    for (const t of tensors) {
      if (!sameShape(t.shape, first.shape)) {
        throw new Error(`stack: shapes differ: ${tensors.map((x) => formatShape(x.shape)).join(', ')}`);
      }
    }
    const views = tensors.map((t) => t.unsqueeze(axis));
    return this.concat(views, axis < 0 ? axis + first.rank + 1 : axis);
  }

  /**
   * A kernel of a dtype as ops call it (see kernel-dispatch.ts): kernel(SIGMOID, 'float32') runs
   * sigmoid_f32, split between the threads when the call is large. Made on first use and kept;
   * ops pass a family named once, so a call costs an array index.
   */
  kernel(family: KernelFamily | string, dtype: FloatDType): KernelFn {
    if (typeof family === 'string') family = kernelFamily(family);
    // Callables are made from one exports object and pool: remake them when either changes.
    if (this.cachedFrom !== this.kernels) {
      this.cachedFrom = this.kernels;
      this.kernels32.length = 0;
      this.kernels64.length = 0;
    }
    const table = dtype === 'float32' ? this.kernels32 : this.kernels64;
    return (table[family.index] ??= dispatchFor(this, family, dtype));
  }

  private cachedFrom: Kernels | null = null;
  private kernels32: KernelFn[] = [];
  private kernels64: KernelFn[] = [];
}

function flattenNested(values: NestedArray[], shape: number[]): number[] {
  const flat: number[] = [];
  const walk = (v: NestedArray, depth: number): void => {
    if (Array.isArray(v)) {
      if (shape.length <= depth) shape.push(v.length);
      else if (shape[depth] !== v.length) {
        throw new Error(`tensor: ragged nested array (length ${v.length} where ${shape[depth]} was expected at depth ${depth})`);
      }
      for (const x of v) walk(x, depth + 1);
    } else {
      if (depth !== shape.length) throw new Error('tensor: ragged nested array (a number where a list was expected)');
      flat.push(v);
    }
  };
  walk(values, 0);
  return flat;
}
