import type { Backend } from './backend.js';
import { ITEM_SIZE, isFloat, viewOf, checkDType } from './dtype.js';
import { kernelFamily } from './kernel-dispatch.js';
import type { DType, TypedArrayOf, AnyTypedArray } from './dtype.js';
import { formatShape, shapeSize, resolveShape } from './shape.js';
import type { Shape } from './shape.js';
import { checkOneBackend } from '../ops/check.js';

/** Nested number arrays, as `toArray()` returns them and `fromArray()` takes them. */
export type NestedArray = number | NestedArray[];

const FILL = kernelFamily('fill');

/**
 * A tensor is a region of the backend's wasm memory plus a shape and a dtype.
 *
 * `data` is a typed-array view made on each access: the memory can grow at any
 * allocation, which detaches every older view, so never keep `data` across
 * allocations. A tensor made by `reshape`, `view`, `squeeze`, `unsqueeze`,
 * `rows` or `subview` shares its memory with its `base`, and dies with it.
 *
 * @example
 * ```ts
 * import { createBackend } from 'scratchnet';
 *
 * const backend = await createBackend({ threads: 1 });
 * const t = backend.arange(6).reshape(2, 3); // a view of arange's memory
 * console.log(t.toArray()); // prints: [ [ 0, 1, 2 ], [ 3, 4, 5 ] ]
 * console.log(t.at(1, 2), backend.zeros([2, 2]).size); // prints: 5 4
 * const noise = backend.randn([100, 10], { seed: 1 }); // the same values on every engine
 * console.log(noise.shape); // prints: [ 100, 10 ]
 * noise.dispose();
 * ```
 */
export class Tensor<D extends DType = DType> {
  /** Number of elements. */
  readonly size: number;
  private released = false;

