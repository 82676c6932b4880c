import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkMatrix, checkSameShape, checkNoOverlap, checkNoPartialOverlap, outputFor } from './check.js';
import { kernelFamily } from '../backend/kernel-dispatch.js';
import { callKernel } from './kernel-call.js';

/**
 * Activations on tensors: y = f(x) element by element, and the backward rules that give dx from
 * what the layer kept (sigmoid and tanh keep y, relu keeps x, elu keeps both). `out` may be the
 * input itself. The incoming gradient dy is never written.
 */

const LEAKY_RELU = kernelFamily('leakyRelu');
const LEAKY_RELU_BACKWARD = kernelFamily('leakyReluBackward');
const ELU = kernelFamily('elu');
const ELU_BACKWARD = kernelFamily('eluBackward');

type Forward = (x: Tensor, out?: Tensor) => Tensor;

function forward(name: string): Forward {
  const family = kernelFamily(name);
  return (x, out) => {
    const dtype = checkFloats(name, x);
    const y = outputFor(name, x, x.shape, out);
    checkNoPartialOverlap(name, x, y);
    callKernel(name, family, dtype, x.size, x, y);
    return y;
  };
}

/** dx from (kept, dy): sigmoid/tanh keep y, relu keeps x. */
function backward(name: string) {
  const family = kernelFamily(name);
  return (kept: Tensor, dy: Tensor, dx?: Tensor): Tensor => {
    const dtype = checkFloats(name, kept, dy);
    checkSameShape(name, kept, dy);
    const out = outputFor(name, dy, dy.shape, dx);
    checkNoPartialOverlap(name, dy, out);
    checkNoPartialOverlap(name, kept, out);
    callKernel(name, family, dtype, dy.size, kept, dy, out);
    return out;
  };
}

/** y = x > 0 ? 1 : 0, element by element (x, out? of the same shape). */
export const step = forward('step');
/** y = x (a copy into `out`, or x itself when out is x). */
export const identity: Forward = (x, out) => {
  checkFloats('identity', x);
  const y = outputFor('identity', x, x.shape, out);
  if (y.ptr !== x.ptr) y.set(x);
  return y;
};
/** y = 1 / (1 + exp(-x)), element by element, without overflow at large |x|. */
export const sigmoid = forward('sigmoid');
/** y = max(0, x), element by element. */
export const relu = forward('relu');
/** y = tanh(x), element by element. */
export const tanh = forward('tanh');

/** dx = dy * y * (1 - y), from the forward output y. */
export const sigmoidBackward = backward('sigmoidBackward');
/** dx = x > 0 ? dy : 0, from the forward input x. */
export const reluBackward = backward('reluBackward');
/** dx = dy * (1 - y^2), from the forward output y. */
export const tanhBackward = backward('tanhBackward');

/** y[i, j] = f(x[i, j] + b[j]): an Affine layer's bias and the activation after it, in one pass. */
function forwardWithBias(name: string) {
  const family = kernelFamily(name);
  return (x: Tensor, b: Tensor, out?: Tensor): Tensor => {
    const dtype = checkFloats(name, x, b);
    const [m, n] = checkMatrix(name, x, 'x');
    if (b.size !== n) throw new Error(`${name}: bias ${formatShape(b.shape)} does not match the ${n} columns of x ${formatShape(x.shape)}`);
    const y = outputFor(name, x, x.shape, out);
    checkNoPartialOverlap(name, x, y);
    checkNoOverlap(name, b, y, 'bias and output');
    callKernel(name, family, dtype, m, n, x, b, y);
    return y;
  };
}

/** dx from (y, dy), and db = the column sums of dx (the bias gradient of the Affine layer below), in one pass. */
function backwardSumRows(name: string) {
  const family = kernelFamily(name);
  return (y: Tensor, dy: Tensor, dx: Tensor, db: Tensor): Tensor => {
    const dtype = checkFloats(name, y, dy, dx, db);
    const [m, n] = checkMatrix(name, y, 'y');
    checkSameShape(name, y, dy, dx);
    if (db.size !== n) throw new Error(`${name}: db ${formatShape(db.shape)} must hold the ${n} columns of y ${formatShape(y.shape)}`);
    checkNoPartialOverlap(name, dy, dx);
    checkNoPartialOverlap(name, y, dx);
    for (const t of [y, dy, dx]) checkNoOverlap(name, db, t, 'db and the other arrays');
    callKernel(name, family, dtype, m, n, y, dy, dx, db);
    return dx;
  };
}

/** y = sigmoid(x + b) for x (N, M), b (M,): the bits of addBias then sigmoid. `out` may be x. */
export const addBiasSigmoid = forwardWithBias('addBiasSigmoid');
/** y = max(0, x + b) for x (N, M), b (M,): the bits of addBias then relu. `out` may be x. */
export const addBiasRelu = forwardWithBias('addBiasRelu');
/**
 * dx = dy * y * (1 - y) and db = dx's column sums, y, dy, dx (N, M), db (M,): the bits of
 * sigmoidBackward then sumRows. dx may be dy.
 */
export const sigmoidBackwardSumRows = backwardSumRows('sigmoidBackwardSumRows');
/**
 * dx = y > 0 ? dy : 0 (from relu's output y: y > 0 exactly where x > 0) and db = dx's column sums,
 * y, dy, dx (N, M), db (M,): the bits of reluBackward then sumRows. dx may be dy.
 */
export const reluBackwardSumRows = backwardSumRows('reluBackwardSumRows');

/** y = x > 0 ? x : alpha * x */
export function leakyRelu(x: Tensor, alpha = 0.01, out?: Tensor): Tensor {
  const dtype = checkFloats('leakyRelu', x);
  const y = outputFor('leakyRelu', x, x.shape, out);
  checkNoPartialOverlap('leakyRelu', x, y);
  callKernel('leakyRelu', LEAKY_RELU, dtype, x.size, x, y, alpha);
  return y;
}

/** dx = x > 0 ? dy : alpha * dy */
export function leakyReluBackward(x: Tensor, dy: Tensor, alpha = 0.01, dx?: Tensor): Tensor {
  const dtype = checkFloats('leakyReluBackward', x, dy);
  checkSameShape('leakyReluBackward', x, dy);
  const out = outputFor('leakyReluBackward', dy, dy.shape, dx);
  checkNoPartialOverlap('leakyReluBackward', dy, out);
  callKernel('leakyReluBackward', LEAKY_RELU_BACKWARD, dtype, x.size, x, dy, out, alpha);
  return out;
}

/** y = x > 0 ? x : alpha * (exp(x) - 1) */
export function elu(x: Tensor, alpha = 1, out?: Tensor): Tensor {
  const dtype = checkFloats('elu', x);
  const y = outputFor('elu', x, x.shape, out);
  checkNoPartialOverlap('elu', x, y);
  callKernel('elu', ELU, dtype, x.size, x, y, alpha);
  return y;
}

/** dx = x > 0 ? dy : dy * (y + alpha), from the forward input x and output y. */
export function eluBackward(x: Tensor, y: Tensor, dy: Tensor, alpha = 1, dx?: Tensor): Tensor {
  const dtype = checkFloats('eluBackward', x, y, dy);
  checkSameShape('eluBackward', x, y, dy);
  const out = outputFor('eluBackward', dy, dy.shape, dx);
  checkNoPartialOverlap('eluBackward', dy, out);
  callKernel('eluBackward', ELU_BACKWARD, dtype, x.size, x, y, dy, out, alpha);
  return out;
}
