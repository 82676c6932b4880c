import { CONTROL_LAYOUT as L, controlBytes } from './control-block.js';
import type { WorkerStart } from './worker-main.js';

/** One kernel call of a split: which kernel (index in the name table) and its arguments. */
export interface ThreadJob {
  kernel: number;
  args: number[];
}

/** A started worker, as the platform made it (Node worker_threads or a Web Worker). */
export interface WorkerHandle {
  /** Resolves once the worker has instantiated the wasm core; rejects if it could not. */
  ready: Promise<void>;
  terminate(): void;
}

/**
 * Starts one worker running `workerMain(start)`. `onExit` is called if the worker dies or fails
 * outside a kernel call (a crash, an uncaught error, termination by someone else).
 */
export type SpawnWorker = (start: WorkerStart, onExit: (reason: string) => void) => WorkerHandle;

export interface ThreadPoolOptions {
  /** The threads build, compiled; each worker instantiates it over `memory`. */
  module: WebAssembly.Module;
  /** Shared memory (`shared: true`). */
  memory: WebAssembly.Memory;
  /** The caller's own instance exports, for the caller's share of each call. */
  kernels: Record<string, (...args: number[]) => number>;
  /** The kernel name table. */
  names: readonly string[];
  /** Threads in all, the caller included (so threads - 1 workers). */
  threads: number;
  spawn: SpawnWorker;
  /** Whether this thread may block in Atomics.wait (not on a browser's main thread: it spins instead). */
  canBlock: boolean;
  /** How long an idle worker polls for the next call before sleeping. */
  workerSpinMicros?: number;
  /** How long the caller polls for the workers to finish before sleeping. */
  callerSpinMicros?: number;
}

/**
 * Polling before sleeping. Waking a sleeping thread costs 20-120 µs on this 2-vCPU VM (a futex
 * wake of an idle vCPU), against 0.6-1.6 µs for a whole call handed to a polling worker. The
 * caller polls longer than a wake-up takes: if it slept, the worker's wake-up call would come so
 * late that the worker would be asleep again for the next call, and every call would pay two
 * wake-ups (measured: 50/50 µs gave 60-130 µs per small call, 100/1000 µs gave 2-4 µs). The
 * worker polls long enough to catch the caller's next call of a training step (a few µs of
 * bookkeeping between kernels), not so long that an idle backend keeps a core busy.
 */
const DEFAULT_WORKER_SPIN_MICROS = 100;
const DEFAULT_CALLER_SPIN_MICROS = 1000;
/** How long to sleep per wait before checking the deadline again. */
const WAIT_SLICE_MS = 50;
/** The slot status while a worker runs its share. */
const RUNNING = -1;
/** Claim values: posted and not yet taken, taken by the worker, taken back by the caller. */
const POSTED = 0;
const TAKEN_BACK = 2;

/**
 * Threads - 1 workers over one shared WebAssembly memory, handed kernel calls through a control
 * block: the caller writes each worker's slot, bumps its generation and wakes it, runs its own
 * share, then waits until every worker has counted itself done. No message passes per call.
 */
export class ThreadPool {
  readonly threads: number;
  /** A call that takes longer than this is reported as a dead or stuck worker. */
  timeoutMs = 60_000;
  /** Whether the caller runs the shares no worker has taken when its own is done (off only to test the workers' paths). */
  takeBack = true;
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly workers: WorkerHandle[] = [];
  private readonly indexByName = new Map<string, number>();
  private readonly callerKernels: Array<(...args: number[]) => number>;
  private readonly canBlock: boolean;
  private readonly callerSpinMicros: number;
  private readonly workerSpinMicros: number;
  /** Why the pool can no longer be used (a worker died or stuck), or null. */
  private broken: string | null = null;
  private ended = false;

  private constructor(options: ThreadPoolOptions, control: SharedArrayBuffer) {
    this.threads = options.threads;
    this.ints = new Int32Array(control);
    this.floats = new Float64Array(control);
    this.bytes = new Uint8Array(control);
    this.canBlock = options.canBlock;
    this.callerSpinMicros = options.callerSpinMicros ?? DEFAULT_CALLER_SPIN_MICROS;
    this.workerSpinMicros = options.workerSpinMicros ?? DEFAULT_WORKER_SPIN_MICROS;
    options.names.forEach((name, i) => this.indexByName.set(name, i));
    this.callerKernels = options.names.map((name) => {
      const fn = options.kernels[name];
      if (typeof fn !== 'function') throw new Error(`threads: the wasm core has no kernel ${name}`);
      return fn;
    });
  }

