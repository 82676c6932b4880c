// The package's face in Node: everything platform-neutral, plus Node's backend loader and files.
export * from './api.js';
export { createBackend } from './backend/load-node.js';
