import type { Tensor } from '../../backend/tensor.js';
import { formatShape } from '../../backend/shape.js';
import { gemm } from '../../ops/gemm.js';
import { checkFloats } from '../../ops/check.js';
import { addBias, sumRows } from '../../ops/reduce.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';
import { gemmInto } from './matmul.js';

/**
 * y = x W + b, fused as the book's Affine does it: x (N, in), W (in, out) (the transpose of
 * PyTorch's weight, as Affine keeps it), b (out,), y (N, out). One GEMM and one bias add into one
 * new tensor. Backward: dW += xᵀ gy and dx = gy Wᵀ (GEMMs with transposes; dx only when x wants
 * it, so a first layer skips that GEMM as Affine.backwardParams does), db += the rows of gy summed.
 */
export function linear(x: Variable | Tensor, W: Variable | Tensor, b?: Variable | Tensor): Variable {
  const vx = asVariable(x);
  const vW = asVariable(W);
  const vb = b === undefined ? null : asVariable(b);
  const xv = vx.value;
  const Wv = vW.value;
  checkFloats('linear', xv, Wv, ...(vb === null ? [] : [vb.value]));
  if (xv.rank !== 2 || Wv.rank !== 2 || xv.shape[1] !== Wv.shape[0] || (vb !== null && (vb.value.size !== Wv.shape[1] || vb.value.rank !== 1))) {
    throw new Error(
      `linear: x ${formatShape(xv.shape)}, W ${formatShape(Wv.shape)}${vb ? `, b ${formatShape(vb.value.shape)}` : ''} ` +
        'do not fit: x must be (N, in), W (in, out), b (out,)',
    );
  }
  const y = gemm(xv, Wv, xv.backend.empty([xv.shape[0], Wv.shape[1]], Wv.dtype));
  if (vb !== null) addBias(y, vb.value, y);
  const inputs = vb === null ? [vx, vW] : [vx, vW, vb];
  return output('linear', y, inputs, (gy) => {
    if (wantsGrad(vW)) gemmInto(vW, vx.value, gy, { transA: true });
    if (vb !== null && wantsGrad(vb)) accumulate(vb, sumRows(gy));
    if (wantsGrad(vx)) gemmInto(vx, gy, vW.value, { transB: true });
  });
}
