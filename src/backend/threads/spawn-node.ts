import { Worker } from 'node:worker_threads';
import type { SpawnWorker } from './thread-pool.js';
import { workerSource } from './worker-main.js';
import type { WorkerMessage } from './worker-main.js';

/**
 * A Node worker_threads worker running the worker loop. It is unref()'d once ready, so a process
 * that never disposes its backend still exits when its own work is done.
 */
export const spawnNodeWorker: SpawnWorker = (start, onExit) => {
  const worker = new Worker(workerSource('node'), { eval: true, workerData: start, name: `scratchnet thread ${start.slot}` });
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: WorkerMessage) => {
      if (message.ready) {
        worker.unref();
        resolve();
      } else reject(new Error(message.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code} before it was ready`)));
  });
  worker.on('error', (err) => onExit(err.message));
  worker.on('exit', (code) => onExit(`exit code ${code}`));
  return { ready, terminate: () => void worker.terminate() };
};
