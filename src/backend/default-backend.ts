import type { Backend } from './backend.js';

/**
 * The backend used when a net, layer or data set is made without one: the one most recently
 * created (or set with `setDefaultBackend`), like TensorFlow.js's current backend.
 */
let current: Backend | null = null;

export function setDefaultBackend(backend: Backend | null): void {
  current = backend;
}

export function defaultBackend(): Backend {
  if (current === null || current.disposed) {
    throw new Error('no backend: call `await createBackend()` first (or pass { backend })');
  }
  return current;
}
