import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType, DType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { gatherRows, gatherLabels, gatherOneHot } from '../ops/gather.js';
import { firstNonFinite } from '../ops/reduce.js';
import { checkOneBackend } from '../ops/check.js';
import { compressRows, compressSet, gatherSparseRows } from '../ops/sparse.js';
import type { SparseRows } from '../backend/sparse-rows.js';
import { MAX_SPARSE_BYTE_COLS } from '../backend/sparse-byte-rows.js';
import type { SparseByteRows } from '../backend/sparse-byte-rows.js';
import type { ByteRowsBatch } from '../backend/byte-rows-batch.js';

/**
 * A data set the Trainer can draw batches from: it fills a batch buffer with the samples an
 * index list names. Kept in wasm memory, a data set never leaves it: a kernel gathers (and, for
 * bytes, scales) each batch straight into the net's input buffer.
 */
export interface BatchSource {
  readonly backend: Backend;
  /** Number of samples. */
  readonly count: number;
  /** Shape of one sample, e.g. [784] or [1, 28, 28]. */
  readonly sampleShape: Shape;
  /** Shape and dtype of the targets for a batch of n (int32 labels (n,) or one-hot (n, C)). */
  targetShape(n: number): Shape;
  targetDType(floatType: FloatDType): DType;
  /** x[r] = sample index[r], t[r] = its target, for r < x.shape[0]. index is int32. */
  fill(index: Tensor, x: Tensor, t: Tensor): void;
  /** Sources whose samples are mostly zeros: the fraction that is not, measured on some samples. */
  readonly density?: number;
  /** As fill, with the batch as sparse rows (N, sample size) for a first layer that skips zeros. */
  fillSparse?(index: Tensor, x: SparseRows, t: Tensor): void;
  /**
   * Sources kept as compressed bytes: the set and the scale a ByteRowsBatch reads batches from
   * where they lie (no copy per batch), or null when there is none (then fillSparse copies).
   */
  byteRows?(): { set: SparseByteRows; scale: number } | null;
  /** As fillSparse, for a batch read from byteRows()'s set: x names the rows, t gets their targets. */
  fillByteRows?(index: Tensor, x: ByteRowsBatch, t: Tensor): void;
}

/** A BatchSource over tensors already in memory: x (N, ...) floats, t int32 labels (N,) or one-hot (N, C). */
export class TensorSource implements BatchSource {
  readonly backend: Backend;
  readonly count: number;
  readonly sampleShape: Shape;

  constructor(
    readonly x: Tensor,
    readonly t: Tensor,
  ) {
    checkOneBackend('TensorSource', x, t);
    if (t.shape[0] !== x.shape[0]) {
      throw new Error(`TensorSource: ${x.shape[0]} samples ${formatShape(x.shape)} but ${t.shape[0]} targets ${formatShape(t.shape)}`);
    }
    if (x.dtype !== 'float32' && x.dtype !== 'float64' && x.dtype !== 'uint8') {
      throw new Error(`TensorSource: samples must be float32, float64 or uint8, got ${x.dtype}`);
    }
    if (!(t.dtype === 'int32' && t.rank === 1) && !(t.dtype !== 'int32' && t.dtype !== 'uint8' && t.rank === 2)) {
      throw new Error(`TensorSource: targets must be int32 labels (N,) or one-hot floats (N, C), got ${formatShape(t.shape)} ${t.dtype}`);
    }
    rejectNonFinite('sample', x);
    rejectNonFinite('target', t);
    this.backend = x.backend;
    this.count = x.shape[0];
    this.sampleShape = x.shape.slice(1);
  }

  targetShape(n: number): Shape {
    return this.t.dtype === 'int32' ? [n] : [n, this.t.shape[1]];
  }

  targetDType(floatType: FloatDType): DType {
    return this.t.dtype === 'int32' ? 'int32' : floatType;
  }

  /** Frees x and t: for a set made by fromArrays (a TensorSource over your own tensors leaves them to you). */
  dispose(): void {
    this.x.dispose();
    this.t.dispose();
  }

  fill(index: Tensor, x: Tensor, t: Tensor): void {
    const n = x.shape[0];
    gatherRows(this.x, index, x, this.x.dtype === 'uint8' ? 1 / 255 : 1);
    if (this.t.dtype === 'int32') {
      const src = this.t.data as Int32Array;
      const dst = t.data as Int32Array;
      const idx = index.data as Int32Array;
      for (let r = 0; r < n; r++) dst[r] = src[idx[r]];
    } else {
      gatherRows(this.t, index, t);
    }
  }
}

/** Throws, naming the sample, if a float data set (N, ...) holds a NaN or an infinity: one would poison training. */
function rejectNonFinite(what: 'sample' | 'target', data: Tensor): void {
  if (data.dtype !== 'float32' && data.dtype !== 'float64') return;
  const bad = firstNonFinite(data);
  if (bad < 0) return;
  const perSample = data.size / data.shape[0];
  const sample = Math.floor(bad / perSample);
  throw new Error(
    `TensorSource: ${what} ${sample} of ${formatShape(data.shape)} holds ${data.data[bad]} at element ${bad - sample * perSample}; ` +
      `NaN and infinite values would poison training`,
  );
}

