import type { Tensor } from '../backend/tensor.js';
import type { Backend } from '../backend/backend.js';
import type { FloatDType } from '../backend/dtype.js';
import { ITEM_SIZE, kernelSuffix } from '../backend/dtype.js';
import { formatShape } from '../backend/shape.js';
import { checkFloats, checkMatrix, checkNoOverlap, outputFor } from './check.js';
import { GEMM_MIN_MULTIPLY_ADDS, splitGemm } from '../backend/threads/gemm-split.js';

export interface GemmOptions {
  /** Use a's transpose: a is stored (k, m). */
  transA?: boolean;
  /** Use b's transpose: b is stored (n, k). */
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * c = alpha * op(a) * op(b) + beta * c, in place on c.
 * op(a) is (m, k), op(b) is (k, n), c is (m, n). With beta = 0, c's old contents are ignored.
 */
export function gemm(a: Tensor, b: Tensor, c: Tensor, options: GemmOptions = {}): Tensor {
  const op = 'gemm';
  const dtype = checkFloats(op, a, b, c);
  const { transA = false, transB = false, alpha = 1, beta = 0 } = options;
  const [ar, ac] = checkMatrix(op, a, 'a');
  const [br, bc] = checkMatrix(op, b, 'b');
  const [cr, cc] = checkMatrix(op, c, 'c');
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [k2, n] = transB ? [bc, br] : [br, bc];
  if (k !== k2 || cr !== m || cc !== n) {
    throw new Error(
      `${op}: op(a) ${formatShape([m, k])}${transA ? ' (a transposed)' : ''} times op(b) ${formatShape([k2, n])}` +
        `${transB ? ' (b transposed)' : ''} does not give c ${formatShape(c.shape)}`,
    );
  }
  checkNoOverlap(op, a, c, 'a and c');
  checkNoOverlap(op, b, c, 'b and c');
  gemmKernel(a.backend, dtype, transA, transB, m, n, k, alpha, a.ptr, ac, b.ptr, bc, beta, c.ptr, cc);
  return c;
}

/** op(a) * op(b), into `out` if given (it must be (m, n)), else into a new tensor. */
export function matmul(a: Tensor, b: Tensor, out?: Tensor, options: { transA?: boolean; transB?: boolean } = {}): Tensor {
  const op = 'matmul';
  checkFloats(op, a, b);
  const [ar, ac] = checkMatrix(op, a, 'a');
  const [br, bc] = checkMatrix(op, b, 'b');
  const m = options.transA ? ac : ar;
  const k = options.transA ? ar : ac;
  const kb = options.transB ? bc : br;
  const n = options.transB ? br : bc;
  if (k !== kb) {
    throw new Error(
      `${op}: inner dimensions differ: ${formatShape(a.shape)}${options.transA ? 'ᵀ' : ''} x ` +
        `${formatShape(b.shape)}${options.transB ? 'ᵀ' : ''} (${k} vs ${kb})`,
    );
  }
  const c = outputFor(op, a, [m, n], out);
  return gemm(a, b, c, { ...options, alpha: 1, beta: 0 });
}

/**
 * The raw call, for callers that have already checked everything (layers in the training hot path).
 * Pointers are byte addresses; leading dimensions are row strides in elements.
 */
export function gemmKernel(
  backend: Backend,
  dtype: FloatDType,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  const plan = gemmPlan(backend, dtype);
  const tA = transA ? 1 : 0;
  const tB = transB ? 1 : 0;
  const pool = backend.threadPool;
  if (pool === null || m * n * k < GEMM_MIN_MULTIPLY_ADDS) {
    plan.fn(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, plan.work(0));
    return;
  }
  // Each thread computes a block of C's columns (or rows) with its own packing workspace.
  const shares = splitGemm(pool.threads, transA, transB, m, n, a, lda, b, ldb, c, ldc, ITEM_SIZE[dtype]);
  const jobs = shares.map((s, t) => ({
    kernel: plan.poolIndex,
    args: [tA, tB, s.m, s.n, k, alpha, s.a, lda, s.b, ldb, beta, s.c, ldc, plan.work(t)],
  }));
  pool.run(plan.name, jobs);
}

/** What every GEMM call of one backend and dtype needs, looked up once: the kernel and the workspaces. */
interface GemmPlan {
  /** The exports object the plan was made from (tests may swap it for a counting one). */
  from: Backend['kernels'];
  name: string;
  fn: (...args: number[]) => number;
  /** The kernel's index in the thread pool's table (-1 without threads). */
  poolIndex: number;
  /** Thread t's packing workspace (made on first use, then kept by the backend). */
  work(thread: number): number;
}

const plans = new WeakMap<Backend, Partial<Record<FloatDType, GemmPlan>>>();

function gemmPlan(backend: Backend, dtype: FloatDType): GemmPlan {
  let byType = plans.get(backend);
  if (byType === undefined) plans.set(backend, (byType = {}));
  const cached = byType[dtype];
  // The pool starts after the backend is made: a plan made before it is made again.
  if (cached !== undefined && cached.from === backend.kernels && (cached.poolIndex >= 0) === (backend.threadPool !== null)) {
    return cached;
  }
  const sfx = kernelSuffix(dtype);
  const name = `gemm_${sfx}`;
  const bytes = backend.kernels[`gemmWorkBytes_${sfx}`]();
  const works: number[] = [];
  const plan: GemmPlan = {
    from: backend.kernels,
    name,
    fn: backend.kernels[name],
    poolIndex: backend.threadPool?.kernelIndex(name) ?? -1,
    work: (t) => (works[t] ??= backend.workspace(t === 0 ? name : `${name} thread ${t}`, bytes)),
  };
  byType[dtype] = plan;
  return plan;
}
