import { KERNEL_SIGNATURES } from './kernel-signatures.js';

/**
 * Which kernels run split over threads, how each argument changes for one thread's share, and
 * below what size a call stays on one thread.
 *
 * A kernel split 'by elements' takes (n, ...) and works on each element alone; shares are
 * contiguous ranges of whole multiples of SPLIT_ELEMENTS, so every element goes through the same
 * SIMD or scalar-tail path as on one thread. A kernel split 'by rows' takes (rows, cols, ...)
 * and works on each row alone; shares are ranges of whole rows. Each output element is written
 * by exactly one thread, in the same way as one thread would: results are bit-identical for any
 * thread count. A kernel split 'by items' takes (items, ...) and works on each item alone (an
 * image, a pooling plane, a batchnorm channel); each array argument advances by its own number of
 * elements per item, given by the entry's `perItem`.
 *
 * Argument kinds, for a share starting at element or row `start`, derived from the kernel's own
 * signature (kernel-signatures.ts, read from assembly/ by the build; see argKinds):
 *   count  the split size (n or rows): becomes the share's size
 *   same   unchanged (scalars, cols, pointers every share reads whole: a bias, a source table)
 *   float  a float array: + start * itemSize (elements) or + start * cols * itemSize (rows)
 *   byte   a uint8 array, one byte per element: + start
 *   int    an int32 array, one int per row: + start * 4
 *   double a float64 array, one value per row (a row's loss): + start * 8
 * (by items, each array moves by start * perItem(args)[i] of its elements instead).
 */
export type ArgKind = 'count' | 'same' | 'float' | 'byte' | 'int' | 'double';

export interface ParallelKernel {
  by: 'elements' | 'rows' | 'items';
  args: readonly ArgKind[];
  /** Calls with fewer elements than this (rows * cols when by rows, see workOf) run on one thread. */
  minElements: number;
  /** By items: the elements each argument holds per item (0 for scalars), from the call's arguments. */
  perItem?: (args: readonly number[]) => readonly number[];
  /** By items: elements touched per item when that is more than the largest array's share (batchnorm: n * hw). */
  workPerItem?: (args: readonly number[]) => number;
}

/** The size of a call that is compared with minElements. */
export function workOf(kernel: ParallelKernel, args: readonly number[]): number {
  if (kernel.by === 'rows') return args[0] * args[1];
  if (kernel.by === 'items') return args[0] * (kernel.workPerItem?.(args) ?? Math.max(...kernel.perItem!(args)));
  return args[0];
}

/** Positions along one axis of a sliding window (as assembly/window.ts computes them). */
export const outSize = (size: number, window: number, stride: number, pad: number) => Math.floor((size + 2 * pad - window) / stride) + 1;

/** Element shares are whole multiples of this: 16 floats fill whole v128s of f32 and f64 and a 64-byte line of f32. */
export const SPLIT_ELEMENTS = 16;