/**
 * A BatchSource over a data set kept as bytes in wasm memory (MNIST: 47 MB of pixels rather than
 * 188 MB of float32): images uint8 (N, ...), labels uint8 (N,). Each batch is gathered and scaled
 * by `scale` (1/255 normalizes to [0, 1]) into the net's float type.
 */
export class ByteImageSource implements BatchSource {
  readonly backend: Backend;
  readonly count: number;
  readonly sampleShape: Shape;

  constructor(
    readonly images: Tensor,
    readonly labels: Tensor,
    readonly options: { classes?: number; oneHot?: boolean; scale?: number } = {},
  ) {
    if (images.dtype !== 'uint8' || labels.dtype !== 'uint8') {
      throw new Error(`ByteImageSource: images and labels must be uint8, got ${images.dtype} and ${labels.dtype}`);
    }
    if (labels.size !== images.shape[0]) {
      throw new Error(`ByteImageSource: ${images.shape[0]} images but ${labels.size} labels`);
    }
    checkOneBackend('ByteImageSource', images, labels);
    this.backend = images.backend;
    this.count = images.shape[0];
    this.sampleShape = images.shape.slice(1);
  }

  get classes(): number {
    return this.options.classes ?? 10;
  }

  targetShape(n: number): Shape {
    return this.options.oneHot ? [n, this.classes] : [n];
  }

  targetDType(floatType: FloatDType): DType {
    return this.options.oneHot ? floatType : 'int32';
  }

  fill(index: Tensor, x: Tensor, t: Tensor): void {
    gatherRows(this.images, index, x, this.options.scale ?? 1 / 255);
    this.fillTargets(index, t);
  }

  /**
   * The batch's rows copied out of the compressed set, made on the first call; images wider than
   * a SparseByteRows holds are compressed from their bytes batch by batch instead.
   */
  fillSparse(index: Tensor, x: SparseRows, t: Tensor): void {
    const scale = this.options.scale ?? 1 / 255;
    const set = this.sparseSet();
    if (set === null) compressRows(this.images, index, x, scale);
    else gatherSparseRows(set, index, x, scale);
    this.fillTargets(index, t);
  }

  byteRows(): { set: SparseByteRows; scale: number } | null {
    const set = this.sparseSet();
    return set === null ? null : { set, scale: this.options.scale ?? 1 / 255 };
  }

  fillByteRows(index: Tensor, x: ByteRowsBatch, t: Tensor): void {
    if (x.set !== this.compressed) throw new Error(`ByteImageSource.fillByteRows: ${x} reads another set than this source's`);
    x.select(index);
    this.fillTargets(index, t);
  }

  /**
   * Every image as its nonzero bytes (MNIST's 70,000: ~0.2 s to make, 32 MB against 55 MB of
   * bytes), one copy for either float type, so that no batch scans the zero bytes again. It holds
   * the images as they were then: a source whose bytes are changed later must be made anew.
   * Null for images wider than MAX_SPARSE_BYTE_COLS.
   */
  private sparseSet(): SparseByteRows | null {
    if (this.images.size / this.count > MAX_SPARSE_BYTE_COLS) return null;
    if (this.compressed === null || this.compressed.disposed) this.compressed = compressSet(this.images);
    return this.compressed;
  }
  private compressed: SparseByteRows | null = null;

  private fillTargets(index: Tensor, t: Tensor): void {
    if (this.options.oneHot) gatherOneHot(this.labels, index, t);
    else gatherLabels(this.labels, index, t);
  }

  /** Fraction of nonzero pixels in the first DENSITY_SAMPLES images (MNIST ~0.19, Fashion-MNIST ~0.5). */
  get density(): number {
    if (this.measuredDensity === null) {
      const bytes = this.images.data as Uint8Array;
      const end = Math.min(this.count, DENSITY_SAMPLES) * (this.images.size / this.count);
      let nonzero = 0;
      for (let i = 0; i < end; i++) if (bytes[i] !== 0) nonzero++;
      this.measuredDensity = nonzero / end;
    }
    return this.measuredDensity;
  }
  private measuredDensity: number | null = null;

  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
    this.compressed?.dispose();
    this.compressed = null;
  }
}

/** Throws unless the data set is in the net's backend: its batches are gathered into the net's memory. */
export function checkSourceBackend(op: string, source: BatchSource, netBackend: Backend): void {
  if (source.backend !== netBackend) {
    throw new Error(`${op}: the data set is in ${source.backend}, but the net computes in ${netBackend}`);
  }
}
/** Images the density of a ByteImageSource is measured on: enough for a steady figure, ~1 ms. */
const DENSITY_SAMPLES = 1000;

export function isBatchSource(x: unknown): x is BatchSource {
  return typeof x === 'object' && x !== null && typeof (x as BatchSource).fill === 'function' && 'count' in x;
}