  constructor(
    readonly backend: Backend,
    /** Byte address of element 0 in the wasm memory. */
    readonly ptr: number,
    readonly shape: Shape,
    readonly dtype: D,
    /** The tensor that owns the memory, or null if this one does. */
    readonly base: Tensor | null = null,
  ) {
    this.size = shapeSize(shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get byteLength(): number {
    return this.size * ITEM_SIZE[this.dtype];
  }

  get disposed(): boolean {
    return this.released || (this.base !== null && this.base.disposed) || this.backend.disposed;
  }

  /** A fresh view of the elements (do not keep it across allocations). */
  get data(): TypedArrayOf<D> {
    this.assertLive('data');
    return viewOf(this.dtype, this.backend.memory.buffer, this.ptr, this.size) as TypedArrayOf<D>;
  }

  /** Throw if this tensor (or the tensor it views) has been disposed. */
  assertLive(op: string): void {
    if (this.disposed) {
      throw new Error(`${op}: tensor ${formatShape(this.shape)} ${this.dtype} has been disposed`);
    }
  }

  /** Give the memory back (views only stop being usable; their base keeps the memory). */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    if (this.base === null && !this.backend.disposed) this.backend.arena.release(this.ptr);
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)} ${this.dtype}${this.disposed ? ' (disposed)' : ''}`;
  }

  // --- views sharing memory -------------------------------------------------

  /** Same elements, another shape (one dimension may be -1). Shares memory. */
  reshape(...shape: number[] | [Shape]): Tensor<D> {
    this.assertLive('reshape');
    const target = Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as number[]);
    return this.viewAt(0, resolveShape(target, this.size, `reshape ${formatShape(this.shape)}`));
  }

  /** PyTorch's name for reshape on contiguous tensors. */
  view(...shape: number[] | [Shape]): Tensor<D> {
    return this.reshape(...shape);
  }

  /** Flatten all but the first dimension: (N, ...) -> (N, rest). */
  flatten(): Tensor<D> {
    return this.reshape(this.shape[0], -1);
  }

  /** Drop dimensions of size 1 (all, or the one at `axis`). */
  squeeze(axis?: number): Tensor<D> {
    this.assertLive('squeeze');
    if (axis === undefined) {
      const shape = this.shape.filter((d) => d !== 1);
      return this.viewAt(0, shape.length ? shape : [1]);
    }
    const a = normalizeAxis(axis, this.rank, 'squeeze');
    if (this.shape[a] !== 1) {
      throw new Error(`squeeze: dimension ${axis} of ${formatShape(this.shape)} has size ${this.shape[a]}, not 1`);
    }
    const shape = this.shape.filter((_, i) => i !== a);
    return this.viewAt(0, shape.length ? shape : [1]);
  }

  /** Insert a dimension of size 1 at `axis` (negative counts from the end, as in PyTorch). */
  unsqueeze(axis: number): Tensor<D> {
    this.assertLive('unsqueeze');
    const a = normalizeAxis(axis, this.rank + 1, 'unsqueeze');
    const shape = [...this.shape];
    shape.splice(a, 0, 1);
    return this.viewAt(0, shape);
  }

  /** Rows [start, end) along the first dimension, as a view. */
  rows(start: number, end: number): Tensor<D> {
    this.assertLive('rows');
    const n = this.shape[0];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) {
      throw new Error(`rows: range [${start}, ${end}) is not inside the ${n} rows of ${formatShape(this.shape)}`);
    }
    const rowSize = this.size / n;
    return this.viewAt(start * rowSize, [end - start, ...this.shape.slice(1)]);
  }

  /** A view of `shape` starting `offset` elements in (used to carve a net's params out of one block). */
  subview(offset: number, shape: Shape): Tensor<D> {
    this.assertLive('subview');
    const size = shapeSize(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.size) {
      throw new Error(`subview: ${formatShape(shape)} at offset ${offset} does not fit in ${formatShape(this.shape)}`);
    }
    return this.viewAt(offset, [...shape]);
  }

  private viewAt(offsetElements: number, shape: Shape): Tensor<D> {
    const owner = this.base ?? this;
    return new Tensor(this.backend, this.ptr + offsetElements * ITEM_SIZE[this.dtype], shape, this.dtype, owner);
  }

  // --- copies ---------------------------------------------------------------

  /** Elements as nested arrays following the shape (PyTorch's tolist). */
  toArray(): NestedArray[] {
    const flat = Array.from(this.data as ArrayLike<number>);
    if (this.rank <= 1) return flat;
    return nest(flat, this.shape, 0, 0) as NestedArray[];
  }

  /** A copy of the elements as a plain typed array outside wasm memory. */
  toTypedArray(): TypedArrayOf<D> {
    return (this.data as AnyTypedArray).slice() as TypedArrayOf<D>;
  }

  /** Set every element to `value`. Returns this. */
  fill(value: number): this {
    this.assertLive('fill');
    if (isFloat(this.dtype)) {
      this.backend.kernel(FILL, this.dtype)(this.size, this.ptr, value);
    } else {
      (this.data as AnyTypedArray).fill(value);
    }
    return this;
  }

  /** Copy elements in from an array of the same size (any numeric array-like). Returns this. */
  set(values: ArrayLike<number> | Tensor): this {
    this.assertLive('set');
    if (values instanceof Tensor) {
      // Across backends the bytes must go through TS: set(t.toTypedArray()).
      checkOneBackend('set', this, values);
      if (values.size !== this.size || values.dtype !== this.dtype) {
        throw new Error(
          `set: source ${formatShape(values.shape)} ${values.dtype} does not match ${formatShape(this.shape)} ${this.dtype}`,
        );
      }
      new Uint8Array(this.backend.memory.buffer).copyWithin(this.ptr, values.ptr, values.ptr + values.byteLength);
      return this;
    }
    if (values.length !== this.size) {
      throw new Error(`set: ${values.length} values for a tensor of ${formatShape(this.shape)} (${this.size} elements)`);
    }
    (this.data as AnyTypedArray).set(values as ArrayLike<number>);
    return this;
  }

  /** A new tensor with the same contents. */
  clone(): Tensor<D> {
    this.assertLive('clone');
    return this.backend.empty(this.shape, this.dtype).set(this);
  }

  /** A new tensor converted to `dtype` (float32 <-> float64 in wasm; other pairs in TS). */
  cast<E extends DType>(dtype: E): Tensor<E> {
    this.assertLive('cast');
    checkDType(dtype, 'cast');
    const out = this.backend.empty(this.shape, dtype);
    const k = this.backend.kernels;
    if (this.dtype === 'float32' && dtype === 'float64') k.castF32ToF64(this.size, this.ptr, out.ptr);
    else if (this.dtype === 'float64' && dtype === 'float32') k.castF64ToF32(this.size, this.ptr, out.ptr);
    else (out.data as AnyTypedArray).set(this.data as ArrayLike<number>);
    return out;
  }

  /** The element at a multi-index (for inspection and tests, not for loops). */
  at(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new Error(`at: ${index.length} indices for a tensor of rank ${this.rank} ${formatShape(this.shape)}`);
    }
    let flat = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i];
      const j = index[i] < 0 ? index[i] + d : index[i];
      if (!Number.isInteger(j) || j < 0 || j >= d) {
        throw new Error(`at: index ${index[i]} is out of range for dimension ${i} of ${formatShape(this.shape)}`);
      }
      flat = flat * d + j;
    }
    return (this.data as AnyTypedArray)[flat];
  }
}

function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function nest(flat: number[], shape: Shape, dim: number, offset: number): NestedArray {
  if (dim === shape.length - 1) return flat.slice(offset, offset + shape[dim]);
  const stride = shapeSize(shape.slice(dim + 1));
  const out: NestedArray[] = [];
  for (let i = 0; i < shape[dim]; i++) out.push(nest(flat, shape, dim + 1, offset + i * stride));
  return out;
}
