import type { Tensor } from '../../backend/tensor.js';
import { flatten } from '../ops/reshape.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** (N, ...) to (N, rest), a view: between the conv part of a model and its Linear layers. */
export class Flatten extends Module {
  forward(x: Variable | Tensor): Variable {
    return flatten(x);
  }
}
