import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import { checkOneBackend } from './check.js';

/** A kernel argument as an op writes it: a tensor (passed on as its byte address) or a plain number. */
export type KernelArg = Tensor | number;

/**
 * The one way an op calls a kernel: with its tensors, not their addresses. The tensors must live
 * in one backend; that backend's kernel runs with each tensor replaced by its address, so no op
 * can hand wasm an address that points into another backend's memory.
 * `dtype` picks the f32 or f64 build of the kernel; null calls a kernel that has one build only.
 */
export function callKernel(op: string, name: string, dtype: FloatDType | null, ...args: KernelArg[]): number {
  const tensors: Tensor[] = [];
  const numbers = new Array<number>(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === 'number') {
      numbers[i] = arg;
    } else {
      tensors.push(arg);
      numbers[i] = arg.ptr;
    }
  }
  if (tensors.length === 0) throw new Error(`${op}: kernel ${name} called without a tensor`);
  const backend = checkOneBackend(op, ...tensors);
  const fn = dtype === null ? backend.kernels[name] : backend.kernel(name, dtype);
  return fn(...numbers);
}
