import type { Tensor } from '../../backend/tensor.js';
import { sameShape } from '../../backend/shape.js';
import type { Shape } from '../../backend/shape.js';
import { mul as mulOp, scale as scaleOp } from '../../ops/elementwise.js';
import { checkFloats } from '../../ops/check.js';
import { accumulate, passOn, wantsGrad } from '../backward.js';
import { broadcastShape, expandTo, sumTo } from '../broadcast.js';
import { asVariable, output } from '../tape.js';
import type { Variable } from '../variable.js';

/**
 * a * b element by element with NumPy broadcasting, and alpha * x for a number alpha.
 * Backward of a * b: da = (gy * b) summed down to a's shape, db = (gy * a) summed down to b's.
 */
export function mul(a: Variable | Tensor, b: Variable | Tensor): Variable {
  const va = asVariable(a);
  const vb = asVariable(b);
  checkFloats('mul', va.value, vb.value);
  const shape = broadcastShape('mul', va.shape, vb.shape);
  const y = withExpanded(va.value, vb.value, shape, (ae, be) => mulOp(ae, be));
  return output('mul', y, [va, vb], (gy) => {
    for (const [v, other] of [[va, vb], [vb, va]] as const) {
      if (!wantsGrad(v)) continue;
      const prod = withExpanded(gy, other.value, shape, (g, o) => mulOp(g, o));
      if (sameShape(prod.shape, v.shape)) accumulate(v, prod);
      else {
        accumulate(v, sumTo(prod, v.shape));
        prod.dispose();
      }
    }
  });
}

/** fn on a and b expanded to `shape` (temporaries freed after). */
function withExpanded(a: Tensor, b: Tensor, shape: Shape, fn: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const ae = sameShape(a.shape, shape) ? a : expandTo(a, shape);
  const be = sameShape(b.shape, shape) ? b : expandTo(b, shape);
  try {
    return fn(ae, be);
  } finally {
    if (ae !== a) ae.dispose();
    if (be !== b) be.dispose();
  }
}

/** alpha * x; dx = alpha * gy (written over gy). */
export function scale(x: Variable | Tensor, alpha: number): Variable {
  const vx = asVariable(x);
  if (!Number.isFinite(alpha)) throw new Error(`scale: alpha must be a finite number, got ${alpha}`);
  const y = scaleOp(vx.value, alpha);
  return output('scale', y, [vx], (gy) => {
    if (wantsGrad(vx)) passOn(vx, scaleOp(gy, alpha, gy), vx.shape);
  });
}
