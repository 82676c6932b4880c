import type { Tensor } from '../backend/tensor.js';
import type { Sequential } from '../nets/sequential.js';

/** One param's backprop gradient against central differences (`gradientCheck`). */
export interface GradientCheckResult {
  /** Param name (W1, b1, ...). */
  name: string;
  /** Largest relative error over the param's elements (see gradientCheck). */
  maxRelativeError: number;
  maxAbsoluteError: number;
}

/**
 * Compare backprop's gradient with central differences of the loss, param by param (the book's
 * gradient_check). The relative error of an element is |a - b| / max(|a|, |b|, floor), with a
 * floor (default 1e-6) so that elements whose gradient is near zero are judged by absolute error.
 * Use float64 nets for a tight check: in float32 the numerical gradient itself is only good to ~1e-3.
 */
export function gradientCheck(net: Sequential, x: Tensor, t: Tensor, options: { h?: number; floor?: number } = {}): GradientCheckResult[] {
  const h = options.h ?? (net.dtype === 'float64' ? 1e-5 : 1e-2);
  const floor = options.floor ?? (net.dtype === 'float64' ? 1e-6 : 1e-3);
  net.gradient(x, t);
  const backprop = net.grads.map((g) => Float64Array.from(g.data as ArrayLike<number>));
  const numerical = net.numericalGradient(x, t, h);
  return net.params.map((_, i) => {
    let maxRel = 0;
    let maxAbs = 0;
    const a = backprop[i];
    const b = numerical[i];
    for (let j = 0; j < a.length; j++) {
      const diff = Math.abs(a[j] - b[j]);
      maxAbs = Math.max(maxAbs, diff);
      maxRel = Math.max(maxRel, diff / Math.max(Math.abs(a[j]), Math.abs(b[j]), floor));
    }
    return { name: net.paramNames[i], maxRelativeError: maxRel, maxAbsoluteError: maxAbs };
  });
}
