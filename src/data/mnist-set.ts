/**
 * An MNIST-format split kept as bytes in wasm memory: 47 MB for the 60,000 training images
 * instead of 188 MB of float32. The Trainer draws batches from it directly; a kernel gathers
 * each batch and scales it into the net's dtype. Platform-neutral: the one reader (mnist-reader.ts),
 * behind the Node loader (mnist.ts) and the browser loader (mnist-fetch.ts), ends here.
 */
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import type { Tensor } from '../backend/tensor.js';
import { bytesToFloat, gatherLabels, gatherOneHot } from '../ops/gather.js';
import { ByteImageSource } from '../train/batch-source.js';

/** How a split is presented, as in the book's load_mnist. */
export interface MnistFormat {
  /** Scale pixels to [0, 1] (else 0-255 as floats). Default true. */
  normalize?: boolean;
  /** Samples as (784,) rows; false keeps them (1, 28, 28). Default true. */
  flatten?: boolean;
  /** Targets as one-hot rows (N, 10) instead of int32 labels (N,). Default false. */
  oneHotLabel?: boolean;
  /** The float type of `toTensors()`. Batches for a net follow the net's dtype. Default: the backend's. */
  dtype?: FloatDType;
}

const CLASSES = 10;

/**
 * One split: `images` uint8 (N, 784) or (N, 1, 28, 28), `labels` uint8 (N,), both in wasm memory.
 * A BatchSource: pass it to `Trainer.fit` and as `test`.
 */
export class MnistSet extends ByteImageSource {
  readonly dtype: FloatDType;
  readonly normalize: boolean;
  readonly oneHotLabel: boolean;

  constructor(images: Tensor, labels: Tensor, format: MnistFormat = {}) {
    const normalize = format.normalize ?? true;
    const oneHotLabel = format.oneHotLabel ?? false;
    super(images, labels, { classes: CLASSES, oneHot: oneHotLabel, scale: normalize ? 1 / 255 : 1 });
    this.dtype = format.dtype ?? images.backend.dtype;
    this.normalize = normalize;
    this.oneHotLabel = oneHotLabel;
  }

  /** The first `count` samples, sharing this set's memory (disposing the slice frees nothing). */
  slice(count: number): MnistSet {
    if (!Number.isInteger(count) || count <= 0 || count > this.count) {
      throw new Error(`MnistSet.slice: count must be an integer in [1, ${this.count}], got ${count}`);
    }
    const format = { normalize: this.normalize, oneHotLabel: this.oneHotLabel, dtype: this.dtype };
    return new MnistSet(this.images.rows(0, count), this.labels.rows(0, count), format);
  }

  /**
   * The whole split as float tensors, the book's (x_train, t_train): x (N, 784) or (N, 1, 28, 28)
   * in `dtype`, t int32 labels (N,) or one-hot (N, 10). New tensors: the caller disposes them.
   */
  toTensors(): { x: Tensor; t: Tensor } {
    const backend = this.backend;
    const x = backend.empty(this.images.shape, this.dtype);
    bytesToFloat(this.images, x, this.options.scale);
    const order = backend.arange(0, this.count, 1, 'int32');
    try {
      const t = this.oneHotLabel
        ? gatherOneHot(this.labels, order, backend.empty([this.count, CLASSES], this.dtype))
        : gatherLabels(this.labels, order, backend.empty([this.count], 'int32'));
      return { x, t };
    } finally {
      order.dispose();
    }
  }
}

/** Both splits; `dispose()` frees their memory. */
export interface Mnist {
  train: MnistSet;
  test: MnistSet;
  dispose(): void;
}

/** The image tensor's shape for an image file of `dims` (count, rows, cols): flattened rows or (N, 1, H, W). */
export function mnistImageShape(dims: number[], format: MnistFormat = {}): number[] {
  const [count, rows, cols] = dims as [number, number, number];
  return (format.flatten ?? true) ? [count, rows * cols] : [count, 1, rows, cols];
}

export function mnistPair(train: MnistSet, test: MnistSet): Mnist {
  return {
    train,
    test,
    dispose() {
      train.dispose();
      test.dispose();
    },
  };
}
