// PyTorch-style modules over the autograd ops (exported as `autograd.nn`).
export { Module } from './module.js';
export { Parameters } from './parameters.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Sequential } from './sequential.js';
export { ReLU, Sigmoid, Tanh, LeakyReLU, ELU } from './activations.js';
export { accuracy } from './accuracy.js';
