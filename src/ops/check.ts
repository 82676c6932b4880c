import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';

/**
 * Argument checks every op runs before it calls a kernel: kernels trust their
 * arguments, so nothing wrong may reach them. Each error names the op and the shapes.
 */

export function describe(t: Tensor): string {
  return `${formatShape(t.shape)} ${t.dtype}`;
}

/**
 * All tensors alive and in one backend's memory; returns that backend. A kernel reads every
 * address in the memory of the backend it runs in, so a tensor of another backend would be read
 * (or written) at the same address in the wrong memory: some other tensor's bytes.
 */
export function checkOneBackend(op: string, ...tensors: Tensor[]): Backend {
  const first = tensors[0];
  for (const t of tensors) {
    t.assertLive(op);
    if (t.backend !== first.backend) {
      throw new Error(
        `${op}: tensors from two backends: ${describe(first)} is in ${first.backend}, ${describe(t)} is in ${t.backend}`,
      );
    }
  }
  return first.backend;
}

/**
 * Each tensor alive and in `backend`; `owner` ends the error's sentence "but {owner} {backend}",
 * e.g. "the net computes in".
 */
export function checkInBackend(op: string, backend: Backend, owner: string, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    t.assertLive(op);
    if (t.backend !== backend) throw new Error(`${op}: ${describe(t)} is in ${t.backend}, but ${owner} ${backend}`);
  }
}

/** All tensors alive, on one backend, of one float dtype; returns that dtype. */
export function checkFloats(op: string, ...tensors: Tensor[]): FloatDType {
  const first = tensors[0];
  checkOneBackend(op, ...tensors);
  const dtype = first.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`${op}: expected float32 or float64 tensors, got ${describe(first)}`);
  }
  for (const t of tensors) {
    if (t.dtype !== dtype) throw new Error(`${op}: dtypes differ: ${tensors.map(describe).join(', ')}`);
  }
  return dtype;
}

export function checkDtypeIs(op: string, t: Tensor, dtype: string, what: string): void {
  t.assertLive(op);
  if (t.dtype !== dtype) throw new Error(`${op}: ${what} must be ${dtype}, got ${describe(t)}`);
}

export function checkSameShape(op: string, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(`${op}: shapes differ: ${tensors.map((x) => formatShape(x.shape)).join(', ')}`);
    }
  }
}

export function checkSameSize(op: string, ...tensors: Tensor[]): void {
  for (const t of tensors) {
    if (t.size !== tensors[0].size) {
      throw new Error(`${op}: sizes differ: ${tensors.map((x) => `${formatShape(x.shape)}`).join(', ')}`);
    }
  }
}

/** A rank-2 tensor (rows, cols). */
export function checkMatrix(op: string, t: Tensor, what: string): [number, number] {
  if (t.rank !== 2) throw new Error(`${op}: ${what} must be a matrix (rows, cols), got ${formatShape(t.shape)}`);
  return [t.shape[0], t.shape[1]];
}

/** The output tensor: the given one (checked) or a new one of `shape`. */
export function outputFor(op: string, like: Tensor, shape: Shape, out?: Tensor, dtype = like.dtype): Tensor {
  if (out === undefined) return like.backend.empty(shape, dtype);
  checkOneBackend(op, like, out);
  if (out.dtype !== dtype || !sameShape(out.shape, shape)) {
    throw new Error(`${op}: output must be ${formatShape(shape)} ${dtype}, got ${describe(out)}`);
  }
  return out;
}

/** Two regions that overlap but are not the same region (in-place is fine, partial overlap is not). */
export function checkNoPartialOverlap(op: string, a: Tensor, b: Tensor): void {
  const aEnd = a.ptr + a.byteLength;
  const bEnd = b.ptr + b.byteLength;
  const overlap = a.ptr < bEnd && b.ptr < aEnd;
  if (overlap && !(a.ptr === b.ptr && a.byteLength === b.byteLength)) {
    throw new Error(`${op}: output ${describe(b)} partly overlaps input ${describe(a)}`);
  }
}

export function checkNoOverlap(op: string, a: Tensor, b: Tensor, what: string): void {
  if (a.ptr < b.ptr + b.byteLength && b.ptr < a.ptr + a.byteLength) {
    throw new Error(`${op}: ${what} must not share memory (${describe(a)} and ${describe(b)})`);
  }
}
