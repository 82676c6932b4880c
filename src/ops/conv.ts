import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import type { FloatDType } from '../backend/dtype.js';
import { checkFloats, checkNoOverlap, describe, outputFor } from './check.js';
import { checkWindowOver } from './window.js';
import type { Window } from './window.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

const IM2COL = kernelFamily('im2col');
const COL2IM = kernelFamily('col2im');
const TRANSPOSE_BATCH = kernelFamily('transposeBatch');
const CONV_FORWARD = kernelFamily('convForward');
const CONV_INPUT_GRAD = kernelFamily('convInputGrad');
const CONV_FILTER_GRAD = kernelFamily('convFilterGrad');

/**
 * Convolution as the book lowers it: im2col, one GEMM, a reshape.
 *   x is (N, C, H, W), W is (FN, C, FH, FW) (PyTorch's nn.Conv2d.weight layout), b is (FN,),
 *   col is (N * OH * OW, C * FH * FW), out is (N, FN, OH, OW).
 * The GEMM gives (N * OH * OW, FN) rows; transposeBatch turns them into NCHW.
 * conv2d, convFilterGrad and convInputGrad compute the same products without ever holding col
 * (assembly/conv-implicit.ts; at stride 1 conv-direct.ts, which reads the input in place), with
 * the same bits but for convInputGrad at stride 1 (with 4 or more channels); im2col and col2im remain for the autograd rule.
 */

export interface ConvOptions {
  stride?: number;
  pad?: number;
}

/** The window of filter W (FN, C, FH, FW) with these options. */
export function convWindow(W: Tensor, options: ConvOptions = {}): Window {
  return { height: W.shape[2], width: W.shape[3], stride: options.stride ?? 1, pad: options.pad ?? 0 };
}

/**
 * Checks x (N, C, H, W) against filters W (FN, C, FH, FW) and b (FN,), and returns the output
 * shape (N, FN, OH, OW). `what` names the op or layer in errors.
 */
export function checkConv(what: string, x: Tensor, W: Tensor, b: Tensor | null, options: ConvOptions = {}): [number, number, number, number] {
  checkFloats(what, x, W, ...(b ? [b] : []));
  if (W.rank !== 4) throw new Error(`${what}: filters W must be (FN, C, FH, FW), got ${formatShape(W.shape)}`);
  const [n, c, , , oh, ow] = checkWindowOver(what, x, convWindow(W, options));
  if (W.shape[1] !== c) {
    throw new Error(`${what}: input ${formatShape(x.shape)} has ${c} channels, filters W ${formatShape(W.shape)} expect ${W.shape[1]}`);
  }
  if (b !== null && b.size !== W.shape[0]) {
    throw new Error(`${what}: bias ${formatShape(b.shape)} does not match the ${W.shape[0]} filters of W ${formatShape(W.shape)}`);
  }
  return [n, W.shape[0], oh, ow];
}

/** col (N * OH * OW, C * FH * FW): row (n, oy, ox) is the receptive field of output (oy, ox) of image n. */
export function im2col(x: Tensor, window: Window, out?: Tensor): Tensor {
  const op = 'im2col';
  const dtype = checkFloats(op, x);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, x, window);
  const col = outputFor(op, x, [n * oh * ow, c * window.height * window.width], out);
  checkNoOverlap(op, x, col, 'input and output');
  callKernel(op, IM2COL, dtype, n, c, h, w, window.height, window.width, window.stride, window.pad, x, col);
  return col;
}

/**
 * The adjoint of im2col: dx (N, C, H, W) of `xShape` = every entry of col added onto the pixel
 * it was copied from (padding entries are dropped). dx is overwritten.
 */
export function col2im(col: Tensor, xShape: Shape, window: Window, out?: Tensor): Tensor {
  const op = 'col2im';
  const dtype = checkFloats(op, col);
  const dx = outputFor(op, col, xShape, out);
  const [n, c, h, w, oh, ow] = checkWindowOver(op, dx, window);
  const rows = n * oh * ow;
  const cols = c * window.height * window.width;
  if (!sameShape(col.shape, [rows, cols])) {
    throw new Error(`${op}: col must be ${formatShape([rows, cols])} for input ${formatShape(xShape)}, got ${describe(col)}`);
  }
  checkNoOverlap(op, col, dx, 'col and output');
  callKernel(op, COL2IM, dtype, n, c, h, w, window.height, window.width, window.stride, window.pad, col, dx);
  return dx;
}

/**
 * The input gradient of a convolution: dx (N, C, H, W) of `xShape` = col2im(dY W), where dY is
 * dout (N, FN, OH, OW) as rows (N * OH * OW, FN) and W is (FN, C, FH, FW). Computed a few output
 * rows at a time without the (N * OH * OW, C * FH * FW) dcol matrix, with the same bits as
 * col2im(gemm(dY, W)); at stride 1 with 4 or more channels, as dout convolved with the flipped
 * filters, read in place (assembly/conv-direct.ts: the same sums in another order, so the last
 * bit may differ from col2im's). dx is overwritten.
 */
