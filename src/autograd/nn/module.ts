import type { Tensor } from '../../backend/tensor.js';
import { param } from '../variable.js';
import type { Variable } from '../variable.js';
import { Parameters } from './parameters.js';

/**
 * PyTorch's nn.Module, small: `forward(x)` computes with autograd ops, `params` are the module's
 * own trainable leaves, `children` its sub-modules. `parameters()` packs every param of the tree
 * into one block (once; later calls return the same object), so optimizers update the whole
 * model in one kernel call. `training` (true from the start) is set for the whole tree by
 * train() / eval(); modules that behave differently (batch normalization) read it in forward.
 */
export abstract class Module {
  protected readonly params: Variable[] = [];
  protected readonly children: Module[] = [];
  private packed: Parameters | null = null;
  training = true;

  abstract forward(x: Variable | Tensor): Variable;

  /**
   * Adopts a freshly made weight and bias as this module's params (weight first); with
   * `withBias` false the bias tensor is disposed and the bias is null.
   */
  protected adoptWeightAndBias(W: Tensor, b: Tensor, withBias: boolean): [Variable, Variable | null] {
    const w = param(W);
    this.params.push(w);
    if (!withBias) {
      b.dispose();
      return [w, null];
    }
    const bias = param(b);
    this.params.push(bias);
    return [w, bias];
  }

  /** Every param of this module and its children, packed into one block (see Parameters). */
  parameters(): Parameters {
    if (this.packed === null) {
      const root = new Parameters(this.allParams());
      for (const m of this.modules()) m.packed = root;
    }
    return this.packed!;
  }

  /** Training mode (or, with false, evaluation mode) for this module and every module under it. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
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

  /** Free every param and gradient, and what modules keep besides (running statistics). */
  dispose(): void {
    if (this.packed !== null) this.packed.dispose();
    else {
      for (const p of this.allParams()) {
        p.grad?.dispose();
        p.grad = null;
        p.dispose();
      }
    }
    for (const m of this.modules()) m.disposeState();
  }

  /** Free the tensors this module holds that are not params (none here). */
  protected disposeState(): void {}
}
