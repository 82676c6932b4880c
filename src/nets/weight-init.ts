import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../backend/tensor.js';
import type { FloatDType } from '../backend/dtype.js';
import type { Rng } from '../random/rng.js';

/**
 * How to draw initial weights: 'he' (std sqrt(2 / fanIn), for ReLU-like activations), 'xavier'
 * (std sqrt(1 / fanIn), for sigmoid and tanh; the book's "Xavier"), or a fixed std such as the
 * book's 0.01.
 */
export type WeightInit = 'he' | 'xavier' | number;

export function initStd(init: WeightInit, fanIn: number): number {
  if (init === 'he') return Math.sqrt(2 / fanIn);
  if (init === 'xavier') return Math.sqrt(1 / fanIn);
  if (typeof init === 'number' && init > 0 && Number.isFinite(init)) return init;
  throw new Error(`weightInit must be 'he', 'xavier' or a positive number, got ${JSON.stringify(init)}`);
}

/** W (fanIn, fanOut) ~ N(0, std^2) and b = 0, drawn from `rng`. */
export function affineParams(
  backend: Backend, fanIn: number, fanOut: number, init: WeightInit, rng: Rng, dtype: FloatDType,
): [Tensor, Tensor] {
  const W = backend.randn([fanIn, fanOut], { rng, std: initStd(init, fanIn), dtype });
  const b = backend.zeros([fanOut], dtype);
  return [W, b];
}

/** W (filters, channels, fh, fw) ~ N(0, std^2) with fan-in channels * fh * fw, and b = 0, drawn from `rng`. */
export function convParams(
  backend: Backend, filters: number, channels: number, fh: number, fw: number, init: WeightInit, rng: Rng, dtype: FloatDType,
): [Tensor, Tensor] {
  const W = backend.randn([filters, channels, fh, fw], { rng, std: initStd(init, channels * fh * fw), dtype });
  const b = backend.zeros([filters], dtype);
  return [W, b];
}
