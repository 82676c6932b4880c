/**
 * The first layer on sparse input against the dense path, side by side (issue: "skip the zeros of
 * the input"): on real MNIST batches of 100, the forward X W + b and the weight gradient Xᵀ dY of
 * a 784-100 and a 784-50 layer, and the batch made from bytes (compressRows vs gatherRows); then
 * a whole training step of a 784-100-10 sigmoid net on MNIST batches; and the whole first-layer
 * work of a step (batch, forward, weight gradient) on synthetic byte images
 * of set densities, to find where sparse stops paying (SPARSE_DENSITY_THRESHOLD in src/ops/sparse.ts).
 * Each group's impls run interleaved with --rounds N; the ratio column compares with dense.
 */
import { loadMnist, MultiLayerNet, ops, Rng, SGD, SparseRows } from 'scratchnet';
import type { Backend, SparseByteRows, Tensor } from 'scratchnet';
import type { BenchCase, Dtype } from './harness.js';
import type { Backends, ScratchnetCase } from './scratchnet.js';
import { scratchnetImpl } from './scratchnet.js';
import { defaultMnistDir } from './mnist-runs.js';

export const FIRST_LAYER_SECTION = 'first layer: sparse vs dense input';
const BATCH = 100;
const PIXELS = 784;
const WIDTHS = [100, 50];
/** Batches cycled through, one per call, so every call sees other images (as training does). */
const BATCHES = 20;
/** Images the batches are drawn from. */
const IMAGES = 10_000;
/** Densities (fractions of nonzero pixels) of the synthetic images; MNIST's is ~0.19, Fashion-MNIST's ~0.5. */
export const SWEEP_DENSITIES = [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8];
const SWEEP_WIDTH = 100;

type Path = 'dense' | 'sparse';

/** Bytes (IMAGES * PIXELS) and the batches' row indices (BATCHES * BATCH), copied onto a backend per case. */
interface ImageData {
  bytes: Uint8Array;
  /** One label (0-9) per image. */
  labels: Uint8Array;
  order: Int32Array;
  /** What the images are, for the case names: "MNIST" or "density 30%". */
  label: string;
}

function seededOrder(seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: BATCHES * BATCH }, () => rng.int(IMAGES));
}

/** Random byte images where each pixel is nonzero (1..255) with probability `density`. */
export function syntheticImages(density: number, seed = 11): ImageData {
  const rng = new Rng(seed);
  const bytes = Uint8Array.from({ length: IMAGES * PIXELS }, () => (rng.uniform() < density ? 1 + rng.int(255) : 0));
  const labels = Uint8Array.from({ length: IMAGES }, () => rng.int(10));
  return { bytes, labels, order: seededOrder(seed + 1), label: `density ${Math.round(density * 100)}%` };
}

/** What one case keeps on its backend between setup and teardown. */
class FirstLayer {
  readonly images: Tensor;
  readonly order: Tensor;
  readonly dense: Tensor;
  readonly sparse: SparseRows;
  readonly w: Tensor;
  readonly b: Tensor;
  readonly y: Tensor;
  readonly dy: Tensor;
  readonly dw: Tensor;
  private next = 0;

  constructor(backend: Backend, data: ImageData, width: number, dtype: Dtype) {
    const rng = new Rng(5);
    const random = (n: number) => Float64Array.from({ length: n }, () => rng.uniform() * 0.2 - 0.1);
    this.images = backend.tensor(data.bytes, [IMAGES, PIXELS], 'uint8');
    this.order = backend.tensor(data.order, [BATCHES * BATCH], 'int32');
    this.dense = backend.empty([BATCH, PIXELS], dtype);
    this.sparse = new SparseRows(backend, BATCH, PIXELS, dtype);
    this.w = backend.tensor(random(PIXELS * width), [PIXELS, width], dtype);
    this.b = backend.tensor(random(width), [width], dtype);
    this.y = backend.empty([BATCH, width], dtype);
    this.dy = backend.tensor(random(BATCH * width), [BATCH, width], dtype);
    this.dw = backend.empty([PIXELS, width], dtype);
  }

