// (y - t) * scale: the gradient, with respect to its input, of each loss that ends in its own
// canonical link (softmax + cross-entropy, sigmoid + binary cross-entropy, squared error).
// Internal: index.ts does not re-export this file.
import { at, lanes } from './lanes';

/** y, t, dx are (n,): dx = (y - t) * scale. dx may be y or t. */
@inline export function scaledResidual<T>(n: i32, y: usize, t: usize, dx: usize, scale: T): void {
  const L = lanes<T>();
  const s = v128.splat<T>(scale);
  let i = 0;
  for (; i + L <= n; i += L) {
    v128.store(at<T>(dx, i), v128.mul<T>(v128.sub<T>(v128.load(at<T>(y, i)), v128.load(at<T>(t, i))), s));
  }
  for (; i < n; i++) store<T>(at<T>(dx, i), (load<T>(at<T>(y, i)) - load<T>(at<T>(t, i))) * scale);
}
