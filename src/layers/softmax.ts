import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { softmax } from '../ops/softmax.js';
import { mul, sub } from '../ops/elementwise.js';
import { gemm } from '../ops/gemm.js';
import { ActivationLayer } from './activation-layer.js';

/**
 * Row softmax as a layer: y = exp(x - max) / sum. x, y are (N, C).
 * Backward (book 2's Softmax): dx = y * dout - y * sum(y * dout, per row).
 */
export class Softmax extends ActivationLayer {
  protected apply(x: Tensor, out: Tensor): void {
    if (x.rank !== 2) throw new Error(`Softmax: input must be (N, C), got ${formatShape(x.shape)}`);
    softmax(x, out);
  }

  protected applyBackward(_x: Tensor, y: Tensor, dout: Tensor, dx: Tensor): void {
    const [n, c] = y.shape;
    const backend = y.backend;
    // s = rowsum(y * dout) as (N, 1), then dx = y * dout - y * s: the broadcast is a rank-1 GEMM.
    mul(y, dout, dx);
    const s = this.buffer(backend, 'rowSum', [n, 1], y.dtype);
    const ones = this.buffer(backend, 'ones', [c, 1], y.dtype).fill(1);
    gemm(dx, ones, s);
    const sBroadcast = this.buffer(backend, 'broadcast', [n, c], y.dtype);
    const onesRow = this.buffer(backend, 'onesRow', [1, c], y.dtype).fill(1);
    gemm(s, onesRow, sBroadcast);
    mul(y, sBroadcast, sBroadcast);
    sub(dx, sBroadcast, dx);
  }
}
