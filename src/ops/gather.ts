import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkDtypeIs, describe } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

/**
 * Batch gathers: copy the rows named by an index list out of a source (kept as bytes or floats in
 * wasm memory) into a batch buffer. Bytes are scaled into the batch's float type on the way, so a
 * data set stays 1 byte per pixel however the net computes.
 */

const GATHER_ROWS_U8 = kernelFamily('gatherRowsU8');
const GATHER_ROWS = kernelFamily('gatherRows');
const GATHER_ONE_HOT = kernelFamily('gatherOneHot');
const BYTES_TO_FLOAT = kernelFamily('bytesToFloat');
const GATHER_LABELS = kernelFamily('gatherLabels');

function checkIndex(op: string, src: Tensor, index: Tensor, count: number): number {
  checkDtypeIs(op, index, 'int32', 'index');
  if (index.rank !== 1 || index.size < count) {
    throw new Error(`${op}: index ${formatShape(index.shape)} has fewer than ${count} entries`);
  }
  const rows = src.shape[0];
  const idx = index.data as Int32Array;
  for (let i = 0; i < count; i++) {
    if (!(idx[i] >= 0 && idx[i] < rows)) {
      throw new Error(`${op}: index ${idx[i]} at position ${i} is out of range for ${rows} source rows`);
    }
  }
  return rows;
}

/**
 * dst[r, :] = src[index[r], :] * scale for r < dst rows. src is uint8 or dst's float type,
 * (rows, ...) with the same row length as dst (N, ...). scale applies to uint8 sources only.
 */
export function gatherRows(src: Tensor, index: Tensor, dst: Tensor, scale = 1 / 255): Tensor {
  const op = 'gatherRows';
  const dtype = checkFloats(op, dst);
  src.assertLive(op);
  const n = dst.shape[0];
  const cols = dst.size / n;
  if (src.size / src.shape[0] !== cols) {
    throw new Error(`${op}: source rows ${describe(src)} and batch rows ${describe(dst)} differ in length`);
  }
  checkIndex(op, src, index, n);
  if (src.dtype === 'uint8') {
    callKernel(op, GATHER_ROWS_U8, dtype, n, cols, src, index, dst, scale);
  } else {
    checkFloats(op, src, dst);
    callKernel(op, GATHER_ROWS, dtype, n, cols, src, index, dst);
  }
  return dst;
}

/** dst[r] = labels[index[r]] as int32 (N,), from uint8 labels. */
export function gatherLabels(labels: Tensor, index: Tensor, dst: Tensor): Tensor {
  const op = 'gatherLabels';
  checkDtypeIs(op, labels, 'uint8', 'labels');
  checkDtypeIs(op, dst, 'int32', 'dst');
  checkIndex(op, labels, index, dst.size);
  callKernel(op, GATHER_LABELS, null, dst.size, labels, index, dst);
  return dst;
}

/** dst[r, :] = one-hot of labels[index[r]] over dst's columns (N, C), from uint8 labels. */
export function gatherOneHot(labels: Tensor, index: Tensor, dst: Tensor): Tensor {
  const op = 'gatherOneHot';
  checkDtypeIs(op, labels, 'uint8', 'labels');
  const dtype = checkFloats(op, dst);
  if (dst.rank !== 2) throw new Error(`${op}: dst must be (N, classes), got ${formatShape(dst.shape)}`);
  checkIndex(op, labels, index, dst.shape[0]);
  callKernel(op, GATHER_ONE_HOT, dtype, dst.shape[0], dst.shape[1], labels, index, dst);
  return dst;
}

/** A uint8 tensor converted to floats times `scale` (default 1/255: pixels to [0, 1]). */
export function bytesToFloat(src: Tensor, dst: Tensor, scale = 1 / 255): Tensor {
  const op = 'bytesToFloat';
  checkDtypeIs(op, src, 'uint8', 'src');
  const dtype = checkFloats(op, dst);
  if (src.size !== dst.size) throw new Error(`${op}: ${describe(src)} and ${describe(dst)} differ in size`);
  callKernel(op, BYTES_TO_FLOAT, dtype, src.size, src, dst, scale);
  return dst;
}