  /** Start the workers; resolves when every one of them is ready to take calls. */
  static async start(options: ThreadPoolOptions): Promise<ThreadPool> {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 2) throw new Error(`threads: a pool needs at least 2 threads, got ${threads}`);
    const control = new SharedArrayBuffer(controlBytes(threads));
    const pool = new ThreadPool(options, control);
    for (let slot = 1; slot < threads; slot++) {
      const start: WorkerStart = {
        module: options.module,
        memory: options.memory,
        control,
        layout: L,
        slot,
        names: [...options.names],
        spinMicros: pool.workerSpinMicros,
      };
      pool.workers.push(
        options.spawn(start, (reason) => {
          if (!pool.ended) pool.broken ??= `worker ${slot} stopped (${reason})`;
        }),
      );
    }
    try {
      await Promise.all(pool.workers.map((w) => w.ready));
    } catch (err) {
      pool.dispose();
      throw new Error(`threads: a worker could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    return pool;
  }

  get disposed(): boolean {
    return this.ended;
  }

  /** Index of a kernel in the name table; throws for a kernel the workers do not know. */
  kernelIndex(name: string): number {
    const index = this.indexByName.get(name);
    if (index === undefined) throw new Error(`threads: ${name} is not in the threaded kernel table`);
    return index;
  }

  /**
   * Run jobs[0] on this thread and jobs[w] on worker w, all at once; return when all are done.
   * Any job's failure is thrown as an Error naming `label` (after every job has finished).
   */
  run(label: string, jobs: readonly ThreadJob[]): void {
    if (this.ended) throw new Error(`${label}: the backend's threads have been disposed`);
    if (this.broken !== null) throw new Error(`${label}: ${this.broken}; dispose the backend and create a new one`);
    if (jobs.length > this.threads) throw new Error(`${label}: ${jobs.length} jobs for ${this.threads} threads`);
    for (const { args } of jobs) {
      if (args.length > L.maxArgs) throw new Error(`${label}: ${args.length} arguments, the control block holds ${L.maxArgs}`);
    }
    const { ints, floats } = this;
    Atomics.store(ints, L.doneIndex, 0);
    for (let w = 1; w < jobs.length; w++) {
      const { kernel, args } = jobs[w];
      const base = w * L.slotBytes;
      ints[(base + L.kernel) >> 2] = kernel;
      ints[(base + L.argCount) >> 2] = args.length;
      ints[(base + L.status) >> 2] = RUNNING;
      floats.set(args, (base + L.args) >> 3);
      Atomics.store(ints, (base + L.claim) >> 2, POSTED);
      Atomics.add(ints, (base + L.generation) >> 2, 1);
      Atomics.notify(ints, (base + L.generation) >> 2);
    }
    let callerError: unknown = null;
    try {
      this.callerKernels[jobs[0].kernel](...jobs[0].args);
    } catch (err) {
      callerError = err;
    }
    // Run the shares no worker has taken yet (asleep, or without a core right now) here.
    let takenBack = 0;
    for (let w = jobs.length - 1; w >= 1 && this.takeBack; w--) {
      const base = w * L.slotBytes;
      if (Atomics.compareExchange(ints, (base + L.claim) >> 2, POSTED, TAKEN_BACK) !== POSTED) continue;
      takenBack++;
      ints[(base + L.status) >> 2] = 0;
      try {
        this.callerKernels[jobs[w].kernel](...jobs[w].args);
      } catch (err) {
        callerError ??= err;
      }
    }
    this.waitForWorkers(label, jobs.length - 1 - takenBack);
    if (callerError !== null) {
      throw new Error(`${label}: ${callerError instanceof Error ? callerError.message : String(callerError)}`);
    }
    for (let w = 1; w < jobs.length; w++) {
      const base = w * L.slotBytes;
      if (ints[(base + L.status) >> 2] !== 0) {
        const length = ints[(base + L.messageLength) >> 2];
        // slice() copies into an unshared buffer: TextDecoder refuses shared views in browsers.
        const message = new TextDecoder().decode(this.bytes.slice(base + L.message, base + L.message + length));
        throw new Error(`${label}: worker ${w} failed in ${message}`);
      }
    }
  }

  /** Poll, then sleep, until `count` workers have counted themselves done or the timeout passes. */
  private waitForWorkers(label: string, count: number): void {
    const { ints } = this;
    const start = performance.now();
    const spinUntil = start + this.callerSpinMicros / 1000;
    const deadline = start + this.timeoutMs;
    let polls = 0;
    for (;;) {
      const done = Atomics.load(ints, L.doneIndex);
      if (done >= count) return;
      if ((++polls & 255) !== 0) continue;
      const now = performance.now();
      if (now > deadline) {
        const stuck: number[] = [];
        for (let w = 1; w < this.threads; w++) if (ints[(w * L.slotBytes + L.status) >> 2] === RUNNING) stuck.push(w);
        this.broken = `worker ${stuck.join(', ')} did not finish ${label} within ${this.timeoutMs} ms (dead or stuck)`;
        throw new Error(`${label}: ${this.broken}`);
      }
      if (this.canBlock && now > spinUntil) Atomics.wait(ints, L.doneIndex, done, Math.min(WAIT_SLICE_MS, deadline - now));
    }
  }

  /** End every worker. Calls made afterwards throw. */
  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    for (let w = 1; w <= this.workers.length; w++) {
      const base = w * L.slotBytes;
      // A worker waiting for a call reads the exit order and returns; terminate() ends one that is busy.
      this.ints[(base + L.kernel) >> 2] = L.exitKernel;
      Atomics.store(this.ints, (base + L.claim) >> 2, POSTED);
      Atomics.add(this.ints, (base + L.generation) >> 2, 1);
      Atomics.notify(this.ints, (base + L.generation) >> 2);
    }
    for (const worker of this.workers) worker.terminate();
  }
}
