import type { Tensor } from '../../backend/tensor.js';
import { gemm, matmul as matmulOp } from '../../ops/gemm.js';
import type { GemmOptions } from '../../ops/gemm.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * y = op(a) op(b): a (m, k) or, with transA, stored (k, m); b (k, n) or, with transB, stored (n, k).
 * Backward, with A = op(a), B = op(b): dA = gy Bᵀ, dB = Aᵀ gy, each one GEMM with transposes
 * (stored transposed when the operand was), added straight into an existing gradient.
 */
export function matmul(a: Variable | Tensor, b: Variable | Tensor, options: { transA?: boolean; transB?: boolean } = {}): Variable {
  const va = asVariable(a);
  const vb = asVariable(b);
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const y = matmulOp(va.value, vb.value, undefined, { transA, transB });
  return output('matmul', y, [va, vb], (gy) => {
    if (wantsGrad(va)) {
      if (transA) gemmInto(va, vb.value, gy, { transA: transB, transB: true });
      else gemmInto(va, gy, vb.value, { transB: !transB });
    }
    if (wantsGrad(vb)) {
      if (transB) gemmInto(vb, gy, va.value, { transA: true, transB: transA });
      else gemmInto(vb, va.value, gy, { transA: !transA });
    }
  });
}

/** v's gradient += op(lhs) op(rhs): in place (beta 1) when v has a gradient, else into a new one. */
export function gemmInto(v: Variable, lhs: Tensor, rhs: Tensor, options: GemmOptions): void {
  if (v.grad !== null) {
    gemm(lhs, rhs, v.grad, { ...options, beta: 1 });
  } else {
    accumulate(v, gemm(lhs, rhs, lhs.backend.empty(v.shape, v.dtype), { ...options, beta: 0 }));
  }
}
