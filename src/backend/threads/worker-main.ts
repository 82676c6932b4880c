import type { ControlLayout } from './control-block.js';

/** What a worker gets once, at start-up. */
export interface WorkerStart {
  /** The threads build of the wasm core, compiled once by the caller. */
  module: WebAssembly.Module;
  /** The backend's shared memory: every tensor, seen without a copy. */
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  layout: ControlLayout;
  /** This worker's slot in the control block (1 .. threads-1). */
  slot: number;
  /** The kernel name table: a call names its kernel by index. */
  names: string[];
  /** How long to poll for the next call before sleeping in Atomics.wait (back-to-back calls skip the wake-up). */
  spinMicros: number;
}

/** The only messages a worker ever sends: once, when it is ready or could not start. */
export type WorkerMessage = { ready: true } | { ready: false; error: string };

/**
 * A worker's whole life: instantiate the wasm core over the shared memory, say it is ready, then
 * run every call the caller writes into this worker's slot until told to exit.
 *
 * The function is sent to the worker as source text (`workerSource`), so it must stand alone:
 * nothing from outside its body but the globals every worker has.
 */
export function workerMain(start: WorkerStart, post: (message: WorkerMessage) => void): void {
  const L = start.layout;
  let kernels: Array<(...args: number[]) => unknown>;
  try {
    const exports = new WebAssembly.Instance(start.module, { env: { memory: start.memory } }).exports;
    kernels = start.names.map((name) => {
      const fn = (exports as Record<string, unknown>)[name];
      if (typeof fn !== 'function') throw new Error(`the threads build of the wasm core has no kernel ${name}`);
      return fn as (...args: number[]) => unknown;
    });
  } catch (err) {
    post({ ready: false, error: err instanceof Error ? err.message : String(err) });
    return;
  }
  const ints = new Int32Array(start.control);
  const floats = new Float64Array(start.control);
  const bytes = new Uint8Array(start.control);
  const base = start.slot * L.slotBytes;
  const generation = (base + L.generation) >> 2;
  const kernelAt = (base + L.kernel) >> 2;
  const argCountAt = (base + L.argCount) >> 2;
  const statusAt = (base + L.status) >> 2;
  const messageLengthAt = (base + L.messageLength) >> 2;
  const claimAt = (base + L.claim) >> 2;
  const argsAt = (base + L.args) >> 3;
  const args: number[] = [];
  let seen = Atomics.load(ints, generation);
  post({ ready: true });

  for (;;) {
    // Poll for a while (the caller's next call is often microseconds away), then sleep.
    const until = performance.now() + start.spinMicros / 1000;
    let polls = 0;
    while (Atomics.load(ints, generation) === seen) {
      if ((++polls & 255) === 0 && performance.now() > until) Atomics.wait(ints, generation, seen);
    }
    seen = Atomics.load(ints, generation);
    // The caller may have run this call itself already (it had no news of this worker in time).
    if (Atomics.compareExchange(ints, claimAt, 0, 1) !== 0) continue;
    const kernel = ints[kernelAt];
    if (kernel === L.exitKernel) return;
    args.length = ints[argCountAt];
    for (let i = 0; i < args.length; i++) args[i] = floats[argsAt + i];
    let status = 0;
    try {
      kernels[kernel](...args);
    } catch (err) {
      status = 1;
      const text = new TextEncoder().encode(`${start.names[kernel]}: ${err instanceof Error ? err.message : String(err)}`);
      const length = Math.min(text.length, L.messageBytes);
      bytes.set(text.subarray(0, length), base + L.message);
      ints[messageLengthAt] = length;
    }
    ints[statusAt] = status;
    Atomics.add(ints, L.doneIndex, 1);
    Atomics.notify(ints, L.doneIndex);
  }
}

/** The worker's script: `workerMain`'s own source plus the few lines that start it on a platform. */
export function workerSource(platform: 'node' | 'browser'): string {
  const main = `(${workerMain.toString()})`;
  return platform === 'node'
    ? // import(), not require: an eval'd worker is an ES module when its process runs with --input-type=module.
      `import('node:worker_threads').then(({ parentPort, workerData }) =>\n` +
        `  ${main}(workerData, (message) => parentPort.postMessage(message)));\n`
    : `self.onmessage = (event) => {\n  self.onmessage = null;\n` +
        `  ${main}(event.data, (message) => self.postMessage(message));\n};\n`;
}
