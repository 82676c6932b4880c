import { Tensor } from '../backend/tensor.js';
import { formatShape, sameShape } from '../backend/shape.js';
import type { Shape } from '../backend/shape.js';
import { axpy } from '../ops/elementwise.js';
import type { Variable } from './variable.js';

/**
 * The backward pass: walk the graph from the root in reverse topological order, handing each
 * node its output's gradient, then free the graph (intermediate values, saved tensors, the
 * intermediate gradients, each as soon as its node has used it). Higher-order gradients are not
 * supported: the rules run on plain tensors, so a backward pass records nothing.
 */

/** Leaves that receive gradients in the running pass (grad(f) limits them to f's arguments), or null for all. */
let targets: Set<Variable> | null = null;
/** Set when a rule took over the gradient it was given (see passOn). */
let gradientTaken = false;

/**
 * d(root)/d(leaf) added to each leaf's `grad`. `seed` is d(something)/d(root), shaped like root;
 * without it root must have one element (a loss) and the seed is 1. Afterwards root's graph is
 * gone: its intermediate values are freed (except kept ones; a one-element root still answers
 * item()), and a second backward() through it is an error.
 */
export function runBackward(root: Variable, seed: Tensor | null, only: Set<Variable> | null): void {
  if (root.node === null) {
    throw new Error(
      root.requiresGrad
        ? `backward: Variable ${formatShape(root.shape)} is a leaf or its graph was already freed by an earlier backward()`
        : `backward: Variable ${formatShape(root.shape)} does not require a gradient (no input of its graph is a param)`,
    );
  }
  if (seed === null && root.size !== 1) {
    throw new Error(`backward: Variable ${formatShape(root.shape)} is not a scalar; pass the gradient of something with respect to it`);
  }
  if (seed !== null && (!sameShape(seed.shape, root.shape) || seed.dtype !== root.dtype)) {
    throw new Error(`backward: gradient ${formatShape(seed.shape)} ${seed.dtype} does not match Variable ${formatShape(root.shape)} ${root.dtype}`);
  }
  const order = topologicalOrder(root);
  const backend = root.value.backend;
  root.grad = seed === null ? backend.ones(root.shape, root.dtype) : seed.clone();
  targets = only;
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i];
      const gy = v.grad;
      if (gy === null) continue; // no gradient reached it (its only paths lead to excluded leaves)
      v.grad = null;
      gradientTaken = false;
      v.node!.backward(gy);
      if (!gradientTaken) gy.dispose();
    }
  } finally {
    targets = null;
    for (const v of order) {
      v.grad?.dispose();
      v.grad = null;
      if (v.kept) v.releaseNode();
      else v.dispose();
    }
  }
}

/** Variables with nodes reachable from root, every one after all of its inputs (iterative DFS). */
function topologicalOrder(root: Variable): Variable[] {
  const order: Variable[] = [];
  const seen = new Set<Variable>([root]);
  const stack: [Variable, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node!.inputs;
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.node !== null && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/** Whether the running pass wants v's gradient. */
export function wantsGrad(v: Variable): boolean {
  return v.requiresGrad && (targets === null || v.node !== null || targets.has(v));
}

/** Add g (a tensor the rule made, shaped like v) to v's gradient: adopted when v has none, else added and freed. */
export function accumulate(v: Variable, g: Tensor): void {
  if (!wantsGrad(v)) {
    g.dispose();
    return;
  }
  if (g.size !== v.size) throw new Error(`backward of ${v}: gradient ${formatShape(g.shape)} does not fit`);
  if (v.grad === null) {
    v.grad = sameShape(g.shape, v.shape) ? g : owning(g, v.shape);
  } else {
    axpy(1, g, v.grad);
    g.dispose();
  }
}

/** Hand the rule's own gy (same elements, another shape) on to v without a copy: reshape's backward. */
export function passOn(v: Variable, gy: Tensor, shape: Shape): void {
  if (gy.base !== null) throw new Error('passOn: only a gradient that owns its memory can be passed on');
  gradientTaken = true;
  accumulate(v, owning(gy, shape));
}

/** The same memory under another shape, owning it (the old tensor object is dropped, never disposed). */
function owning(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t.backend, t.ptr, [...shape], t.dtype);
}
