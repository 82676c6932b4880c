import type { Tensor } from '../../backend/tensor.js';
import type { Variable } from '../variable.js';
import { Parameters } from './parameters.js';

/**
 * PyTorch's nn.Module, small: `forward(x)` computes with autograd ops, `params` are the module's
 * own trainable leaves, `children` its sub-modules. `parameters()` packs every param of the tree
 * into one block (once; later calls return the same object), so optimizers update the whole
 * model in one kernel call.
 */
export abstract class Module {
  protected readonly params: Variable[] = [];
  protected readonly children: Module[] = [];
  private packed: Parameters | null = null;

  abstract forward(x: Variable | Tensor): Variable;

  /** Every param of this module and its children, packed into one block (see Parameters). */
  parameters(): Parameters {
    if (this.packed === null) {
      const root = new Parameters(this.allParams());
      for (const m of this.modules()) m.packed = root;
    }
    return this.packed!;
  }

  /** Every gradient set to 0 (after parameters(): one fill). */
  zeroGrad(): void {
    if (this.packed !== null) this.packed.zeroGrad();
    else for (const p of this.allParams()) p.grad?.fill(0);
  }

  /** This module and every module under it, depth first. */
  modules(): Module[] {
    return [this, ...this.children.flatMap((c) => c.modules())];
  }

  /** The params of the tree, in module order. */
  allParams(): Variable[] {
    return this.modules().flatMap((m) => m.params);
  }

  /** Free every param and gradient. */
  dispose(): void {
    if (this.packed !== null) this.packed.dispose();
    else {
      for (const p of this.allParams()) {
        p.grad?.dispose();
        p.grad = null;
        p.dispose();
      }
    }
  }
}
