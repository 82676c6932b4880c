// The package's face in browsers and workers: no Node built-ins are reachable from here.
export * from './api.js';
export { createBackend } from './backend/load-browser.js';
export { saveNetToIndexedDB, loadNetFromIndexedDB, deleteNetFromIndexedDB, listNetsInIndexedDB } from './io/net-indexeddb.js';
export type { IndexedDBOptions } from './io/net-indexeddb.js';
export { loadNetFromUrl } from './io/net-url.js';
export type { LoadNetFromUrlOptions } from './io/net-url.js';
export { downloadBytes, downloadNet } from './io/browser-download.js';
