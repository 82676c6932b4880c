import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { checkFloats, checkMatrix, checkNoOverlap, outputFor } from './check.js';

const GEMM = kernelFamily('gemm');

/** Options of `gemm`: c = alpha op(a) op(b) + beta c. */
export interface GemmOptions {
  /** Use a's transpose: a is stored (k, m). */
  transA?: boolean;
  /** Use b's transpose: b is stored (n, k). */
  transB?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Scale of what c held before (0: c is overwritten, even NaN). Default 0. */
  beta?: number;
}

/**
 * c = alpha * op(a) * op(b) + beta * c, in place on c.
 * op(a) is (m, k), op(b) is (k, n), c is (m, n). With beta = 0, c's old contents are ignored.
 */
export function gemm(a: Tensor, b: Tensor, c: Tensor, options: GemmOptions = {}): Tensor {
  const op = 'gemm';
  const dtype = checkFloats(op, a, b, c);
  const { transA = false, transB = false, alpha = 1, beta = 0 } = options;
  const [ar, ac] = checkMatrix(op, a, 'a');
  const [br, bc] = checkMatrix(op, b, 'b');
  const [cr, cc] = checkMatrix(op, c, 'c');
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2 || cr !== m || cc !== n) {
    throw new Error(
      `${op}: op(a) ${formatShape([m, k])}${transA ? ' (a transposed)' : ''} times op(b) ${formatShape([k2, n])}` +
        `${transB ? ' (b transposed)' : ''} does not give c ${formatShape(c.shape)}`,
    );
  }
  checkNoOverlap(op, a, c, 'a and c');
  checkNoOverlap(op, b, c, 'b and c');
  a.backend.kernel(GEMM, dtype)(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a.ptr, ac, b.ptr, bc, beta, c.ptr, cc);
  return c;
}

/** op(a) * op(b), into `out` if given (it must be (m, n)), else into a new tensor. */
export function matmul(a: Tensor, b: Tensor, out?: Tensor, options: { transA?: boolean; transB?: boolean } = {}): Tensor {
  const op = 'matmul';
  checkFloats(op, a, b);
  const [ar, ac] = checkMatrix(op, a, 'a');
  const [br, bc] = checkMatrix(op, b, 'b');
  const m = options.transA ? ac : ar;
  const k = options.transA ? ar : ac;
  const kb = options.transB ? bc : br;
  const n = options.transB ? br : bc;
  if (k !== kb) {
    throw new Error(
      `${op}: inner dimensions differ: ${formatShape(a.shape)}${options.transA ? 'ᵀ' : ''} x ` +
        `${formatShape(b.shape)}${options.transB ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  }
  const c = outputFor(op, a, [m, n], out);
  return gemm(a, b, c, { ...options, alpha: 1, beta: 0 });
}
