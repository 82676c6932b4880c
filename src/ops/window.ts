import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';

/**
 * The geometry of a sliding window over NCHW images (convolution filters, pooling windows):
 * zero padding `pad` on all four sides, one `stride` for both axes, and
 *   OH = floor((H + 2 * pad - windowH) / stride) + 1, likewise OW.
 */
export interface Window {
  /** Window height and width (FH, FW or poolH, poolW). */
  height: number;
  width: number;
  stride: number;
  pad: number;
}

/** Positions along one axis (the formula above). */
export function windowOutputSize(size: number, window: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - window) / stride) + 1;
}

/** Throws unless stride, pad and the window are integers in range; `what` names the op or layer. */
export function checkWindowParams(what: string, w: Window): void {
  if (!Number.isInteger(w.height) || !Number.isInteger(w.width) || w.height < 1 || w.width < 1) {
    throw new Error(`${what}: window must be positive integers, got ${w.height}x${w.width}`);
  }
  if (!Number.isInteger(w.stride) || w.stride < 1) throw new Error(`${what}: stride must be a positive integer, got ${w.stride}`);
  if (!Number.isInteger(w.pad) || w.pad < 0) throw new Error(`${what}: pad must be a non-negative integer, got ${w.pad}`);
}

/**
 * Checks x is (N, C, H, W) and the window fits the padded image; returns [N, C, H, W, OH, OW].
 */
export function checkWindowOver(what: string, x: Tensor, w: Window): [number, number, number, number, number, number] {
  checkWindowParams(what, w);
  if (x.rank !== 4) throw new Error(`${what}: input must be (N, C, H, W), got ${formatShape(x.shape)}`);
  const [n, c, h, width] = x.shape;
  if (h + 2 * w.pad < w.height || width + 2 * w.pad < w.width) {
    throw new Error(
      `${what}: a ${w.height}x${w.width} window does not fit input ${formatShape(x.shape)} padded by ${w.pad}`,
    );
  }
  return [n, c, h, width, windowOutputSize(h, w.height, w.stride, w.pad), windowOutputSize(width, w.width, w.stride, w.pad)];
}
