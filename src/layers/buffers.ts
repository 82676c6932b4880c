import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../backend/dtype.js';
import { sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';

/**
 * A layer's named buffers (its output, its dx, ...), kept across calls so that a training step
 * with an unchanged batch shape allocates nothing. A buffer is made again only when the shape,
 * dtype or backend it is asked for changes.
 */
export class Buffers {
  private byName = new Map<string, Tensor>();

  get(backend: Backend, name: string, shape: Shape, dtype: DType): Tensor {
    const t = this.byName.get(name);
    if (t !== undefined && !t.disposed && t.backend === backend && t.dtype === dtype && sameShape(t.shape, shape)) return t;
    t?.dispose();
    const fresh = backend.empty(shape, dtype);
    this.byName.set(name, fresh);
    return fresh;
  }

  dispose(): void {
    for (const t of this.byName.values()) t.dispose();
    this.byName.clear();
  }
}
