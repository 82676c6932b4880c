/**
 * What `import 'scratchnet'` gives in a browser or a worker (the `browser` export condition): the
 * same API as in Node, with a `createBackend` that fetches the `.wasm` over HTTP, and weights kept in
 * IndexedDB, fetched from a URL or offered as a download instead of files.
 *
 * @module browser
 */
// The package's face in browsers and workers: no Node built-ins are reachable from here.
export * from './api.js';
export { createBackend } from './backend/load-browser.js';
export type { BrowserBackendOptions } from './backend/load-browser.js';
export { saveNetToIndexedDB, loadNetFromIndexedDB, deleteNetFromIndexedDB, listNetsInIndexedDB } from './io/net-indexeddb.js';
export type { IndexedDBOptions } from './io/net-indexeddb.js';
export { loadNetFromUrl } from './io/net-url.js';
export type { LoadNetFromUrlOptions } from './io/net-url.js';
export { downloadBytes, downloadNet } from './io/browser-download.js';