// Thresholds from bench/threads.ts (f32, 1 thread vs a forced 2-way split, interleaved
// medians), from two runs where the two-core check gave 1.9x one core (load 1.1-1.9); speed-ups
// of 2 threads, run A / run B:
//   relu          16K 0.44/1.29x   65K 0.57/1.70x  256K 0.59/1.81x    1M 0.74/1.71x   4M -/1.82x
//   add           16K 0.34/0.53x   65K 0.40/1.01x  256K 1.70/1.43x    1M 1.79/1.52x
//   sgd           16K 0.92/0.74x   65K 1.51/1.42x  256K 1.74/1.67x    momentum 65K 1.45/1.53x
//   adam           4K 0.60/1.20x   16K 1.22/1.55x   65K 1.65/1.83x
//   sigmoid        1K 0.65/0.67x    4K 1.36/1.30x   16K 1.73/1.71x
//   softmaxRows (10 columns)        1K 1.14/1.37x    4K 1.63/1.60x
// A threshold is the smallest size that paid in both runs (relu's: the first that lost in none;
// run A stopped at 1M). Load-store loops in cache vary most:
// the second core must first fetch its half of the arrays from the first core's cache. A split
// that does not pay costs little when the worker is late: the caller runs its share itself.
/** One load and one store per element (relu, copy, scale). */
const MEMORY_BOUND = 4_194_304;
/** Two or three arrays and a few operations per element (add, backward rules, gathers). */
const CHEAP = 262_144;
/** The plain updates: sgd, momentum, nesterov. */
const UPDATE = 65_536;
/** Updates with a square root and a division per element: adagrad, rmsprop, adam. */
const ADAPTIVE_UPDATE = 16_384;
/** An exp per element (sigmoid, tanh, elu, softmax). */
const COSTLY = 4_096;
/**
 * A sum over one sparse row per element (csrMatmul, byteRowsMatmul): an MNIST row has ~150
 * nonzeros. Training batches of 100 rows at the book's widths (50, 100) stay on one thread and
 * evaluation windows of 1,000 rows split: in the book run's step (784-50-10, batch 100), splitting
 * X W (5,000 outputs) and the sigmoid after it (5,000 elements) made the 2-thread step slower than
 * one thread, 348-368 us against 237-258 (fastest of 6 blocks of 600 steps, load 4.4); with both
 * left whole, 241-243 us on either.
 */
const SPARSE_ROW_SUM = 16_384;
/** The sigmoid of a training step's hidden layer (batch 100 x 50 or 100 units) stays whole: see SPARSE_ROW_SUM. */
const SIGMOID = 16_384;

/** (images, c, h, w, fh, fw, stride, pad) come before the arrays of im2col and col2im. */
const noArrays = [0, 0, 0, 0, 0, 0, 0, 0];
/** One image of x: c * h * w. */
const image = (a: readonly number[]) => a[1] * a[2] * a[3];
/** One image's rows of the im2col matrix: oh * ow * c * fh * fw. */
const columns = (a: readonly number[]) => outSize(a[2], a[4], a[6], a[7]) * outSize(a[3], a[5], a[6], a[7]) * a[1] * a[4] * a[5];
/** (planes, h, w, ph, pw, stride, pad) come before the arrays of the pooling kernels. */
const noPoolArrays = [0, 0, 0, 0, 0, 0, 0];
/** One pooled plane: oh * ow. */
const pooled = (a: readonly number[]) => outSize(a[1], a[3], a[5], a[6]) * outSize(a[2], a[4], a[5], a[6]);

