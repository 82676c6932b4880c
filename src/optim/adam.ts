import type { Tensor } from '../backend/tensor.js';
import { adamUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';
import { powInt } from '../math/index.js';

/**
 * Adam (the book's form): m += (1 - beta1)(dW - m); v += (1 - beta2)(dW² - v);
 * W -= lr_t m / (sqrt(v) + eps), with lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t) at update t.
 *
 * @example
 * ```ts
 * import { createBackend, MultiLayerNet, Adam, schedules } from 'scratchnet';
 *
 * const backend = await createBackend({ threads: 1 });
 * const net = new MultiLayerNet({ inputSize: 4, hiddenSizes: [8], outputSize: 3 }, { seed: 0 });
 * const x = backend.rand([6, 4], { seed: 1 });
 * const t = backend.tensor([0, 1, 2, 0, 1, 2], [6], 'int32');
 * // A rate or a schedule: 0.001 flat, or 10 steps of warmup then a cosine decay over 90.
 * const optimizer = new Adam(schedules.warmup(10, schedules.cosine(0.01, 90)));
 * const first = net.loss(x, t);
 * for (let i = 0; i < 100; i++) {
 *   net.gradient(x, t);
 *   optimizer.update(net); // the whole net in one kernel call (or the book's update(params, grads))
 * }
 * console.log(optimizer.iterations, net.loss(x, t) < first / 2); // prints: 100 true
 * ```
 */
export class Adam extends Optimizer {
  protected readonly stateCount = 2;

  constructor(lr: number | LearningRateSchedule = 0.001, public beta1 = 0.9, public beta2 = 0.999, public eps = 1e-7) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor, [m, v]: Tensor[]): void {
    const t = this.iterations;
    // powInt, not **: the same bits in every engine (see src/math).
    const lrT = (this.lr * Math.sqrt(1 - powInt(this.beta2, t))) / (1 - powInt(this.beta1, t));
    adamUpdate(p, g, m, v, lrT, this.beta1, this.beta2, this.eps);
  }
}
