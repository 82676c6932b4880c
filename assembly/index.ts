// The wasm core's face: re-exports only. Every kernel takes byte pointers into
// the one imported linear memory and sizes; none allocates.
export * from './memory';
export * from './gemm';
export * from './peak';
export * from './elementwise';
export * from './activation';
export * from './softmax';
export * from './loss';
export * from './reduce';
export * from './optim';
export * from './gather';
export * from './conv';
export * from './conv-implicit';
export * from './pool';
export * from './batchnorm';
export * from './sparse';
export * from './axis';
