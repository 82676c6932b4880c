/**
 * scratchnet's cases of the suite, through the package's public API ('scratchnet'): the SIMD
 * ceiling, GEMM in every variant, the element-wise kernels over 1M elements and the MLP training
 * step, each in float32 and float64, on one thread and — where createBackend({ threads }) gives
 * that many — on more. Every case can hand back what it computed (`output()`), so a test can check
 * the benchmarked call against a reference.
 */
import { createBackend, ops, MultiLayerNet, SGD, Rng, Trainer } from 'scratchnet';
import type { Backend, Tensor } from 'scratchnet';
import type { BenchCase, Dtype } from './harness.js';
import { concatFloat64 } from './harness.js';
import { PeakThreads } from './peak-threads.js';
import type { PeakDtype } from './peak-threads.js';
import {
  GEMM_SHAPES, MLP_SHAPES, TRAIN_BATCH, TRAIN_LEARNING_RATE,
  gemmCaseName, gemmFlops, gemmVariantsFor, makeGemmOperands, makeTrainProblem, trainStepCaseName,
} from './problems.js';
import type { GemmShape, GemmVariant, MlpShape } from './problems.js';

export const DTYPES: readonly Dtype[] = ['float32', 'float64'];

/** A benchmark case that can also return the numbers its last call computed. */
export interface ScratchnetCase extends BenchCase {
  /** After setup and at least one fn(): the result (C, y, the updated params), as float64. */
  output(): Float64Array;
}

/** "scratchnet" on one thread, "scratchnet-2t" on two. */
export function scratchnetImpl(threads: number): string {
  return threads === 1 ? 'scratchnet' : `scratchnet-${threads}t`;
}

/** The ceiling case for a thread count: what GEMMs on that many threads are a percentage of. */
export function ceilingCaseName(threads: number): string {
  return threads === 1 ? 'ceiling (1 thread)' : `ceiling (${threads} threads)`;
}

/** The backends of a run, by thread count; 1 is always there. */
export type Backends = ReadonlyMap<number, Backend>;

/**
 * A backend per thread count asked for. A count above 1 is kept only if the backend really runs
 * on that many threads (createBackend({ threads }) exists and started its workers); otherwise it
 * is left out and `log` says why.
 */
export async function openBackends(threadCounts: readonly number[], log: (line: string) => void): Promise<Map<number, Backend>> {
  const backends = new Map<number, Backend>();
  for (const threads of new Set([1, ...threadCounts])) {
    let backend: Backend;
    try {
      backend = await createBackend({ threads });
    } catch (err) {
      if (threads === 1) throw err;
      log(`bench: no ${threads}-thread cases: createBackend({ threads: ${threads} }) failed: ${(err as Error).message}`);
      continue;
    }
    const actual = (backend as { threads?: unknown }).threads;
    if (actual !== threads) {
      backend.dispose();
      if (threads === 1) throw new Error(`bench: createBackend({ threads: 1 }) runs on ${String(actual)} threads`);
      log(`bench: no ${threads}-thread cases: createBackend({ threads: ${threads} }) runs on ${String(actual ?? 1)} thread(s)`);
      continue;
    }
    backends.set(threads, backend);
  }
  return backends;
}

export function disposeBackends(backends: Backends): void {
  for (const backend of backends.values()) backend.dispose();
}

function toFloat64(t: Tensor): Float64Array {
  return Float64Array.from(t.data as ArrayLike<number>);
}

// --- the ceiling ---------------------------------------------------------------

/** Peak-loop iterations per call: about 2e8 flops, a few milliseconds on one core. */
function peakIterations(peak: PeakThreads, dtype: PeakDtype): number {
  return Math.round(2e8 / peak.flopsPerThread(dtype, 1));
}

/** The peak loop on `peak.threads` threads at once; its flops count every thread's. */
function ceilingCase(peak: PeakThreads, dtype: Dtype): BenchCase {
  const iterations = peakIterations(peak, dtype);
  return {
    section: 'ceiling',
    name: ceilingCaseName(peak.threads),
    impl: scratchnetImpl(peak.threads),
    dtype,
    flops: peak.threads * peak.flopsPerThread(dtype, iterations),
    fn() {
      peak.run(dtype, iterations);
    },
  };
}

/**
 * Starts the peak loop's workers for each thread count of `backends` (the one-thread ceiling
 * needs none). The workers instantiate the plain build of the one-thread backend's module.
 */
export async function startPeakThreads(backends: Backends): Promise<PeakThreads[]> {
  const single = backends.get(1);
  if (!single) throw new Error('startPeakThreads: no one-thread backend');
  const peaks: PeakThreads[] = [];
  for (const threads of [...backends.keys()].sort((x, y) => x - y)) {
    peaks.push(await PeakThreads.start(single.module, single.kernels, threads));
  }
  return peaks;
}

export function ceilingCases(peaks: readonly PeakThreads[]): BenchCase[] {
  return peaks.flatMap((peak) => DTYPES.map((dtype) => ceilingCase(peak, dtype)));
}

// --- GEMM ------------------------------------------------------------------------

