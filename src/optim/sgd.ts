import type { Tensor } from '../backend/tensor.js';
import { sgdUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/** Stochastic gradient descent: W -= lr * dW. */
export class SGD extends Optimizer {
  protected readonly stateCount = 0;

  constructor(lr: number | LearningRateSchedule = 0.01) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor): void {
    sgdUpdate(p, g, this.lr);
  }
}
