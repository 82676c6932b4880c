import type { Tensor } from '../../backend/tensor.js';
import { formatShape } from '../../backend/shape.js';
import { batchNorm as batchNormOp, batchNormBackward } from '../../ops/batchnorm.js';
import { checkFloats } from '../../ops/check.js';
import { accumulate } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/** Options of `batchNorm`: the mode, the running statistics and their momentum, and eps. */
export interface BatchNormOptions {
  /** Batch statistics (and an update of the running ones) when true; the running ones when false. */
  training: boolean;
  /** Running mean and variance, (C,): updated in place in training, required for inference. */
  runningMean?: Tensor;
  runningVar?: Tensor;
  /** running = momentum * running + (1 - momentum) * batch, as the book's layer. Default 0.9. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-6, as the book's layer. */
  eps?: number;
}

/**
 * Batch normalization per channel, as the book's BatchNormalization: x (N, C, H, W) (statistics
 * over N, H, W) or (N, C) (over N); gamma, beta (C,); y like x.
 *   y = gamma (x - mean) / sqrt(var + eps) + beta
 * with the batch's mean and biased variance in training, the running ones in inference. The rule
 * keeps xn = (x - mean) / sqrt(var + eps) and invStd (C,) and calls the layer's backward kernel:
 * dgamma = sum gy xn, dbeta = sum gy, dx through the batch statistics (training) or not (inference).
 */
export function batchNorm(x: Variable | Tensor, gamma: Variable | Tensor, beta: Variable | Tensor, options: BatchNormOptions): Variable {
  const op = 'batchNorm';
  const vx = asVariable(x);
  const vg = asVariable(gamma);
  const vb = asVariable(beta);
  const xv = vx.value;
  const training = options.training;
  if (typeof training !== 'boolean') throw new Error(`${op}: options.training must be true or false, got ${String(training)}`);
  if (vg.value.rank !== 1 || vb.value.rank !== 1 || (xv.rank !== 2 && xv.rank !== 4) || vg.size !== xv.shape[1] || vb.size !== xv.shape[1]) {
    throw new Error(
      `${op}: x ${formatShape(xv.shape)}, gamma ${formatShape(vg.shape)}, beta ${formatShape(vb.shape)} do not fit: ` +
        'x must be (N, C) or (N, C, H, W), gamma and beta (C,)',
    );
  }
  const momentum = options.momentum ?? 0.9;
  const eps = options.eps ?? 1e-6;
  if (!(momentum >= 0 && momentum <= 1)) throw new Error(`${op}: momentum must be in [0, 1], got ${momentum}`);
  if (!(eps > 0 && Number.isFinite(eps))) throw new Error(`${op}: eps must be a positive number, got ${eps}`);
  const running = [options.runningMean, options.runningVar].filter((t) => t !== undefined);
  checkFloats(op, xv, vg.value, vb.value, ...running);
  const c = xv.shape[1];
  const backend = xv.backend;
  const scratch = options.runningMean === undefined && options.runningVar === undefined;
  if ((options.runningMean === undefined) !== (options.runningVar === undefined) || (scratch && !training)) {
    throw new Error(`${op}: runningMean and runningVar go together, and inference (training: false) needs them`);
  }
  // Training without running statistics: the kernel updates a pair that is thrown away.
  const runningMean = scratch ? backend.zeros([c], xv.dtype) : options.runningMean!;
  const runningVar = scratch ? backend.ones([c], xv.dtype) : options.runningVar!;
  const y = backend.empty(xv.shape, xv.dtype);
  const kept = { xn: backend.empty(xv.shape, xv.dtype), invStd: backend.empty([c], xv.dtype) };
  try {
    batchNormOp(
      xv,
      { gamma: vg.value, beta: vb.value, runningMean, runningVar },
      { training, momentum, eps },
      y,
      kept,
    );
  } catch (err) {
    for (const t of [y, kept.xn, kept.invStd]) t.dispose();
    throw err;
  } finally {
    if (scratch) {
      runningMean.dispose();
      runningVar.dispose();
    }
  }
  return output(op, y, [vx, vg, vb], (gy) => {
    const dx = backend.empty(vx.shape, gy.dtype);
    const dgamma = backend.empty([c], gy.dtype);
    const dbeta = backend.empty([c], gy.dtype);
    batchNormBackward(gy, kept, vg.value, training, dx, dgamma, dbeta);
    accumulate(vg, dgamma);
    accumulate(vb, dbeta);
    accumulate(vx, dx);
  }, [kept.xn, kept.invStd]);
}