/** ops.gemm at one shape and variant; operands as problems.ts lays them out (A^T*B stores A (k, m)). */
export function gemmCase(backend: Backend, threads: number, shape: GemmShape, variant: GemmVariant, dtype: Dtype): ScratchnetCase {
  const { m, k, n } = shape;
  const transA = variant === 'A^T*B';
  const transB = variant === 'A*B^T';
  let a: Tensor | null = null;
  let b: Tensor | null = null;
  let c: Tensor | null = null;
  return {
    section: 'gemm',
    name: gemmCaseName(shape, variant),
    impl: scratchnetImpl(threads),
    dtype,
    flops: gemmFlops(shape),
    percentOf: ceilingCaseName(threads),
    setup() {
      const operands = makeGemmOperands(shape);
      a = backend.tensor(operands.a, transA ? [k, m] : [m, k], dtype);
      b = backend.tensor(operands.b, transB ? [n, k] : [k, n], dtype);
      c = backend.empty([m, n], dtype);
    },
    fn() {
      ops.gemm(a!, b!, c!, { transA, transB });
    },
    teardown() {
      for (const t of [a, b, c]) t?.dispose();
      a = b = c = null;
    },
    output: () => toFloat64(c!),
  };
}

/** The GEMM shapes a quick run keeps: those the targets name, (100,784,100), (100,1024,1024), (512,512,512). */
export function isQuickGemmShape(shape: GemmShape): boolean {
  return (shape.m === 100 && (shape.k === 784 ? shape.n === 100 : shape.k === 1024)) || (shape.m === 512 && shape.k === 512);
}

/**
 * Every shape, variant and dtype on each backend. Quick mode keeps the shapes of isQuickGemmShape,
 * and on several threads only the A*B products in float32 (what the thread targets compare).
 */
export function gemmCases(backends: Backends, options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of GEMM_SHAPES) {
    if (options.quick && !isQuickGemmShape(shape)) continue;
    for (const variant of gemmVariantsFor(shape)) {
      for (const [threads, backend] of backends) {
        for (const dtype of DTYPES) {
          if (options.quick && threads > 1 && (variant !== 'A*B' || dtype !== 'float32')) continue;
          cases.push(gemmCase(backend, threads, shape, variant, dtype));
        }
      }
    }
  }
  return cases;
}

// --- element-wise ------------------------------------------------------------------

/** Elements of every element-wise case. */
export const ELEMENTWISE_SIZE = 1_000_000;
/** The softmax case's rows are this long (1000 rows of 1000). */
export const SOFTMAX_COLS = 1000;
export const SGD_CASE_LR = 1e-3;

export type ElementwiseKernel = 'sigmoid' | 'softmax' | 'sgd update';

export const ELEMENTWISE_KERNELS: readonly ElementwiseKernel[] = ['sigmoid', 'softmax', 'sgd update'];

export function elementwiseCaseName(kernel: ElementwiseKernel, size = ELEMENTWISE_SIZE): string {
  if (kernel === 'softmax') return `softmax ${size / SOFTMAX_COLS}x${SOFTMAX_COLS}`;
  return `${kernel} ${size >= 1e6 && size % 1e6 === 0 ? `${size / 1e6}M` : size}`;
}

/** Seeded inputs of an element-wise case: x in [-4, 4) (sigmoid and softmax), or p and g in [-1, 1). */
export function makeElementwiseInputs(size: number, seed = 3): { x: Float64Array; g: Float64Array } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: size }, () => 8 * rng.uniform() - 4);
  const g = Float64Array.from({ length: size }, () => 2 * rng.uniform() - 1);
  return { x, g };
}

/**
 * One element-wise kernel over `size` elements. Bytes count each array read or written once
 * (sigmoid and softmax: x in, y out; the SGD update: p and g in, p out), the least any kernel moves.
 * The SGD case updates p in place, call after call, as training does.
 */
export function elementwiseCase(backend: Backend, threads: number, kernel: ElementwiseKernel, dtype: Dtype, size = ELEMENTWISE_SIZE): ScratchnetCase {
  if (kernel === 'softmax' && size % SOFTMAX_COLS !== 0) throw new Error(`elementwiseCase: softmax size ${size} is not a multiple of ${SOFTMAX_COLS}`);
  const itemSize = dtype === 'float32' ? 4 : 8;
  const arrays = kernel === 'sgd update' ? 3 : 2;
  let x: Tensor | null = null;
  let y: Tensor | null = null;
  const run: Record<ElementwiseKernel, () => void> = {
    sigmoid: () => void ops.sigmoid(x!, y!),
    softmax: () => void ops.softmax(x!, y!),
    'sgd update': () => ops.sgdUpdate(x!, y!, SGD_CASE_LR),
  };
  return {
    section: 'element-wise',
    name: elementwiseCaseName(kernel, size),
    impl: scratchnetImpl(threads),
    dtype,
    bytes: arrays * size * itemSize,
    setup() {
      const inputs = makeElementwiseInputs(size);
      const shape = kernel === 'softmax' ? [size / SOFTMAX_COLS, SOFTMAX_COLS] : [size];
      x = backend.tensor(inputs.x, shape, dtype);
      // sigmoid and softmax write y; the SGD update reads its gradient from it.
      y = kernel === 'sgd update' ? backend.tensor(inputs.g, shape, dtype) : backend.empty(shape, dtype);
    },
    fn: run[kernel],
    teardown() {
      x?.dispose();
      y?.dispose();
      x = y = null;
    },
    // The SGD update's result is p, updated in place.
    output: () => toFloat64(kernel === 'sgd update' ? x! : y!),
  };
}

