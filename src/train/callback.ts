import type { Trainer, BatchInfo, EpochInfo } from './trainer.js';

/**
 * What a hook may return: `false` stops training (after this batch, or after this epoch), anything
 * else goes on. A promise is awaited by `fitAsync` (and refused by `fit`, which cannot wait).
 */
export type HookResult = boolean | void | Promise<boolean | void>;

/**
 * A training callback: a small object with any of these hooks, as Keras's. `fit` and `fitAsync`
 * call them in the order the callbacks are listed.
 */
export interface Callback {
  /** Before the first batch of a fit. */
  onTrainBegin?(trainer: Trainer): void;
  /** After each optimizer step. */
  onBatchEnd?(info: BatchInfo, trainer: Trainer): HookResult;
  /** After each epoch's evaluation. */
  onEpochEnd?(info: EpochInfo, trainer: Trainer): HookResult;
  /** When a fit ends, finished or stopped (not when it throws). */
  onTrainEnd?(history: EpochInfo[], trainer: Trainer): void | Promise<void>;
}
