import type { Tensor } from '../backend/tensor.js';
import { sgdUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/**
 * Stochastic gradient descent: W -= lr * dW.
 *
 * @example
 * ```ts
 * import { createBackend, Affine, SGD } from 'scratchnet';
 *
 * const backend = await createBackend({ dtype: 'float64', threads: 1 });
 * const layer = new Affine(backend.tensor([[1], [2]]), backend.tensor([0.5]));
 * const [dW, db] = layer.grads;
 * dW.set([10, 20]); // as a backward pass would leave them
 * db.set([1]);
 * new SGD(0.1).update(layer.params, layer.grads); // W -= 0.1 dW, b -= 0.1 db
 * console.log(Array.from(layer.params[0].data), Array.from(layer.params[1].data)); // prints: [ 0, 0 ] [ 0.4 ]
 * ```
 */
export class SGD extends Optimizer {
  protected readonly stateCount = 0;

  constructor(lr: number | LearningRateSchedule = 0.01) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor): void {
    sgdUpdate(p, g, this.lr);
  }
}
