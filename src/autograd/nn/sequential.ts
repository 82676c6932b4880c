import type { Tensor } from '../../backend/tensor.js';
import { flatten } from '../ops/reshape.js';
import { asVariable } from '../tape.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Modules applied in order (PyTorch's nn.Sequential). An input of rank > 2 is flattened to (N, rest) first. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    if (layers.length === 0) throw new Error('nn.Sequential: needs at least one module');
    this.layers = layers;
    this.children.push(...layers);
  }

  forward(x: Variable | Tensor): Variable {
    let h = asVariable(x);
    if (h.shape.length > 2) h = flatten(h);
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }
}
