// The package's face in browsers and workers: no Node built-ins are reachable from here.
export * from './api.js';
export { createBackend } from './backend/load-browser.js';
