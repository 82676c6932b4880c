import type { Tensor } from '../../backend/tensor.js';
import { softmaxCrossEntropy as lossOp, softmaxCrossEntropyBackward } from '../../ops/softmax.js';
import { accumulate, wantsGrad } from '../backward.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * Softmax followed by cross-entropy, fused (PyTorch's F.cross_entropy): scores x (N, C), targets
 * int32 labels (N,) or one-hot (N, C); the mean over rows of logsumexp(x) - x[target], as a (1,)
 * value. The rule keeps y = softmax(x) and writes dx = (y - t) gy / N over it.
 */
export function softmaxCrossEntropy(x: Variable | Tensor, targets: Tensor): Variable {
  const vx = asVariable(x);
  const scores = vx.value;
  const y = scores.backend.empty(scores.shape, scores.dtype);
  let loss: number;
  try {
    loss = lossOp(scores, targets, y);
  } catch (err) {
    y.dispose();
    throw err;
  }
  const saved = [y];
  const value = scores.backend.full([1], loss, scores.dtype);
  return output('softmaxCrossEntropy', value, [vx], (gy) => {
    if (!wantsGrad(vx)) return;
    saved.pop(); // y becomes dx: the graph no longer frees it
    accumulate(vx, softmaxCrossEntropyBackward(y, targets, gy.data[0] / scores.shape[0], y));
  }, saved);
}
