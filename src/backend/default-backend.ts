import type { Backend } from './backend.js';

/**
 * The backend used when a net, layer or data set is made without one: the one most recently
 * created (or set with `setDefaultBackend`), like TensorFlow.js's current backend.
 */
let current: Backend | null = null;

/** Make `backend` the one nets and data use when given none (null: no default). */
export function setDefaultBackend(backend: Backend | null): void {
  current = backend;
}

/** The backend nets and data use when given none: the last one created, unless set; throws when there is none. */
export function defaultBackend(): Backend {
  if (current === null || current.disposed) {
    throw new Error('no backend: call `await createBackend()` first (or pass { backend })');
  }
  return current;
}
