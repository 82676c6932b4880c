import type { Tensor } from '../../backend/tensor.js';
import type { FloatDType } from '../../backend/dtype.js';
import type { HasBlocks } from '../../optim/optimizer.js';
import type { Variable } from '../variable.js';

/**
 * A module's params packed into one block and their gradients into another, in the same layout
 * (weights first, then biases, as the book's nets keep theirs): each param's value and grad
 * become views into the blocks, so an optimizer updates every param in one kernel call
 * (`optimizer.update(params)` / `step(params)`), and zeroGrad() is one fill.
 */
export class Parameters implements HasBlocks, Iterable<Variable> {
  readonly paramBlock: Tensor;
  readonly gradBlock: Tensor;

  constructor(readonly list: Variable[]) {
    if (list.length === 0) throw new Error('parameters: the module has no params');
    const first = list[0].value;
    const dtype = first.dtype as FloatDType;
    for (const p of list) {
      if (!p.requiresGrad || !p.isLeaf) throw new Error(`parameters: ${p} is not a param (a leaf that requires a gradient)`);
      if (p.dtype !== dtype || p.value.backend !== first.backend) {
        throw new Error(`parameters: all params must share one backend and dtype; found ${p.dtype} next to ${dtype}`);
      }
    }
    if (new Set(list).size !== list.length) throw new Error('parameters: a param appears twice');
    const ordered = [...list.filter((p) => p.shape.length >= 2), ...list.filter((p) => p.shape.length < 2)];
    const total = list.reduce((n, p) => n + p.size, 0);
    const backend = first.backend;
    this.paramBlock = backend.empty([total], dtype);
    this.gradBlock = backend.zeros([total], dtype);
    let offset = 0;
    for (const p of ordered) {
      const value = this.paramBlock.subview(offset, p.shape).set(p.value);
      const grad = this.gradBlock.subview(offset, p.shape);
      if (p.grad !== null) grad.set(p.grad);
      p.grad?.dispose();
      if (p.value.base === null) p.value.dispose();
      p.rebind(value);
      p.grad = grad;
      offset += p.size;
    }
  }

  [Symbol.iterator](): Iterator<Variable> {
    return this.list[Symbol.iterator]();
  }

  /** Every gradient set to 0 (one fill over the grad block). */
  zeroGrad(): void {
    this.gradBlock.fill(0);
  }

  /** Free both blocks (the params become unusable). */
  dispose(): void {
    for (const p of this.list) p.grad = null;
    this.paramBlock.dispose();
    this.gradBlock.dispose();
  }
}