/** Every kernel and dtype on each backend; quick mode runs several threads in float32 only. */
export function elementwiseCases(backends: Backends, options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const kernel of ELEMENTWISE_KERNELS) {
    for (const [threads, backend] of backends) {
      for (const dtype of DTYPES) {
        if (options.quick && threads > 1 && dtype !== 'float32') continue;
        cases.push(elementwiseCase(backend, threads, kernel, dtype));
      }
    }
  }
  return cases;
}

// --- training step --------------------------------------------------------------------

/**
 * GEMM flops of one training step of an MLP on a batch: forward X W for every layer, dW = X^T dY
 * for every layer, dX = dY W^T for every layer but the first (nothing needs the input's gradient).
 */
export function trainStepGemmFlops(shape: MlpShape, batch = TRAIN_BATCH): number {
  let flops = 0;
  for (let l = 0; l + 1 < shape.sizes.length; l++) {
    const weights = shape.sizes[l] * shape.sizes[l + 1];
    flops += 2 * batch * weights * (l === 0 ? 2 : 3);
  }
  return flops;
}

/** "Trainer.step" on one thread: the same step through the Trainer, in the layers' group. */
export const TRAINER_STEP_IMPL = 'Trainer.step';

/**
 * A MultiLayerNet with the weights of makeTrainProblem (the same net every peer trains), its
 * batch, and SGD; one call is the step a user writes: loss, backward, update — or, with
 * `viaTrainer`, `trainer.step(x, t)`, so the table shows what the Trainer adds to a step.
 */
export function trainStepCase(backend: Backend, threads: number, shape: MlpShape, dtype: Dtype, batch = TRAIN_BATCH, viaTrainer = false): ScratchnetCase & { lastLoss(): number } {
  const name = trainStepCaseName(shape);
  let net: MultiLayerNet | null = null;
  let sgd: SGD | null = null;
  let trainer: Trainer | null = null;
  let x: Tensor | null = null;
  let t: Tensor | null = null;
  let loss = Number.NaN;
  return {
    section: 'train step',
    name,
    impl: viaTrainer ? TRAINER_STEP_IMPL : scratchnetImpl(threads),
    dtype,
    samples: batch,
    setup() {
      const { sizes } = shape;
      const problem = makeTrainProblem(shape, batch);
      net = new MultiLayerNet(
        { inputSize: sizes[0], hiddenSizes: sizes.slice(1, -1), outputSize: sizes[sizes.length - 1], activation: shape.activation },
        { backend, dtype, seed: 0 },
      );
      const layers = sizes.length - 1;
      if (net.params.length !== 2 * layers) throw new Error(`bench ${name}: MultiLayerNet has ${net.params.length} params, expected ${2 * layers} (W, b per layer)`);
      for (let l = 0; l < layers; l++) {
        net.params[2 * l].set(problem.weights[l]);
        net.params[2 * l + 1].set(problem.biases[l]);
      }
      x = backend.tensor(problem.x, [batch, sizes[0]], dtype);
      t = backend.tensor(problem.labels, [batch], 'int32');
      sgd = new SGD(TRAIN_LEARNING_RATE);
      if (viaTrainer) trainer = new Trainer(net, sgd);
    },
    fn() {
      if (trainer !== null) {
        loss = trainer.step(x!, t!);
      } else {
        loss = net!.loss(x!, t!);
        net!.backward();
        sgd!.update(net!);
      }
      if (!Number.isFinite(loss)) throw new Error(`scratchnet ${name}: loss became ${loss}`);
    },
    teardown() {
      sgd?.dispose();
      net?.dispose();
      x?.dispose();
      t?.dispose();
      net = sgd = x = t = trainer = null;
    },
    /** The net's params after the last step: W1, b1, W2, b2, ... flattened in order. */
    output() {
      const parts = net!.params.map(toFloat64);
      return concatFloat64(parts);
    },
    lastLoss: () => loss,
  };
}

/** Every net and dtype on each backend; quick mode runs several threads in float32 only. */
export function trainStepCases(backends: Backends, options: { quick: boolean }): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const shape of MLP_SHAPES) {
    for (const [threads, backend] of backends) {
      for (const dtype of DTYPES) {
        if (options.quick && threads > 1 && dtype !== 'float32') continue;
        cases.push(trainStepCase(backend, threads, shape, dtype));
      }
    }
  }
  const one = backends.get(1);
  if (one) cases.push(trainStepCase(one, 1, MLP_SHAPES.find((s) => s.sizes.join('-') === '784-100-10')!, 'float32', TRAIN_BATCH, true));
  return cases;
}