  /** The next batch's row indices. */
  nextIndex(): Tensor {
    const k = this.next;
    this.next = (this.next + 1) % BATCHES;
    return this.order.rows(k * BATCH, (k + 1) * BATCH);
  }

  /** Both forms of one batch (outside the timing of the product cases). */
  makeBatch(index: Tensor): void {
    ops.gatherRows(this.images, index, this.dense);
    ops.compressRows(this.images, index, this.sparse);
  }

  forward(path: Path): void {
    if (path === 'dense') ops.addBias(ops.matmul(this.dense, this.w, this.y), this.b, this.y);
    else ops.sparseMatmul(this.sparse, this.w, this.y, this.b);
  }

  weightGradient(path: Path): void {
    if (path === 'dense') ops.gemm(this.dense, this.dy, this.dw, { transA: true });
    else ops.sparseTransposeMatmul(this.sparse, this.dy, this.dw);
  }

  dispose(): void {
    for (const t of [this.images, this.order, this.dense, this.w, this.b, this.y, this.dy, this.dw]) t.dispose();
    this.sparse.dispose();
  }
}

type Work = 'forward' | 'weight gradient' | 'batch' | 'step';

/** One path of one piece of the first layer's work on one backend. */
export function firstLayerCase(backend: Backend, threads: number, data: ImageData, width: number, work: Work, path: Path, dtype: Dtype): ScratchnetCase {
  let layer: FirstLayer | null = null;
  const names: Record<Work, string> = {
    forward: `X W + b 784-${width}, batch ${BATCH}, ${data.label}`,
    'weight gradient': `Xᵀ dY 784-${width}, batch ${BATCH}, ${data.label}`,
    batch: `batch from bytes ${BATCH}x${PIXELS}, ${data.label}`,
    step: `batch + X W + b + Xᵀ dY 784-${width}, batch ${BATCH}, ${data.label}`,
  };
  const products = work === 'forward' || work === 'weight gradient';
  return {
    section: FIRST_LAYER_SECTION,
    name: names[work],
    impl: `${scratchnetImpl(threads)} ${path}`,
    dtype,
    // The dense multiply-adds, for both paths: the sparse path's GFLOP/s is "dense-equivalent".
    ...(products ? { flops: 2 * BATCH * PIXELS * width } : { samples: BATCH }),
    baseline: threads === 1 && path === 'dense',
    setup() {
      layer = new FirstLayer(backend, data, width, dtype);
      layer.makeBatch(layer.nextIndex());
    },
    fn() {
      const l = layer!;
      // The products run on the one real batch made in setup, so they are timed alone.
      if (products) {
        if (work === 'forward') l.forward(path);
        else l.weightGradient(path);
        return;
      }
      const index = l.nextIndex();
      if (path === 'dense') ops.gatherRows(l.images, index, l.dense);
      else ops.compressRows(l.images, index, l.sparse);
      if (work === 'step') {
        l.forward(path);
        l.weightGradient(path);
      }
    },
    teardown() {
      layer?.dispose();
      layer = null;
    },
    output() {
      const l = layer!;
      if (work === 'forward' || work === 'step') return Float64Array.from(l.y.data as ArrayLike<number>);
      if (work === 'weight gradient') return Float64Array.from(l.dw.data as ArrayLike<number>);
      const batch = path === 'dense' ? l.dense : l.sparse.toDense();
      const out = Float64Array.from(batch.data as ArrayLike<number>);
      if (batch !== l.dense) batch.dispose();
      return out;
    },
  };
}

/**
 * A training step of a 784-100-10 sigmoid MultiLayerNet with SGD on the next real batch, as the
 * Trainer runs it: the batch (dense from bytes, or sparse rows copied out of the set compressed
 * once), loss, backward, update.
 */
