import { saveNet } from '../io/net-file-node.js';
import type { Callback } from './callback.js';
import type { Trainer, EpochInfo } from './trainer.js';
import { checkMonitor, improves, monitoredValue } from './monitor.js';
import type { Monitor } from './monitor.js';

/** Options of `new ModelCheckpoint(path, options)`. */
export interface ModelCheckpointOptions {
  /** Save only when the monitored figure improves on the best so far. Default false: every epoch. */
  saveBestOnly?: boolean;
  /** What "best" means with saveBestOnly. Default 'valLoss'. */
  monitor?: Monitor;
}

/**
 * Saves the net after each epoch (Node; with `fitAsync`, which waits for the write): with saveNet,
 * so each write is atomic and a crash leaves the previous checkpoint whole. `{epoch}` in the path
 * becomes the epoch number, to keep every checkpoint rather than the latest.
 */
export class ModelCheckpoint implements Callback {
  readonly saveBestOnly: boolean;
  readonly monitor: Monitor;
  best = NaN;
  /** Paths written, in order. */
  readonly saved: string[] = [];

  constructor(
    readonly path: string,
    options: ModelCheckpointOptions = {},
  ) {
    if (typeof path !== 'string' || path === '') throw new Error(`ModelCheckpoint: path must be a file path, got ${JSON.stringify(path)}`);
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.monitor = checkMonitor('ModelCheckpoint', options.monitor ?? 'valLoss');
  }

  onTrainBegin(): void {
    this.best = NaN;
  }

  async onEpochEnd(info: EpochInfo, trainer: Trainer): Promise<void> {
    if (this.saveBestOnly) {
      const value = monitoredValue('ModelCheckpoint', this.monitor, info);
      if (!improves(this.monitor, value, this.best)) return;
      this.best = value;
    }
    const path = this.path.replaceAll('{epoch}', String(info.epoch));
    await saveNet(trainer.net, path);
    this.saved.push(path);
  }
}
