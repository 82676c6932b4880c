/**
 * Metrics of a net on a data set beyond accuracy and loss (evaluate.ts): top-k accuracy and the
 * confusion matrix. Each is one batched pass in eval mode over the set (or its first `limit`
 * samples), with int32 labels or one-hot targets.
 */
import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';
import { argmaxRows } from '../ops/reduce.js';
import type { BatchSource } from './batch-source.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { forEachBatch } from './evaluate.js';

/** Options of `topKAccuracy` and `confusionMatrix`. */
export interface MetricOptions {
  /** Rows per forward pass. Default 1000. */
  batchSize?: number;
  /** Only the first N samples. */
  limit?: number;
}

/** Each row's class, (n,) int32: the labels themselves, or the argmax of one-hot rows into `scratch`. */
function labelsOf(t: Tensor, scratch: () => Tensor): Tensor {
  return t.dtype === 'int32' ? t : argmaxRows(t, scratch());
}

/**
 * Fraction of samples whose target class is among the k highest scores: fewer than k other
 * classes score strictly higher (so a tie at the k-th place counts in the target's favour, as
 * tf.math.in_top_k). k = 1 is accuracy up to ties.
 */
export function topKAccuracy(net: Sequential, source: BatchSource, k: number, options: MetricOptions = {}): number {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`topKAccuracy: k must be a positive integer, got ${k}`);
  let hits = 0;
  let seen = 0;
  const scratch = new Map<number, Tensor>();
  try {
    forEachBatch('topKAccuracy', net, source, options, (scores, t, n) => {
      const classes = scores.shape[1];
      const labels = labelsOf(t, () => scratchFor(scratch, source, n)).data as Int32Array;
      const s = scores.data;
      for (let r = 0; r < n; r++) {
        const row = r * classes;
        const target = s[row + labels[r]];
        let higher = 0;
        for (let c = 0; c < classes && higher < k; c++) if (s[row + c] > target) higher++;
        if (higher < k) hits++;
      }
      seen += n;
    });
  } finally {
    for (const t of scratch.values()) t.dispose();
  }
  return hits / seen;
}

/** counts[true][predicted] over the set, predictions being each row's argmax (the first on ties). */
export function confusionMatrix(net: Sequential, source: BatchSource, options: MetricOptions & { classes?: number } = {}): ConfusionMatrix {
  let matrix: ConfusionMatrix | null = options.classes === undefined ? null : new ConfusionMatrix(options.classes);
  const scratch = new Map<number, Tensor>();
  const predictions = new Map<number, Tensor>();
  try {
    forEachBatch('confusionMatrix', net, source, options, (scores, t, n) => {
      matrix ??= new ConfusionMatrix(scores.shape[1]);
      const predicted = argmaxRows(scores, scratchFor(predictions, source, n));
      matrix.add(labelsOf(t, () => scratchFor(scratch, source, n)), predicted);
    });
  } finally {
    for (const t of [...scratch.values(), ...predictions.values()]) t.dispose();
  }
  return matrix ?? new ConfusionMatrix(options.classes ?? 0);
}

/** An int32 (n,) buffer per batch size, made once. */
function scratchFor(buffers: Map<number, Tensor>, source: BatchSource, n: number): Tensor {
  let b = buffers.get(n);
  if (b === undefined) {
    b = source.backend.empty([n], 'int32');
    buffers.set(n, b);
  }
  return b;
}
