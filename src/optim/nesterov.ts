import type { Tensor } from '../backend/tensor.js';
import { nesterovUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/**
 * Nesterov's accelerated gradient, as PyTorch (nesterov=True) and Keras define it:
 * v = momentum v - lr dW; W += momentum v - lr dW (a look-ahead step along the new velocity).
 */
export class Nesterov extends Optimizer {
  protected readonly stateCount = 1;

  constructor(lr: number | LearningRateSchedule = 0.01, public momentum = 0.9) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor, [v]: Tensor[]): void {
    nesterovUpdate(p, g, v, this.lr, this.momentum);
  }
}
