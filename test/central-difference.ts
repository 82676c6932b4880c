import type { Tensor } from '../src/index.js';

/** Central differences of objective() with respect to each element of t (perturbed in place, restored). */
export function centralDifference(t: Tensor, objective: () => number, h = 1e-5): Float64Array {
  const g = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const old = t.data[i];
    t.data[i] = old + h;
    const plus = objective();
    t.data[i] = old - h;
    const minus = objective();
    t.data[i] = old;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}
