// Automatic differentiation over the same tensors and kernels (exported as `autograd`).
// Gradients are first order only: a backward pass records nothing, so it cannot be differentiated.
export { Variable, variable, param } from './variable.js';
export type { Node } from './variable.js';
export { noGrad, tidy, isGradEnabled } from './tape.js';
export { grad, valueAndGrad } from './functional.js';
export { matmul } from './ops/matmul.js';
export { linear } from './ops/linear.js';
export { add, sub } from './ops/add.js';
export { mul, scale } from './ops/mul.js';
export { relu, sigmoid, tanh, leakyRelu, elu } from './ops/activation.js';
export { softmaxCrossEntropy } from './ops/softmax-cross-entropy.js';
export { sigmoidCrossEntropy } from './ops/sigmoid-cross-entropy.js';
export { mseLoss } from './ops/mse-loss.js';
export { conv2d } from './ops/conv2d.js';
export { maxPool2d, avgPool2d } from './ops/pool2d.js';
export type { PoolOptions } from './ops/pool2d.js';
export { batchNorm } from './ops/batch-norm.js';
export type { BatchNormOptions } from './ops/batch-norm.js';
export { softmax } from './ops/softmax.js';
export { sum, mean } from './ops/reduce.js';
export { reshape, view, flatten } from './ops/reshape.js';
export { transpose } from './ops/transpose.js';
export { slice } from './ops/slice.js';
export { concat, stack } from './ops/concat.js';
export { gather } from './ops/gather.js';
export * as nn from './nn/index.js';
