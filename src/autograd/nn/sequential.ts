import type { Tensor } from '../../backend/tensor.js';
import { asVariable } from '../tape.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Modules applied in order (PyTorch's nn.Sequential). */
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
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }
}