const SPLITS: Record<string, Omit<ParallelKernel, 'args'>> = {
  // activations (n, x, y[, alpha]) and their backward (n, kept, dy, dx[, alpha])
  step: { by: 'elements', minElements: MEMORY_BOUND },
  relu: { by: 'elements', minElements: MEMORY_BOUND },
  addBiasRelu: { by: 'rows', minElements: CHEAP },
  sigmoid: { by: 'elements', minElements: SIGMOID },
  addBiasSigmoid: { by: 'rows', minElements: SIGMOID },
  tanh: { by: 'elements', minElements: COSTLY },
  leakyRelu: { by: 'elements', minElements: MEMORY_BOUND },
  elu: { by: 'elements', minElements: COSTLY },
  sigmoidBackward: { by: 'elements', minElements: CHEAP },
  reluBackward: { by: 'elements', minElements: CHEAP },
  tanhBackward: { by: 'elements', minElements: CHEAP },
  leakyReluBackward: { by: 'elements', minElements: CHEAP },
  eluBackward: { by: 'elements', minElements: CHEAP },
  // arithmetic
  copy: { by: 'elements', minElements: MEMORY_BOUND },
  add: { by: 'elements', minElements: CHEAP },
  sub: { by: 'elements', minElements: CHEAP },
  mul: { by: 'elements', minElements: CHEAP },
  scale: { by: 'elements', minElements: MEMORY_BOUND },
  axpy: { by: 'elements', minElements: CHEAP },
  dropoutBackward: { by: 'elements', minElements: CHEAP },
  bytesToFloat: { by: 'elements', minElements: CHEAP },
  // optimizer updates (n, p, g, state..., scalars...)
  sgd: { by: 'elements', minElements: UPDATE },
  momentum: { by: 'elements', minElements: UPDATE },
  nesterov: { by: 'elements', minElements: UPDATE },
  adagrad: { by: 'elements', minElements: ADAPTIVE_UPDATE },
  rmsprop: { by: 'elements', minElements: ADAPTIVE_UPDATE },
  adam: { by: 'elements', minElements: ADAPTIVE_UPDATE },
  // rows (rows, cols, ...)
  addBias: { by: 'rows', minElements: CHEAP },
  repeatRows: { by: 'rows', minElements: MEMORY_BOUND },
  softmaxRows: { by: 'rows', minElements: COSTLY },
  gatherRows: { by: 'rows', minElements: MEMORY_BOUND },
  gatherRowsU8: { by: 'rows', minElements: CHEAP },
  softmaxCrossEntropyLabels: { by: 'rows', minElements: COSTLY },
  softmaxCrossEntropyOneHot: { by: 'rows', minElements: COSTLY },
  softmaxCrossEntropyBackwardOneHot: { by: 'rows', minElements: CHEAP },
  softmaxCrossEntropyBackwardLabels: { by: 'rows', minElements: CHEAP },
  // convolution (images, c, h, w, fh, fw, stride, pad, ...): whole images
  im2col: { by: 'items', perItem: (a) => [...noArrays, image(a), columns(a)], minElements: CHEAP },
  col2im: { by: 'items', perItem: (a) => [...noArrays, columns(a), image(a)], minElements: CHEAP },
  transposeBatch: { by: 'items', perItem: (a) => [0, 0, 0, a[1] * a[2], a[1] * a[2]], minElements: MEMORY_BOUND },
  // pooling (planes, h, w, ph, pw, stride, pad, ...): whole planes
  maxPoolForward: { by: 'items', perItem: (a) => [...noPoolArrays, a[1] * a[2], pooled(a), pooled(a)], minElements: CHEAP },
  maxPoolBackward: { by: 'items', perItem: (a) => [...noPoolArrays, pooled(a), pooled(a), a[1] * a[2]], minElements: CHEAP },
  avgPoolForward: { by: 'items', perItem: (a) => [...noPoolArrays, a[1] * a[2], pooled(a)], minElements: CHEAP },
  avgPoolBackward: { by: 'items', perItem: (a) => [...noPoolArrays, pooled(a), a[1] * a[2]], minElements: CHEAP },
  // batchnorm (channels, n, hw, stride, ...): whole channels; x-shaped arrays move by hw, per-channel ones by 1
  batchNormForwardTrain: {
    by: 'items',
    perItem: (a) => [0, 0, 0, 0, a[2], 1, 1, 1, 1, 0, 0, a[2], a[2], 1],
    workPerItem: (a) => a[1] * a[2],
    minElements: CHEAP,
  },
  batchNormForwardInfer: {
    by: 'items',
    perItem: (a) => [0, 0, 0, 0, a[2], 1, 1, 1, 1, 0, a[2], a[2], 1],
    workPerItem: (a) => a[1] * a[2],
    minElements: CHEAP,
  },
  batchNormBackward: {
    by: 'items',
    perItem: (a) => [0, 0, 0, 0, 0, a[2], a[2], 1, 1, a[2], 1, 1],
    workPerItem: (a) => a[1] * a[2],
    minElements: CHEAP,
  },
  // (rows, h, rowStart, colIdx, vals, w, bias, y): rowStart holds absolute positions, so a share
  // of rows moves it and y only
  csrMatmul: { by: 'rows', minElements: SPARSE_ROW_SUM },
  // (rows, h, index, setRowStart, colIdx, bytes, table, w, bias, y): a share moves index and y
  byteRowsMatmul: { by: 'rows', minElements: SPARSE_ROW_SUM },
};

/** How a share moves an argument of each type a split kernel's signature may hold (assembly/pointers.ts). */
const KIND_OF_TYPE: Readonly<Record<string, ArgKind>> = {
  usize: 'float',
  Bytes: 'byte',
  RowInts: 'int',
  Ints: 'int',
  Whole: 'same',
  RowDoubles: 'double',
  i32: 'same',
  u32: 'same',
  f32: 'same',
  f64: 'same',
};

