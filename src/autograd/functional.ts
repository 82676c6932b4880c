import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { runBackward } from './backward.js';
import { tidy } from './tape.js';
import { Variable } from './variable.js';

/**
 * The functional style of JAX and TensorFlow.js: valueAndGrad(f)(x, y) runs f on leaves made from
 * the tensors, backpropagates from its one-element result, and returns the value and d f / d arg
 * for each argument (new tensors: dispose them). Only the arguments' gradients are computed; params
 * f reads are left alone. Everything f makes is freed. Not differentiable itself: no gradients of
 * gradients (higher-order gradients are out of scope).
 */
export function valueAndGrad(f: (...args: Variable[]) => Variable): (...args: Tensor[]) => { value: number; grads: Tensor[] } {
  return (...args) => {
    const leaves = args.map((t) => {
      t.assertLive('valueAndGrad');
      return new Variable(t, true);
    });
    let value = NaN;
    tidy(() => {
      const y = f(...leaves);
      if (!(y instanceof Variable) || y.size !== 1) {
        throw new Error(`valueAndGrad: f must return a one-element Variable, got ${y instanceof Variable ? formatShape(y.shape) : typeof y}`);
      }
      value = y.item();
      if (y.node !== null) runBackward(y, null, new Set(leaves));
    });
    const grads = leaves.map((leaf, i) => leaf.grad ?? args[i].backend.zeros(args[i].shape, args[i].dtype as 'float32'));
    return { value, grads };
  };
}

/**
 * grad(f)(...args): the gradients of valueAndGrad(f), one per argument.
 *
 * @example
 * ```ts
 * import { createBackend, autograd } from 'scratchnet';
 * const { grad, valueAndGrad, sum, mul } = autograd;
 *
 * const backend = await createBackend({ dtype: 'float64', threads: 1 });
 * const dot = (a: autograd.Variable, b: autograd.Variable) => sum(mul(a, b));
 * const [da, db] = grad(dot)(backend.tensor([1, 2, 3]), backend.tensor([4, 5, 6]));
 * console.log(Array.from(da.data), Array.from(db.data)); // prints: [ 4, 5, 6 ] [ 1, 2, 3 ]
 * const { value } = valueAndGrad(dot)(backend.tensor([1, 2, 3]), backend.tensor([4, 5, 6]));
 * console.log(value); // prints: 32
 * ```
 */
export function grad(f: (...args: Variable[]) => Variable): (...args: Tensor[]) => Tensor[] {
  const both = valueAndGrad(f);
  return (...args) => both(...args).grads;
}
