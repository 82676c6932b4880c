import type { Tensor } from '../../backend/tensor.js';
import { elu, leakyRelu, relu, sigmoid, tanh } from '../ops/activation.js';
import type { Variable } from '../variable.js';
import { Module } from './module.js';

/** Activations as modules, for Sequential. */

export class ReLU extends Module {
  forward(x: Variable | Tensor): Variable {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Variable | Tensor): Variable {
    return sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Variable | Tensor): Variable {
    return tanh(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly alpha = 0.01) {
    super();
  }
  forward(x: Variable | Tensor): Variable {
    return leakyRelu(x, this.alpha);
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Variable | Tensor): Variable {
    return elu(x, this.alpha);
  }
}
