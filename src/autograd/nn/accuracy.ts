import type { BatchSource } from '../../train/batch-source.js';
import { batches } from '../../train/batches.js';
import { countCorrect } from '../../ops/reduce.js';
import { noGrad, tidy } from '../tape.js';
import type { Module } from './module.js';

/** The share of `source`'s samples whose largest score from `model` is at their class, in batches of batchSize. */
export function accuracy(model: Module, source: BatchSource, batchSize = 1000): number {
  let correct = 0;
  for (const { x, t } of batches(source, batchSize)) {
    correct += noGrad(() => tidy(() => countCorrect(model.forward(x).value, t)));
  }
  return correct / source.count;
}
