import type { Tensor } from '../backend/tensor.js';
import { adamUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';
import { powInt } from '../math/index.js';

/**
 * Adam (the book's form): m += (1 - beta1)(dW - m); v += (1 - beta2)(dW² - v);
 * W -= lr_t m / (sqrt(v) + eps), with lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t) at update t.
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
