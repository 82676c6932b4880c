import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { runBackward } from './backward.js';

/**
 * A tensor that takes part in automatic differentiation: its `value` (a Tensor of the same
 * arena), its gradient `grad` once a backward pass reached it, and `node`, the op that made it.
 *
 * Why a wrapper and not fields on Tensor: the book's layers make and reshape Tensors in every
 * step and never need a tape; a wrapper leaves that path (and Tensor's object shape) exactly as
 * it was, and keeps the question "who frees this memory" in one place for each front end.
 *
 * Lifetimes: a leaf (a param, an input) belongs to whoever made its tensor. A value made by a
 * recorded op belongs to its graph: `backward()` frees it, unless `keep()` was called first.
 * `tidy(() => ...)` frees what ops made inside it (recorded or not) except what it returns.
 */
export class Variable {
  /** The op that made this value and pushes its gradient on to the op's inputs (null for a leaf). */
  node: Node | null = null;
  /** Accumulated gradient: for a leaf, summed over backward passes until zeroed (as in PyTorch). */
  grad: Tensor | null = null;
  /** Kept by backward() (see keep()). */
  kept = false;
  private tensor: Tensor;
  private freed = false;
  private scalar = NaN;

  constructor(
    value: Tensor,
    /** True for params and for values computed from one: backward() reaches it. */
    readonly requiresGrad = false,
    /** The variable whose tensor owns the memory this value views (a reshape), or null. */
    readonly owner: Variable | null = null,
  ) {
    this.tensor = value;
  }

  get value(): Tensor {
    if (this.freed) {
      throw new Error(
        `Variable ${formatShape(this.tensor.shape)}: its value was freed (backward() frees a graph's intermediate ` +
          'values, tidy() what was made inside it); call keep() on it before backward() to keep it',
      );
    }
    return this.tensor;
  }

  get shape(): Shape {
    return this.tensor.shape;
  }
  get dtype(): FloatDType {
    return this.tensor.dtype as FloatDType;
  }
  get size(): number {
    return this.tensor.size;
  }
  get isLeaf(): boolean {
    return this.node === null;
  }
  get isFreed(): boolean {
    return this.freed;
  }

  /** The single element of a one-element value; still readable after backward() freed it. */
  item(): number {
    if (this.tensor.size !== 1) throw new Error(`item: Variable ${formatShape(this.tensor.shape)} has ${this.tensor.size} elements, not 1`);
    return this.freed ? this.scalar : this.value.data[0];
  }

  /**
   * Backpropagate from this value: d(this)/d(leaf) is added to every leaf's `grad`. See runBackward.
   *
   * @example
   * ```ts
   * import { createBackend, autograd } from 'scratchnet';
   * const { param, matmul, mul, sum } = autograd;
   *
   * const backend = await createBackend({ dtype: 'float64', threads: 1 });
   * const w = param(backend.tensor([[1, 2], [3, 4]])); // a leaf that wants its gradient
   * const x = backend.tensor([[1, 1]]); // a plain tensor: no gradient
   * const z = matmul(x, w); // [[4, 6]]
   * const y = sum(mul(z, z)); // 4² + 6² = 52
   * y.backward(); // dy/dw = 2 xᵀ z = [[8, 12], [8, 12]]
   * console.log(y.item(), Array.from(w.grad!.data)); // prints: 52 [ 8, 12, 8, 12 ]
   * ```
   */
  backward(gradient?: Tensor): void {
    runBackward(this, gradient ?? null, null);
  }

  /**
   * The same values as a leaf that no gradient flows through: a view of this value (disposing it
   * frees nothing), valid as long as this value is.
   */
  detach(): Variable {
    const value = this.value;
    return new Variable(value.reshape(value.shape), false, this.owner ?? this);
  }

  /** Keep this value when backward() frees its graph (then dispose() it yourself). Returns this. */
  keep(): this {
    this.kept = true;
    return this;
  }

  /** Point a param at new memory with the same shape (packing params into one block). */
  rebind(value: Tensor): void {
    if (value.size !== this.tensor.size || value.dtype !== this.tensor.dtype) {
      throw new Error(`rebind: ${formatShape(value.shape)} ${value.dtype} does not fit Variable ${formatShape(this.shape)} ${this.dtype}`);
    }
    this.tensor = value;
  }

  /** Free the value's memory (a view frees nothing; its owner does) and what its node saved. */
  dispose(): void {
    if (this.freed) return;
    if (this.tensor.size === 1 && !this.tensor.disposed) this.scalar = this.tensor.data[0];
    this.freed = true;
    this.releaseNode();
    this.tensor.dispose();
  }

  /** Drop the node (the graph is done with it), freeing what it saved for backward. */
  releaseNode(): void {
    if (this.node === null) return;
    for (const t of this.node.saved) t.dispose();
    this.node = null;
  }

  toString(): string {
    return `Variable${formatShape(this.shape)} ${this.dtype}${this.requiresGrad ? ' requiresGrad' : ''}${this.freed ? ' (freed)' : ''}`;
  }
}

/** One recorded op: its inputs and the rule that turns the output's gradient into theirs. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Variable[];
  /** Tensors made for the backward rule alone (not the output), freed with the graph. */
  readonly saved: Tensor[];
  /** Given gy (the output's gradient, shaped like the output), add each input's gradient (see accumulate). */
  backward(gy: Tensor): void;
}

/** A leaf variable over a tensor, with no gradient: data, labels, constants. */
export function variable(value: Tensor, options: { requiresGrad?: boolean } = {}): Variable {
  value.assertLive('variable');
  if (options.requiresGrad && value.dtype !== 'float32' && value.dtype !== 'float64') {
    throw new Error(`variable: only float tensors can require a gradient, got ${value.dtype}`);
  }
  return new Variable(value, options.requiresGrad ?? false);
}

/** A trainable leaf (PyTorch's nn.Parameter): requiresGrad, its `grad` summed by each backward(). */
export function param(value: Tensor): Variable {
  return variable(value, { requiresGrad: true });
}
