import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { sameShape, shapeSize } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';

/** One named buffer: the region allocated, and the view of it last handed out. */
interface Kept {
  region: Tensor;
  view: Tensor;
}

/**
 * A layer's named buffers (its output, its dx, ...), kept across calls so that a training step
 * with an unchanged batch shape allocates nothing. A smaller shape is a view of the region
 * already made, so a Trainer that alternates training batches of 100 with evaluation windows of
 * 1,000 allocates nothing either; a region is made again only for a larger size, another dtype
 * or another backend.
 */
export class Buffers {
  private byName = new Map<string, Kept>();

  get(backend: Backend, name: string, shape: Shape, dtype: DType): Tensor {
    const kept = this.byName.get(name);
    if (kept !== undefined && !kept.region.disposed && kept.region.backend === backend && kept.region.dtype === dtype) {
      if (sameShape(kept.view.shape, shape)) return kept.view;
      if (shapeSize(shape) <= kept.region.size) {
        kept.view = sameShape(kept.region.shape, shape) ? kept.region : kept.region.subview(0, shape);
        return kept.view;
      }
    }
    kept?.region.dispose();
    const region = backend.empty(shape, dtype);
    this.byName.set(name, { region, view: region });
    return region;
  }

  dispose(): void {
    for (const kept of this.byName.values()) kept.region.dispose();
    this.byName.clear();
  }
}