export function convInputGrad(dout: Tensor, W: Tensor, xShape: Shape, options: ConvOptions = {}, out?: Tensor): Tensor {
  const op = 'convInputGrad';
  const dtype = checkFloats(op, dout, W);
  const dx = outputFor(op, dout, xShape, out);
  try {
    const [n, fn, oh, ow] = checkConv(op, dx, W, null, options);
    if (!sameShape(dout.shape, [n, fn, oh, ow])) {
      throw new Error(`${op}: dout must be ${formatShape([n, fn, oh, ow])} for input ${formatShape(xShape)} and filters W ${formatShape(W.shape)}, got ${describe(dout)}`);
    }
    checkNoOverlap(op, dout, dx, 'dout and output');
    checkNoOverlap(op, W, dx, 'filters and output');
  } catch (error) {
    if (out === undefined) dx.dispose();
    throw error;
  }
  const [, c, h, w] = xShape;
  const window = convWindow(W, options);
  callKernel(op, CONV_INPUT_GRAD, dtype, xShape[0], c, h, w, W.shape[0], window.height, window.width, window.stride, window.pad, dout, W, dx);
  return dx;
}

/** x is (N, R, C), out is (N, C, R): each of the N matrices transposed. */
export function transposeBatch(x: Tensor, out?: Tensor): Tensor {
  const op = 'transposeBatch';
  const dtype = checkFloats(op, x);
  if (x.rank !== 3) throw new Error(`${op}: input must be (N, rows, cols), got ${formatShape(x.shape)}`);
  const [n, r, c] = x.shape;
  const y = outputFor(op, x, [n, c, r], out);
  checkNoOverlap(op, x, y, 'input and output');
  callKernel(op, TRANSPOSE_BATCH, dtype, n, r, c, x, y);
  return y;
}

/**
 * Convolution forward: out (N, FN, OH, OW) = W * x + b (cross-correlation, as in the book and
 * PyTorch). Computed a few output rows at a time without the (N * OH * OW, C * FH * FW) col
 * matrix, with the bits of the book's lowering (col = im2col(x), col Wᵀ + b, as NCHW).
 */
export function conv2d(x: Tensor, W: Tensor, b: Tensor, options: ConvOptions = {}, out?: Tensor): Tensor {
  const op = 'conv2d';
  const [n, fn, oh, ow] = checkConv(op, x, W, b, options);
  const y = outputFor(op, x, [n, fn, oh, ow], out);
  checkNoOverlap(op, x, y, 'input and output');
  checkNoOverlap(op, W, y, 'filters and output');
  checkNoOverlap(op, b, y, 'bias and output');
  const [, c, h, w] = x.shape;
  const window = convWindow(W, options);
  callKernel(op, CONV_FORWARD, x.dtype as FloatDType, n, c, h, w, fn, window.height, window.width, window.stride, window.pad, x, W, b, y);
  return y;
}

/**
 * The filter gradient of a convolution: dW (FN, C, FH, FW) of `wShape` = dYᵀ col, where dY is
 * doutRows (N * OH * OW, FN) (dout as rows, transposeBatch) and col = im2col(x), x (N, C, H, W).
 * Summed without the col matrix, with the bits of gemm(dY, col, { transA: true }). dW is overwritten.
 */
export function convFilterGrad(x: Tensor, doutRows: Tensor, wShape: Shape, options: ConvOptions = {}, out?: Tensor): Tensor {
  const op = 'convFilterGrad';
  const dtype = checkFloats(op, x, doutRows);
  if (wShape.length !== 4) throw new Error(`${op}: filters W must be (FN, C, FH, FW), got ${formatShape(wShape)}`);
  const dW = outputFor(op, x, wShape, out);
  try {
    const [n, fn, oh, ow] = checkConv(op, x, dW, null, options);
    if (!sameShape(doutRows.shape, [n * oh * ow, fn])) {
      throw new Error(`${op}: dout rows must be ${formatShape([n * oh * ow, fn])} for input ${formatShape(x.shape)} and filters W ${formatShape(wShape)}, got ${describe(doutRows)}`);
    }
    checkNoOverlap(op, x, dW, 'input and output');
    checkNoOverlap(op, doutRows, dW, 'dout rows and output');
  } catch (error) {
    if (out === undefined) dW.dispose();
    throw error;
  }
  const [n, c, h, w] = x.shape;
  const window = convWindow(dW, options);
  callKernel(op, CONV_FILTER_GRAD, dtype, n, c, h, w, wShape[0], window.height, window.width, window.stride, window.pad, x, doutRows, dW);
  return dW;
}
