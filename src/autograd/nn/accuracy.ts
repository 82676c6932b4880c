import type { BatchSource } from '../../train/batch-source.js';
import { batches } from '../../train/batches.js';
import { countCorrect } from '../../ops/reduce.js';
import { noGrad, tidy } from '../tape.js';
import type { Module } from './module.js';

/**
 * The share of `source`'s samples whose largest score from `model` is at their class, in batches of
 * batchSize. Measured in evaluation mode (running statistics, untouched); the model is then put back
 * in training mode if its root was in it.
 */
export function accuracy(model: Module, source: BatchSource, batchSize = 1000): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  try {
    for (const { x, t } of batches(source, batchSize)) {
      correct += noGrad(() => tidy(() => countCorrect(model.forward(x).value, t)));
    }
  } finally {
    if (wasTraining) model.train();
  }
  return correct / source.count;
}
