import type { Tensor } from '../../backend/tensor.js';
import { checkConv, convInputGrad, convWindow, im2col, transposeBatch } from '../../ops/conv.js';
import type { ConvOptions } from '../../ops/conv.js';
import { gemm } from '../../ops/gemm.js';
import { addBias, sumRows } from '../../ops/reduce.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * 2-D convolution (cross-correlation, as the book's Convolution and PyTorch's F.conv2d):
 *   x (N, C, H, W), W (FN, C, FH, FW), b (FN,) or none, y (N, FN, OH, OW),
 *   OH = floor((H + 2 pad - FH) / stride) + 1, likewise OW.
 * Forward as the layer lowers it: col = im2col(x) (N OH OW, C FH FW), rows = col Wᵀ + b (N OH OW, FN),
 * y = rows as NCHW. The rule keeps col. Backward, with gyRows = gy as (N OH OW, FN):
 * db += column sums of gyRows, dW += gyRowsᵀ col, dx = col2im(gyRows W) (convInputGrad: without the dcol matrix).
 */
export function conv2d(x: Variable | Tensor, W: Variable | Tensor, b?: Variable | Tensor, options: ConvOptions = {}): Variable {
  const vx = asVariable(x);
  const vW = asVariable(W);
  const vb = b === undefined ? null : asVariable(b);
  const xv = vx.value;
  const Wv = vW.value;
  const [n, fn, oh, ow] = checkConv('conv2d', xv, Wv, vb?.value ?? null, options);
  const window = convWindow(Wv, options);
  const backend = xv.backend;
  const col = im2col(xv, window);
  const rows = gemm(col, Wv.reshape(fn, -1), backend.empty([n * oh * ow, fn], Wv.dtype), { transB: true });
  if (vb !== null) addBias(rows, vb.value, rows);
  const y = backend.empty([n, fn, oh, ow], Wv.dtype);
  transposeBatch(rows.reshape(n, oh * ow, fn), y.reshape(n, fn, oh * ow));
  rows.dispose();
  const inputs = vb === null ? [vx, vW] : [vx, vW, vb];
  return output('conv2d', y, inputs, (gy) => {
    const gyRows = backend.empty([n * oh * ow, fn], gy.dtype);
    transposeBatch(gy.reshape(n, fn, oh * ow), gyRows.reshape(n, oh * ow, fn));
    if (vb !== null && wantsGrad(vb)) accumulate(vb, sumRows(gyRows));
    if (wantsGrad(vW)) {
      // dW seen as (FN, C FH FW): added in place when W already has a gradient.
      if (vW.grad !== null) gemm(gyRows, col, vW.grad.reshape(fn, -1), { transA: true, beta: 1 });
      else accumulate(vW, gemm(gyRows, col, backend.empty([fn, col.shape[1]], gy.dtype), { transA: true }));
    }
    if (wantsGrad(vx)) accumulate(vx, convInputGrad(gy, vW.value, vx.shape, options));
    gyRows.dispose();
  }, [col]);
}
