import type { Tensor } from '../backend/tensor.js';
import { momentumUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/** Momentum SGD (the book's): v = momentum v - lr dW; W += v. */
export class Momentum extends Optimizer {
  protected readonly stateCount = 1;

  constructor(lr: number | LearningRateSchedule = 0.01, public momentum = 0.9) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor, [v]: Tensor[]): void {
    momentumUpdate(p, g, v, this.lr, this.momentum);
  }
}
