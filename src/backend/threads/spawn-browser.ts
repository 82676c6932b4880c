import type { SpawnWorker } from './thread-pool.js';
import { workerSource } from './worker-main.js';
import type { WorkerMessage } from './worker-main.js';

let scriptUrl: string | null = null;

/**
 * A Web Worker running the worker loop, from a blob: URL of its source (one file fewer to serve
 * and find). The module and the shared memory go to it in its one message.
 */
export const spawnBrowserWorker: SpawnWorker = (start, onExit) => {
  scriptUrl ??= URL.createObjectURL(new Blob([workerSource('browser')], { type: 'text/javascript' }));
  const worker = new Worker(scriptUrl, { name: `scratchnet thread ${start.slot}` });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.ready) resolve();
      else reject(new Error(message.error));
    };
    worker.onerror = (event) => {
      reject(new Error(event.message || 'the worker script failed to load'));
      onExit(event.message || 'error');
    };
  });
  worker.postMessage(start);
  return { ready, terminate: () => worker.terminate() };
};
