import { Tensor } from '../backend/tensor.js';
import { Variable } from './variable.js';
import type { Node } from './variable.js';

/**
 * Recording: an op's output gets a node (and so joins the tape) only while gradients are on and
 * when at least one input requires a gradient. The tape is not a list: each output points at its
 * node, each node at its inputs, and backward() walks that graph from the value it starts at.
 */

let gradEnabled = true;
/** Variables made by ops inside each open tidy() scope, innermost last. */
const scopes: Variable[][] = [];

/** False inside `noGrad`: ops then record nothing. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording: nothing made inside gets a node (evaluation, optimizer steps by hand). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** A Tensor as a leaf Variable without a gradient; a Variable as itself. */
export function asVariable(x: Variable | Tensor): Variable {
  return x instanceof Variable ? x : new Variable(x);
}

/** True when an op on these inputs is to be recorded. */
export function recording(...inputs: Variable[]): boolean {
  if (!gradEnabled) return false;
  for (const v of inputs) if (v.requiresGrad) return true;
  return false;
}

/**
 * The output of an op: `value` (a tensor the op made, or a view of an input's when `owner` is
 * given), recorded with `backward` when `recording(...inputs)`. `saved` are tensors only the
 * rule needs; they are freed at once when nothing is recorded.
 */
export function output(
  op: string,
  value: Tensor,
  inputs: Variable[],
  backward: (gy: Tensor) => void,
  saved: Tensor[] = [],
  owner: Variable | null = null,
): Variable {
  const record = recording(...inputs);
  const out = new Variable(value, record, owner);
  if (record) {
    const node: Node = { op, inputs, saved, backward };
    out.node = node;
  } else {
    for (const t of saved) t.dispose();
  }
  scopes[scopes.length - 1]?.push(out);
  return out;
}

/** Anything holding Variables that tidy() should keep: one, an array, or an object's values. */
export type Kept = Variable | Kept[] | { [key: string]: Kept } | number | string | boolean | null | undefined | void | Tensor;

/**
 * Run fn and then free every Variable an op made inside it, except those in its result (with the
 * values they view, and the graph behind them, for a later backward()). If fn throws, everything
 * it made is freed. Leaves (params, inputs) and params' `grad` are never freed here. Nested scopes
 * hand what they keep to the enclosing scope.
 */
export function tidy<T extends Kept>(fn: () => T): T {
  const made: Variable[] = [];
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const v of made) v.dispose();
    throw err;
  }
  scopes.pop();
  const keep = new Set<Variable>();
  collect(result, keep);
  const parent = scopes[scopes.length - 1];
  for (const v of made) {
    if (keep.has(v)) parent?.push(v);
    else v.dispose();
  }
  return result;
}

function collect(x: Kept, keep: Set<Variable>): void {
  if (x instanceof Variable) {
    if (keep.has(x)) return; // reached before, along another path of the graph
    for (let v: Variable | null = x; v !== null; v = v.owner) keep.add(v);
    // A kept value's graph stays usable: so do the values its nodes read.
    if (x.node !== null) for (const input of x.node.inputs) collect(input, keep);
  } else if (Array.isArray(x)) {
    for (const item of x) collect(item, keep);
  } else if (x !== null && typeof x === 'object' && !(x instanceof Tensor)) {
    for (const item of Object.values(x)) collect(item as Kept, keep);
  }
}
