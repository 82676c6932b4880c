import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType, DType } from '../backend/dtype.js';
import type { Shape } from '../backend/shape.js';
import { Rng } from '../random/rng.js';
import type { BatchSource } from './batch-source.js';

/**
 * Some samples of another source, by index, without copying them: sample i of the subset is
 * sample indices[i] of the source. `fill` translates a batch's index list (integer work in TS)
 * and lets the source gather as usual.
 */
export class SubsetSource implements BatchSource {
  readonly backend: Backend;
  readonly count: number;
  readonly sampleShape: Shape;
  /** The translated index list of one batch, grown to the largest batch seen. */
  private scratch: Tensor | null = null;

  constructor(
    readonly source: BatchSource,
    /** Positions in `source`, each in [0, source.count). */
    readonly indices: Int32Array,
  ) {
    for (let i = 0; i < indices.length; i++) {
      if (!(indices[i] >= 0 && indices[i] < source.count)) {
        throw new Error(`SubsetSource: index ${indices[i]} at ${i} is outside the source's ${source.count} samples`);
      }
    }
    this.backend = source.backend;
    this.count = indices.length;
    this.sampleShape = source.sampleShape;
  }

  targetShape(n: number): Shape {
    return this.source.targetShape(n);
  }

  targetDType(floatType: FloatDType): DType {
    return this.source.targetDType(floatType);
  }

  fill(index: Tensor, x: Tensor, t: Tensor): void {
    const n = x.shape[0];
    if (this.scratch === null || this.scratch.disposed || this.scratch.size < n) {
      this.scratch?.dispose();
      this.scratch = this.backend.empty([n], 'int32');
    }
    const from = index.data as Int32Array;
    const to = this.scratch.data as Int32Array;
    for (let r = 0; r < n; r++) {
      const i = from[r];
      if (!(i >= 0 && i < this.count)) throw new Error(`SubsetSource.fill: index ${i} at ${r} is outside the subset's ${this.count} samples`);
      to[r] = this.indices[i];
    }
    this.source.fill(this.scratch.subview(0, [n]), x, t);
  }

  /** Frees the index buffer (the source stays its owner's). */
  dispose(): void {
    this.scratch?.dispose();
    this.scratch = null;
  }
}

/**
 * A seeded split of `source` into two disjoint subsets that cover it: `fraction` of the samples
 * (rounded up) go to `held`, the rest to `kept`, drawn by one permutation of Rng(seed).
 */
export function splitSource(source: BatchSource, fraction: number, seed: number, what = 'splitSource'): { kept: SubsetSource; held: SubsetSource } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`${what}: the split fraction must be in (0, 1), got ${fraction}`);
  const heldCount = Math.ceil(fraction * source.count);
  if (heldCount >= source.count) {
    throw new Error(`${what}: a split of ${fraction} of ${source.count} samples leaves none to train on`);
  }
  const order = new Rng(seed).permutation(source.count);
  const keptCount = source.count - heldCount;
  return { kept: new SubsetSource(source, order.slice(0, keptCount)), held: new SubsetSource(source, order.slice(keptCount)) };
}
