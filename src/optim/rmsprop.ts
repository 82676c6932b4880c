import type { Tensor } from '../backend/tensor.js';
import { rmspropUpdate } from '../ops/optim.js';
import { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/** RMSprop: h = decay h + (1 - decay) dW²; W -= lr dW / (sqrt(h) + eps). AdaGrad that forgets. */
export class RMSprop extends Optimizer {
  protected readonly stateCount = 1;

  constructor(lr: number | LearningRateSchedule = 0.01, public decayRate = 0.99, public eps = 1e-7) {
    super(lr);
  }

  protected apply(p: Tensor, g: Tensor, [h]: Tensor[]): void {
    rmspropUpdate(p, g, h, this.lr, this.decayRate, this.eps);
  }
}
