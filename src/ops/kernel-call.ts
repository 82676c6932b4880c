import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import type { KernelFamily } from '../backend/kernel-dispatch.js';
import { checkOneBackend } from './check.js';

/** A kernel argument as an op writes it: a tensor (passed on as its byte address) or a plain number. */
export type KernelArg = Tensor | number;

/**
 * The one way an op calls a kernel: with its tensors, not their addresses. The tensors must live
 * in one backend; that backend's kernel (found by family: an array index) runs with each tensor
 * replaced by its address, so no op can hand wasm an address that points into another backend's
 * memory. `dtype` picks the f32 or f64 build; null calls a kernel that has one build only.
 */
export function callKernel(op: string, family: KernelFamily, dtype: FloatDType | null, ...args: KernelArg[]): number {
  // This runs on every op of every training step: one pass, each tensor replaced by its address in
  // the (fresh) rest array itself.
  let first: Tensor | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === 'number') continue;
    if (first === null) first = arg;
    else if (arg.backend !== first.backend) checkOneBackend(op, first, arg);
    arg.assertLive(op);
    args[i] = arg.ptr;
  }
  if (first === null) throw new Error(`${op}: kernel ${family.name} called without a tensor`);
  const fn = dtype === null ? first.backend.kernels[family.name] : first.backend.kernel(family, dtype);
  return fn(...(args as number[]));
}
