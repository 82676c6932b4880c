// Tensor ops: checked wrappers around the wasm kernels (exported as `ops`).
export * from './gemm.js';
export * from './elementwise.js';
export * from './activation.js';
export * from './targets.js';
export * from './softmax.js';
export * from './loss.js';
export * from './reduce.js';
export * from './optim.js';
export * from './gather.js';
export * from './window.js';
export * from './conv.js';
export * from './pool.js';
export * from './batchnorm.js';
export * from './sparse.js';
export * from './axis.js';