/**
 * The argument kinds of kernel `name`, read from the signatures of its f32 and f64 exports: the
 * first parameter is the split size, every other one moves as its type says.
 */
export function argKinds(name: string, signatures: Readonly<Record<string, readonly string[]>> = KERNEL_SIGNATURES): ArgKind[] {
  const kindsOf = (full: string): ArgKind[] => {
    const types = signatures[full];
    if (types === undefined) throw new Error(`threads: the wasm core has no kernel ${full}`);
    if (types[0] !== 'i32') throw new Error(`threads: ${full} must take its split size (i32) first, not ${types[0] ?? 'nothing'}`);
    return types.map((type, i) => {
      const kind = i === 0 ? 'count' : KIND_OF_TYPE[type];
      if (kind === undefined) throw new Error(`threads: ${full} has a parameter of type ${type}, which a split cannot move`);
      return kind;
    });
  };
  const kinds = kindsOf(`${name}_f32`);
  if (kindsOf(`${name}_f64`).join() !== kinds.join()) throw new Error(`threads: ${name}_f32 and ${name}_f64 take different arguments`);
  return kinds;
}

export const PARALLEL_KERNELS: Readonly<Record<string, ParallelKernel>> = Object.fromEntries(
  Object.entries(SPLITS).map(([name, split]) => [name, { ...split, args: argKinds(name) }]),
);

/** The kernel name table shared by the caller and every worker: a call names its kernel by index. */
export const THREAD_KERNEL_NAMES: readonly string[] = [
  ...Object.keys(PARALLEL_KERNELS).flatMap((name) => [`${name}_f32`, `${name}_f64`]),
  'gemm_f32',
  'gemm_f64',
  // Split by images (or dW by channels) in kernel-dispatch.ts, each thread with its own work region.
  'convForward_f32',
  'convForward_f64',
  'convInputGrad_f32',
  'convInputGrad_f64',
  'convFilterGrad_f32',
  'convFilterGrad_f64',
  // Split by columns of dW in kernel-dispatch.ts.
  'csrTransposeMatmul_f32',
  'csrTransposeMatmul_f64',
  'byteRowsTransposeMatmul_f32',
  'byteRowsTransposeMatmul_f64',
  // The SIMD ceiling loop: run on every thread at once, it shows how much of a second core the machine gives.
  'peak_f32',
];

/**
 * The arguments of each thread's share of one call of `kernel`: at most `threads` argument
 * lists, the first for the calling thread. A call below the kernel's threshold gives one list.
 */
export function splitArgs(kernel: ParallelKernel, itemSize: number, args: readonly number[], threads: number): number[][] {
  const rows = kernel.by === 'rows';
  const size = args[0];
  const cols = rows ? args[1] : 1;
  if (workOf(kernel, args) < kernel.minElements) return [args as number[]];
  const perItem = kernel.by === 'items' ? kernel.perItem!(args) : null;
  const unit = kernel.by === 'elements' ? SPLIT_ELEMENTS : 1;
  const units = Math.ceil(size / unit);
  const shares: number[][] = [];
  for (let t = 0; t < threads; t++) {
    const start = Math.round((units * t) / threads) * unit;
    const end = Math.min(size, Math.round((units * (t + 1)) / threads) * unit);
    if (end <= start) continue;
    shares.push(
      kernel.args.map((kind, i) => {
        if (perItem !== null && (kind === 'float' || kind === 'byte' || kind === 'int')) {
          return args[i] + start * perItem[i] * (kind === 'float' ? itemSize : kind === 'int' ? 4 : 1);
        }
        switch (kind) {
          case 'count':
            return end - start;
          case 'same':
            return args[i];
          case 'float':
            return args[i] + start * cols * itemSize;
          case 'byte':
            return args[i] + start;
          case 'int':
            return args[i] + start * 4;
          case 'double':
            return args[i] + start * 8;
        }
      }),
    );
  }
  return shares;
}
