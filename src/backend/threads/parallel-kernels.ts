/**
 * Which kernels run split over threads, how each argument changes for one thread's share, and
 * below what size a call stays on one thread.
 *
 * A kernel split 'by elements' takes (n, ...) and works on each element alone; shares are
 * contiguous ranges of whole multiples of SPLIT_ELEMENTS, so every element goes through the same
 * SIMD or scalar-tail path as on one thread. A kernel split 'by rows' takes (rows, cols, ...)
 * and works on each row alone; shares are ranges of whole rows. Each output element is written
 * by exactly one thread, in the same way as one thread would: results are bit-identical for any
 * thread count.
 *
 * Argument kinds, for a share starting at element or row `start`:
 *   count  the split size (n or rows): becomes the share's size
 *   same   unchanged (scalars, cols, pointers every share reads whole: a bias, a source table)
 *   float  a float array: + start * itemSize (elements) or + start * cols * itemSize (rows)
 *   byte   a uint8 array, one byte per element: + start
 *   int    an int32 array, one int per row: + start * 4
 */
export type ArgKind = 'count' | 'same' | 'float' | 'byte' | 'int';

export interface ParallelKernel {
  by: 'elements' | 'rows';
  args: readonly ArgKind[];
  /** Calls with fewer elements than this (rows * cols when by rows) run on one thread. */
  minElements: number;
}

/** Element shares are whole multiples of this: 16 floats fill whole v128s of f32 and f64 and a 64-byte line of f32. */
export const SPLIT_ELEMENTS = 16;

// Thresholds from test/threads.bench.ts (f32, 1 thread vs a forced 2-way split, interleaved
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
 * A sum over one sparse row per element (csrMatmul): an MNIST row has ~150 nonzeros, so this
 * many outputs are ~300K multiply-adds, about where a GEMM starts to pay on two threads.
 */
const SPARSE_ROW_SUM = 2_048;

const unary: readonly ArgKind[] = ['count', 'float', 'float'];
const binary: readonly ArgKind[] = ['count', 'float', 'float', 'float'];

export const PARALLEL_KERNELS: Readonly<Record<string, ParallelKernel>> = {
  // activations (n, x, y[, alpha]) and their backward (n, kept, dy, dx[, alpha])
  step: { by: 'elements', args: unary, minElements: MEMORY_BOUND },
  relu: { by: 'elements', args: unary, minElements: MEMORY_BOUND },
  sigmoid: { by: 'elements', args: unary, minElements: COSTLY },
  tanh: { by: 'elements', args: unary, minElements: COSTLY },
  leakyRelu: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: MEMORY_BOUND },
  elu: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: COSTLY },
  sigmoidBackward: { by: 'elements', args: binary, minElements: CHEAP },
  reluBackward: { by: 'elements', args: binary, minElements: CHEAP },
  tanhBackward: { by: 'elements', args: binary, minElements: CHEAP },
  leakyReluBackward: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same'], minElements: CHEAP },
  eluBackward: { by: 'elements', args: ['count', 'float', 'float', 'float', 'float', 'same'], minElements: CHEAP },
  // arithmetic
  copy: { by: 'elements', args: unary, minElements: MEMORY_BOUND },
  add: { by: 'elements', args: binary, minElements: CHEAP },
  sub: { by: 'elements', args: binary, minElements: CHEAP },
  mul: { by: 'elements', args: binary, minElements: CHEAP },
  scale: { by: 'elements', args: ['count', 'float', 'same', 'float'], minElements: MEMORY_BOUND },
  axpy: { by: 'elements', args: ['count', 'same', 'float', 'float'], minElements: CHEAP },
  dropoutBackward: { by: 'elements', args: ['count', 'float', 'byte', 'float', 'same'], minElements: CHEAP },
  bytesToFloat: { by: 'elements', args: ['count', 'byte', 'float', 'same'], minElements: CHEAP },
  // optimizer updates (n, p, g, state..., scalars...)
  sgd: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: UPDATE },
  momentum: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: UPDATE },
  nesterov: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: UPDATE },
  adagrad: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: ADAPTIVE_UPDATE },
  rmsprop: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same', 'same'], minElements: ADAPTIVE_UPDATE },
  adam: {
    by: 'elements',
    args: ['count', 'float', 'float', 'float', 'float', 'same', 'same', 'same', 'same'],
    minElements: ADAPTIVE_UPDATE,
  },
  // rows (rows, cols, ...)
  addBias: { by: 'rows', args: ['count', 'same', 'float', 'same', 'float'], minElements: CHEAP },
  repeatRows: { by: 'rows', args: ['count', 'same', 'same', 'float'], minElements: MEMORY_BOUND },
  softmaxRows: { by: 'rows', args: ['count', 'same', 'float', 'float'], minElements: COSTLY },
  gatherRows: { by: 'rows', args: ['count', 'same', 'same', 'int', 'float'], minElements: MEMORY_BOUND },
  gatherRowsU8: { by: 'rows', args: ['count', 'same', 'same', 'int', 'float', 'same'], minElements: CHEAP },
  softmaxCrossEntropyBackwardOneHot: {
    by: 'rows',
    args: ['count', 'same', 'float', 'float', 'float', 'same'],
    minElements: CHEAP,
  },
  softmaxCrossEntropyBackwardLabels: { by: 'rows', args: ['count', 'same', 'float', 'int', 'float', 'same'], minElements: CHEAP },
  // (rows, h, rowStart, colIdx, vals, w, bias, y): rowStart holds absolute positions, so a share
  // of rows moves it and y only
  csrMatmul: { by: 'rows', args: ['count', 'same', 'int', 'same', 'same', 'same', 'same', 'float'], minElements: SPARSE_ROW_SUM },
};

/** The kernel name table shared by the caller and every worker: a call names its kernel by index. */
export const THREAD_KERNEL_NAMES: readonly string[] = [
  ...Object.keys(PARALLEL_KERNELS).flatMap((name) => [`${name}_f32`, `${name}_f64`]),
  'gemm_f32',
  'gemm_f64',
  // Split by columns of dW in src/ops/sparse.ts.
  'csrTransposeMatmul_f32',
  'csrTransposeMatmul_f64',
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
  if (size * cols < kernel.minElements) return [args as number[]];
  const unit = rows ? 1 : SPLIT_ELEMENTS;
  const units = Math.ceil(size / unit);
  const shares: number[][] = [];
  for (let t = 0; t < threads; t++) {
    const start = Math.round((units * t) / threads) * unit;
    const end = Math.min(size, Math.round((units * (t + 1)) / threads) * unit);
    if (end <= start) continue;
    shares.push(
      kernel.args.map((kind, i) => {
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
        }
      }),
    );
  }
  return shares;
}