export function mnistStepCase(backend: Backend, threads: number, data: ImageData, path: Path, dtype: Dtype): ScratchnetCase {
  let state: { images: Tensor; set: SparseByteRows | null; labels: Tensor; order: Tensor; x: Tensor | SparseRows; t: Tensor; net: MultiLayerNet; sgd: SGD } | null = null;
  let next = 0;
  return {
    section: FIRST_LAYER_SECTION,
    name: `train step 784-100-10 sigmoid, batch ${BATCH}, ${data.label}`,
    impl: `${scratchnetImpl(threads)} ${path}`,
    dtype,
    samples: BATCH,
    baseline: threads === 1 && path === 'dense',
    setup() {
      const net = new MultiLayerNet({ inputSize: PIXELS, hiddenSizes: [100], outputSize: 10, activation: 'sigmoid' }, { backend, dtype, seed: 0 });
      const images = backend.tensor(data.bytes, [IMAGES, PIXELS], 'uint8');
      state = {
        images,
        set: path === 'sparse' ? ops.compressSet(images) : null,
        labels: backend.tensor(data.labels, [IMAGES], 'uint8'),
        order: backend.tensor(data.order, [BATCHES * BATCH], 'int32'),
        x: path === 'sparse' ? new SparseRows(backend, BATCH, PIXELS, dtype) : backend.empty([BATCH, PIXELS], dtype),
        t: backend.empty([BATCH], 'int32'),
        net,
        sgd: new SGD(0.1),
      };
      next = 0;
    },
    fn() {
      const s = state!;
      const index = s.order.rows(next * BATCH, (next + 1) * BATCH);
      next = (next + 1) % BATCHES;
      if (s.x instanceof SparseRows) ops.gatherSparseRows(s.set!, index, s.x);
      else ops.gatherRows(s.images, index, s.x);
      ops.gatherLabels(s.labels, index, s.t);
      const loss = s.net.loss(s.x, s.t);
      if (!Number.isFinite(loss)) throw new Error(`bench: train step loss became ${loss}`);
      s.net.backward();
      s.sgd.update(s.net);
    },
    teardown() {
      const s = state;
      if (s === null) return;
      for (const t of [s.images, s.labels, s.order, s.x, s.t]) t.dispose();
      s.set?.dispose();
      s.net.dispose();
      s.sgd.dispose();
      state = null;
    },
    output: () => Float64Array.from(state!.net.params[0].data as ArrayLike<number>),
  };
}

/** The first 10,000 MNIST training images, or null (and a log line) when the files are not found. */
export async function mnistImages(backend: Backend, log: (line: string) => void): Promise<ImageData | null> {
  const dir = defaultMnistDir();
  let mnist;
  try {
    mnist = await loadMnist({ dir, backend, download: false });
  } catch (err) {
    log(`bench: no first-layer cases on MNIST: ${(err as Error).message}`);
    return null;
  }
  const bytes = (mnist.train.images.data as Uint8Array).slice(0, IMAGES * PIXELS);
  const labels = (mnist.train.labels.data as Uint8Array).slice(0, IMAGES);
  mnist.train.dispose();
  mnist.test.dispose();
  return { bytes, labels, order: seededOrder(7), label: 'MNIST' };
}

/**
 * float32 on one thread and on the run's thread counts: the products and the batch on MNIST for
 * both widths; the density sweep on one thread (quick mode: the products on MNIST only).
 */
export async function firstLayerCases(backends: Backends, options: { quick: boolean }, log: (line: string) => void): Promise<BenchCase[]> {
  const single = backends.get(1)!;
  const mnist = await mnistImages(single, log);
  const cases: BenchCase[] = [];
  const both = (make: (path: Path) => BenchCase) => (['dense', 'sparse'] as const).forEach((path) => cases.push(make(path)));
  if (mnist !== null) {
    for (const width of WIDTHS) {
      for (const work of ['forward', 'weight gradient'] as const) {
        for (const [threads, backend] of backends) both((path) => firstLayerCase(backend, threads, mnist, width, work, path, 'float32'));
      }
    }
    both((path) => firstLayerCase(single, 1, mnist, 100, 'batch', path, 'float32'));
    for (const [threads, backend] of backends) both((path) => mnistStepCase(backend, threads, mnist, path, 'float32'));
    if (!options.quick) both((path) => firstLayerCase(single, 1, mnist, SWEEP_WIDTH, 'step', path, 'float32'));
  }
  if (!options.quick) {
    for (const density of SWEEP_DENSITIES) {
      const data = syntheticImages(density);
      both((path) => firstLayerCase(single, 1, data, SWEEP_WIDTH, 'step', path, 'float32'));
    }
  }
  return cases;
}
