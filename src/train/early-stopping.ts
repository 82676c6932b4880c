import type { Tensor } from '../backend/tensor.js';
import type { Callback } from './callback.js';
import type { Trainer, EpochInfo } from './trainer.js';
import { checkMonitor, improves, monitoredValue } from './monitor.js';
import type { Monitor } from './monitor.js';

/** Options of `new EarlyStopping(options)`. */
export interface EarlyStoppingOptions {
  /** Default 'valLoss'. Losses must fall, accuracies rise. */
  monitor?: Monitor;
  /** Epochs without improvement after which training stops (Keras's count: 0 and 1 both stop at the first). Default 0. */
  patience?: number;
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** At the end of training, put back the params of the best epoch. Default false. */
  restoreBest?: boolean;
}

/**
 * Stops training when the monitored figure has not improved by more than `minDelta` for
 * `patience` epochs (Keras's EarlyStopping; the first epoch always counts as an improvement). With `restoreBest`, the params of the best epoch are
 * kept as one copy of the net's param block and copied back when training ends.
 */
export class EarlyStopping implements Callback {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  /** Best value seen, and its epoch (0 before the first). */
  best = NaN;
  bestEpoch = 0;
  /** Epoch at which this callback stopped training, or 0. */
  stoppedEpoch = 0;
  private wait = 0;
  private bestParams: Tensor | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    this.monitor = checkMonitor('EarlyStopping', options.monitor ?? 'valLoss');
    this.patience = options.patience ?? 0;
    this.minDelta = options.minDelta ?? 0;
    this.restoreBest = options.restoreBest ?? false;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`EarlyStopping: patience must be an integer >= 0, got ${this.patience}`);
    if (!(this.minDelta >= 0 && Number.isFinite(this.minDelta))) throw new Error(`EarlyStopping: minDelta must be a number >= 0, got ${this.minDelta}`);
  }

  onTrainBegin(): void {
    // A copy left by a fit that threw is of no use to this one.
    this.bestParams?.dispose();
    this.bestParams = null;
    this.best = NaN;
    this.bestEpoch = 0;
    this.stoppedEpoch = 0;
    this.wait = 0;
  }

  onEpochEnd(info: EpochInfo, trainer: Trainer): boolean {
    const value = monitoredValue('EarlyStopping', this.monitor, info);
    const improved = improves(this.monitor, value, this.best, this.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = info.epoch;
      this.wait = 0;
      if (this.restoreBest) this.keep(trainer.net.paramBlock);
      return true;
    }
    if (++this.wait >= this.patience) {
      this.stoppedEpoch = info.epoch;
      return false;
    }
    return true;
  }

  onTrainEnd(_history: EpochInfo[], trainer: Trainer): void {
    if (this.bestParams === null) return;
    if (!this.bestParams.disposed && !trainer.net.paramBlock.disposed) trainer.net.paramBlock.set(this.bestParams);
    this.bestParams.dispose();
    this.bestParams = null;
  }

  private keep(params: Tensor): void {
    if (this.bestParams === null || this.bestParams.disposed || this.bestParams.size !== params.size) {
      this.bestParams?.dispose();
      this.bestParams = params.clone();
    } else {
      this.bestParams.set(params);
    }
  }
}
