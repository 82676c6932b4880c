// PyTorch-style modules over the autograd ops (exported as `autograd.nn`).
export { Module } from './module.js';
export { Parameters } from './parameters.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Conv2d } from './conv2d.js';
export type { Conv2dOptions } from './conv2d.js';
export { MaxPool2d, AvgPool2d } from './pooling.js';
export { Flatten } from './flatten.js';
export { BatchNorm2d } from './batch-norm2d.js';
export type { BatchNorm2dOptions } from './batch-norm2d.js';
export { Sequential } from './sequential.js';
export { ReLU, Sigmoid, Tanh, LeakyReLU, ELU } from './activations.js';
export { accuracy } from './accuracy.js';
