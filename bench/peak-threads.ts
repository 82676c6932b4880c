/**
 * The SIMD ceiling of several cores: the wasm core's peak loop (peak_f32 / peak_f64: independent
 * multiply-adds in registers) run at once on this thread and on `threads - 1` workers, each over
 * its own instance of the module. The figure a multi-threaded GEMM is measured against, as the
 * one-thread peak loop is for one thread.
 *
 * Workers are started once and sleep in Atomics.wait between calls; a call wakes them through a
 * small shared control block, runs this thread's share, and waits until every worker is done —
 * the same hand-off the library's thread pool uses, so the ceiling carries the same wake-up cost.
 */
import { Worker } from 'node:worker_threads';

export type PeakDtype = 'float32' | 'float64';

// Control block, Int32 slots.
const GENERATION = 0;
const KIND = 1;
const ITERATIONS = 2;
const DONE = 3;
const STOP = 4;
const SLOTS = 5;

/** How long a call may wait for its workers before it reports them as stuck. */
const CALL_TIMEOUT_MS = 30_000;

/** Plain JavaScript run by each worker (eval'd: it needs no file of its own on disk). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, control } = workerData;
const ints = new Int32Array(control);
const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768 });
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
let seen = Atomics.load(ints, ${GENERATION});
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(ints, ${GENERATION}, seen);
  const generation = Atomics.load(ints, ${GENERATION});
  if (generation === seen) continue;
  seen = generation;
  if (Atomics.load(ints, ${STOP}) !== 0) break;
  const iterations = Atomics.load(ints, ${ITERATIONS});
  if (Atomics.load(ints, ${KIND}) === 0) kernels.peak_f32(iterations);
  else kernels.peak_f64(iterations);
  Atomics.add(ints, ${DONE}, 1);
  Atomics.notify(ints, ${DONE});
}
`;

type PeakKernels = Record<string, (...args: number[]) => number>;

export class PeakThreads {
  private readonly ints: Int32Array;
  private ended = false;

  private constructor(
    readonly threads: number,
    private readonly kernels: PeakKernels,
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
  ) {
    this.ints = new Int32Array(control);
  }

  /**
   * Starts `threads - 1` workers, each instantiating `module` (the wasm core's plain build) over
   * its own memory. `kernels` are this thread's exports of the same module.
   */
  static async start(module: WebAssembly.Module, kernels: PeakKernels, threads: number): Promise<PeakThreads> {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`PeakThreads.start: threads must be a positive integer, got ${threads}`);
    if (typeof kernels.peak_f32 !== 'function' || typeof kernels.peak_f64 !== 'function') {
      throw new Error('PeakThreads.start: the wasm core exports no peak_f32 / peak_f64');
    }
    const control = new SharedArrayBuffer(SLOTS * 4);
    const workers: Worker[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, control } });
        workers.push(worker);
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', (err) => reject(new Error(`PeakThreads: worker ${t} failed to start: ${err.message}`)));
          worker.once('exit', (code) => reject(new Error(`PeakThreads: worker ${t} exited with code ${code} before it was ready`)));
        });
        worker.removeAllListeners();
        worker.on('error', () => {}); // a later failure shows as a call that times out
        worker.unref();
      }
    } catch (err) {
      for (const w of workers) void w.terminate();
      throw err;
    }
    return new PeakThreads(threads, kernels, workers, control);
  }

  /** Flops one thread does in `iterations` iterations of the peak loop of `dtype`. */
  flopsPerThread(dtype: PeakDtype, iterations: number): number {
    const perIteration = dtype === 'float32' ? this.kernels.peakFlopsPerIteration_f32() : this.kernels.peakFlopsPerIteration_f64();
    return perIteration * iterations;
  }

  /** Every thread runs `iterations` iterations of the peak loop at once; returns when all are done. */
  run(dtype: PeakDtype, iterations: number): void {
    if (this.ended) throw new Error('PeakThreads.run: disposed');
    const ints = this.ints;
    const workers = this.workers.length;
    if (workers > 0) {
      Atomics.store(ints, KIND, dtype === 'float32' ? 0 : 1);
      Atomics.store(ints, ITERATIONS, iterations);
      Atomics.store(ints, DONE, 0);
      Atomics.add(ints, GENERATION, 1);
      Atomics.notify(ints, GENERATION);
    }
    if (dtype === 'float32') this.kernels.peak_f32(iterations);
    else this.kernels.peak_f64(iterations);
    const deadline = performance.now() + CALL_TIMEOUT_MS;
    for (let done = Atomics.load(ints, DONE); done < workers; done = Atomics.load(ints, DONE)) {
      if (performance.now() > deadline) throw new Error(`PeakThreads.run: ${workers - done} of ${workers} workers did not finish within ${CALL_TIMEOUT_MS} ms`);
      Atomics.wait(ints, DONE, done, 100);
    }
  }

  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    Atomics.store(this.ints, STOP, 1);
    Atomics.add(this.ints, GENERATION, 1);
    Atomics.notify(this.ints, GENERATION);
    for (const w of this.workers) void w.terminate();
  }
}
