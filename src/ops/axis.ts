import type { Tensor } from '../backend/tensor.js';
import { formatShape, shapeSize } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';
import { checkDtypeIs, checkFloats, checkNoOverlap, describe, outputFor } from './check.js';

/**
 * Ops along one axis of a tensor of any rank: sum along it, broadcast along it, transpose the last
 * two axes, and add rows back to where a gather took them from. A tensor is seen as
 * (outer, len, inner) around the axis: outer is the product of the dimensions before it.
 */

const SUM_AXIS = kernelFamily('sumAxis');
const REPEAT_AXIS = kernelFamily('repeatAxis');
const TRANSPOSE = kernelFamily('transpose');
const SCATTER_ADD_ROWS = kernelFamily('scatterAddRows');

/** The axis (negative counts from the end) as an index in [0, rank), or an error naming op and shape. */
export function checkAxis(op: string, shape: Shape, axis: number): number {
  const a = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(a) || a < 0 || a >= shape.length) {
    throw new Error(`${op}: axis ${axis} is out of range for ${formatShape(shape)}`);
  }
  return a;
}

/** (outer, len, inner) of `shape` around axis a. */
export function aroundAxis(shape: Shape, a: number): [number, number, number] {
  return [shapeSize(shape.slice(0, a)), shape[a], shapeSize(shape.slice(a + 1))];
}

/**
 * y = x summed along `axis`: x (..., L, ...) gives y (..., ...) (the axis dropped; a rank-1 x gives
 * (1,)). `out` may have any shape of that many elements (keeping the axis as 1, say).
 */
export function sumAxis(x: Tensor, axis: number, out?: Tensor): Tensor {
  const op = 'sumAxis';
  const dtype = checkFloats(op, x);
  const a = checkAxis(op, x.shape, axis);
  const [outer, len, inner] = aroundAxis(x.shape, a);
  const kept = x.shape.filter((_, i) => i !== a);
  const y = out ?? x.backend.empty(kept.length ? kept : [1], dtype);
  checkFloats(op, x, y);
  if (y.size !== outer * inner) {
    throw new Error(`${op}: output ${formatShape(y.shape)} must hold ${outer * inner} elements (${formatShape(x.shape)} summed along axis ${axis})`);
  }
  checkNoOverlap(op, x, y, 'input and output');
  callKernel(op, SUM_AXIS, dtype, outer, len, inner, x, y);
  return y;
}

/**
 * y of `shape` = x repeated along `axis` of y: x holds y's elements without that axis (any shape of
 * that size, e.g. (..., 1, ...) or (..., ...)). The adjoint of sumAxis.
 */
export function repeatAxis(x: Tensor, axis: number, shape: Shape, out?: Tensor): Tensor {
  const op = 'repeatAxis';
  const dtype = checkFloats(op, x);
  const a = checkAxis(op, shape, axis);
  const [outer, len, inner] = aroundAxis(shape, a);
  if (x.size !== outer * inner) {
    throw new Error(`${op}: x ${formatShape(x.shape)} does not give ${formatShape(shape)} repeated along axis ${axis}`);
  }
  const y = outputFor(op, x, shape, out);
  checkNoOverlap(op, x, y, 'input and output');
  callKernel(op, REPEAT_AXIS, dtype, outer, len, inner, x, y);
  return y;
}

/** The last two axes swapped: x (..., R, C) gives (..., C, R). */
export function transpose(x: Tensor, out?: Tensor): Tensor {
  const op = 'transpose';
  const dtype = checkFloats(op, x);
  if (x.rank < 2) throw new Error(`${op}: needs a tensor of rank 2 or more, got ${formatShape(x.shape)}`);
  const rows = x.shape[x.rank - 2];
  const cols = x.shape[x.rank - 1];
  const y = outputFor(op, x, [...x.shape.slice(0, -2), cols, rows], out);
  checkNoOverlap(op, x, y, 'input and output');
  callKernel(op, TRANSPOSE, dtype, x.size / (rows * cols), rows, cols, x, y);
  return y;
}

/**
 * dst[index[r], :] += src[r, :] for each row r of src (N, ...), rows in order: the adjoint of
 * gatherRows. index is int32 (N,), each in [0, rows of dst); dst rows have src's row length.
 */
export function scatterAddRows(src: Tensor, index: Tensor, dst: Tensor): Tensor {
  const op = 'scatterAddRows';
  const dtype = checkFloats(op, src, dst);
  checkDtypeIs(op, index, 'int32', 'index');
  const n = src.shape[0];
  const cols = src.size / n;
  if (dst.size / dst.shape[0] !== cols) {
    throw new Error(`${op}: rows of src ${describe(src)} and dst ${describe(dst)} differ in length`);
  }
  if (index.rank !== 1 || index.size !== n) {
    throw new Error(`${op}: index ${formatShape(index.shape)} must hold one entry per row of src ${formatShape(src.shape)}`);
  }
  const idx = index.data as Int32Array;
  for (let r = 0; r < n; r++) {
    if (!(idx[r] >= 0 && idx[r] < dst.shape[0])) {
      throw new Error(`${op}: index ${idx[r]} at position ${r} is out of range for ${dst.shape[0]} rows of dst`);
    }
  }
  checkNoOverlap(op, src, dst, 'src and dst');
  callKernel(op, SCATTER_ADD_ROWS, dtype, n, cols, src, index, dst);
  return dst;
}
