import type { Tensor } from '../backend/tensor.js';
import { formatShape } from '../backend/shape.js';
import { checkOneBackend } from '../ops/check.js';
import type { LearningRateSchedule } from './lr-schedule.js';

/** What `update` takes: a net (anything with paramBlock / gradBlock) or the book's params and grads lists. */
export interface HasBlocks {
  paramBlock: Tensor;
  gradBlock: Tensor;
}

/**
 * The shared part of every optimizer: `update(params, grads)` as in the book. When the params are
 * views laid out in one block and the grads in the same layout in another (as every net here
 * keeps them), the update is one kernel call over the blocks; otherwise one call per pair.
 * State (velocity, moments) is made on the first update, one tensor per block, zero-filled.
 *
 * The learning rate is a number or a schedule; with a schedule, `lr` is set from it before each
 * update (`schedule(iterations)`, iterations counting the updates done before this one).
 */
export abstract class Optimizer {
  /** Update count so far (Adam's bias correction uses it). */
  iterations = 0;
  private state = new Map<Tensor, Tensor[]>();
  private pairsCache = new WeakMap<Tensor[], [Tensor, Tensor][]>();

  /** The rate of the last (or, before any update, the first) update. */
  lr: number;
  /** Where `lr` comes from at each update, or null for a fixed rate. */
  readonly schedule: LearningRateSchedule | null;

  constructor(lr: number | LearningRateSchedule) {
    if (typeof lr === 'function') {
      this.schedule = lr;
      this.lr = this.scheduledRate(0);
    } else {
      if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`${this.constructor.name}: learning rate must be a positive number, got ${lr}`);
      this.schedule = null;
      this.lr = lr;
    }
  }

  /** How many state tensors of the params' size this optimizer keeps per block. */
  protected abstract readonly stateCount: number;
  /** Apply one update to a block (or a single param) with its grads and state. */
  protected abstract apply(p: Tensor, g: Tensor, state: Tensor[]): void;

  update(params: Tensor[] | HasBlocks, grads?: Tensor[]): void {
    const pairs = this.pairs(params, grads);
    // Checked before the step is counted: a refused update leaves Adam's bias correction as it was.
    for (const [p, g] of pairs) checkOneBackend(`${this.constructor.name}.update`, p, g);
    if (this.schedule !== null) this.lr = this.scheduledRate(this.iterations);
    this.iterations++;
    for (const [p, g] of pairs) this.apply(p, g, this.stateFor(p));
  }

  /** PyTorch's name: one update of a module's packed parameters (`model.parameters()`) or any params/grads blocks. */
  step(params: HasBlocks): void {
    this.update(params);
  }

  private scheduledRate(step: number): number {
    const rate = this.schedule!(step);
    if (!(typeof rate === 'number' && rate >= 0 && Number.isFinite(rate))) {
      throw new Error(`${this.constructor.name}: the learning-rate schedule gave ${rate} for step ${step}; a rate must be a finite number >= 0`);
    }
    return rate;
  }

  /** Free the state tensors. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
  }

  private stateFor(p: Tensor): Tensor[] {
    let s = this.state.get(p);
    if (s === undefined || s.some((t) => t.disposed)) {
      s = Array.from({ length: this.stateCount }, () => p.backend.zeros(p.shape, p.dtype as 'float32'));
      this.state.set(p, s);
    }
    return s;
  }

  private pairs(params: Tensor[] | HasBlocks, grads?: Tensor[]): [Tensor, Tensor][] {
    if (!Array.isArray(params)) return [[params.paramBlock, params.gradBlock]];
    if (grads === undefined || grads.length !== params.length) {
      throw new Error(`${this.constructor.name}.update: ${params.length} params but ${grads?.length ?? 'no'} grads`);
    }
    let pairs = this.pairsCache.get(params);
    if (pairs === undefined) {
      pairs = contiguousBlocks(params, grads) ?? params.map((p, i) => [p, grads[i]] as [Tensor, Tensor]);
      this.pairsCache.set(params, pairs);
    }
    for (let i = 0; i < params.length; i++) {
      if (params[i].size !== grads[i].size) {
        throw new Error(`${this.constructor.name}.update: param ${i} ${formatShape(params[i].shape)} and its grad ${formatShape(grads[i].shape)} differ`);
      }
    }
    return pairs;
  }
}

/** [[paramBlock, gradBlock]] when params and grads are views covering two blocks in the same layout. */
function contiguousBlocks(params: Tensor[], grads: Tensor[]): [Tensor, Tensor][] | null {
  const P = params[0]?.base;
  const G = grads[0]?.base;
  if (!P || !G || P.size !== G.size || P.dtype !== G.dtype) return null;
  let total = 0;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const g = grads[i];
    if (p.base !== P || g.base !== G || p.ptr - P.ptr !== g.ptr - G.ptr || p.size !== g.size) return null;
    total += p.size;
  }
  return total === P.size ? [[P, G]] : null;
}
