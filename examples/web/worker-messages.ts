/** What the page and its training worker say to each other (structured-clone messages). */
import type { RunConfig } from './training-run.js';

export type ToWorker =
  /**
   * Train a new net for `steps` steps, measuring test accuracy on a slice every `evalEvery` steps,
   * with kernels on `threads` threads (the numbers are the same for any count; only speed differs).
   */
  | { type: 'start'; config: RunConfig; steps: number; evalEvery: number; threads: number }
  | { type: 'stop' }
  /** Class probabilities for one 28x28 input (784 values in [0, 1]). */
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; name: string };

export type FromWorker =
  | { type: 'ready'; trainCount: number; testCount: number; seconds: number; threads: number }
  /** A run began; `testAccuracy` is the untrained net's, on the test slice (the curve's first point). */
  | { type: 'started'; paramCount: number; description: string; testAccuracy: number }
  /** `losses`: mean loss of each window of LOSS_WINDOW steps finished since the last message. */
  | { type: 'progress'; step: number; epochs: number; losses: number[]; samplesPerSecond: number; testAccuracy?: number }
  /** The run ended (all steps done, stopped, or failed): accuracy on the whole test set, and the params hash. */
  | { type: 'finished'; step: number; testAccuracy: number; paramsHash: string; samplesPerSecond: number; error?: string }
  | { type: 'prediction'; id: number; probabilities: number[] }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'loaded'; name: string; description: string; testAccuracy: number; paramsHash: string }
  /** A request failed (`loading`: the worker could not start at all). */
  | { type: 'error'; request: ToWorker['type'] | 'loading'; message: string };

/** Steps per point of the loss curve. */
export const LOSS_WINDOW = 10;
/** Test images used for the accuracy curve while training (the whole test set is used at the end). */
export const TEST_SLICE = 1000;
