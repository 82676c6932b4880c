import type { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { repeatAxis, sumAxis } from '../ops/axis.js';
import { sumRows } from '../ops/reduce.js';

/**
 * NumPy's broadcasting, as element-wise ops and their gradients need it: shapes are aligned at
 * the right; a dimension of 1 (or a missing one) stretches to the other's. Forward expands an
 * operand to the output shape; backward sums the output's gradient back down to the operand's.
 */

/** The broadcast shape of a and b, or an error naming the op and both shapes. */
export function broadcastShape(op: string, a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** shape with 1s in front up to `rank`. */
function padded(shape: Shape, rank: number): number[] {
  return [...Array<number>(rank - shape.length).fill(1), ...shape];
}

/**
 * Whether `small` broadcasts onto `big` as one row repeated: big seen as (rows, small's size), i.e.
 * small (padded) is 1s and then big's trailing dimensions. Then addBias / sumRows do the work.
 */
export function isRowOf(small: Shape, big: Shape): boolean {
  if (small.length > big.length) return false;
  const p = padded(small, big.length);
  let i = 0;
  while (i < p.length && p[i] === 1 && big[i] !== 1) i++;
  for (let j = i; j < p.length; j++) if (p[j] !== big[j]) return false;
  return true;
}

/** x expanded to `shape` (a new tensor), one axis at a time. x's shape must broadcast to it. */
export function expandTo(x: Tensor, shape: Shape): Tensor {
  const p = padded(x.shape, shape.length);
  let current: Tensor = x.reshape(p);
  let owned: Tensor | null = null;
  for (let axis = 0; axis < shape.length; axis++) {
    if (p[axis] === shape[axis]) continue;
    const next = [...current.shape];
    next[axis] = shape[axis];
    const y = repeatAxis(current, axis, next);
    owned?.dispose();
    owned = current = y;
  }
  return owned ?? x.backend.empty(shape, x.dtype).set(x);
}

/** g (of a broadcast output) summed down to `shape`, as a new tensor of that shape. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g.clone();
  const backend = g.backend;
  if (isRowOf(shape, g.shape)) {
    const inner = shape.reduce((n, d) => n * d, 1);
    return sumRows(g.reshape(g.size / inner, inner), backend.empty(shape, g.dtype));
  }
  const p = padded(shape, g.shape.length);
  let current = g;
  let owned: Tensor | null = null;
  for (let axis = 0; axis < p.length; axis++) {
    if (p[axis] === current.shape[axis]) continue;
    const next = [...current.shape];
    next[axis] = 1;
    const y = sumAxis(current, axis, backend.empty(next, g.dtype));
    owned?.dispose();
    owned = current = y;
  }
  const out = backend.empty(shape, g.dtype).set(current);
  owned?.dispose();
  return out;
}
