import type { Tensor } from '../../backend/tensor.js';
import { formatShape } from '../../backend/shape.js';
import { sigmoid } from '../../ops/activation.js';
import { checkFloats } from '../../ops/check.js';
import { binaryCrossEntropy, EXACT_LOG_GUARD, sigmoidCrossEntropyBackward } from '../../ops/loss.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Sigmoid followed by binary cross-entropy on scores (logits), fused as the book's SigmoidWithLoss
 * (PyTorch's F.binary_cross_entropy_with_logits up to the divisor): scores x (N,) or (N, K), 0/1
 * targets t of the same size (reshaped to x's shape), y = sigmoid(x),
 *   loss = -sum [t log y + (1 - t) log(1 - y)] / N    (summed over every element, divided by N rows)
 * a (1,) value. The rule keeps y and writes dx = (y - t) gy / N over it.
 */
export function sigmoidCrossEntropy(x: Variable | Tensor, targets: Tensor): Variable {
  const vx = asVariable(x);
  const scores = vx.value;
  checkFloats('sigmoidCrossEntropy', scores, targets);
  if (scores.size !== targets.size) {
    throw new Error(`sigmoidCrossEntropy: scores ${formatShape(scores.shape)} and targets ${formatShape(targets.shape)} differ in size`);
  }
  const t = targets.reshape(scores.shape);
  const rows = scores.shape[0];
  const y = sigmoid(scores);
  let loss: number;
  try {
    loss = binaryCrossEntropy(y, t, EXACT_LOG_GUARD) / rows;
  } catch (err) {
    y.dispose();
    throw err;
  }
  const saved = [y];
  const value = scores.backend.full([1], loss, scores.dtype);
  return output('sigmoidCrossEntropy', value, [vx], (gy) => {
    if (!wantsGrad(vx)) return;
    saved.pop(); // y becomes dx: the graph no longer frees it
    accumulate(vx, sigmoidCrossEntropyBackward(y, t, gy.data[0] / rows, y));
  }, saved);
}
