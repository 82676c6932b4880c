/**
 * Every optimizer by name, in one table: the CLI, net files and the web demo all read it, so a new
 * optimizer is its own file plus one row here. The rates are the book's defaults
 * (common/optimizer.py).
 */
import type { Optimizer } from './optimizer.js';
import type { LearningRateSchedule } from './lr-schedule.js';
import { SGD } from './sgd.js';
import { Momentum } from './momentum.js';
import { Nesterov } from './nesterov.js';
import { AdaGrad } from './adagrad.js';
import { RMSprop } from './rmsprop.js';
import { Adam } from './adam.js';

type Rate = number | LearningRateSchedule;

const OPTIMIZER_TABLE = {
  sgd: { label: 'SGD', create: (lr: Rate) => new SGD(lr), defaultLr: 0.01 },
  momentum: { label: 'Momentum', create: (lr: Rate) => new Momentum(lr), defaultLr: 0.01 },
  nesterov: { label: 'Nesterov', create: (lr: Rate) => new Nesterov(lr), defaultLr: 0.01 },
  adagrad: { label: 'AdaGrad', create: (lr: Rate) => new AdaGrad(lr), defaultLr: 0.01 },
  rmsprop: { label: 'RMSprop', create: (lr: Rate) => new RMSprop(lr), defaultLr: 0.01 },
  adam: { label: 'Adam', create: (lr: Rate) => new Adam(lr), defaultLr: 0.001 },
} satisfies Record<string, { label: string; create: (lr: Rate) => Optimizer; defaultLr: number }>;

/** An optimizer by name: 'sgd', 'momentum', ..., 'adam' (see OPTIMIZERS). */
export type OptimizerName = keyof typeof OPTIMIZER_TABLE;

/** The names optimizerByName accepts, in the table's order (simplest first). */
export const OPTIMIZERS = Object.keys(OPTIMIZER_TABLE) as OptimizerName[];

/** True when `name` is one of OPTIMIZERS. */
export function isOptimizerName(name: unknown): name is OptimizerName {
  return typeof name === 'string' && Object.hasOwn(OPTIMIZER_TABLE, name);
}

/** The book's default learning rate of an optimizer. */
export function defaultLearningRate(name: OptimizerName): number {
  if (!isOptimizerName(name)) throw unknownOptimizer(name);
  return OPTIMIZER_TABLE[name].defaultLr;
}

/** The optimizer's name as the book writes it ('AdaGrad' for 'adagrad'), for menus and tables. */
export function optimizerLabel(name: OptimizerName): string {
  if (!isOptimizerName(name)) throw unknownOptimizer(name);
  return OPTIMIZER_TABLE[name].label;
}

/** A new optimizer by name, with a rate or a schedule (the book's default rate if omitted). */
export function optimizerByName(name: OptimizerName, lr?: Rate): Optimizer {
  if (!isOptimizerName(name)) throw unknownOptimizer(name);
  const entry = OPTIMIZER_TABLE[name];
  return entry.create(lr ?? entry.defaultLr);
}

function unknownOptimizer(name: unknown): Error {
  return new Error(`optimizerByName: unknown optimizer ${JSON.stringify(name)}; expected one of ${OPTIMIZERS.join(', ')}`);
}
