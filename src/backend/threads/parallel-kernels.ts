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
// medians) on the shared 2-vCPU VM; its calmest run (load 2.7) gave, as speed-ups of 2 threads:
//   add          16K 0.70x   64K 1.46x   256K 1.74x     relu  64K 0.91x   256K 1.11x
//   sigmoid       1K 0.81x   16K 1.71x    64K 1.82x     softmaxRows (10 columns)  1K 1.15x   64K 1.53x
//   adam         16K 1.04x   64K 1.69x   256K 1.75x
// Other runs, with the second core busy elsewhere, were slower at every size: a split that does
// not pay costs little, as the caller runs a share no worker has claimed in time.
/** Cheap per element (loads, an add, a store): memory-bound, worth splitting only when large. */
const CHEAP = 65536;
/** An exp per element: worth splitting much sooner. */
const COSTLY = 8192;
/** The optimizer updates: several arrays and a square root per element. */
const UPDATE = 32768;

const unary: readonly ArgKind[] = ['count', 'float', 'float'];
const binary: readonly ArgKind[] = ['count', 'float', 'float', 'float'];

export const PARALLEL_KERNELS: Readonly<Record<string, ParallelKernel>> = {
  // activations (n, x, y[, alpha]) and their backward (n, kept, dy, dx[, alpha])
  step: { by: 'elements', args: unary, minElements: CHEAP },
  relu: { by: 'elements', args: unary, minElements: CHEAP },
  sigmoid: { by: 'elements', args: unary, minElements: COSTLY },
  tanh: { by: 'elements', args: unary, minElements: COSTLY },
  leakyRelu: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: CHEAP },
  elu: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: COSTLY },
  sigmoidBackward: { by: 'elements', args: binary, minElements: CHEAP },
  reluBackward: { by: 'elements', args: binary, minElements: CHEAP },
  tanhBackward: { by: 'elements', args: binary, minElements: CHEAP },
  leakyReluBackward: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same'], minElements: CHEAP },
  eluBackward: { by: 'elements', args: ['count', 'float', 'float', 'float', 'float', 'same'], minElements: CHEAP },
  // arithmetic
  copy: { by: 'elements', args: unary, minElements: CHEAP },
  add: { by: 'elements', args: binary, minElements: CHEAP },
  sub: { by: 'elements', args: binary, minElements: CHEAP },
  mul: { by: 'elements', args: binary, minElements: CHEAP },
  scale: { by: 'elements', args: ['count', 'float', 'same', 'float'], minElements: CHEAP },
  axpy: { by: 'elements', args: ['count', 'same', 'float', 'float'], minElements: CHEAP },
  dropoutBackward: { by: 'elements', args: ['count', 'float', 'byte', 'float', 'same'], minElements: CHEAP },
  bytesToFloat: { by: 'elements', args: ['count', 'byte', 'float', 'same'], minElements: CHEAP },
  // optimizer updates (n, p, g, state..., scalars...)
  sgd: { by: 'elements', args: ['count', 'float', 'float', 'same'], minElements: UPDATE },
  momentum: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: UPDATE },
  nesterov: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: UPDATE },
  adagrad: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same'], minElements: UPDATE },
  rmsprop: { by: 'elements', args: ['count', 'float', 'float', 'float', 'same', 'same', 'same'], minElements: UPDATE },
  adam: {
    by: 'elements',
    args: ['count', 'float', 'float', 'float', 'float', 'same', 'same', 'same', 'same'],
    minElements: UPDATE,
  },
  // rows (rows, cols, ...)
  addBias: { by: 'rows', args: ['count', 'same', 'float', 'same', 'float'], minElements: CHEAP },
  repeatRows: { by: 'rows', args: ['count', 'same', 'same', 'float'], minElements: CHEAP },
  softmaxRows: { by: 'rows', args: ['count', 'same', 'float', 'float'], minElements: COSTLY },
  gatherRows: { by: 'rows', args: ['count', 'same', 'same', 'int', 'float'], minElements: CHEAP },
  gatherRowsU8: { by: 'rows', args: ['count', 'same', 'same', 'int', 'float', 'same'], minElements: CHEAP },
  softmaxCrossEntropyBackwardOneHot: {
    by: 'rows',
    args: ['count', 'same', 'float', 'float', 'float', 'same'],
    minElements: CHEAP,
  },
  softmaxCrossEntropyBackwardLabels: { by: 'rows', args: ['count', 'same', 'float', 'int', 'float', 'same'], minElements: CHEAP },
};

/** The kernel name table shared by the caller and every worker: a call names its kernel by index. */
export const THREAD_KERNEL_NAMES: readonly string[] = [
  ...Object.keys(PARALLEL_KERNELS).flatMap((name) => [`${name}_f32`, `${name}_f64`]),
  'gemm_f32',
  'gemm_f64',
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
