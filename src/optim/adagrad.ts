import type { Tensor } from '../backend/tensor.js';
import { adagradUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/** AdaGrad: h += dW²; W -= lr dW / (sqrt(h) + eps). Each weight's step shrinks with its history. */
export class AdaGrad extends Optimizer {
  protected readonly stateCount = 1;

  constructor(lr: number | LearningRateSchedule = 0.01, public eps = 1e-7) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor, [h]: Tensor[]): void {
    adagradUpdate(p, g, h, this.lr, this.eps);
  }
}
